"""Driving wrk: every scenario is a file of requests, each wrk request a random one of them.

wrk runs with 2 threads and 16 connections, as the recorded figures always have.
"""

import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 16

# One request per line: method, path, bearer token, JSON body (tab-separated; token and body may be empty).
SCRIPT = """\
local requests = {}
for line in io.lines("%(requests_file)s") do
  local method, path, token, body = line:match("([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)")
  requests[#requests + 1] = {method, path, token, body}
end
math.randomseed(os.time())
request = function()
  local r = requests[math.random(#requests)]
  local headers = {}
  if r[3] ~= "" then headers["Authorization"] = "Bearer " .. r[3] end
  if r[4] ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[4] ~= "" and r[4] or nil)
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str = ""
    body: str = ""

    @classmethod
    def get(cls, path: str) -> "Request":
        return cls("GET", path)


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int  # answers that were neither 2xx nor 3xx
    socket_errors: int  # connect, read, write errors and timeouts

    def as_dict(self) -> dict:
        return asdict(self)


def write_script(directory: Path, name: str, requests: list[Request]) -> Path:
    """The Lua script (and its requests file) that sends these requests at random."""
    requests_file = directory / f"requests-{name}.tsv"
    requests_file.write_text("".join(f"{r.method}\t{r.path}\t{r.token}\t{r.body}\n" for r in requests))
    script = directory / f"requests-{name}.lua"
    script.write_text(SCRIPT % {"requests_file": requests_file})
    return script


def run(base_url: str, script: Path, seconds: float) -> WrkResult:
    """One wrk run of `seconds` against `base_url`, with latency percentiles."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "-s", str(script), base_url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse(output)


def parse(output: str) -> WrkResult:
    """The figures of wrk's report."""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_latency_ms(output, "50"),
        p99_ms=_latency_ms(output, "99"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def _latency_ms(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if match is None:  # wrk prints no distribution when nothing was answered
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return {"us": value / 1000, "ms": value, "s": value * 1000}[unit]
