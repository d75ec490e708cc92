"""The patient pages, as a practitioner uses them."""

import re

import pytest


@pytest.fixture
def patient_url(practitioner_pages):
    response = practitioner_pages.post(
        "/patients/new", {"reference": "P-100", "display_name": "Page Patient", "birth_year": "1980"}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_adding_a_patient_opens_their_page_with_unknown_allergies(practitioner_pages, patient_url):
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert "Page Patient" in page
    assert "Allergies unknown: never asked" in page
    assert "Patient has no known allergies" in page
    assert "<title>P-100 · Mesocat</title>" in page
    assert page.count('id="checks-title"') == 1


def test_a_bad_patient_form_shows_messages_by_the_fields(practitioner_pages):
    response = practitioner_pages.post(
        "/patients/new", {"reference": "", "display_name": "x" * 201, "birth_year": "12", "conditions": "bogus"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="reference-error"' in page
    assert 'id="display_name-error"' in page
    assert 'id="birth_year-error"' in page
    assert 'aria-invalid="true"' in page


def test_the_patient_list_searches_and_answers_htmx_with_the_list_only(practitioner_pages, patient_url):
    full = practitioner_pages.get("/patients?q=page")
    assert b"Page Patient" in full.data and b"<html" in full.data
    partial = practitioner_pages.get("/patients?q=nobody", headers={"HX-Request": "true"})
    assert b"<html" not in partial.data
    assert b"0 patients" in partial.data


def test_recording_an_allergy_from_the_form(practitioner_pages, patient_url):
    response = practitioner_pages.post(
        f"{patient_url}/allergies/new",
        {
            "allergen": "lidocaine",
            "type": "allergy",
            "criticality": "high",
            "clinical_status": "active",
            "verification_status": "confirmed",
            "reaction_manifestation": "Hives",
            "reaction_severity": "moderate",
            "note": "",
        },
    )
    assert response.status_code == 302
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert "Lidocaine" in page
    assert "Amide local anaesthetics" in page
    assert "criticality: high" in page
    assert "Allergies recorded" in page
    assert "Patient has no known allergies" not in page


def test_the_allergy_form_refuses_both_a_code_and_free_text(practitioner_pages, patient_url):
    response = practitioner_pages.post(
        f"{patient_url}/allergies/new", {"allergen": "soy", "allergen_text": "Soy milk", "criticality": "low"}
    )
    assert response.status_code == 422
    assert 'id="allergen-error"' in response.get_data(as_text=True)


def test_the_allergen_picker_finds_members_with_their_group(client):
    response = client.get("/allergens/picker?allergen_search=lido")
    options = re.findall(r'value="([a-z0-9-]+)"', response.get_data(as_text=True))
    assert options == ["lidocaine"]
    assert b"Amide local anaesthetics" in response.data
    kept = client.get("/allergens/picker?allergen_search=salmon&allergen=soy").get_data(as_text=True)
    assert re.findall(r'value="([a-z0-9-]+)"', kept)[0] == "soy"
    assert "checked" in kept


def test_asserting_no_known_allergies_from_the_page(practitioner_pages, patient_url, clinic):
    response = practitioner_pages.post(
        f"{patient_url}/allergy-status", {"allergy_status": "no-known-allergies", "confirmed": "1"}
    )
    assert response.status_code == 303
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert "No known allergies" in page
    assert f"asserted by {clinic.practitioner.name}" in page


def test_no_known_allergies_asks_first_then_is_recorded_when_confirmed(practitioner_pages, patient_url):
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert "has no known allergies? Checks will rely on it." in page  # app.js asks with this
    asked = practitioner_pages.post(f"{patient_url}/allergy-status", {"allergy_status": "no-known-allergies"})
    assert asked.status_code == 200 and "Checks will rely on it until an allergy is recorded" in asked.get_data(
        as_text=True
    )
    assert "asserted by" not in practitioner_pages.get(patient_url).get_data(as_text=True)
    assert practitioner_pages.confirm(asked).status_code == 303
    assert "asserted by" in practitioner_pages.get(patient_url).get_data(as_text=True)


def test_changing_a_record_keeps_history_and_entered_in_error_sets_it_apart(practitioner_pages, patient_url):
    practitioner_pages.post(f"{patient_url}/allergies/new", {"allergen": "soy", "criticality": "low"})
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    edit_url = re.search(r'href="(/patients/\d+/allergies/\d+/edit)"', page).group(1)
    form = {"allergen": "soy", "criticality": "low", "clinical_status": "active", "revision": "1"}
    response = practitioner_pages.post(edit_url, {**form, "verification_status": "entered-in-error"})
    assert response.status_code == 302
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert "Refuted or entered in error" in page
    assert edit_url not in page
    history = practitioner_pages.get(edit_url.replace("/edit", "/history")).get_data(as_text=True)
    assert "Revision 2" in history and "Revision 1" in history
    assert practitioner_pages.get(edit_url).status_code == 302


def test_a_stale_allergy_form_says_someone_else_changed_the_record(practitioner_pages, patient_url):
    practitioner_pages.post(f"{patient_url}/allergies/new", {"allergen": "soy", "criticality": "low"})
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    edit_url = re.search(r'href="(/patients/\d+/allergies/\d+/edit)"', page).group(1)
    form = {"allergen": "soy", "clinical_status": "active", "verification_status": "unconfirmed", "revision": "1"}
    assert practitioner_pages.post(edit_url, {**form, "criticality": "high"}).status_code == 302
    stale = practitioner_pages.post(edit_url, {**form, "criticality": "low", "note": "My stale note"})
    assert stale.status_code == 412
    page = stale.get_data(as_text=True)
    assert "Someone changed this record while you were editing it" in page
    # The form now shows what is stored, so saving it again cannot undo the other change.
    assert '<option value="high" selected>' in page
    assert 'name="revision" value="2"' in page
    assert "My stale note" not in page


def test_a_reaction_severity_without_a_description_is_explained(practitioner_pages, patient_url):
    response = practitioner_pages.post(f"{patient_url}/allergies/new", {"allergen": "soy", "reaction_severity": "mild"})
    assert response.status_code == 422
    assert "a severity needs a description" in response.get_data(as_text=True)


def test_a_search_too_long_lists_nobody(practitioner_pages, patient_url):
    response = practitioner_pages.get("/patients?q=" + "x" * 201)
    assert response.status_code == 400
    assert b"at most 200 characters" in response.data
    assert b"Page Patient" not in response.data


def test_an_admin_unlocks_a_locked_account(pages, clinic):
    for _ in range(5):
        pages.sign_in(clinic.practitioner.email, "wrong password")
    admin = type(pages)(pages.client.application.test_client())
    admin.sign_in(clinic.admin.email)
    assert b"Unlock" in admin.get("/settings").data
    admin.post(f"/settings/practitioners/{clinic.practitioner.id}", {"action": "unlock"})
    assert pages.sign_in(clinic.practitioner.email).status_code == 302


def test_the_patient_list_pages_keeping_the_search(practitioner_pages, api):
    for number in range(21):
        api.post("/api/v1/patients", json={"reference": f"PG-{number:02}", "display_name": f"Paged {number:02}"})
    first = practitioner_pages.get("/patients?q=paged").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'href="/patients?page=2&amp;q=paged" rel="next"' in first
    second = practitioner_pages.get("/patients?q=paged&page=2").get_data(as_text=True)
    assert "Paged 20" in second and 'rel="prev"' in second
