"""Static files served by whitenoise, each also under a content-hashed name cached for a year.

Templates call `asset_url("vendor/pico/pico.min.css")`; the hashed URL changes
whenever the file does, so browsers may keep it forever.
"""

import hashlib
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise


def hashed_name(relative: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(relative.with_name(f"{relative.stem}.{digest}{relative.suffix}"))


def init_app(app: Flask) -> None:
    static_root = Path(app.static_folder)
    manifest: dict[str, str] = {}
    for path in sorted(static_root.rglob("*")):
        if path.is_file():
            relative = path.relative_to(static_root)
            manifest[relative.as_posix()] = hashed_name(relative, path.read_bytes())

    immutable_urls = {f"/static/{hashed}" for hashed in manifest.values()}
    whitenoise = WhiteNoise(
        app.wsgi_app,
        root=static_root,
        prefix="static/",
        max_age=3600,
        immutable_file_test=lambda path, url: url in immutable_urls,
    )
    for original, hashed in manifest.items():
        whitenoise.add_file_to_dictionary(f"/static/{hashed}", str(static_root / original))
    app.wsgi_app = whitenoise

    def asset_url(name: str) -> str:
        return f"/static/{manifest[name]}"

    app.jinja_env.globals["asset_url"] = asset_url
