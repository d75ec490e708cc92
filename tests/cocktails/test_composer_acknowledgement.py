"""Saving a composition while the check shows a critical finding for the chosen patient asks for an acknowledgement."""

import re

import pytest

BOX = "I have seen the critical finding(s) for Amide Allergic; this saves a recipe, not a use"


def composer_form(**overrides) -> dict:
    form = {
        "name": "Numbing mix",
        "technique": "point-injection",
        "components-aaaa-ingredient": "sodium-hyaluronate-fermentation",
        "components-aaaa-concentration": "1",
        "components-aaaa-unit": "%",
        "components-bbbb-ingredient": "lidocaine-hydrochloride",
        "components-bbbb-concentration": "0.5",
        "components-bbbb-unit": "%",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


WITHOUT_LIDOCAINE = {f"components-bbbb-{field}": None for field in ("ingredient", "concentration", "unit")}


@pytest.fixture
def amide_patient(api):
    patient = api.post("/api/v1/patients", json={"reference": "AMIDE-1", "display_name": "Amide Allergic"}).json
    api.post(
        f"/api/v1/patients/{patient['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    return patient


@pytest.fixture
def clear_patient(api):
    patient = api.post("/api/v1/patients", json={"reference": "NKA-1", "display_name": "Nora None"}).json
    api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    return patient


def cocktail_names(api) -> list[str]:
    return [cocktail["name"] for cocktail in api.get("/api/v1/cocktails").json["items"]]


def acknowledgement_key(page: str) -> str:
    return re.search(r'name="acknowledge_critical" value="([0-9a-f]+)"', page).group(1)


def test_saving_over_a_critical_finding_without_the_acknowledgement_is_refused_keeping_the_form(
    practitioner_pages, api, amide_patient
):
    response = practitioner_pages.post("/cocktails/new", composer_form(patient=str(amide_patient["id"])))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert BOX in page
    assert "Saving is allowed: a composition is a recipe, not a treatment." in page
    assert 'id="acknowledge_critical-error">Tick this box to save: the check shows a critical finding for' in page
    assert 'aria-invalid="true"' in page[page.index('id="acknowledge_critical"') :][:600]
    assert 'value="Numbing mix"' in page and 'id="row-bbbb"' in page, "the form is kept"
    assert f'<option value="{amide_patient["id"]}" selected>' in page, "and the patient chosen"
    live = page[page.index('id="live-check"') :]
    assert "Contraindicated" in live and "patient allergic to Amide local anaesthetics" in live, "the finding is shown"
    assert 'hx-trigger="load,' not in page, "the check the server ran is not asked for again"
    assert cocktail_names(api) == [], "nothing saved"


def test_with_the_box_ticked_the_composition_is_saved_as_a_recipe(practitioner_pages, api, amide_patient):
    form = composer_form(patient=str(amide_patient["id"]))
    key = acknowledgement_key(practitioner_pages.post("/cocktails/new", form).get_data(as_text=True))
    response = practitioner_pages.post("/cocktails/new", {**form, "acknowledge_critical": key})
    assert response.status_code == 302
    page = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved as version 1. The check for Amide Allergic shows a critical finding" in page
    assert cocktail_names(api) == ["Numbing mix"]
    assert api.get(f"/api/v1/checks?patient={amide_patient['id']}").json["items"] == [], "saving is not a use"


def test_an_acknowledgement_of_other_findings_does_not_count(practitioner_pages, api, amide_patient, clear_patient):
    form = composer_form(patient=str(amide_patient["id"]))
    response = practitioner_pages.post("/cocktails/new", {**form, "acknowledge_critical": "0" * 32})
    assert response.status_code == 422
    assert "changed since you ticked this box" in response.get_data(as_text=True)
    assert cocktail_names(api) == []


def test_no_acknowledgement_without_a_patient_or_without_a_critical_finding(
    practitioner_pages, api, amide_patient, clear_patient
):
    # Lidocaine above its 2 % maximum is critical for anyone, but without a patient nothing changes.
    over_maximum = composer_form(name="No patient", **{"components-bbbb-concentration": "5"})
    alone = practitioner_pages.post("/cocktails/composer/check", over_maximum).get_data(as_text=True)
    assert "Contraindicated" in alone and "I have seen" not in alone
    assert practitioner_pages.post("/cocktails/new", over_maximum).status_code == 302
    nothing_against = composer_form(name="Nothing against", patient=str(clear_patient["id"]))
    assert practitioner_pages.post("/cocktails/new", nothing_against).status_code == 302
    without_lidocaine = composer_form(name="Safe for them", patient=str(amide_patient["id"]), **WITHOUT_LIDOCAINE)
    assert practitioner_pages.post("/cocktails/new", without_lidocaine).status_code == 302
    assert sorted(cocktail_names(api)) == ["No patient", "Nothing against", "Safe for them"]


def test_a_new_version_over_a_critical_finding_asks_too(practitioner_pages, api, amide_patient):
    created = practitioner_pages.post("/cocktails/new", composer_form(**WITHOUT_LIDOCAINE))
    cocktail_url = created.headers["Location"]
    form = composer_form(name=None, based_on="1", change_note="Numbing", patient=str(amide_patient["id"]))
    refused = practitioner_pages.post(f"{cocktail_url}/compose", form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert BOX in page and 'name="based_on" value="1"' in page and 'value="Numbing"' in page
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    assert api.get(f"/api/v1/cocktails/{cocktail_id}").json["current_version"] == 1, "nothing saved"
    saved = practitioner_pages.post(
        f"{cocktail_url}/compose", {**form, "acknowledge_critical": acknowledgement_key(page)}
    )
    assert saved.status_code == 302
    assert api.get(f"/api/v1/cocktails/{cocktail_id}").json["current_version"] == 2


@pytest.mark.parametrize(
    ("patient", "message"),
    [("abc", "Choose one of the clinic's patients, or none."), ("999999", "No patient with this id in your clinic.")],
)
def test_a_patient_that_names_nobody_is_refused_beside_the_choice(practitioner_pages, api, patient, message):
    response = practitioner_pages.post("/cocktails/new", composer_form(patient=patient))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="patient-error">{message}' in page.replace("&#39;", "'")
    assert cocktail_names(api) == []


def test_the_live_check_shows_the_box_out_of_band_as_soon_as_it_turns_critical(
    practitioner_pages, amide_patient, clear_patient
):
    critical = composer_form(patient=str(amide_patient["id"]))
    answer = practitioner_pages.post("/cocktails/composer/check", critical).get_data(as_text=True)
    assert '<div id="critical-acknowledgement" aria-live="polite" hx-swap-oob="true">' in answer
    assert BOX in answer and "checked" not in answer[answer.index('id="acknowledge_critical"') :][:400]
    key = acknowledgement_key(answer)
    ticked = practitioner_pages.post("/cocktails/composer/check", {**critical, "acknowledge_critical": key})
    assert re.search(r'value="[0-9a-f]+" required\s+checked', ticked.get_data(as_text=True)), "a tick stays"
    clear = composer_form(patient=str(clear_patient["id"]), acknowledge_critical=key)
    answer = practitioner_pages.post("/cocktails/composer/check", clear).get_data(as_text=True)
    assert 'hx-swap-oob="true">' in answer and BOX not in answer and "I have seen" not in answer, "the box goes"
    typing = composer_form(patient=str(amide_patient["id"]), **{"components-bbbb-concentration": ""})
    answer = practitioner_pages.post("/cocktails/composer/check", typing).get_data(as_text=True)
    assert "critical-acknowledgement" not in answer, "a row still being typed leaves the box as it is"


def test_the_composer_opens_with_an_empty_box_and_asks_for_the_check(practitioner_pages):
    page = practitioner_pages.get("/cocktails/new").get_data(as_text=True)
    assert '<div id="critical-acknowledgement" aria-live="polite">' in page and "I have seen" not in page
    assert 'hx-trigger="load, change from:#composer' in page


def test_a_form_refused_for_another_reason_keeps_the_acknowledgement_of_the_same_findings(
    practitioner_pages, api, amide_patient
):
    form = composer_form(patient=str(amide_patient["id"]))
    key = acknowledgement_key(practitioner_pages.post("/cocktails/new", form).get_data(as_text=True))
    response = practitioner_pages.post("/cocktails/new", {**form, "name": "", "acknowledge_critical": key})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="acknowledge_critical-error"' not in page
    assert re.search(rf'value="{key}" required\s+checked', page), "ticked for these findings, it stays ticked"
    assert cocktail_names(api) == []
