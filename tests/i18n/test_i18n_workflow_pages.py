"""The working pages in French: the composer, a cocktail's history, the audit trail, flashes and the allergy form."""

from tests.i18n.test_i18n_pages import ENGLISH, FRENCH, LIDOCAINE
from tests.treatments.conftest import setup  # noqa: F401
from tests.treatments.test_sessions_pages import session_form


def composer_form(**overrides) -> dict:
    form = {
        "name": "Mélange",
        "technique": "point-injection",
        "sessions": "4",
        "weeks_between_sessions": "2",
        "components-aaaa-ingredient": "sodium-hyaluronate-fermentation",
        "components-aaaa-concentration": "1",
        "components-aaaa-unit": "%",
    }
    return {**form, **overrides}


def test_the_composer_is_in_french(practitioner_pages):
    page = practitioner_pages.get("/cocktails/new", headers=FRENCH).get_data(as_text=True)
    assert "<h1>Composer un cocktail</h1>" in page
    assert "Ajouter un ingrédient ou un produit du catalogue" in page
    assert "Vérification au fil de la composition" in page and "Aucun patient : composition seule" in page
    assert "Enregistrer le cocktail" in page and "L’enregistrement crée la version 1." in page
    assert ">Sans aiguille (injecteur haute pression)</option>" in page
    assert "Save cocktail" not in page and "Check as you compose" not in page


def test_the_composer_stays_english_for_an_english_browser(practitioner_pages):
    page = practitioner_pages.get("/cocktails/new", headers=ENGLISH).get_data(as_text=True)
    assert "<h1>Compose a cocktail</h1>" in page and "Save cocktail" in page and "Saving makes version 1." in page


def test_saving_a_cocktail_flashes_in_french_and_its_page_is_french(french_pages, cocktail_url):
    page = french_pages.get(cocktail_url).get_data(as_text=True)
    assert "Cocktail « Mélange » enregistré en version 1." in page
    assert "Version 1 · enregistrée par" in page and "historique de 1 version" in page
    assert "Injection point par point" in page and "4 séances, à 2 semaines d’intervalle" in page
    assert "Vérifier avant utilisation" in page and "Gérer" in page


def test_the_cocktail_history_is_in_french_with_counts(french_pages, cocktail_url):
    changed = french_pages.post(
        f"{cocktail_url}/compose",
        composer_form(
            name=None,
            based_on="1",
            change_note="Ajout de lidocaïne",
            **{
                "components-bbbb-ingredient": "lidocaine-hydrochloride",
                "components-bbbb-concentration": "0.5",
                "components-bbbb-unit": "%",
            },
        ),
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)[-1500:]
    assert "Enregistré en version 2." in french_pages.get(cocktail_url).get_data(as_text=True)
    history = french_pages.get(f"{cocktail_url}/versions").get_data(as_text=True)
    assert "<h1>Historique de Mélange</h1>" in history
    assert "2 composants" in history and "1 composant<" in history
    assert "Comparer les versions choisies" in history and "actuelle" in history
    diff = french_pages.get(f"{cocktail_url}/diff?from=1&to=2").get_data(as_text=True)
    assert "Mélange : version 1 → version 2" in diff and "ajouté" in diff


def test_the_audit_trail_is_in_french(app, pages, clinic):
    pages.sign_in(clinic.admin.email)
    page = pages.get("/settings/audit", headers=FRENCH).get_data(as_text=True)
    assert "<h1>Journal d’audit</h1>" in page
    assert "Filtrer" in page and "Tout le monde" in page and "Ligne de commande / système" in page
    assert "Audit trail" not in page


def test_the_allergy_forms_options_are_in_french(french_pages, api):
    patient = api.post("/api/v1/patients", json={"reference": "FR-A", "display_name": "Anne"}).json
    form = french_pages.get(f"/patients/{patient['id']}/allergies/new").get_data(as_text=True)
    assert ">Élevée : risque de réaction grave</option>" in form
    assert ">Non confirmée (suspectée)</option>" in form and ">Intolérance</option>" in form
    assert ">Active</option>" in form and ">Modérée</option>" in form
    english = french_pages.post("/language", {"language": "en", "next": "/account"})
    assert english.status_code == 303
    form = french_pages.get(f"/patients/{patient['id']}/allergies/new").get_data(as_text=True)
    assert ">High: potential for a serious reaction</option>" in form and ">Active</option>" in form


