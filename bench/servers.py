"""The servers under load: Mesocat (`gunicorn wsgi:app`, from this or another checkout) and the baseline.

Both run under this venv's gunicorn with 2 sync workers on a free loopback port, access log to /dev/null.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.database import BENCH_DIR, sqlite_path

GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 2
STARTUP_SECONDS = 60


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mesocat(database_url: str, app_root: Path, environment: Mapping[str, str]) -> Server:
    """`gunicorn wsgi:app` from `app_root` (its own gunicorn.conf.py and code), on the bench database."""
    environment = {
        **environment,
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(app_root),
    }
    return _start("mesocat", ["wsgi:app"], cwd=app_root, environment=environment)


def start_baseline(database_url: str, environment: Mapping[str, str]) -> Server:
    """The plain Flask + sqlite3 app of bench/baseline.py, on the same SQLite file."""
    environment = {**environment, "BASELINE_DATABASE": str(sqlite_path(database_url)), "PYTHONPATH": str(BENCH_DIR)}
    # Started from bench/, so gunicorn does not read the app's gunicorn.conf.py.
    return _start("baseline", ["baseline:app"], cwd=BENCH_DIR, environment=environment)


def _start(name: str, application: list[str], *, cwd: Path, environment: dict[str, str]) -> Server:
    port = free_port()
    command = [
        str(GUNICORN),
        *application,
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        "--access-logfile=/dev/null",
        "--log-level=warning",
    ]
    server = Server(name, subprocess.Popen(command, cwd=cwd, env=environment), f"http://127.0.0.1:{port}")
    try:
        _wait_until_healthy(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.name} server exited with status {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the {server.name} server did not answer /healthz within {STARTUP_SECONDS} s")
