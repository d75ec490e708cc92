"""Any saved version, not only the current one, can be checked for a patient from the pages."""

import re

import pytest

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}
HYALURONATE = {"ingredient": "sodium-hyaluronate-fermentation", "concentration": 1, "unit": "%"}


@pytest.fixture
def patient(api):
    body = api.post("/api/v1/patients", json={"reference": "ANY-1", "display_name": "Vera Version"}).json
    api.post(
        f"/api/v1/patients/{body['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    return body


@pytest.fixture
def cocktail(api):
    """A cocktail whose version 1 holds lidocaine and whose current version 2 does not."""
    body = {"name": "Two-version mix", "technique": "point-injection", "components": [HYALURONATE, LIDOCAINE]}
    cocktail = api.post("/api/v1/cocktails", json=body).json
    second = {"technique": "point-injection", "components": [HYALURONATE], "change_note": "No anaesthetic"}
    saved = api.post(f"/api/v1/cocktails/{cocktail['id']}/versions", json=second, headers={"If-Match": 'W/"1"'})
    assert saved.status_code == 201, saved.json
    return cocktail


def form_on(page: str, button: str) -> dict:
    """The hidden fields of the form whose submit button reads `button`, but its CSRF token (the client adds one)."""
    form = page[: page.index(button)]
    form = form[form.rindex("<form") :]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
    fields.pop("csrf_token", None)
    return fields


def checks_recorded(api, patient) -> list[dict]:
    return api.get(f"/api/v1/checks?patient={patient['id']}").json["items"]


def test_an_earlier_version_is_checked_from_its_page_and_the_check_says_it_is_not_current(
    practitioner_pages, api, cocktail, patient
):
    page = practitioner_pages.get(f"/cocktails/{cocktail['id']}/versions/1").get_data(as_text=True)
    assert "Check this version for a patient" in page
    assert "Version 1 is an earlier version: the cocktail is now at version 2." in page
    assert "Vera Version (ANY-1)" in page, "the clinic's patients to choose from"
    form = form_on(page, "Check version 1 for this patient")
    assert form == {"cocktail": str(cocktail["id"]), "version": "1", "back_to": "version"}

    response = practitioner_pages.post("/checks", {**form, "patient": str(patient["id"])})
    assert response.status_code == 303
    check_page = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "Two-version mix, version 1, for Vera Version" in check_page
    assert "Contraindicated" in check_page, "version 1 holds the lidocaine"
    assert "Not the current version:" in check_page and "the cocktail is now at version 2" in check_page
    [recorded] = checks_recorded(api, patient)
    assert recorded["version"]["number"] == 1

    again = form_on(check_page, "Check the current version (2) for Vera Version")
    assert (again["version"], again["patient"]) == ("2", str(patient["id"]))
    response = practitioner_pages.post("/checks", again)
    current_page = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "version 2</a>, the current version." in current_page
    assert "Not the current version" not in current_page and "Check the current version" not in current_page
    assert sorted(check["version"]["number"] for check in checks_recorded(api, patient)) == [1, 2]


def test_the_cocktail_page_lists_checks_of_earlier_versions_with_their_numbers(
    practitioner_pages, api, cocktail, patient
):
    url = f"/cocktails/{cocktail['id']}"
    assert "Not checked for any patient yet." in practitioner_pages.get(url).get_data(as_text=True)
    practitioner_pages.post("/checks", {"cocktail": cocktail["id"], "version": "1", "patient": str(patient["id"])})
    page = practitioner_pages.get(url).get_data(as_text=True)
    assert "Not checked for any patient yet." not in page
    table = page[page.index('data-testid="recent-checks"') :]
    table = table[: table.index("</table>")]
    assert "Vera Version (ANY-1)" in table
    assert f'href="/cocktails/{cocktail["id"]}/versions/1">Version 1</a> <span class="muted">(earlier)</span>' in table
    assert "To check an earlier version, open it from the" in page


def test_a_check_refused_on_a_version_page_goes_back_there_saying_why(practitioner_pages, api, cocktail, patient):
    response = practitioner_pages.post(
        "/checks", {"cocktail": cocktail["id"], "version": "1", "back_to": "version", "patient": ""}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cocktails/{cocktail['id']}/versions/1")
    page = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose a patient to check the cocktail for." in page
    assert checks_recorded(api, patient) == []


def test_a_version_that_does_not_exist_goes_back_to_the_cocktail_saying_so(practitioner_pages, api, cocktail, patient):
    response = practitioner_pages.post(
        "/checks", {"cocktail": cocktail["id"], "version": "9", "back_to": "version", "patient": str(patient["id"])}
    )
    assert response.headers["Location"].endswith(f"/cocktails/{cocktail['id']}")
    page = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "This cocktail has no version 9; its current version is 2." in page
    assert checks_recorded(api, patient) == []


def test_a_viewer_reads_a_version_without_the_check_form(pages, clinic, cocktail):
    pages.sign_in(clinic.viewer.email)
    page = pages.get(f"/cocktails/{cocktail['id']}/versions/1").get_data(as_text=True)
    assert "Two-version mix, version 1" in page and "Check this version for a patient" not in page
