"""The pages work under their Content-Security-Policy: Chromium reports no violation on any of them."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_composer_browser import add_component
from tests.browser.test_patients_browser import sign_in

pytestmark = pytest.mark.browser

# Every violation, from the event the page raises as well as from the console's own message.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def watched(page: Page):
    """The page, failing the test if the policy blocked anything or a script failed."""
    problems = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)

    def check():
        reported = page.evaluate("window.__violations || []")
        assert not problems + reported, f"on {page.url}: {problems + reported}"

    page.check = check
    yield page
    check()


def test_the_public_pages_run_under_the_policy(watched: Page, live_server):
    watched.goto(f"{live_server}/")
    watched.check()
    watched.goto(f"{live_server}/ingredients")
    watched.get_by_label("Search ingredients").fill("lidocaine")
    results = watched.locator("#results")
    expect(results.get_by_role("link", name=re.compile("lidocaine", re.I)).first).to_be_visible()
    watched.check()
    results.get_by_role("link", name=re.compile("lidocaine", re.I)).first.click()
    expect(watched.get_by_role("heading", name="Allergen flags")).to_be_visible()
    watched.check()
    for path in ("/allergens", "/products", "/about", "/sign-in"):
        watched.goto(f"{live_server}{path}")
        expect(watched.locator("main")).to_be_visible()
        watched.check()


def test_the_api_documentation_runs_under_the_policy(watched: Page, live_server):
    watched.goto(f"{live_server}/api/v1/docs")
    expect(watched.locator(".swagger-ui .info")).to_contain_text("Mesocat catalogue API")
    watched.locator(".opblock-get .opblock-summary-path", has_text=re.compile(r"^/api/v1/ingredients$")).click()
    expect(watched.get_by_role("button", name="Try it out")).to_be_visible()
    watched.check()


def test_the_signed_in_pages_run_under_the_policy(watched: Page, live_server):
    sign_in(watched, live_server)
    watched.get_by_label("Reference or name").fill("dana")
    expect(watched.locator("#patient-list tbody tr")).to_have_count(1)
    watched.get_by_role("link", name="Dana Unknown").click()
    expect(watched.get_by_test_id("allergy-status")).to_be_visible()
    watched.check()

    watched.get_by_role("link", name="Cocktails").click()
    watched.get_by_role("button", name="Compose a cocktail").click()
    add_component(watched, "lidocaine", "Add Lidocaine hydrochloride", "0.5")
    watched.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    expect(watched.locator("#live-check").get_by_test_id("live-outcome")).to_contain_text("Contraindicated")
    watched.get_by_label(re.compile("I have seen the critical finding")).check()
    watched.check()

    watched.goto(f"{live_server}/lots")
    expect(watched.locator("main")).to_be_visible()
    watched.check()