def test_a_missing_page_is_titled_in_french(practitioner_pages):
    page = practitioner_pages.get("/cocktails/999999", headers=FRENCH).get_data(as_text=True)
    assert "<h1>Page introuvable</h1>" in page or "<h1>Introuvable</h1>" in page


def test_an_ingredients_origin_is_named_in_french(client):
    page = client.get("/ingredients/sodium-hyaluronate-fermentation", headers=FRENCH).get_data(as_text=True)
    assert "Fermentation" in page
    english = client.get("/ingredients/sodium-hyaluronate-fermentation", headers=ENGLISH).get_data(as_text=True)
    assert "Fermentation origin" in english


def test_the_session_form_record_and_pre_treatment_summary_are_in_french(french_pages, setup):  # noqa: F811
    form = french_pages.get(f"/sessions/new?check={setup.check['id']}").get_data(as_text=True)
    assert "Lot prélevé pour chaque composant" in form and "Enregistrer la séance" in form
    assert "Record the session" not in form
    summary = french_pages.get(f"/checks/{setup.check['id']}/sheet").get_data(as_text=True)
    assert "<h1>Récapitulatif avant traitement</h1>" in summary and "Praticien :" in summary
    recorded = french_pages.post("/sessions", session_form(setup))
    assert recorded.status_code in (302, 303), recorded.get_data(as_text=True)[-1500:]
    page = french_pages.get(recorded.headers["Location"]).get_data(as_text=True)
    assert "Séance 1 enregistrée. Remettez sa fiche au patient." in page
    assert "Intervenants et consentement" in page and "Lots prélevés" in page


def test_lots_and_recalls_are_in_french(french_pages):
    lots = french_pages.get("/lots").get_data(as_text=True)
    assert "<h1>Lots en stock</h1>" in lots and "Ajouter le lot" in lots
    recalls = french_pages.get("/recalls?lot=NOPE").get_data(as_text=True)
    assert "<h1>Recherche de rappel</h1>" in recalls and "0 patient a reçu le lot NOPE" in recalls


def test_a_patients_timeline_is_written_in_french(french_pages, api):
    patient = api.post("/api/v1/patients", json={"reference": "FR-T", "display_name": "Thérèse"}).json
    api.post(
        f"/api/v1/patients/{patient['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    page = french_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
    assert "Allergie à Amide local anaesthetics enregistrée (confirmée, criticité élevée)" in page
    english = api.get(f"/api/v1/patients/{patient['id']}").get_data(as_text=True)
    assert "Allergie" not in english


def test_marshmallows_own_message_is_in_french_beside_the_field(practitioner_pages):
    form = {"reference": "R-1", "display_name": "Xavier", "birth_year": "abc"}
    french = practitioner_pages.post("/patients/new", form, headers=FRENCH).get_data(as_text=True)
    assert "Nombre entier non valide." in french and "Not a valid integer." not in french
    english = practitioner_pages.post("/patients/new", form, headers=ENGLISH).get_data(as_text=True)
    assert "Not a valid integer." in english


def test_an_override_without_a_reason_is_refused_in_french(french_pages, api):
    patient = api.post("/api/v1/patients", json={"reference": "FR-O", "display_name": "Odile"}).json
    api.post(
        f"/api/v1/patients/{patient['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    body = {"name": "Anesthésique", "technique": "point-injection", "components": [LIDOCAINE]}
    cocktail = api.post("/api/v1/cocktails", json=body).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    refused = french_pages.post(f"/checks/{check['id']}/override", {"reason": "", "confirmed": "1"})
    assert refused.status_code == 422
    assert "Indiquez le motif pour poursuivre : jusqu’à 1\u202f000 caractères." in refused.get_data(as_text=True)
    long = french_pages.post(f"/checks/{check['id']}/override", {"reason": "x" * 1001, "confirmed": "1"})
    assert "Jusqu’à 1\u202f000 caractères ; ce motif en compte 1\u202f001." in long.get_data(as_text=True)
