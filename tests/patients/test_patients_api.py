"""Patients and allergy records over the JSON API, as another clinical system uses them."""

import pytest


@pytest.fixture
def patient(api):
    response = api.post("/api/v1/patients", json={"reference": "MRN-001", "display_name": "Ana Teste"})
    assert response.status_code == 201, response.json
    return response.json


def allergies_url(patient, record=None, suffix=""):
    base = f"/api/v1/patients/{patient['id']}/allergies"
    return f"{base}/{record['id']}{suffix}" if record else base


def test_a_new_patient_starts_with_unknown_allergy_status(api):
    response = api.post(
        "/api/v1/patients",
        json={"reference": " MRN-9 ", "display_name": "Zoé Exemple", "birth_year": 1990, "conditions": ["pregnancy"]},
    )
    assert response.status_code == 201
    body = response.json
    assert body["reference"] == "MRN-9"
    assert body["allergy_status"] == "unknown"
    assert body["no_known_allergies"] is None
    assert body["conditions"] == [{"code": "pregnancy", "name": "Pregnancy"}]
    assert body["allergies"] == []
    assert response.headers["Location"].endswith(f"/api/v1/patients/{body['id']}")
    assert api.get(response.headers["Location"]).json == body


def test_patient_reference_is_unique_within_the_clinic_whatever_the_case(api, patient):
    response = api.post("/api/v1/patients", json={"reference": "mrn-001", "display_name": "Someone Else"})
    assert response.status_code == 422
    assert "reference" in response.json["errors"]["json"]


