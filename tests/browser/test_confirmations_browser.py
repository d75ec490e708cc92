"""A clinical assertion asks first in the browser: cancelling changes nothing, agreeing records it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_patients_browser import sign_in

pytestmark = pytest.mark.browser


def test_no_known_allergies_is_asked_first_and_cancel_changes_nothing(page: Page, live_server):
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/new")
    page.get_by_label("Clinic reference (record number)").fill("CONFIRM-1")
    page.get_by_label("Name").fill("Nora Asked")
    page.get_by_role("button", name="Add patient").click()
    status = page.get_by_test_id("allergy-status")
    expect(status).to_be_visible()
    assert "No known allergies" not in status.inner_text()

    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Patient has no known allergies").click()
    page.wait_for_timeout(300)
    assert asked and "Nora Asked has no known allergies?" in asked[0]
    page.reload()
    assert "No known allergies" not in page.get_by_test_id("allergy-status").inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Patient has no known allergies").click()
    expect(page.get_by_test_id("allergy-status")).to_contain_text("No known allergies")
    expect(page.get_by_text("Please confirm")).to_have_count(0)  # JavaScript asked: no confirmation page
