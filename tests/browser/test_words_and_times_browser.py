"""What a practitioner sees: a long note refused with its length (never cut), and times in the clinic's zone."""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in_as(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def test_a_pasted_100k_note_is_kept_whole_and_refused_with_its_length(page: Page, live_server):
    sign_in_as(page, live_server, "practitioner@demo.mesocat.test")
    page.goto(f"{live_server}/patients")
    page.get_by_label("Reference or name").fill("bea")
    page.get_by_role("link", name="Bea Soy").click()
    page.get_by_role("button", name="Add an allergy").click()
    page.get_by_label("Describe the substance").fill("Propolis")
    note = page.get_by_label(re.compile("^Note"))
    note.fill("x" * 100_000)
    assert len(note.input_value()) == 100_000  # the box does not cut it
    page.get_by_role("button", name="Record allergy").click()
    expect(page.locator("#note-error")).to_have_text("Up to 2,000 characters; this note has 100,000.")


def test_the_audit_trail_reads_in_the_clinics_time_zone(page: Page, live_server):
    sign_in_as(page, live_server, "admin@demo.mesocat.test")
    page.goto(f"{live_server}/settings")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save clinic details").click()
    try:
        page.goto(f"{live_server}/settings/audit")
        expect(page.locator("table tbody tr").first).to_contain_text(
            re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T")
        )
    finally:
        page.goto(f"{live_server}/settings")
        page.get_by_label("Time zone").select_option("")
        page.get_by_role("button", name="Save clinic details").click()
