"""Hostile input: bodies too large, malformed or unauthenticated."""

import io
import json

import pytest

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
