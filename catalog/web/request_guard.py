"""Input refused before any view runs: what no database column can hold, and bodies that are not JSON."""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from catalog.core.db import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a positive id that fits the database's integer columns."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


# Longer request lines are refused by the app, in its own words (JSON under /api), before gunicorn's
# own limit (limit_request_line in gunicorn.conf.py) would answer with a bare HTML page.
MAX_URL_LENGTH = 4096


def refuse_unstorable_input():
    if len(request.full_path) > MAX_URL_LENGTH:
        abort(414, description=f"The address is too long: up to {MAX_URL_LENGTH} characters, with its query.")
    # PostgreSQL cannot store NUL in text; SQLite would keep it silently. Neither is meaningful input.
    sources = [request.view_args or {}, request.args.to_dict(flat=False), request.form.to_dict(flat=False)]
    if request.is_json:
        sources.append(request.get_json(silent=True))
    if any(_has_nul(source) for source in sources):
        abort(400, description="Text may not contain NUL characters (\\u0000).")
    writing = request.method in {"POST", "PUT", "PATCH"}
    if (
        writing
        and request.path.startswith(("/api/", "/fhir/", "/cds-services"))
        and request.content_length
        and not request.is_json
    ):
        abort(415, description="Send the body as JSON, with 'Content-Type: application/json'.")


def init_app(app: Flask) -> None:
    """Must run before blueprints are registered: routes take the converter when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_input)
