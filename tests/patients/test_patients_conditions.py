"""Patients' conditions as records: active or resolved, dated, who recorded them, each state kept."""

from sqlalchemy import text

from catalog.extensions import db


def new_patient(api, reference, **values):
    return api.post("/api/v1/patients", json={"reference": reference, "display_name": "Cond patient", **values}).json


def test_a_condition_is_recorded_resolved_and_its_states_kept(api, make_ingredient):
    make_ingredient(slug="c-retinoid", name="C retinoid", contraindications=["pregnancy"])
    patient = new_patient(api, "C-1")
    url = f"/api/v1/patients/{patient['id']}/conditions"
    created = api.post(url, json={"condition": "pregnancy", "onset_on": "2026-09-01"})
    assert created.status_code == 201, created.json
    record = created.json
    assert (record["status"], record["onset_on"], record["revision"]) == ("active", "2026-09-01", 1)
    component = {"ingredient": "c-retinoid", "concentration": 1, "unit": "%"}

    def contraindicated():
        result = api.post("/api/v1/checks", json={"patient": patient["id"], "components": [component]}).json
        return any(f["kind"] == "contraindication" for f in result["findings"])

    assert contraindicated()
    resolved = api.patch(f"{url}/{record['id']}", json={"status": "resolved", "resolved_on": "2026-11-20"}).json
    assert (resolved["status"], resolved["revision"], len(resolved["history"])) == ("resolved", 2, 2)
    assert resolved["history"][0]["status"] == "active"
    assert not contraindicated()  # a resolved condition is no reason not to
    assert api.get(f"/api/v1/patients/{patient['id']}").json["conditions"] == []


def test_a_second_active_record_of_one_condition_is_refused(api):
    patient = new_patient(api, "C-2", conditions=["pregnancy"])
    answer = api.post(f"/api/v1/patients/{patient['id']}/conditions", json={"condition": "pregnancy"})
    assert answer.status_code == 422 and "condition" in answer.json["errors"]["json"]
    assert api.post(f"/api/v1/patients/{patient['id']}/conditions", json={"condition": "nope"}).status_code == 422


def test_resolving_before_the_onset_is_refused(api):
    patient = new_patient(api, "C-3")
    url = f"/api/v1/patients/{patient['id']}/conditions"
    record = api.post(url, json={"condition": "bleeding-disorder", "onset_on": "2026-05-01"}).json
    answer = api.patch(f"{url}/{record['id']}", json={"status": "resolved", "resolved_on": "2026-01-01"})
    assert answer.status_code == 422 and "resolved_on" in answer.json["errors"]["json"]


def test_replacing_the_list_resolves_what_is_left_out_and_keeps_it(api):
    patient = new_patient(api, "C-4", conditions=["pregnancy", "bleeding-disorder"])
    api.patch(f"/api/v1/patients/{patient['id']}", json={"conditions": ["bleeding-disorder"]})
    records = api.get(f"/api/v1/patients/{patient['id']}/conditions").json
    assert sorted((r["condition"]["code"], r["status"]) for r in records) == [
        ("bleeding-disorder", "active"),
        ("pregnancy", "resolved"),
    ]


def test_the_migration_carries_existing_conditions_over_as_active_records(fresh_database_url):
    from flask_migrate import upgrade

    from tests.conftest import make_test_app

    app = make_test_app(fresh_database_url())
    now = "2026-11-01 10:00:00"
    with app.app_context():
        upgrade(revision="0007_allergy_products")
        for statement in (
            f"INSERT INTO clinics (id, slug, name, created_at, updated_at) VALUES (1, 'c', 'C', '{now}', '{now}')",
            "INSERT INTO conditions (code, name, description, position, caution, contraindication, created_at,"
            f" updated_at) VALUES ('pregnancy', 'Pregnancy', '', 0, '', '', '{now}', '{now}')",
            "INSERT INTO patients (id, clinic_id, reference, reference_key, display_name, search_name, created_at,"
            f" updated_at) VALUES (1, 1, 'P', 'p', 'Old patient', 'old patient', '{now}', '{now}')",
            "INSERT INTO patient_conditions (patient_id, condition_code) VALUES (1, 'pregnancy')",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            text("SELECT patient_id, condition_code, status, revision FROM patient_condition_records")
        ).all()
        assert [tuple(row) for row in rows] == [(1, "pregnancy", "active", 1)]
        db.session.remove()
        db.engine.dispose()
