"""axe-core on every page of the app, at a desk's width: no serious or critical accessibility violation."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_layout_browser import (
    DESK,
    LANGUAGES,
    cocktail_page,
    every_page,
    linked,
    open_page,
    sign_in_as,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((rule) => rule.impact === "serious" || rule.impact === "critical")
    .map((rule) => `${rule.impact} ${rule.id}: ${rule.help} (${rule.nodes.length} on the page, e.g. ` +
                   rule.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", ") + ")");
}"""


@pytest.mark.parametrize("locale", LANGUAGES.values(), ids=LANGUAGES.keys())
def test_no_page_has_a_serious_accessibility_violation(browser: Browser, live_server, locale):
    # The app's Content-Security-Policy would refuse the injected axe script; the test's own context sets it aside.
    page = browser.new_context(viewport=DESK, bypass_csp=True, locale=locale).new_page()
    found = {}
    for name in every_page(page, live_server):
        page.add_script_tag(path=AXE)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[name] = violations
    page.context.close()
    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(violations) for name, violations in found.items())


def test_what_the_live_check_and_the_pickers_show_has_no_serious_accessibility_violation(browser: Browser, live_server):
    page = browser.new_context(viewport=DESK, bypass_csp=True).new_page()
    sign_in_as(page, live_server)
    found = {}

    def run_axe(name: str) -> None:
        page.add_script_tag(path=AXE)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[name] = violations

    open_page(page, live_server, f"{cocktail_page(page, live_server, 'Demo scar booster')}/compose")
    page.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    expect(page.get_by_label(re.compile("I have seen the critical finding"))).to_be_visible()
    run_axe("composer, a critical finding to acknowledge")
    page.get_by_label("Add an ingredient or a product from the catalogue").fill("lidocaine")
    expect(page.locator("#ingredient-options").get_by_role("button").first).to_be_visible()
    run_axe("composer, ingredients offered")

    open_page(page, live_server, "/patients?q=DEMO-004")
    patient = linked(page, r"/patients/\d+")
    open_page(page, live_server, f"{patient}/allergies/new")
    page.get_by_label("Find a coded allergen").fill("arnic")
    expect(page.locator("#allergen-options").get_by_role("radio")).to_have_count(1)
    run_axe("allergy form, allergens offered")
    page.context.close()
    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(violations) for name, violations in found.items())
