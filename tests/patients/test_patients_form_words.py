"""Form errors in the clinic's words, next to the field, with the limit; a long note is refused, never cut."""

from tests.cocktails.test_cocktails_views import composer_form
from tests.patients.test_patients_views import patient_url  # noqa: F401


def _field_error(page: str, field: str) -> str:
    start = page.index(f'id="{field}-error">')
    return page[start : page.index("</small>", start)]


def test_a_100k_note_is_refused_with_its_length_and_nothing_is_recorded(practitioner_pages, patient_url):  # noqa: F811
    response = practitioner_pages.post(
        f"{patient_url}/allergies/new", {"allergen": "soy", "criticality": "low", "note": "x" * 100_000}
    )
    assert response.status_code == 422
    assert "Up to 2,000 characters; this note has 100,000." in _field_error(response.get_data(as_text=True), "note")
    assert "Soy" not in practitioner_pages.get(patient_url).get_data(as_text=True).split("allergies-title")[1]


def test_the_note_box_does_not_cut_a_pasted_note(practitioner_pages, patient_url):  # noqa: F811
    form = practitioner_pages.get(f"{patient_url}/allergies/new").get_data(as_text=True)
    box = form[form.index('<textarea id="note"') :]
    assert "maxlength" not in box[: box.index(">")]
    assert "Up to 2,000 characters." in form


def test_an_empty_cocktail_name_is_asked_for_in_words(practitioner_pages):
    response = practitioner_pages.post("/cocktails/new", composer_form(name=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the cocktail a name." in _field_error(page, "name")
    assert "Length must be" not in page


def test_the_concentration_box_takes_a_decimal_comma_and_the_server_refuses_zero(practitioner_pages):
    response = practitioner_pages.post("/cocktails/new", composer_form(**{"components-aaaa-concentration": "0"}))
    assert "Must be more than 0." in response.get_data(as_text=True)
    rows = practitioner_pages.post("/cocktails/new", composer_form(name="")).get_data(as_text=True)
    box = rows[rows.index('name="components-aaaa-concentration"') - 80 :]
    box = box[: box.index(">")]
    # A text box: a number box may drop the comma of "0,5" and send "05".
    assert 'type="text"' in box and 'inputmode="decimal"' in box and 'type="number"' not in box


def test_a_decimal_comma_is_read_as_a_decimal_never_dropped(practitioner_pages, patient_url):  # noqa: F811
    saved = practitioner_pages.post("/cocktails/new", composer_form(**{"components-aaaa-concentration": "1,5"}))
    assert saved.status_code == 302
    version = practitioner_pages.get(f"{saved.headers['Location']}/versions/1").get_data(as_text=True)
    assert "<td>1.5 %</td>" in version
    practitioner_pages.post(f"{patient_url}/weights", {"kg": "65,5"})
    assert "65.5 kg" in practitioner_pages.get(patient_url).get_data(as_text=True)
    # One thousand, or one? Refused rather than guessed.
    unclear = practitioner_pages.post("/cocktails/new", composer_form(**{"components-aaaa-concentration": "1,000"}))
    assert unclear.status_code == 422 and "Not a valid number." in unclear.get_data(as_text=True)


def test_recording_an_allergy_already_on_file_shows_the_form_again_with_why(practitioner_pages, patient_url):  # noqa: F811
    soy = {"allergen": "soy", "criticality": "low", "verification_status": "confirmed"}
    assert practitioner_pages.post(f"{patient_url}/allergies/new", soy).status_code in (302, 303)
    again = practitioner_pages.post(f"{patient_url}/allergies/new", soy)
    # Not the error page: the refused record is not written while the form is shown again.
    assert again.status_code == 422
    assert "already has an active record for this allergen" in _field_error(again.get_data(as_text=True), "allergen")
    page = practitioner_pages.get(patient_url).get_data(as_text=True)
    assert page.count('data-allergen="soy"') <= 1
