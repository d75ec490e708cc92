"""The audit trail: who changed what, coded values only, append-only, filterable."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from catalog.audit.models import AppendOnlyError, AuditEntry
from catalog.core.db import utcnow


@pytest.fixture
def patient(api):
    return api.post("/api/v1/patients", json={"reference": "AUD-1", "display_name": "Private Person"}).json


def entries(reader, **params):
    response = reader.get("/api/v1/audit", query_string=params)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_clinical_changes_are_audited_with_coded_values_and_no_free_text(api, patient, auditor):
    url = f"/api/v1/patients/{patient['id']}/allergies"
    record = api.post(
        url, json={"allergen": "soy", "note": "Private clinical note", "reaction": {"manifestation": "Private rash"}}
    ).json
    api.patch(f"{url}/{record['id']}", json={"verification_status": "confirmed", "note": "Another private note"})
    trail = entries(auditor, object_type="allergy", object_id=record["id"])
    assert [e["action"] for e in trail] == ["allergy.updated", "allergy.created"]
    update = {c["field"]: c for c in trail[0]["changes"]}
    assert update["verification_status"] == {"field": "verification_status", "from": "unconfirmed", "to": "confirmed"}
    assert update["note"] == {"field": "note"}
    everything = str(entries(auditor, page_size=200))
    for private in ("Private Person", "Private clinical note", "Another private note", "Private rash", "AUD-1"):
        assert private not in everything


def test_entries_name_the_actor(api, patient, clinic, auditor):
    entry = entries(auditor, object_type="patient", object_id=patient["id"])[0]
    assert entry["actor"]["type"] == "token"
    assert entry["action"] == "patient.created"


def test_the_trail_filters_by_actor_and_time(api, patient, pages, clinic, auditor):
    pages.sign_in(clinic.practitioner.email)
    pages.post(f"/patients/{patient['id']}/allergy-status", {"allergy_status": "no-known-allergies", "confirmed": "1"})
    by_person = entries(auditor, actor_type="practitioner", actor_id=clinic.practitioner.id)
    # Newest first: the change, and the sign-in before it (sign-ins are audited too).
    assert [e["action"] for e in by_person] == ["patient.updated", "practitioner.signed_in"]
    now = utcnow()
    assert entries(auditor, since=(now + timedelta(minutes=1)).isoformat()) == []
    assert len(entries(auditor, until=(now + timedelta(minutes=1)).isoformat(), object_type="patient")) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"actor_id": 3}, "actor_id"),
        ({"actor_type": "robot"}, "actor_type"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
        ({"page_size": 1000}, "page_size"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api, params, field, auditor):
    response = auditor.get("/api/v1/audit", query_string=params)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(db_session, api, patient):
    entry = db_session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'tampered'", "DELETE FROM audit_entries"])
def test_the_database_itself_refuses_to_change_an_entry(db_session, api, patient, statement):
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(sa.text(statement))
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "tampered"))
        == 0
    )


def test_the_admin_reads_the_trail_in_a_page(pages, clinic, api, patient):
    pages.sign_in(clinic.admin.email)
    page = pages.get("/settings/audit?object_type=patient")
    assert page.status_code == 200
    assert b"patient.created" in page.data
    assert b"Private Person" not in page.data
    assert pages.get("/settings/audit?since=not-a-date").status_code == 400


def test_the_trail_page_reads_whole_days_and_one_who_menu(pages, clinic, api, patient, auditor):
    pages.sign_in(clinic.admin.email)
    today = utcnow().date().isoformat()
    one_day = pages.get(f"/settings/audit?object_type=patient&since={today}&until={today}")
    assert b"patient.created" in one_day.data
    token_id = entries(auditor, object_type="patient")[0]["actor"]["id"]
    by_token = pages.get(f"/settings/audit?object_type=patient&actor=token:{token_id}")
    assert b"patient.created" in by_token.data
    assert b"patient.created" not in pages.get("/settings/audit?object_type=patient&actor=system").data
    unknown = pages.get("/settings/audit?actor=token:someone")
    assert unknown.status_code == 400
    assert b'id="actor_id-error"' in unknown.data


def test_only_tokens_granted_it_read_the_trail(api, client, api_as, clinic):
    assert api.get("/api/v1/audit").status_code == 403
    assert api_as(client, clinic.read_token).get("/api/v1/audit").status_code == 403
    assert api_as(client, clinic.audit_token).get("/api/v1/audit").status_code == 200


def test_the_birth_year_is_audited_by_name_only(auditor, api):
    patient = api.post("/api/v1/patients", json={"reference": "BY-1", "display_name": "Year", "birth_year": 1984}).json
    entry = entries(auditor, object_type="patient", object_id=patient["id"])[0]
    assert {"field": "birth_year"} in entry["changes"]
    assert "1984" not in str(entry)
