"""Hostile input: bodies too large, malformed or unauthenticated, and control characters bound for the logs."""

import io
import json
import logging
import runpy
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from catalog.config import REPOSITORY_ROOT

MIB = 1024 * 1024
# One representative write per door: the JSON API, FHIR and CDS Hooks.
WRITES = [
    "/api/v1/checks",
    "/api/v1/patients",
    "/fhir/R4",
    "/cds-services/mesocat-order-select",
]


class Tripwire(io.RawIOBase):
    """A request body that fails the test if anybody reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the request body was read")


def post_raw(client, url, stream, *, length: int, token: str | None = None):
    """POST with a Content-Length of our choosing and a body stream werkzeug's test client does not buffer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(url, headers=headers, environ_overrides={"wsgi.input": stream, "CONTENT_LENGTH": str(length)})


def post_bytes(client, url, body: bytes, token: str):
    content_type = "application/fhir+json" if url.startswith("/fhir/") else "application/json"
    return client.post(url, data=body, headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


def message(response) -> str:
    """The error's message, in the API's shape or FHIR's OperationOutcome."""
    body = response.json
    if body.get("resourceType") == "OperationOutcome":
        return body["issue"][0]["diagnostics"]
    return body["message"]


# --- Bounded input --------------------------------------------------------------------------------


def test_the_largest_body_is_one_mebibyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MIB


@pytest.mark.parametrize("url", WRITES)
def test_a_write_without_a_token_is_refused_before_its_body_is_read(client, url):
    response = post_raw(client, url, Tripwire(), length=200 * MIB)
    assert response.status_code == 401
    assert response.is_json


@pytest.mark.parametrize("url", WRITES)
def test_a_write_with_a_bad_token_is_refused_before_its_body_is_read(client, url):
    response = post_raw(client, url, Tripwire(), length=10, token="not-a-token")
    assert response.status_code == 401


@pytest.mark.parametrize("url", WRITES)
def test_a_body_over_the_limit_is_413_in_json_without_being_read(client, clinic, url):
    response = post_raw(client, url, Tripwire(), length=200 * MIB, token=clinic.write_token)
    assert response.status_code == 413
    assert "too large" in message(response).lower() or "exceeded" in message(response).lower()


def test_a_body_over_the_limit_under_fhir_is_an_operation_outcome(client, clinic):
    response = post_raw(client, "/fhir/R4", Tripwire(), length=MIB + 1, token=clinic.write_token)
    assert response.status_code == 413
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "too-long"


def test_a_body_just_under_the_limit_is_read(api):
    padding = "x" * (MIB - 200)
    response = api.post("/api/v1/patients", json={"reference": "BIG-1", "display_name": "Big", "notes": padding})
    assert response.status_code != 413


def test_an_open_catalogue_read_still_needs_no_token(client):
    assert client.get("/api/v1/ingredients").status_code == 200


# --- Malformed bodies: never a 500 ----------------------------------------------------------------


def nested(depth: int) -> bytes:
    return ('{"a": ' * depth + "1" + "}" * depth).encode()


MALFORMED = {
    "nested 1,000 deep": nested(1000),
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "a lone surrogate": b'{"reference": "R-SUR", "display_name": "x\\ud800", "resourceType": "Bundle"}',
    "a lone surrogate in a key": b'{"x\\udfff": 1}',
    "invalid UTF-8": b'{"reference": "R-UTF", "display_name": "caf\xe9"}',
    "a 4,301-digit integer": b'{"patient": ' + b"7" * 4301 + b', "cocktail": 1}',
}


@pytest.mark.parametrize("url", WRITES)
@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_body_is_a_clear_client_error(client, clinic, url, case):
    response = post_bytes(client, url, MALFORMED[case], clinic.write_token)
    assert response.status_code in {400, 413, 422}, (case, response.status_code)
    assert response.is_json
    assert message(response)


def test_nesting_deeper_than_the_limit_is_refused_with_its_reason(api):
    response = api.post("/api/v1/checks", json=json.loads(nested(33)))
    assert response.status_code == 400
    assert "32 levels" in response.json["message"]


def test_nesting_within_the_limit_reaches_the_schema(api):
    response = api.post("/api/v1/checks", json=json.loads(nested(30)))
    assert response.status_code == 422


def test_a_lone_surrogate_is_refused_with_its_reason(api):
    response = api.post("/api/v1/patients", json={"reference": "R-SUR", "display_name": "x\ud800"})
    assert response.status_code == 400
    assert "surrogate" in response.json["message"]
    assert api.get("/api/v1/patients").json["total"] == 0


def test_invalid_utf8_is_refused_with_its_reason(client, clinic):
    response = post_bytes(client, "/api/v1/patients", MALFORMED["invalid UTF-8"], clinic.write_token)
    assert response.status_code == 400
    assert "UTF-8" in response.json["message"]


def test_an_integer_with_too_many_digits_is_refused_with_its_reason(client, clinic):
    response = post_bytes(client, "/api/v1/checks", MALFORMED["a 4,301-digit integer"], clinic.write_token)
    assert response.status_code == 400
    assert "digits" in response.json["message"]


def test_text_with_nul_characters_is_still_refused(api):
    response = api.post("/api/v1/patients", json={"reference": "R-NUL", "display_name": "a\u0000b"})
    assert response.status_code == 400
    assert "NUL" in response.json["message"]


# --- Control characters in the logs ---------------------------------------------------------------


def gunicorn_settings() -> dict:
    return runpy.run_path(str(Path(REPOSITORY_ROOT) / "gunicorn.conf.py"))


def access_line(path: str, **environ) -> str:
    """The line gunicorn's access log would write for a GET of `path` (PATH_INFO is already percent-decoded)."""
    from gunicorn.config import Config

    settings = gunicorn_settings()
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    config.set("accesslog", "-")
    logger = settings["logger_class"](config)
    records = []
    logger.access_log = SimpleNamespace(info=lambda fmt, atoms: records.append(fmt % atoms))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        **environ,
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    request = SimpleNamespace(headers=[("User-Agent", environ.get("HTTP_USER_AGENT", "-"))])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    (line,) = records
    return line


def test_gunicorn_uses_a_logger_that_escapes_control_characters():
    from gunicorn.glogging import Logger

    assert issubclass(gunicorn_settings()["logger_class"], Logger)


def test_a_newline_in_the_path_cannot_forge_an_access_log_line():
    forged = '/ingredients\n203.0.113.66 "GET /admin" 200 0 1ms'
    line = access_line(forged)
    assert "\n" not in line
    assert line == '203.0.113.9 "GET /ingredients\\x0a203.0.113.66 \\x22GET /admin\\x22 200 0 1ms" 200 12 3ms'


@pytest.mark.parametrize("control", ["\r", "\x1b", "\x00", "\x7f", "\x9b"])
def test_other_control_characters_in_the_path_are_escaped(control):
    line = access_line(f"/a{control}b")
    assert control not in line
    assert f"/a\\x{ord(control):02x}b" in line


def test_a_user_agent_with_a_newline_is_escaped_too():
    from gunicorn.config import Config

    settings = gunicorn_settings()
    logger = settings["logger_class"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "PATH_INFO": "/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "curl\nforged",
        "HTTP_REFERER": "http://x/\r\n",
    }
    atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[]), [("X-Note", "a\nb")], environ, timedelta(0))
    assert atoms["a"] == "curl\\x0aforged"
    assert atoms["f"] == "http://x/\\x0d\\x0a"
    assert atoms["{x-note}i"] == "a\\x0ab"


def test_the_apps_own_error_log_escapes_the_path(app, caplog):
    from catalog import log_exception_safely

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    with app.test_request_context("/ingredients/x%0AINFO forged line"), caplog.at_level(logging.ERROR):
        log_exception_safely(app, exc_info)
    (record,) = [r for r in caplog.records if "Unhandled" in r.getMessage()]
    first_line = record.getMessage().splitlines()[0]
    assert first_line.endswith("GET /ingredients/x\\x0aINFO forged line")
