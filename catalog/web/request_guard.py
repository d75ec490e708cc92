"""Input refused before any view runs: what no database column can hold, and bodies that are not JSON.

The order matters. A write to a token route (every POST, PUT, PATCH and DELETE under /api, /fhir and
/cds-services needs a token) is authenticated here, before its body is touched: a caller without a
valid token cannot make the app read, buffer or parse anything it sends. Only then is the body read
(werkzeug refuses one over MAX_CONTENT_LENGTH with a 413 before reading it) and parsed once, strictly:
UTF-8, nesting, long numbers, NUL and lone surrogates. The views' own parsers (webargs, get_json) then
read the same cached bytes, which are known to be well-formed, so none of them can fail with a 500.
"""

import json
import re

from flask import Flask, abort, request
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from catalog.clinics.auth import authenticate_token
from catalog.core.db import MAX_ID
from catalog.ingredients.schemas import MAX_QUERY_LENGTH
from catalog.web.errors import wants_json

# The largest request body: JSON and form posts are small; a FHIR bundle of a few hundred records fits.
MAX_BODY_BYTES = 1024 * 1024
# Arrays and objects within arrays and objects: the deepest real body (a FHIR bundle) nests about 8.
MAX_JSON_DEPTH = 32
# No number the catalogue holds has more digits; longer ones overflow floats and database columns.
MAX_NUMBER_DIGITS = 100
# Longer request lines are refused by the app, in its own words (JSON under /api), before gunicorn's
# own limit (limit_request_line in gunicorn.conf.py) would answer with a bare HTML page.
MAX_URL_LENGTH = 4096

WRITING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_PREFIXES = ("/api/", "/fhir/", "/cds-services")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a positive id that fits the database's integer columns."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class _NumberTooLong(ValueError):
    pass


def _bounded_int(text: str) -> int:
    # Python refuses over 4,300 digits with a ValueError of its own; we refuse far sooner, with a reason.
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberTooLong
    return int(text)


def _refuse_unstorable_text(value) -> None:
    """Walk the value without recursion: refuse nesting past MAX_JSON_DEPTH, NUL and lone surrogates."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                abort(
                    400, description=f"The body nests arrays and objects too deeply: at most {MAX_JSON_DEPTH} levels."
                )
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and (found := UNSTORABLE.search(item)):
            if found.group() == "\x00":
                # PostgreSQL cannot store NUL in text; SQLite would keep it silently. Neither is meaningful input.
                abort(400, description="Text may not contain NUL characters (\\u0000).")
            abort(400, description="Text may not contain a lone surrogate (\\ud800-\\udfff): it is not a character.")


def _parse_json_body():
    """The body as JSON, parsed strictly (the bytes stay cached for the view's own parser)."""
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        limit = request.max_content_length
        abort(413, description=f"The body is too large: at most {limit:,} bytes ({limit // 1024:,} KiB).")
    if not data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        abort(400, description=f"The body is not valid UTF-8 (byte {error.start}).")
    try:
        return json.loads(text, parse_int=_bounded_int)
    except _NumberTooLong:
        abort(400, description=f"Numbers may have at most {MAX_NUMBER_DIGITS} digits.")
    except RecursionError:
        # The parser's own stack limit, hit long before memory runs out.
        abort(400, description=f"The body nests arrays and objects too deeply: at most {MAX_JSON_DEPTH} levels.")
    except ValueError as error:
        abort(400, description=f"The body is not valid JSON: {error}.")


def _too_long_address() -> str:
    """Why an address is refused as too long: for a page's search, in the searcher's words and with its limit."""
    if wants_json():
        return f"The address is too long: up to {MAX_URL_LENGTH} characters, with its query."
    if "q" in request.args:
        return gettext(
            "This search is too long: up to %(max)s characters. Shorten it and search again.",
            max=f"{MAX_QUERY_LENGTH:,}",
        )
    return gettext("This address is too long: up to %(max)s characters.", max=f"{MAX_URL_LENGTH:,}")


def refuse_unstorable_input():
    if len(request.full_path) > MAX_URL_LENGTH:
        abort(414, description=_too_long_address())
    if request.url_rule is None:
        return  # no such route or method: Flask answers 404 or 405 without reading the body
    sources = [request.view_args or {}, request.args.to_dict(flat=False)]
    if request.method in WRITING:
        if request.path.startswith(TOKEN_PREFIXES):
            # The same 401 as the view's own check would give; the view checks scope and role again.
            authenticate_token()
            if request.content_length and not request.is_json:
                abort(415, description="Send the body as JSON, with 'Content-Type: application/json'.")
        sources.append(_parse_json_body() if request.is_json else request.form.to_dict(flat=False))
    for source in sources:
        _refuse_unstorable_text(source)


def init_app(app: Flask) -> None:
    """Must run before blueprints are registered: routes take the converter when they are added."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_input)
