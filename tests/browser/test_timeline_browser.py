"""In a real browser: saving over a critical finding is acknowledged, the saved version is checked and
overridden, and all of it reads on the patient's timeline."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_composer_browser import add_component
from tests.browser.test_patients_browser import sign_in

pytestmark = pytest.mark.browser


def compose_with_lidocaine(page: Page, live_server: str, name: str):
    """A new composition holding lidocaine; its acknowledgement box, which is not there before a patient is chosen."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/cocktails/new")
    page.get_by_label("Name").fill(name)
    add_component(page, "lidocaine", "Add Lidocaine hydrochloride", "0.5")
    box = page.get_by_label(re.compile("I have seen the critical finding"))
    expect(box).to_have_count(0)
    return box


def test_from_composing_over_a_critical_finding_to_the_patient_s_timeline(page: Page, live_server):
    box = compose_with_lidocaine(page, live_server, "Timeline booster")
    page.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    expect(box).to_be_visible()
    expect(box).to_have_accessible_name(
        "I have seen the critical finding(s) for Alex Amide; this saves a recipe, not a use"
    )
    expect(page.get_by_test_id("critical-acknowledgement")).to_contain_text(
        "a composition is a recipe, not a treatment"
    )
    page.get_by_role("button", name="Save cocktail").click()
    expect(page).to_have_url(re.compile(r"/cocktails/new$"))  # the browser asks for the box first

    box.check()
    expect(box).to_be_focused()  # ticking does not re-run the check, which would replace the box
    page.get_by_label("Description").fill("Kept ticked while typing")
    page.wait_for_timeout(900)  # past the live check's 600 ms delay: it ran again, keeping the tick
    expect(box).to_be_checked()
    page.get_by_role("button", name="Save cocktail").click()
    expect(page.get_by_role("status")).to_contain_text("The check for Alex Amide shows a critical finding")

    page.get_by_role("combobox", name="Patient").select_option(label="Alex Amide (DEMO-001)")
    page.get_by_role("button", name="Check version 1 for this patient").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("Contraindicated")
    page.get_by_label("Reason (recorded and audited)").fill("Patch test negative")
    page.once("dialog", lambda dialog: dialog.accept())  # an override asks first
    page.get_by_role("button", name="Record the override").click()

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="DEMO-001").click()
    events = page.get_by_test_id("timeline").locator("li")
    expect(events.nth(0)).to_contain_text("Override recorded for Timeline booster, version 1")
    expect(events.nth(1)).to_contain_text("Checked Timeline booster, version 1: contraindicated")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("Patch test negative")
    events.nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline booster, version 1, for Alex Amide")


def test_a_tick_given_while_a_check_is_on_its_way_is_kept(page: Page, live_server):
    box = compose_with_lidocaine(page, live_server, "Race booster")
    page.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    expect(box).to_be_visible()
    held = []

    def hold(route):
        held.append(route)  # answered only once the box is ticked

    page.route("**/cocktails/composer/check", hold)
    page.get_by_label("Description").fill("Typed just before ticking")
    page.wait_for_timeout(900)  # the live check's 600 ms delay: it was asked for, the box still unticked
    assert held, "the live check was asked for"
    box.check()
    for route in held:
        route.continue_()
    page.unroute("**/cocktails/composer/check")
    page.wait_for_timeout(500)
    expect(box).to_be_checked()
    expect(box).to_be_focused()
    page.get_by_role("button", name="Save cocktail").click()
    expect(page.get_by_role("status")).to_contain_text("Cocktail “Race booster” saved as version 1.")
