"""Times on the pages are the clinic's, with the zone shown where it matters."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from catalog.audit.models import AuditEntry
from catalog.checks.models import Check
from tests.treatments.conftest import setup  # noqa: F401


def test_a_paris_clinic_sees_a_noon_utc_check_at_13_00_cet(practitioner_pages, setup, clinic, db_session):  # noqa: F811
    clinic.clinic.time_zone = "Europe/Paris"
    check = db_session.get(Check, setup.check["id"])
    check.checked_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    db_session.flush()
    page = practitioner_pages.get(f"/checks/{check.id}").get_data(as_text=True)
    assert "2026-01-15 13:00 CET" in page and "12:00" not in page
    patient = practitioner_pages.get(f"/patients/{setup.patient['id']}").get_data(as_text=True)
    assert "2026-01-15 13:00 CET" in patient and "Europe/Paris" in patient


def test_in_summer_the_zone_shown_is_cest_and_without_a_setting_the_servers(
    practitioner_pages,
    setup,  # noqa: F811
    clinic,
    db_session,
):
    check = db_session.get(Check, setup.check["id"])
    check.checked_at = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    db_session.flush()
    assert "2026-07-15 12:00 UTC" in practitioner_pages.get(f"/checks/{check.id}").get_data(as_text=True)
    clinic.clinic.time_zone = "Europe/Paris"
    db_session.flush()
    assert "2026-07-15 14:00 CEST" in practitioner_pages.get(f"/checks/{check.id}").get_data(as_text=True)


def test_the_audit_trail_is_in_the_clinics_time(pages, clinic, clinics, db_session):
    clinic.clinic.time_zone = "Europe/Paris"
    admin = clinics.practitioner(clinic.clinic, role="admin")
    db_session.flush()
    pages.sign_in(admin.email)
    entry = db_session.query(AuditEntry).filter(AuditEntry.clinic_id == clinic.clinic.id).first()
    expected = entry.at.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M:%S %Z")
    page = pages.get("/settings/audit").get_data(as_text=True)
    assert expected in page and "When (UTC)" not in page
