"""Checking cocktails against patients over the API; checks of saved versions are recorded."""

import pytest

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}
VITAMIN_C = {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL"}


@pytest.fixture
def patient(api):
    body = api.post("/api/v1/patients", json={"reference": "CHK-1", "display_name": "Check Patient"}).json
    api.post(
        f"/api/v1/patients/{body['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    return body


@pytest.fixture
def cocktail(api):
    body = {"name": "Numbing mix", "technique": "point-injection", "components": [VITAMIN_C, LIDOCAINE]}
    return api.post("/api/v1/cocktails", json=body).json


def test_checking_a_saved_version_records_the_check_with_its_findings(api, patient, cocktail):
    response = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert response.status_code == 201, response.json
    check = response.json
    assert (check["outcome"], check["override"]) == ("contraindicated", None)
    # Every reference is an object with its identifier fields and its URL in the API.
    assert check["patient"] == {"id": patient["id"], "href": f"/api/v1/patients/{patient['id']}"}
    assert check["cocktail"] == {
        "id": cocktail["id"],
        "name": "Numbing mix",
        "href": f"/api/v1/cocktails/{cocktail['id']}",
    }
    assert check["version"] == {"number": 1, "href": f"/api/v1/cocktails/{cocktail['id']}/versions/1"}
    assert api.get(check["version"]["href"]).status_code == 200
    (finding,) = [f for f in check["findings"] if f["kind"] == "allergy"]
    assert finding["severity"] == "critical"
    # The path runs from the ingredient's flag to the patient's allergen, each step saying how it is reached.
    assert [(step["name"], step["reached_by"]) for step in finding["path"]] == [
        ("Lidocaine", "flag"),
        ("Amide local anaesthetics", "group"),
    ]
    assert finding["path"][1]["href"] == "/api/v1/allergens/amide-local-anaesthetics"
    assert finding["ingredient"]["href"] == "/api/v1/ingredients/lidocaine-hydrochloride"
    (record,) = finding["allergy_records"]
    assert finding["allergy_record"] == record
    assert api.get(record["href"]).json["id"] == record["id"]
    assert api.get(response.headers["Location"]).json == check
    listed = api.get(f"/api/v1/checks?patient={patient['id']}&cocktail={cocktail['id']}").json
    assert [c["id"] for c in listed["items"]] == [check["id"]]


def test_checking_unsaved_components_records_nothing(api, patient):
    response = api.post("/api/v1/checks", json={"patient": patient["id"], "components": [VITAMIN_C]})
    assert response.status_code == 200
    assert (response.json["outcome"], response.json["findings"]) == ("clear", [])
    # "Clear" of what could be checked only: the rest is listed.
    # (the test catalogue's entries, as the seed's, are loaded unreviewed)
    assert {"age-unknown", "unreviewed"} <= {gap["kind"] for gap in response.json["unchecked"]}
    assert api.get("/api/v1/checks").json["total"] == 0


def test_a_recorded_check_keeps_its_findings_when_the_record_changes_later(api, patient, cocktail):
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    allergy = api.get(f"/api/v1/patients/{patient['id']}/allergies").json[0]
    api.patch(f"/api/v1/patients/{patient['id']}/allergies/{allergy['id']}", json={"verification_status": "refuted"})
    assert api.get(f"/api/v1/checks/{check['id']}").json["outcome"] == "contraindicated"
    again = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    # With its only allergy refuted, nothing is known about the patient's allergies any more; and the
    # cocktail gives no volume, so lidocaine's dose limit cannot be checked.
    assert [f["kind"] for f in again["findings"]] == ["allergies-unknown", "dose-unchecked"]


def test_an_older_version_can_be_checked(api, patient, cocktail):
    api.post(
        f"/api/v1/cocktails/{cocktail['id']}/versions",
        json={"components": [VITAMIN_C], "technique": "needle-free", "change_note": "No anaesthetic"},
        headers={"If-Match": 'W/"1"'},
    )
    current = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    older = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"], "version": 1}).json
    assert (current["version"]["number"], current["outcome"]) == (2, "clear")
    assert (older["version"]["number"], older["outcome"]) == (1, "contraindicated")


def test_a_critical_finding_can_be_overridden_once_with_a_reason(api, auditor, patient, cocktail):
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    url = f"/api/v1/checks/{check['id']}/override"
    assert api.post(url, json={"reason": "  "}).status_code == 422
    response = api.post(url, json={"reason": "Allergy test last month was negative; consultant agreed."})
    assert response.status_code == 201
    assert response.json["by"]["type"] == "token"
    assert api.post(url, json={"reason": "Again"}).status_code == 409
    assert api.get(f"/api/v1/checks/{check['id']}").json["override"]["reason"].startswith("Allergy test")
    entry = auditor.get("/api/v1/audit", query_string={"object_type": "check", "object_id": check["id"]}).json["items"][
        0
    ]
    assert entry["action"] == "check.overridden"
    assert "consultant" not in str(entry)


def test_only_a_contraindicated_check_can_be_overridden(api, patient):
    body = {"name": "Plain C", "technique": "needle-free", "components": [VITAMIN_C]}
    cocktail = api.post("/api/v1/cocktails", json=body).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    assert check["outcome"] == "clear"
    assert api.post(f"/api/v1/checks/{check['id']}/override", json={"reason": "No need"}).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cocktail": 1}, "patient"),
        ({"patient": 1}, "cocktail"),
        ({"patient": 1, "cocktail": 1, "components": [VITAMIN_C]}, "cocktail"),
        ({"patient": 1, "version": 2, "components": [VITAMIN_C]}, "version"),
        ({"patient": "one", "cocktail": 1}, "patient"),
    ],
)
def test_a_bad_check_request_is_422_naming_the_field(api, body, field):
    response = api.post("/api/v1/checks", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_an_unknown_patient_cocktail_or_version_is_422_naming_it(api, patient, cocktail):
    cases = [
        (
            {
                "patient": patient["id"],
                "components": [{**LIDOCAINE, "ingredient": "bacteriostatic-saline-benzyl-alcohol", "unit": "IU/mL"}],
            },
            "components",
        ),
        ({"patient": patient["id"], "components": [{**LIDOCAINE, "ingredient": "no-such-ingredient"}]}, "components"),
        ({"patient": 999999, "cocktail": cocktail["id"]}, "patient"),
        ({"patient": patient["id"], "cocktail": 999999}, "cocktail"),
        ({"patient": patient["id"], "cocktail": cocktail["id"], "version": 7}, "version"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/checks", json=body)
        assert response.status_code == 422
        assert field in response.json["errors"]["json"], response.json


def test_a_read_token_can_list_but_not_check(client, api_as, clinic, patient, cocktail):
    reader = api_as(client, clinic.read_token)
    assert reader.get("/api/v1/checks").status_code == 200
    assert reader.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).status_code == 403


def test_conditions_and_unknown_status_reach_the_check(api):
    patient = api.post(
        "/api/v1/patients",
        json={"reference": "CHK-2", "display_name": "Pregnant", "conditions": ["pregnancy", "anticoagulant-therapy"]},
    ).json
    retinol = api.get("/api/v1/ingredients?q=retinol").json["items"][0]["slug"]
    response = api.post(
        "/api/v1/checks",
        json={"patient": patient["id"], "components": [{"ingredient": retinol, "concentration": 0.1, "unit": "%"}]},
    )
    kinds = {(f["kind"], f["severity"]) for f in response.json["findings"]}
    assert ("allergies-unknown", "warning") in kinds
    assert ("contraindication", "critical") in kinds
    assert ("treatment-caution", "warning") in kinds, "the labels' caution with blood thinners, for any injection"
    assert response.json["outcome"] == "contraindicated"


def test_a_read_token_may_check_unsaved_components_but_not_record(client, api_as, clinic, patient, cocktail):
    reader = api_as(client, clinic.read_token)
    unsaved = reader.post("/api/v1/checks", json={"patient": patient["id"], "components": [VITAMIN_C]})
    assert unsaved.status_code == 200
    recorded = reader.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert recorded.status_code == 403


def test_checks_filter_by_outcome(api, patient, cocktail):
    api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert api.get("/api/v1/checks?outcome=contraindicated").json["total"] == 1
    assert api.get("/api/v1/checks?outcome=clear").json["total"] == 0
    assert api.get("/api/v1/checks?outcome=fine").status_code == 422


def test_an_unsaved_check_refuses_an_ingredient_twice(api, patient):
    response = api.post("/api/v1/checks", json={"patient": patient["id"], "components": [VITAMIN_C, VITAMIN_C]})
    assert response.status_code == 422
    assert "1" in response.json["errors"]["json"]["components"]


def test_a_saved_version_stays_checkable_when_the_catalogue_changes_its_unit(
    client, clinics, clinic, api, api_as, patient
):
    from tests.factories import ingredient_entry

    curator = api_as(client, clinics.token(clinic.clinic, curator=True))
    entry = ingredient_entry(slug="unit-changer", concentration={"unit": "%", "usual_min": 0.1, "usual_max": 1})
    assert curator.post("/api/v1/ingredients", json=entry).status_code == 201
    body = {
        "name": "Unit mix",
        "technique": "needle-free",
        "components": [{"ingredient": "unit-changer", "concentration": 0.5, "unit": "%"}],
    }
    cocktail = api.post("/api/v1/cocktails", json=body).json
    changed = {**entry, "concentration": {"unit": "IU/mL", "usual_min": 1, "usual_max": 10}}
    assert curator.put("/api/v1/ingredients/unit-changer", json=changed).status_code == 200
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert check.status_code == 201
    assert "unit-mismatch" in [f["kind"] for f in check.json["findings"]]