def test_another_clinic_may_use_the_same_reference(api, api_as, client, other_clinic, patient):
    response = api_as(client, other_clinic.write_token).post(
        "/api/v1/patients", json={"reference": "MRN-001", "display_name": "Other Person"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "No reference"}, "reference"),
        ({"reference": "   ", "display_name": "Blank reference"}, "reference"),
        ({"reference": "R1", "display_name": "x" * 201}, "display_name"),
        ({"reference": "R1", "display_name": "Too old", "birth_year": 1800}, "birth_year"),
        ({"reference": "R1", "display_name": "Bad condition", "conditions": ["no-such-condition"]}, "conditions"),
        ({"reference": "R1", "display_name": "Extra", "shoe_size": 42}, "shoe_size"),
    ],
)
def test_bad_patient_input_is_422_naming_the_field_and_writes_nothing(api, body, field):
    response = api.post("/api/v1/patients", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert api.get("/api/v1/patients").json["total"] == 0


def test_patients_are_searched_by_reference_prefix_or_name_ignoring_accents(api):
    for reference, name in [("A-100", "Élodie Martin"), ("A-200", "Bruno Costa"), ("B-100", "Chloé Dupont")]:
        api.post("/api/v1/patients", json={"reference": reference, "display_name": name})
    assert [p["reference"] for p in api.get("/api/v1/patients?q=a-").json["items"]] == ["A-200", "A-100"]
    assert [p["display_name"] for p in api.get("/api/v1/patients?q=elodie").json["items"]] == ["Élodie Martin"]
    page = api.get("/api/v1/patients?page_size=2&page=2").json
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert api.get("/api/v1/patients?q=%25").json["total"] == 0


def test_recording_a_coded_allergy_shows_its_place_in_the_graph(api, patient):
    response = api.post(
        allergies_url(patient),
        json={
            "allergen": "lidocaine",
            "criticality": "high",
            "verification_status": "confirmed",
            "reaction": {"manifestation": "Urticaria and wheeze", "severity": "severe"},
            "note": "After dental anaesthesia.",
        },
    )
    assert response.status_code == 201, response.json
    record = response.json
    assert record["allergen"]["code"] == "lidocaine"
    assert record["allergen"]["href"] == "/api/v1/allergens/lidocaine"
    assert [g["code"] for g in record["allergen"]["parents"]] == ["amide-local-anaesthetics"]
    assert [g["code"] for g in record["allergen"]["ancestors"]][-1] == "amide-local-anaesthetics"
    assert record["patient"] == {"id": patient["id"], "href": f"/api/v1/patients/{patient['id']}"}
    assert (record["type"], record["clinical_status"], record["revision"]) == ("allergy", "active", 1)
    assert record["recorded_by"]["type"] == "token"
    assert response.headers["ETag"] == 'W/"1"'
    assert api.get(f"/api/v1/patients/{patient['id']}").json["allergy_status"] == "allergies-recorded"


def test_a_free_text_allergy_is_kept_when_no_code_fits(api, patient):
    response = api.post(allergies_url(patient), json={"allergen_text": "Sticking plaster adhesive"})
    assert response.status_code == 201
    assert response.json["allergen"] is None
    assert response.json["allergen_text"] == "Sticking plaster adhesive"
    assert response.json["verification_status"] == "unconfirmed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"allergen": "no-such-allergen"}, "allergen"),
        ({}, "allergen"),
        ({"allergen": "soy", "allergen_text": "soy"}, "allergen"),
        ({"allergen_text": "  "}, "allergen_text"),
        ({"allergen_text": "x" * 201}, "allergen_text"),
        ({"allergen": "soy", "criticality": "extreme"}, "criticality"),
        ({"allergen": "soy", "clinical_status": "cured"}, "clinical_status"),
        ({"allergen": "soy", "reaction": {"severity": "mild"}}, "reaction"),
        ({"allergen": "soy", "reaction": {"manifestation": "Rash", "severity": "deadly"}}, "reaction"),
        ({"allergen": "soy", "note": "x" * 2001}, "note"),
        ({"allergen": "soy", "verification_status": "entered-in-error"}, "verification_status"),
    ],
)
def test_bad_allergy_input_is_422_naming_the_field_and_writes_nothing(api, patient, body, field):
    response = api.post(allergies_url(patient), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert api.get(allergies_url(patient)).json == []


def test_a_second_active_record_for_the_same_allergen_is_refused(api, patient):
    assert api.post(allergies_url(patient), json={"allergen": "soy"}).status_code == 201
    response = api.post(allergies_url(patient), json={"allergen": "soy", "criticality": "high"})
    assert response.status_code == 422
    assert "allergen" in response.json["errors"]["json"]


def test_free_text_duplicates_are_found_ignoring_case_and_accents(api, patient):
    assert api.post(allergies_url(patient), json={"allergen_text": "Pâte de fruits"}).status_code == 201
    response = api.post(allergies_url(patient), json={"allergen_text": "PATE  de fruits"})
    assert response.status_code == 422
    assert "allergen_text" in response.json["errors"]["json"]


def test_a_resolved_record_does_not_block_a_new_active_one(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy"}).json
    assert api.patch(allergies_url(patient, record), json={"clinical_status": "resolved"}).status_code == 200
    assert api.post(allergies_url(patient), json={"allergen": "soy"}).status_code == 201


def test_every_change_is_kept_in_the_history(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy", "note": "Suspected."}).json
    api.patch(allergies_url(patient, record), json={"verification_status": "confirmed", "criticality": "high"})
    api.patch(allergies_url(patient, record), json={"clinical_status": "inactive"})
    history = api.get(allergies_url(patient, record, "/history")).json
    assert [h["revision"] for h in history] == [1, 2, 3]
    assert history[0]["values"]["verification_status"] == "unconfirmed"
    assert history[0]["values"]["note"] == "Suspected."
    assert sorted(history[1]["changed_fields"]) == ["criticality", "verification_status"]
    assert history[2]["values"]["clinical_status"] == "inactive"
    assert history[2]["changed_by"]["type"] == "token"
    assert api.get(allergies_url(patient, record)).json["revision"] == 3


def test_an_unchanged_patch_writes_no_revision(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy"}).json
    response = api.patch(allergies_url(patient, record), json={"clinical_status": "active"})
    assert response.json["revision"] == 1
    assert len(api.get(allergies_url(patient, record, "/history")).json) == 1


def test_entered_in_error_clears_clinical_status_and_makes_the_record_read_only(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy"}).json
    response = api.patch(allergies_url(patient, record), json={"verification_status": "entered-in-error"})
    assert response.status_code == 200
    assert response.json["clinical_status"] is None
    again = api.patch(allergies_url(patient, record), json={"verification_status": "confirmed"})
    assert again.status_code == 409
    assert api.get(allergies_url(patient)).json[0]["verification_status"] == "entered-in-error"
    assert api.get(f"/api/v1/patients/{patient['id']}").json["allergy_status"] == "unknown"


def test_a_stale_if_match_is_412_and_changes_nothing(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy"}).json
    assert (
        api.patch(
            allergies_url(patient, record), json={"criticality": "low"}, headers={"If-Match": 'W/"1"'}
        ).status_code
        == 200
    )
    stale = api.patch(allergies_url(patient, record), json={"criticality": "high"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert "revision 2" in stale.json["message"]
    assert stale.json == {
        "code": 412,
        "status": "Precondition Failed",
        "message": "The record has changed since you read it: it is now at revision 2. Read it again.",
        "errors": {"headers": {"If-Match": ["The current revision is 2."]}},
    }
    assert api.get(allergies_url(patient, record)).json["criticality"] == "low"


def test_no_known_allergies_is_asserted_by_someone_at_a_time(api, patient):
    response = api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    assert response.status_code == 200
    assert response.json["allergy_status"] == "no-known-allergies"
    assert response.json["no_known_allergies"]["asserted_by"]["type"] == "token"
    assert response.json["no_known_allergies"]["asserted_at"]


def test_no_known_allergies_is_refused_while_an_active_allergy_is_recorded(api, patient):
    api.post(allergies_url(patient), json={"allergen": "soy"})
    response = api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    assert response.status_code == 409
    assert "allergy_status" in response.json["errors"]["json"]
    assert api.get(f"/api/v1/patients/{patient['id']}").json["allergy_status"] == "allergies-recorded"


def test_recording_an_allergy_replaces_a_no_known_allergies_assertion(api, patient):
    api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    api.post(allergies_url(patient), json={"allergen": "soy"})
    body = api.get(f"/api/v1/patients/{patient['id']}").json
    assert body["allergy_status"] == "allergies-recorded"
    assert body["no_known_allergies"] is None


def test_no_known_allergies_may_be_asserted_once_allergies_are_resolved(api, patient):
    record = api.post(allergies_url(patient), json={"allergen": "soy"}).json
    api.patch(allergies_url(patient, record), json={"clinical_status": "resolved"})
    response = api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    assert response.status_code == 200


def test_patching_a_patient_changes_only_what_is_sent(api, patient):
    response = api.patch(f"/api/v1/patients/{patient['id']}", json={"conditions": ["anticoagulant-therapy"]})
    assert response.status_code == 200
    assert response.json["display_name"] == "Ana Teste"
    assert [c["code"] for c in response.json["conditions"]] == ["anticoagulant-therapy"]


def test_unknown_patient_or_record_is_404(api, patient):
    assert api.get("/api/v1/patients/999999").status_code == 404
    assert api.get(f"/api/v1/patients/{patient['id']}/allergies/999999").status_code == 404
    assert api.get("/api/v1/patients/not-a-number").status_code == 404


def test_making_a_refuted_record_active_again_replaces_no_known_allergies(api, patient):
    api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    record = api.post(allergies_url(patient), json={"allergen": "soy", "verification_status": "refuted"}).json
    assert api.get(f"/api/v1/patients/{patient['id']}").json["allergy_status"] == "no-known-allergies"
    api.patch(allergies_url(patient, record), json={"verification_status": "confirmed"})
    api.patch(allergies_url(patient, record), json={"clinical_status": "resolved"})
    body = api.get(f"/api/v1/patients/{patient['id']}").json
    assert body["allergy_status"] == "allergies-recorded"
    assert body["no_known_allergies"] is None


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/v1/patients/99999999999999999999999", None),
        ("GET", "/api/v1/patients/2147483648", None),
        ("PATCH", "/api/v1/patients/2147483648", {}),
    ],
)
def test_ids_beyond_the_database_integer_are_404(api, method, url, body):
    assert api.open(url, method, json=body).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "R-NUL", "display_name": "a\u0000b"},
        {"reference": "R\u0000", "display_name": "Name"},
    ],
)
def test_text_with_nul_characters_is_refused(api, body):
    response = api.post("/api/v1/patients", json=body)
    assert response.status_code == 400
    assert "NUL" in response.json["message"]
    assert api.get("/api/v1/patients").json["total"] == 0


def test_a_body_that_is_not_json_is_415(api):
    response = api.post(
        "/api/v1/patients", data="reference=R1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415


def test_a_fractional_birth_year_is_refused(api):
    response = api.post("/api/v1/patients", json={"reference": "R-F", "display_name": "F", "birth_year": 1980.7})
    assert response.status_code == 422
    assert "birth_year" in response.json["errors"]["json"]
