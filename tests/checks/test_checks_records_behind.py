"""A finding on the pages names the patient's records behind it: which, who recorded them, when, the reaction."""

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%", "volume_ml": 1}


def _patient_with_records(api) -> int:
    patient = api.post("/api/v1/patients", json={"reference": "RB-1", "display_name": "Records Behind"}).json["id"]
    allergy = api.post(
        f"/api/v1/patients/{patient}/allergies",
        json={
            "allergen": "lidocaine",
            "criticality": "high",
            "verification_status": "confirmed",
            "reaction": {"manifestation": "generalised urticaria", "severity": "moderate"},
        },
    )
    assert allergy.status_code == 201, allergy.json
    condition = api.post(f"/api/v1/patients/{patient}/conditions", json={"condition": "anticoagulant-therapy"})
    assert condition.status_code == 201, condition.json
    return patient


def test_a_recorded_checks_findings_show_the_records_behind_them(api, practitioner_pages):
    patient = _patient_with_records(api)
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Behind", "technique": "point-injection", "components": [LIDOCAINE]}
    ).json["id"]
    check = api.post("/api/v1/checks", json={"patient": patient, "cocktail": cocktail})
    assert check.status_code == 201, check.json
    page = practitioner_pages.get(f"/checks/{check.json['id']}").get_data(as_text=True)
    assert "The record behind it" in page
    assert f"/patients/{patient}/allergies/" in page and "/history" in page
    assert "generalised urticaria" in page and "Recorded by" in page
    blocks = [block.split("</details>", 1)[0] for block in page.split('<details class="finding-records">')[1:]]
    assert any("generalised urticaria" in block and "(moderate)" in block for block in blocks)
    assert any("nticoagula" in block and f'href="/patients/{patient}"' in block for block in blocks)


def test_the_composers_live_check_shows_them_too(api, practitioner_pages):
    patient = _patient_with_records(api)
    form = {
        "patient": patient,
        "technique": "point-injection",
        "components-0-ingredient": LIDOCAINE["ingredient"],
        "components-0-concentration": "0.5",
        "components-0-unit": "%",
        "components-0-volume_ml": "1",
    }
    page = practitioner_pages.post("/cocktails/composer/check", form).get_data(as_text=True)
    assert "The record behind it" in page and "generalised urticaria" in page


def test_in_french_the_records_behind_a_finding_are_named_in_french(api, practitioner_pages):
    patient = _patient_with_records(api)
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Derrière", "technique": "point-injection", "components": [LIDOCAINE]}
    ).json["id"]
    check = api.post("/api/v1/checks", json={"patient": patient, "cocktail": cocktail}).json["id"]
    page = practitioner_pages.get(f"/checks/{check}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "La fiche en cause" in page
    assert "Enregistré par" in page and "réaction : generalised urticaria" in page
