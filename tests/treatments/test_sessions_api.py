"""Treatment sessions over the API: recorded from a check with the lots drawn, refused with a reason, amended."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from catalog.checks.models import Check
from catalog.treatments.api import recall_csv
from catalog.treatments.models import TreatmentSession
from tests.treatments.conftest import add_lot


def count_sessions(db_session) -> int:
    return db_session.query(TreatmentSession).count()


def test_a_session_is_recorded_from_a_checked_version_with_its_lots(api, setup, auditor):
    response = api.post("/api/v1/sessions", json=setup.body())
    assert response.status_code == 201, response.json
    session = response.json
    assert response.headers["Location"].endswith(f"/api/v1/sessions/{session['id']}")
    cocktail_href = f"/api/v1/cocktails/{setup.cocktail['id']}"
    assert session["cocktail"] == {"id": setup.cocktail["id"], "name": setup.cocktail["name"], "href": cocktail_href}
    assert session["version"] == {"number": 1, "href": f"{cocktail_href}/versions/1"}
    assert session["check"]["href"] == f"/api/v1/checks/{setup.check['id']}"
    assert (
        session["patient"]["id"],
        session["cocktail"]["id"],
        session["version"]["number"],
        session["check"]["id"],
    ) == (
        setup.patient["id"],
        setup.cocktail["id"],
        1,
        setup.check["id"],
    )
    assert [(item["position"], item["lot"]["number"]) for item in session["lots"]] == [(0, "XL-2291-A"), (1, "VC 7781")]
    assert session["total_volume_ml"] == 2.0
    assert (session["session_number"], session["sessions_planned"]) == (1, 4)
    assert session["next_due_on"] == (date.today() + timedelta(weeks=3)).isoformat()
    assert session["technique"] == "point-injection"
    assert api.get(f"/api/v1/sessions/{session['id']}").json == session
    listed = api.get(f"/api/v1/sessions?patient={setup.patient['id']}").json
    assert [item["id"] for item in listed["items"]] == [session["id"]]
    trail = auditor.get("/api/v1/audit", query_string={"object_type": "session"}).json["items"]
    assert trail[0]["action"] == "session.recorded"
    # The trail holds codes, never the notes about the patient.
    assert "Good tolerance" not in str(trail) and "aftercare explained" not in str(trail)


def test_the_second_session_is_numbered_and_its_next_one_is_due(api, setup):
    api.post("/api/v1/sessions", json=setup.body())
    second = api.post("/api/v1/sessions", json=setup.body()).json
    assert (second["session_number"], second["sessions_planned"]) == (2, 4)


def test_the_patients_sheet_is_a_pdf_written_for_the_patient(api, setup, client, db_session, clinic):
    from catalog.clinics.models import Clinic

    db_session.execute(
        update(Clinic).where(Clinic.id == clinic.clinic.id).values(time_zone="Europe/Paris", phone="+33 1 23 45 67 89")
    )
    db_session.commit()
    api.post(f"/api/v1/checks/{setup.check['id']}/override", json={"reason": "Internal reason never shown"})
    session = api.post("/api/v1/sessions", json=setup.body()).json
    response = api.get(f"/api/v1/sessions/{session['id']}/sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in (
        "Your treatment",
        "Session Patient",
        "Xylocaine 1 %",
        "Ascorbic acid",
        "Cheeks",
        "Forehead",
        "session 1 of 4",
        "Your next session is due",
        "Avoid direct sun for at least a week",
        "Emergency number: 112",
        "call the clinic on +33 1 23 45 67 89",
        "(Europe/Paris)",
    ):
        assert expected in text, expected
    for internal in ("contraindicated", "critical", "Internal reason", "xylocaine-label", "seed-article", "UTC"):
        assert internal not in text, internal


def test_a_recall_finds_every_patient_who_received_the_lot(api, setup):
    session = api.post("/api/v1/sessions", json=setup.body()).json
    recall = api.get("/api/v1/recalls", query_string={"lot": "xl 2291a"}).json
    assert recall["patients"] == 1
    ((hit,),) = [recall["hits"]]
    assert hit["session"]["href"] == f"/api/v1/sessions/{session['id']}"
    assert hit["patient"]["href"] == f"/api/v1/patients/{setup.patient['id']}"
    assert (hit["session"]["id"], hit["patient"]["id"], hit["lot"]["number"], hit["amended"]) == (
        session["id"],
        setup.patient["id"],
        "XL-2291-A",
        False,
    )
    assert api.get("/api/v1/recalls", query_string={"lot": "NO-SUCH"}).json == {
        "lot": "NO-SUCH",
        "hits": [],
        "patients": 0,
    }
    csv = api.get("/api/v1/recalls.csv", query_string={"lot": "VC7781"})
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("session,performed_at,patient_id")
    assert f"{session['id']}," in lines[1] and "TS-1" in lines[1] and "VC 7781" in lines[1]
    assert api.get("/api/v1/recalls").status_code == 422


# --- Refusals: a clear reason, and nothing written -----------------------------------------------


def refused(api, db_session, body: dict, field: str, words: str):
    before = count_sessions(db_session)
    response = api.post("/api/v1/sessions", json=body)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    flat = str(errors.get(field) or errors.get("json", {}).get(field))
    assert words in flat or words in response.json["message"], (response.json, words)
    assert count_sessions(db_session) == before
    return response


def test_an_expired_lot_is_refused(api, setup, db_session):
    old = add_lot(api, "XL-OLD", expires_on="2020-01-31", product="xylocaine-1-multi-dose")
    body = setup.body(lots=[{"position": 0, "lot": old["id"]}, {"position": 1, "lot": setup.vitamin_lot["id"]}])
    refused(api, db_session, body, "lots", "expired on 2020-01-31")


def test_a_lot_of_another_item_or_a_missing_lot_is_refused(api, setup, db_session):
    swapped = [{"position": 0, "lot": setup.vitamin_lot["id"]}, {"position": 1, "lot": setup.vial_lot["id"]}]
    refused(api, db_session, setup.body(lots=swapped), "lots", "is of")
    refused(api, db_session, setup.body(lots=[{"position": 0, "lot": setup.vial_lot["id"]}]), "lots", "Name the lot")


def test_another_clinics_lot_is_refused(api, setup, db_session, client, api_as, other_clinic):
    theirs = add_lot(api_as(client, other_clinic.write_token), "B-LOT", product="xylocaine-1-multi-dose")
    body = setup.body(lots=[{"position": 0, "lot": theirs["id"]}, {"position": 1, "lot": setup.vitamin_lot["id"]}])
    refused(api, db_session, body, "lots", "in your clinic's stock")


def test_a_check_from_another_day_is_refused(api, setup, db_session):
    db_session.execute(
        update(Check).where(Check.id == setup.check["id"]).values(checked_at=datetime.now(UTC) - timedelta(days=2))
    )
    db_session.commit()
    refused(api, db_session, setup.body(), "check", "Run on")


def test_a_check_of_another_version_or_patient_is_refused(api, setup, db_session):
    api.post(
        f"/api/v1/cocktails/{setup.cocktail['id']}/versions",
        json={
            "components": [{"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 2}],
            "technique": "point-injection",
            "change_note": "Without the anaesthetic",
        },
        headers={"If-Match": 'W/"1"'},
    )
    refused(
        api,
        db_session,
        setup.body(version=2, lots=[{"position": 0, "lot": setup.vitamin_lot["id"]}]),
        "check",
        "Not of version 2",
    )
    other = api.post("/api/v1/patients", json={"reference": "TS-2", "display_name": "Other Patient"}).json
    refused(api, db_session, setup.body(patient=other["id"]), "check", "Another patient's check")


def test_a_contraindicated_check_needs_its_override_first(api, setup, db_session):
    patient = setup.patient["id"]
    api.post(
        f"/api/v1/patients/{patient}/allergies",
        json={"allergen": "parabens", "criticality": "high", "verification_status": "confirmed"},
    )
    check = api.post("/api/v1/checks", json={"patient": patient, "cocktail": setup.cocktail["id"]}).json
    assert check["outcome"] == "contraindicated"
    refused(api, db_session, setup.body(check=check["id"]), "check", "Contraindicated and not overridden")
    api.post(f"/api/v1/checks/{check['id']}/override", json={"reason": "Patch test negative last month"})
    assert api.post("/api/v1/sessions", json=setup.body(check=check["id"])).status_code == 201


def test_a_patient_whose_records_changed_since_the_check_is_refused(api, setup, db_session):
    api.post(f"/api/v1/patients/{setup.patient['id']}/conditions", json={"condition": "pregnancy"})
    response = refused(api, db_session, setup.body(), "check", "records changed since the check")
    assert "run the check again" in response.json["message"]


def test_a_volume_beyond_the_versions_components_is_refused(api, setup, db_session):
    refused(
        api,
        db_session,
        setup.body(areas=[{"area": "cheeks", "volume_ml": 3.5}]),
        "areas",
        "3.5 mL given, 3 mL prepared",
    )


def test_a_second_check_is_required_when_the_clinic_says_so(api, setup, db_session, clinic):
    from catalog.clinics.models import Clinic

    db_session.execute(update(Clinic).where(Clinic.id == clinic.clinic.id).values(requires_second_check=True))
    db_session.commit()
    refused(api, db_session, setup.body(), "second_checked_by", "requires a second person")
    same = setup.body(second_checked_by=setup.practitioner_id)
    refused(api, db_session, same, "second_checked_by", "someone other than the person who prepared")
    other = setup.body(second_checked_by=clinic.admin.id)
    assert api.post("/api/v1/sessions", json=other).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"areas": [{"area": "elbow", "volume_ml": 1}]}, "areas"),
        ({"areas": [{"area": "cheeks", "volume_ml": 0}]}, "areas"),
        ({"areas": []}, "areas"),
        ({"performed_at": "2026-12-03T10:00:00"}, "performed_at"),
        ({"consent": {"at": "2026-12-03T10:00:00+01:00", "information": ""}}, "consent"),
        ({"lots": [{"position": 0, "lot": 1}, {"position": 0, "lot": 2}]}, "lots"),
        ({"prepared_by": None}, "prepared_by"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, setup, db_session, overrides, field):
    before = count_sessions(db_session)
    response = api.post("/api/v1/sessions", json=setup.body(**overrides))
    assert response.status_code == 422
    assert field in response.json["errors"]["json"], response.json
    assert count_sessions(db_session) == before


def test_a_session_in_the_future_or_consent_after_it_is_refused(api, setup, db_session):
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    refused(api, db_session, setup.body(performed_at=later), "performed_at", "In the future")
    refused(api, db_session, setup.body(consent={"at": later, "information": "Told."}), "consent", "After the session")


def test_a_read_token_cannot_record_and_another_clinic_finds_nothing(client, api_as, clinic, other_clinic, setup, api):
    session = api.post("/api/v1/sessions", json=setup.body()).json
    assert api_as(client, clinic.read_token).post("/api/v1/sessions", json=setup.body()).status_code == 403
    stranger = api_as(client, other_clinic.write_token)
    assert stranger.get(f"/api/v1/sessions/{session['id']}").status_code == 404
    assert stranger.get(f"/api/v1/sessions/{session['id']}/sheet.pdf").status_code == 404
    assert stranger.get("/api/v1/recalls", query_string={"lot": "XL-2291-A"}).json["patients"] == 0


# --- Amendments ---------------------------------------------------------------------------------


def test_an_amendment_keeps_the_original_and_counts_instead_of_it(api, setup, db_session):
    original = api.post("/api/v1/sessions", json=setup.body()).json
    corrected = setup.body(areas=[{"area": "cheeks", "volume_ml": 2}], reason="Forehead was not treated.")
    response = api.post(f"/api/v1/sessions/{original['id']}/amendments", json=corrected)
    assert response.status_code == 201, response.json
    amendment = response.json
    assert (amendment["amends"]["id"], amendment["amendment_reason"], amendment["session_number"]) == (
        original["id"],
        "Forehead was not treated.",
        1,
    )
    assert api.get(f"/api/v1/sessions/{original['id']}").json == original  # kept as it was
    counted = api.get(f"/api/v1/sessions?patient={setup.patient['id']}").json["items"]
    assert [item["id"] for item in counted] == [amendment["id"]]
    history = api.get(f"/api/v1/sessions?patient={setup.patient['id']}&include_amended=true").json["items"]
    assert {item["id"] for item in history} == {original["id"], amendment["id"]}
    again = api.post(f"/api/v1/sessions/{original['id']}/amendments", json=corrected)
    assert again.status_code == 409
    assert f"amended by session {amendment['id']}" in again.json["message"]
    hits = api.get("/api/v1/recalls", query_string={"lot": "XL-2291-A"}).json["hits"]
    found = [(hit["session"]["id"], hit["amended"]) for hit in hits]
    assert found == [(original["id"], True), (amendment["id"], False)]


def test_an_amendment_needs_a_reason_and_the_same_patient(api, setup):
    original = api.post("/api/v1/sessions", json=setup.body()).json
    assert api.post(f"/api/v1/sessions/{original['id']}/amendments", json=setup.body()).status_code == 422
    other = api.post("/api/v1/patients", json={"reference": "TS-3", "display_name": "Third"}).json
    response = api.post(
        f"/api/v1/sessions/{original['id']}/amendments", json=setup.body(patient=other["id"], reason="Wrong patient")
    )
    assert response.status_code == 422
    assert "patient" in response.json["errors"]["json"]


# --- Lots ---------------------------------------------------------------------------------------


def test_lots_are_listed_soonest_expiry_first_and_a_duplicate_number_is_409(api, setup):
    add_lot(api, "XL-SOON", expires_on="2030-01-01", product="xylocaine-1-multi-dose")
    listed = api.get("/api/v1/lots", query_string={"product": "xylocaine-1-multi-dose"}).json["items"]
    assert [lot["number"] for lot in listed] == ["XL-SOON", "XL-2291-A"]
    usable = api.get("/api/v1/lots", query_string={"usable_on": "2031-01-01", "product": "xylocaine-1-multi-dose"})
    assert [lot["number"] for lot in usable.json["items"]] == ["XL-2291-A"]
    duplicate = api.post(
        "/api/v1/lots", json={"product": "xylocaine-1-multi-dose", "number": "XL-2291-A", "expires_on": "2099-01-01"}
    )
    assert duplicate.status_code == 409
    assert "number" in duplicate.json["errors"]["json"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "X1", "expires_on": "2099-01-01"}, "product"),
        ({"product": "no-such-vial", "number": "X1", "expires_on": "2099-01-01"}, "product"),
        (
            {
                "product": "xylocaine-1-multi-dose",
                "ingredient": "ascorbic-acid",
                "number": "X1",
                "expires_on": "2099-01-01",
            },
            "product",
        ),
        ({"product": "xylocaine-1-multi-dose", "number": "", "expires_on": "2099-01-01"}, "number"),
        ({"product": "xylocaine-1-multi-dose", "number": "X1", "expires_on": "soon"}, "expires_on"),
        (
            {
                "product": "xylocaine-1-multi-dose",
                "number": "X1",
                "expires_on": "2030-01-01",
                "received_on": "2031-01-01",
            },
            "received_on",
        ),
    ],
)
def test_a_bad_lot_is_refused_naming_the_field(api, body, field):
    response = api.post("/api/v1/lots", json=body)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert field in errors.get("json", errors), response.json


def test_a_session_before_its_check_is_refused(api, setup, db_session):
    earlier = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    body = setup.body(performed_at=earlier, consent={"at": earlier, "information": "Told."})
    refused(api, db_session, body, "check", "Run after the session")


def test_a_recall_csv_never_hands_a_spreadsheet_a_formula():
    names = ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "Ana Lopes"]
    hits = [
        SimpleNamespace(
            session=SimpleNamespace(id=index, performed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            patient=SimpleNamespace(id=index, reference=f"R-{index}", display_name=name),
            lot=SimpleNamespace(item_name="Lidocaine", number="L1", expires_on=date(2027, 1, 1)),
            amended=False,
        )
        for index, name in enumerate(names, start=1)
    ]
    rows = list(csv.reader(io.StringIO(recall_csv(hits))))[1:]
    assert [row[4] for row in rows] == [f"'{name}" for name in names[:-1]] + ["Ana Lopes"]
