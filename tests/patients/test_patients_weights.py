"""Patients' weights: recorded with their day, kept as a history, the newest used by the check's per-kg doses."""

from datetime import date, timedelta

from catalog.audit.models import AuditEntry


def new_patient(api, reference="W-1"):
    return api.post("/api/v1/patients", json={"reference": reference, "display_name": "Weighed patient"}).json


def test_weights_are_kept_and_the_newest_measurement_is_the_patients(api, db_session):
    patient = new_patient(api)
    assert patient["weight"] is None
    url = f"/api/v1/patients/{patient['id']}/weights"
    older = (date.today() - timedelta(days=30)).isoformat()
    assert api.post(url, json={"kg": 70.5}).status_code == 201
    assert api.post(url, json={"kg": 72, "measured_on": older}).status_code == 201
    history = api.get(url).json
    assert [(w["kg"], w["measured_on"]) for w in history] == [(70.5, date.today().isoformat()), (72.0, older)]
    assert api.get(f"/api/v1/patients/{patient['id']}").json["weight"]["kg"] == 70.5
    entries = db_session.query(AuditEntry).filter_by(action="patient.weight_recorded").all()
    assert [entry.changes for entry in entries] == [[{"field": "weight"}]] * 2  # that it was recorded, never the value


def test_bad_weights_are_refused_naming_the_field(api):
    url = f"/api/v1/patients/{new_patient(api)['id']}/weights"
    assert "kg" in api.post(url, json={"kg": 0}).json["errors"]["json"]
    assert "kg" in api.post(url, json={}).json["errors"]["json"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "measured_on" in api.post(url, json={"kg": 60, "measured_on": tomorrow}).json["errors"]["json"]
    assert api.get(url).json == []


def test_the_check_uses_the_newest_weight_for_per_kg_limits(api, make_ingredient):
    make_ingredient(
        slug="w-anaesthetic",
        name="W anaesthetic",
        concentration={"unit": "mg/mL", "maximum": 20, "context": "product strength"},
        dose_limits=[{"per_kg_mg": 4.5, "max_mg": 300, "source": "cosing", "supports": "label maximum dose"}],
    )
    patient = new_patient(api, "W-2")
    component = {"ingredient": "w-anaesthetic", "concentration": 20, "unit": "mg/mL", "volume_ml": 10}  # 200 mg

    def kinds():
        result = api.post("/api/v1/checks", json={"patient": patient["id"], "components": [component]}).json
        return {f["kind"] for f in result["findings"]}

    assert "dose-unchecked" in kinds()
    api.post(f"/api/v1/patients/{patient['id']}/weights", json={"kg": 40})  # 4.5 × 40 = 180 mg < 200 mg
    assert "dose-above-limit" in kinds()
    api.post(f"/api/v1/patients/{patient['id']}/weights", json={"kg": 80})  # 360 mg allowed, at most 300
    assert not {"dose-above-limit", "dose-unchecked"} & kinds()


def test_the_patient_page_records_a_weight(practitioner_pages, api):
    patient = new_patient(api, "W-3")
    page = practitioner_pages.get(f"/patients/{patient['id']}")
    assert "No weight recorded" in page.get_data(as_text=True)
    answer = practitioner_pages.post(f"/patients/{patient['id']}/weights", {"kg": "64.5"})
    assert answer.status_code == 303
    assert "64.5 kg" in practitioner_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
    refused = practitioner_pages.post(f"/patients/{patient['id']}/weights", {"kg": "9000"})
    assert refused.status_code == 303
    assert "between" in practitioner_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
