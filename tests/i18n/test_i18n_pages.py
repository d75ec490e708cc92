"""Pages and findings in English or French: the person's setting, else the browser's, else English."""

import pytest

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}


@pytest.fixture
def allergic_patient(api):
    patient = api.post("/api/v1/patients", json={"reference": "FR-1", "display_name": "Amélie Allergique"}).json
    api.post(
        f"/api/v1/patients/{patient['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    return patient


@pytest.fixture
def lidocaine_cocktail(api):
    body = {"name": "Anesthésique", "technique": "point-injection", "components": [LIDOCAINE]}
    return api.post("/api/v1/cocktails", json=body).json


def test_the_catalogue_speaks_french_when_the_browser_asks_for_it(client):
    page = client.get("/ingredients", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Rechercher des ingrédients" in page and "Information de référence, et non avis médical." in page
    assert "Search ingredients" not in page


def test_english_is_the_default_and_an_unknown_language_gets_english(client):
    for headers in ({}, ENGLISH, {"Accept-Language": "de-DE,de;q=0.9"}):
        page = client.get("/ingredients", headers=headers).get_data(as_text=True)
        assert '<html lang="en">' in page and "Search ingredients" in page


def test_counts_are_pluralised_in_french(client):
    page = client.get("/ingredients?q=lidocaine", headers=FRENCH).get_data(as_text=True)
    assert "ingrédient correspond." in page or "ingrédients correspondent." in page


def test_the_persons_setting_overrides_the_browser(practitioner_pages):
    assert "Vos patients" not in practitioner_pages.get("/patients", headers=ENGLISH).get_data(as_text=True)
    saved = practitioner_pages.post("/language", {"language": "fr", "next": "/account"}, headers=ENGLISH)
    assert saved.status_code == 303
    account = practitioner_pages.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="fr">' in account and "Langue enregistrée." in account
    assert "Les patients de Clinic A" in practitioner_pages.get("/patients", headers=ENGLISH).get_data(as_text=True)

    practitioner_pages.post("/language", {"language": "", "next": "/account"})
    page = practitioner_pages.get("/patients", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="en">' in page, "no setting: the browser's language again"


def test_a_language_outside_the_list_is_refused(practitioner_pages, clinic, db_session):
    practitioner_pages.post("/language", {"language": "de", "next": "/account"})
    db_session.refresh(clinic.practitioner)
    assert clinic.practitioner.language is None


def test_a_visitor_switches_the_sign_in_page_to_french(pages):
    page = pages.get("/sign-in", headers=ENGLISH).get_data(as_text=True)
    assert ">Français</button>" in page
    pages.post("/language", {"language": "fr", "next": "/sign-in"}, headers=ENGLISH)
    page = pages.get("/sign-in", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="fr">' in page and "Se connecter" in page and ">English</button>" in page


def test_a_recorded_finding_is_written_in_french_on_its_page(
    practitioner_pages, api, allergic_patient, lidocaine_cocktail
):
    check = api.post("/api/v1/checks", json={"patient": allergic_patient["id"], "cocktail": lidocaine_cocktail["id"]})
    french = practitioner_pages.get(f"/checks/{check.json['id']}", headers=FRENCH).get_data(as_text=True)
    assert "Lidocaine hydrochloride : patient allergique à Amide local anaesthetics." in french
    assert "allergie confirmée (criticité élevée)" in french
    assert "Contre-indiqué" in french
    english = practitioner_pages.get(f"/checks/{check.json['id']}", headers=ENGLISH).get_data(as_text=True)
    assert "Lidocaine hydrochloride: patient allergic to Amide local anaesthetics." in english


def test_the_api_writes_findings_in_english_unless_asked_for_french(api, allergic_patient, lidocaine_cocktail):
    body = {"patient": allergic_patient["id"], "cocktail": lidocaine_cocktail["id"]}
    recorded = api.post("/api/v1/checks", json=body).json
    assert (
        recorded["findings"][0]["summary"] == "Lidocaine hydrochloride: patient allergic to Amide local anaesthetics."
    )
    french = api.get(f"/api/v1/checks/{recorded['id']}", headers=FRENCH).json
    assert (
        french["findings"][0]["summary"] == "Lidocaine hydrochloride : patient allergique à Amide local anaesthetics."
    )
    assert french["findings"][0]["kind"] == recorded["findings"][0]["kind"], "the facts are the same"
    unsaved = api.post(
        "/api/v1/checks", json={"patient": allergic_patient["id"], "components": [LIDOCAINE]}, headers=FRENCH
    ).json
    assert "patient allergique à" in unsaved["findings"][0]["summary"]


def test_a_patients_language_is_set_and_read_over_the_api(api):
    created = api.post("/api/v1/patients", json={"reference": "L-1", "display_name": "Lou", "language": "fr"})
    assert created.status_code == 201 and created.json["language"] == "fr"
    default = api.post("/api/v1/patients", json={"reference": "L-2", "display_name": "Len"}).json
    assert default["language"] == "en"
    refused = api.post("/api/v1/patients", json={"reference": "L-3", "display_name": "Lea", "language": "de"})
    assert refused.status_code == 422
    changed = api.patch(f"/api/v1/patients/{default['id']}", json={"language": "fr"})
    assert changed.json["language"] == "fr"


def test_a_patient_added_from_the_pages_takes_the_practitioners_language(practitioner_pages, api):
    practitioner_pages.post("/language", {"language": "fr", "next": "/account"})
    practitioner_pages.post("/patients/new", {"reference": "P-FR", "display_name": "Paul"})
    found = api.get("/api/v1/patients?q=P-FR").json["items"]
    assert found[0]["language"] == "fr"
    form = practitioner_pages.get("/patients/new").get_data(as_text=True)
    assert "Langue de la fiche du patient" in form


def test_the_api_docs_page_speaks_the_browsers_language_and_leads_back(client):
    html = client.get("/api/v1/docs", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="fr">' in html and "← Retour à Mesocat" in html
    assert "← Back to Mesocat" in client.get("/api/v1/docs", headers=ENGLISH).get_data(as_text=True)
