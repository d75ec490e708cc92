"""The patient's sheet is written in the patient's language, whatever the practitioner's pages speak."""

import io

from pypdf import PdfReader


def record_session(api, setup) -> int:
    response = api.post("/api/v1/sessions", json=setup.body())
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_sheet_is_in_french_for_a_french_speaking_patient(practitioner_pages, api, setup):
    api.patch(f"/api/v1/patients/{setup.patient['id']}", json={"language": "fr"})
    session_id = record_session(api, setup)
    sheet = practitioner_pages.get(f"/sessions/{session_id}/sheet").get_data(as_text=True)
    assert '<html lang="fr">' in sheet
    assert "Votre traitement" in sheet and "Joues" in sheet and "de petites injections juste sous la peau" in sheet
    assert "Your treatment" not in sheet
    pdf = practitioner_pages.get(f"/sessions/{session_id}/sheet.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Votre traitement" in text


def test_the_sheet_stays_english_for_an_english_speaking_patient_on_french_pages(practitioner_pages, api, setup):
    session_id = record_session(api, setup)
    practitioner_pages.post("/language", {"language": "fr", "next": "/account"})
    sheet = practitioner_pages.get(f"/sessions/{session_id}/sheet").get_data(as_text=True)
    assert '<html lang="en">' in sheet and "Your treatment" in sheet and "Cheeks" in sheet
