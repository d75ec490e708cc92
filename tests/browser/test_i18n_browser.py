"""A French browser walks the key pages in French: sign in, the catalogue, a patient, a cocktail and its check."""

import re

import pytest
from playwright.sync_api import Browser, expect

from catalog.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def french_page(browser: Browser):
    """A page whose browser asks for French (Accept-Language: fr-FR), so the shared demo accounts stay untouched."""
    context = browser.new_context(locale="fr-FR")
    yield context.new_page()
    context.close()


def test_a_french_browser_walks_the_key_pages_in_french(french_page, live_server):
    page = french_page
    page.goto(f"{live_server}/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("E-mail").fill("practitioner@demo.mesocat.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter un patient")).to_be_visible()

    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Ingrédients").click()
    page.get_by_label("Rechercher des ingrédients").fill("lidocaine")
    expect(page.get_by_role("status")).to_contain_text(re.compile("correspond"))

    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Cocktails").click()
    expect(page.get_by_role("heading", name="Cocktails", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Composer un cocktail")).to_be_visible()

    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Patients").click()
    page.locator("#patient-list a").first.click()
    expect(page.get_by_role("heading", name="Allergies et intolérances")).to_be_visible()
    expect(page.get_by_role("heading", name="Chronologie")).to_be_visible()


def test_a_french_browser_composes_a_cocktail_in_french(french_page, live_server):
    page = french_page
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("E-mail").fill("practitioner@demo.mesocat.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server}/cocktails/new")
    expect(page.get_by_role("heading", name="Composer un cocktail", level=1)).to_be_visible()
    page.get_by_label("Nom", exact=True).fill("Mélange anesthésique")
    page.get_by_label("Ajouter un ingrédient ou un produit du catalogue").fill("lidocaine")
    page.locator("#ingredient-options").get_by_role("button", name="Ajouter Lidocaine hydrochloride").click()
    page.get_by_label("Concentration de Lidocaine hydrochloride", exact=True).fill("0.5")

    live = page.locator("#live-check")
    expect(live).to_contain_text("composition seule")
    page.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    expect(live.get_by_test_id("live-outcome")).to_contain_text("Contre-indiqué")
    expect(live.locator(".finding.severity-critical")).to_contain_text("patient allergique à Amide local anaesthetics")
    page.get_by_label(re.compile("J’ai pris connaissance")).check()
    page.get_by_role("button", name="Enregistrer le cocktail").click()
    expect(page.get_by_role("status")).to_contain_text("enregistré en version 1")
    page.get_by_role("link", name=re.compile("historique de 1 version")).click()
    expect(page.get_by_role("heading", name=re.compile("^Historique de"), level=1)).to_be_visible()
