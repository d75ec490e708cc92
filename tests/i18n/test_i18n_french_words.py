"""French where a page once showed English: refusals (the API keeps its English), limits, roles and techniques."""

import pickle
import re

from catalog.core.words import N_, phrase
from tests.factories import PASSWORD
from tests.i18n.test_i18n_pages import FRENCH
from tests.i18n.test_i18n_workflow_pages import composer_form


def test_a_phrase_is_its_english_sentence_and_keeps_what_it_was_made_from():
    sentence = phrase(
        "This cocktail has no version %(number)s; its current version is %(current)s.", number=7, current=2
    )
    assert sentence == "This cocktail has no version 7; its current version is 2."
    assert sentence.template.startswith("This cocktail has no version %(number)s")
    assert sentence.values == {"number": 7, "current": 2}
    again = pickle.loads(pickle.dumps(sentence))
    assert again == sentence and again.values == sentence.values
    assert N_("Already active.") == "Already active."


def test_in_page_words_translates_a_phrase_and_the_phrases_inside_it(app):
    from catalog.web.words import in_page_words

    field = phrase("name")
    changed = phrase(
        "Someone else changed the %(field)s meanwhile (it is now “%(now)s”). Look, then try again.",
        field=field,
        now="name",
    )
    with app.test_request_context(headers=FRENCH):
        said = in_page_words(changed)
        # The field's name is translated; the value someone typed ("name") is not.
        assert said.startswith("Quelqu’un d’autre a changé le champ « nom » entre-temps (c’est maintenant « name »).")
        assert in_page_words("Not a valid number.") == "Nombre non valide."  # marshmallow's own
        # A message the catalogue does not know stays as it is rather than disappear.
        assert in_page_words("Something never translated.") == "Something never translated."
    with app.test_request_context():
        assert in_page_words(changed) == str(changed)


