"""Days and numbers in the page's language, times on the clinic's clock."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string

from catalog.checks.models import Check
from catalog.patients.models import AllergyRecord
from catalog.treatments.models import TreatmentSession
from tests.i18n.test_i18n_pages import ENGLISH, FRENCH
from tests.treatments.conftest import setup  # noqa: F401

GROUP_SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


def section(page: str, title_id: str) -> str:
    """The part of a page under the heading `title_id`, up to the next section."""
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def patient_with_records(api, db_session):
    """A condition since 7 December 2026, and an allergy recorded on 1 March 2026 at 23:30 UTC."""
    patient = api.post("/api/v1/patients", json={"reference": "DN-1", "display_name": "Dora Dates"}).json
    api.post(f"/api/v1/patients/{patient['id']}/conditions", json={"condition": "pregnancy", "onset_on": "2026-12-07"})
    allergy = api.post(f"/api/v1/patients/{patient['id']}/allergies", json={"allergen": "soy", "criticality": "low"})
    db_session.get(AllergyRecord, allergy.json["id"]).recorded_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db_session.flush()
    return f"/patients/{patient['id']}"


@pytest.fixture
def paris(clinic, db_session):
    clinic.clinic.time_zone = "Europe/Paris"
    db_session.flush()


def test_a_french_patient_page_writes_days_with_french_month_names(practitioner_pages, patient_with_records):
    page = practitioner_pages.get(patient_with_records, headers=FRENCH).get_data(as_text=True)
    assert "depuis le 7 décembre 2026" in section(page, "conditions-title")
    allergies = section(page, "allergies-title")
    assert "le 1 mars 2026" in allergies and "2026-03-01" not in allergies


def test_an_english_patient_page_writes_days_in_english(practitioner_pages, patient_with_records):
    page = practitioner_pages.get(patient_with_records, headers=ENGLISH).get_data(as_text=True)
    assert "since 7 December 2026" in section(page, "conditions-title")
    assert "on 1 March 2026" in section(page, "allergies-title")


def test_a_day_recorded_late_in_the_evening_is_the_clinics_day(practitioner_pages, patient_with_records, paris):
    allergies = section(practitioner_pages.get(patient_with_records).get_data(as_text=True), "allergies-title")
    assert "on 2 March 2026" in allergies, "23:30 UTC is already the next day in Paris"


def test_a_lots_expiry_is_written_in_the_pages_language(practitioner_pages, setup):  # noqa: F811
    assert "31 décembre 2099" in practitioner_pages.get("/lots", headers=FRENCH).get_data(as_text=True)
    page = practitioner_pages.get("/lots", headers=ENGLISH).get_data(as_text=True)
    assert "31 December 2099" in page and "31 Dec 2099" not in page


def test_a_sessions_times_are_on_the_clinics_clock_in_digits(api, practitioner_pages, setup, db_session, paris):  # noqa: F811
    recorded = api.post("/api/v1/sessions", json=setup.body()).json
    treatment = db_session.get(TreatmentSession, recorded["id"])
    treatment.performed_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    treatment.consent_at = datetime(2026, 1, 15, 11, 45, tzinfo=UTC)
    db_session.get(Check, setup.check["id"]).checked_at = datetime(2026, 1, 15, 11, 30, tzinfo=UTC)
    db_session.flush()
    page = practitioner_pages.get(f"/sessions/{treatment.id}", headers=FRENCH).get_data(as_text=True)
    assert "2026-01-15 13:00 (Europe/Paris)" in page
    assert "2026-01-15 12:45: " in page, "the consent, in the clinic's time"
    assert "2026-01-15 12:30," in page, "the check it relies on, in the clinic's time"
    assert "Jan" not in page


def test_the_pre_treatment_summary_names_the_clinics_zone(practitioner_pages, setup, db_session, paris):  # noqa: F811
    db_session.get(Check, setup.check["id"]).checked_at = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    db_session.flush()
    page = practitioner_pages.get(f"/checks/{setup.check['id']}/sheet", headers=FRENCH).get_data(as_text=True)
    assert "2026-07-15 14:00 (Europe/Paris)" in page and "Jul" not in page


@pytest.mark.parametrize(("headers", "expected"), [(ENGLISH, "100,000 · 2,000"), (FRENCH, "100 000 · 2 000")])
def test_counts_are_grouped_by_thousands_the_pages_way(app, headers, expected):
    with app.test_request_context("/", headers=headers):
        shown = render_template_string("{{ format_count(100000) }} · {{ format_count(2000) }}")
    assert shown.translate(GROUP_SPACES) == expected
