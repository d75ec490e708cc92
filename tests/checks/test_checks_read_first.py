"""A check of unsaved components writes nothing, so on SQLite it begins as a read: it answers while
another request holds the write lock. Recording a check still takes the lock, and waits its turn."""

import sqlite3

import pytest

from tests.conftest import make_test_app, migrate_and_seed
from tests.factories import committed_clinic_token

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}


@pytest.fixture
def busy_sqlite(fresh_database_url):
    url = fresh_database_url()
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's single writer is what this is about")
    app = make_test_app(url)
    migrate_and_seed(app)
    headers = {"Authorization": f"Bearer {committed_clinic_token(app, 'Composing clinic')}"}
    client = app.test_client()
    patient = client.post("/api/v1/patients", json={"reference": "RF-1", "display_name": "Read First"}, headers=headers)
    cocktail = client.post(
        "/api/v1/cocktails",
        json={"name": "Read first", "technique": "point-injection", "components": [LIDOCAINE]},
        headers=headers,
    )
    # Warm the token's last use, so that the reads below have no bookkeeping to wait for either.
    client.get("/api/v1/patients", headers=headers)
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.1, isolation_level=None)
    yield client, headers, patient.json["id"], cocktail.json["id"], writer
    writer.close()


def test_an_unsaved_check_answers_while_another_request_writes(busy_sqlite):
    client, headers, patient, _cocktail, writer = busy_sqlite
    writer.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/v1/checks", json={"patient": patient, "components": [LIDOCAINE]}, headers=headers)
        assert response.status_code == 200, response.get_json()
    finally:
        writer.execute("ROLLBACK")


def test_recording_a_check_still_takes_the_write_lock(busy_sqlite):
    client, headers, patient, cocktail, writer = busy_sqlite
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("ROLLBACK")
    response = client.post("/api/v1/checks", json={"patient": patient, "cocktail": cocktail}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert client.get("/api/v1/checks", headers=headers).get_json()["total"] == 1


def test_a_write_looks_its_token_up_once(api, client, clinic, monkeypatch):
    """The request guard authenticates a write before reading its body, and the view asks again:
    the second asking reuses the first's answer, and never a request's before it."""
    from catalog.clinics import credentials

    patient = api.post("/api/v1/patients", json={"reference": "TK-1", "display_name": "Token Once"}).json["id"]
    # The tests' requests share one app context (and `g`): another token's request comes between.
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {clinic.read_token}"}).status_code == 200
    looked_up = []
    original = credentials.token_for_secret
    monkeypatch.setattr(
        credentials,
        "token_for_secret",
        lambda session, secret: looked_up.append(secret) or original(session, secret=secret),
    )
    response = api.post("/api/v1/checks", json={"patient": patient, "components": [LIDOCAINE]})
    assert response.status_code == 200, response.json
    assert len(looked_up) == 1, looked_up
