"""A treatment session in a real browser: check a version, record the session with two lots, the PDF, a recall."""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.test_patients_browser import sign_in

pytestmark = pytest.mark.browser


def test_from_a_checked_version_to_the_patients_pdf_and_a_recall(page: Page, live_server):
    sign_in(page, live_server)
    page.get_by_role("link", name="Cocktails").click()
    page.get_by_role("link", name="Browser radiance").click()
    page.get_by_label("Patient").select_option(label="Sam Session (DEMO-SES)")
    page.get_by_role("button", name="Check version 1 for this patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser radiance, version 1, for Sam Session")

    page.get_by_role("button", name="Record a treatment session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a treatment session")
    for component, lot in (("^Xylocaine 1 %", "BR-XL-1"), ("^Ascorbic acid", "BR-VC-2")):
        select = page.get_by_label(re.compile(component))
        choice = select.locator("option", has_text=lot).get_attribute("value")
        select.select_option(value=choice)
    page.get_by_label("Cheeks").fill("2")
    page.get_by_label("Neck").fill("1")
    page.get_by_label(re.compile("^What the patient was told")).fill("Benefits, risks and aftercare explained.")
    page.once("dialog", lambda dialog: dialog.accept())  # signing asks first
    page.get_by_role("button", name="Record the session").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment session 1 of 3")
    expect(page.locator("main")).to_contain_text("BR-XL-1")
    page.screenshot(path="/tmp/browser-session.png", full_page=True)

    pdf_url = page.get_by_role("button", name="Sheet as PDF").get_attribute("href")
    response = page.request.get(f"{live_server}{pdf_url}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split())
    for expected in ("Your treatment", "Sam Session", "Cheeks, Neck", "session 1 of 3", "Your next session is due"):
        assert expected in text, expected

    page.get_by_role("link", name="Lots").click()
    page.get_by_role("link", name="recall lookup").click()
    page.get_by_label("Lot number").fill("br vc 2")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("1 patient received lot br vc 2")
    expect(page.get_by_role("table")).to_contain_text("Sam Session")