def test_a_refused_patient_form_says_why_in_french_beside_the_field(french_pages):
    french_pages.post("/patients/new", {"reference": "P-DOUBLE", "display_name": "Paul"})
    page = french_pages.post("/patients/new", {"reference": "P-DOUBLE", "display_name": "Pierre"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Un autre patient de cette clinique a déjà cette référence." in text
    assert "Another patient of this clinic already has this reference." not in text


def test_the_api_keeps_the_refusal_in_english_whatever_the_browser_asks(api):
    api.post("/api/v1/patients", json={"reference": "P-API", "display_name": "Paul"})
    answer = api.post("/api/v1/patients", json={"reference": "P-API", "display_name": "Pierre"}, headers=FRENCH)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["message"] == "Another patient of this clinic has this reference."
    assert body["errors"]["json"]["reference"] == ["Another patient of this clinic already has this reference."]


def test_a_revert_that_changes_nothing_is_refused_in_french_with_the_version(french_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    french_pages.post(
        f"{cocktail_url}/compose", composer_form(name=None, based_on="1", change_note="Autre", technique="needle-free")
    )
    french_pages.post(f"/cocktails/{cocktail_id}/revert", {"revert_to": "1", "based_on": "2", "confirmed": "1"})
    # Version 3 now holds what version 1 held: reverting to 1 again would change nothing.
    answer = french_pages.post(
        f"/cocktails/{cocktail_id}/revert", {"revert_to": "1", "based_on": "3", "confirmed": "1"}
    )
    assert answer.status_code == 303
    history = french_pages.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Non rétabli. Rien ne changerait : c’est déjà ce que contient la version 3." in history


def test_a_missing_cocktail_page_is_in_french(french_pages):
    page = french_pages.get("/cocktails/999999")
    assert page.status_code == 404
    assert "Aucun cocktail de votre clinique n’a cet identifiant." in page.get_data(as_text=True)


def test_a_refused_new_password_is_explained_in_french_with_its_length(french_pages):
    from catalog.clinics.passwords import MIN_LENGTH

    page = french_pages.post(
        "/account", {"current_password": PASSWORD, "new_password": "court", "confirm_password": "court"}
    )
    text = page.get_data(as_text=True)
    assert f"Utilisez au moins {MIN_LENGTH} caractères (celui-ci en a 5)." in text
    assert "Use at least" not in text


def test_a_too_long_description_names_its_limit_grouped_the_french_way(french_pages):
    page = french_pages.post("/cocktails/new", composer_form(description="é" * 2001))
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    # French groups thousands with a narrow no-break space (CLDR), never a comma.
    assert "Jusqu’à 2\u202f000 caractères ; cette description en compte 2\u202f001." in text
    assert "2,000" not in text
    # Beside its field, which has no maxlength to cut a pasted text short.
    assert 'id="description-error"' in text and 'aria-describedby="description-error"' in text
    assert 'maxlength="2000"' not in text


def test_the_api_names_the_same_limit_in_english_with_commas(api):
    from tests.i18n.test_i18n_pages import LIDOCAINE

    answer = api.post(
        "/api/v1/cocktails",
        json={"name": "Long", "description": "x" * 2001, "technique": "point-injection", "components": [LIDOCAINE]},
        headers=FRENCH,
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["json"]["description"] == ["Up to 2,000 characters; this description has 2,001."]


def test_a_products_active_ingredient_and_the_technique_are_named_in_french(api, french_pages):
    vial = {"product": "xylocaine-1-multi-dose", "volume_ml": 2}
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Flacon", "technique": "needle-free", "components": [vial]}
    ).json
    page = french_pages.get(f"/cocktails/{cocktail['id']}/versions/1").get_data(as_text=True)
    # The lidocaine of the vial is its "principe actif", not "active" as an allergy is.
    assert "<td>Principe actif</td>" in page and "<td>Excipient</td>" in page
    assert "<td>Active</td>" not in page
    assert "Sans aiguille" in page


def test_error_pages_are_titled_in_plain_words_not_http_reason_phrases(client):
    long_address = "/ingredients?page=1&x=" + "a" * 5000
    english = client.get(long_address).get_data(as_text=True)
    assert "Address too long" in english and "Request URI Too Long" not in english
    french = client.get(long_address, headers=FRENCH).get_data(as_text=True)
    assert "Adresse trop longue" in french
    missing = client.get("/ingredients/no-such-ingredient").get_data(as_text=True)
    assert "<h1>Not found</h1>" in missing or "Not found</h1>" in missing


def test_figures_keep_their_significant_digits_and_take_the_languages_decimal_mark(app):
    from catalog.i18n import figure

    with app.test_request_context(headers=FRENCH):
        assert figure(0.5) == "0,5" and figure(0.0005) == "0,0005"  # never rounded to "0"
        assert figure(2000) == "2000" and figure(0.123456, 3) == "0,123"
        assert figure(0.0000015) == "0,0000015" and figure(12_000_000) == "12000000"  # never an exponent
    with app.test_request_context():
        assert figure(0.5) == "0.5" and figure(0.0005) == "0.0005"


def test_a_french_ingredient_page_writes_its_figures_with_a_decimal_comma(client):
    page = client.get("/ingredients/lidocaine-hydrochloride", headers=FRENCH).get_data(as_text=True)
    english = client.get("/ingredients/lidocaine-hydrochloride").get_data(as_text=True)
    # The dose limit's figure; the catalogue's own text (its descriptions, sources) stays as written.
    assert "4.5 mg/kg, at most" in english
    assert "4,5 mg/kg, au plus" in page and "4.5 mg/kg, au plus" not in page


def test_the_sign_in_page_states_the_real_wait_and_refuses_in_french(pages):
    page = pages.get("/sign-in", headers=FRENCH).get_data(as_text=True)
    assert "jusqu’à une minute" in page and "15 minutes" not in page
    refused = pages.post("/sign-in", {"email": "nobody@example.test", "password": "x"}, headers=FRENCH)
    assert "E-mail ou mot de passe erroné." in refused.get_data(as_text=True)


def test_the_composers_own_reasons_and_a_first_version_note_are_in_french(french_pages, cocktail_url):
    zero = french_pages.post("/cocktails/new", composer_form(**{"components-aaaa-concentration": "0"}))
    assert "Doit être supérieur à 0." in zero.get_data(as_text=True)
    history = french_pages.get(f"{cocktail_url}/versions").get_data(as_text=True)
    assert "Première version." in history and "First version." not in history


def test_the_cocktail_list_labels_its_cells_and_says_a_cocktail_is_actif(french_pages, cocktail_url):
    page = french_pages.get("/cocktails").get_data(as_text=True)
    assert 'data-label="Statut">actif</td>' in page
    assert 'data-label="Version">1</td>' in page


def test_the_composer_shows_a_saved_concentration_the_french_way_and_takes_it_back(french_pages, cocktail_url):
    composer = french_pages.get(f"{cocktail_url}/compose").get_data(as_text=True)
    box = composer[composer.index('name="components-') :]
    assert re.search(r'-concentration" value="1"', composer) or 'value="1"' in box
    # Saved with a point, shown with a comma, sent back as shown: the same figure.
    changed = french_pages.post(
        f"{cocktail_url}/compose",
        composer_form(name=None, based_on="1", change_note="Virgule", **{"components-aaaa-concentration": "1,25"}),
    )
    assert changed.status_code == 302
    again = french_pages.get(f"{cocktail_url}/compose").get_data(as_text=True)
    assert 'value="1,25"' in again


def test_range_refusals_keep_their_figures_in_english_for_the_api_and_in_french_on_a_page(api, french_pages):
    from datetime import date

    from catalog.cocktails.schemas import MAX_CONCENTRATION

    year = date.today().year
    too_old = api.post("/api/v1/patients", json={"reference": "R-1850", "display_name": "Old", "birth_year": 1850})
    assert too_old.json["errors"]["json"]["birth_year"] == [f"Must be between 1900 and {year}."]
    strong = {"ingredient": "lidocaine-hydrochloride", "concentration": MAX_CONCENTRATION * 2, "unit": "%"}
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Too strong", "technique": "point-injection", "components": [strong]}
    )
    assert f"Must be at most {MAX_CONCENTRATION:,}." in str(cocktail.json["errors"])
    page = french_pages.post("/patients/new", {"reference": "R-1850", "display_name": "Vieux", "birth_year": "1850"})
    assert f"Doit être compris entre 1900 et {year}." in page.get_data(as_text=True)


def test_a_decimal_figure_in_a_refusal_takes_the_pages_decimal_mark(app):
    from catalog.web.words import in_page_words

    weight = phrase("A body weight is between %(min)s and %(max)s kg.", min=0.5, max=500)
    assert weight == "A body weight is between 0.5 and 500 kg."
    with app.test_request_context(headers=FRENCH):
        assert in_page_words(weight) == "Un poids corporel est compris entre 0,5 et 500 kg."
