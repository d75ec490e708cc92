"""A practitioner signs in and records an allergy with the picker, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/patients")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("Email").fill("practitioner@demo.mesocat.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/patients$"))


def test_recording_an_allergy_with_the_picker(page: Page, live_server):
    sign_in(page, live_server)
    page.get_by_label("Reference or name").fill("dana")
    expect(page.locator("#patient-list tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Dana Unknown").click()
    expect(page.get_by_test_id("allergy-status")).to_contain_text("never asked")

    page.get_by_role("button", name="Add an allergy").click()
    page.get_by_label("Find a coded allergen").fill("arnic")
    options = page.locator("#allergen-options")
    expect(options.get_by_role("radio")).to_have_count(1)
    expect(options).to_contain_text("Asteraceae")
    options.get_by_label(re.compile("Arnica")).check()
    page.get_by_label("Criticality").select_option("high")
    page.get_by_label("What happened").fill("Contact dermatitis")
    page.get_by_role("button", name="Record allergy").click()

    expect(page.get_by_role("status")).to_contain_text("Allergy recorded")
    record = page.locator("article", has_text="Arnica")
    expect(record).to_contain_text("Asteraceae")
    expect(record).to_contain_text("criticality: high")
    expect(page.get_by_test_id("allergy-status")).to_contain_text("Allergies recorded")
