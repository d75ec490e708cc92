"""A decimal typed with a comma, as a French keyboard types it, is the decimal meant: never ten times it."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_layout_browser import DESK, open_page, sign_in_as

pytestmark = pytest.mark.browser


def test_a_concentration_typed_0_comma_5_is_saved_as_half_a_percent(browser: Browser, live_server):
    page = browser.new_context(viewport=DESK, locale="fr-FR").new_page()
    sign_in_as(page, live_server)
    open_page(page, live_server, "/cocktails/new")
    page.locator("#name").fill("Virgule décimale")
    page.get_by_label(re.compile("Ajouter un ingrédient")).fill("lidocaine")
    page.locator("#ingredient-options").get_by_role("button").first.click()
    concentration = page.locator("input[name$='-concentration']").last
    expect(concentration).to_be_visible()
    # Typed key by key, as a person does: a number box would drop the comma and keep "05".
    concentration.press_sequentially("0,5")
    expect(concentration).to_have_value("0,5")
    page.locator("form#composer button[type=submit], form button[type=submit]").filter(
        has_text="Enregistrer"
    ).first.click()
    expect(page).to_have_url(re.compile(r"/cocktails/\d+$"))
    expect(page.get_by_role("cell", name="0,5 %", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="5 %", exact=True)).to_have_count(0)
    page.context.close()
