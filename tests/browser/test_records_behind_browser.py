"""In a real browser: a finding's disclosure of the patient's records behind it, closed at first, opened by its
summary, naming the allergy record (who recorded it, when in the clinic's time, criticality, verification and
reaction) with a link to that record's history; on a recorded check's page in English, in the live check in French."""

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from catalog.demo import DEMO_PASSWORD
from tests.browser.test_layout_browser import cocktail_page, sign_in_as
from tests.browser.test_patients_browser import sign_in

pytestmark = pytest.mark.browser

# Alex Amide's allergy in the demo clinic, recorded by its practitioner when the demo was made.
ALLERGEN = "Amide local anaesthetics"
REACTION = "Facial swelling after a dental anaesthetic"
RECORDER = "Dr Demo Practitioner"
COCKTAIL = "Demo scar booster"  # holds lidocaine hydrochloride
MINUTE = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture
def set_clinic_zone(browser: Browser, live_server) -> Iterator[Callable[[str], None]]:
    """Change the demo clinic's time zone as its admin (in a context of their own); put it back afterwards."""
    context = browser.new_context()
    admin = context.new_page()
    sign_in_as(admin, live_server, "admin")
    admin.goto(f"{live_server}/settings")
    original = admin.get_by_label("Time zone").input_value()

    def choose(zone: str) -> None:
        admin.goto(f"{live_server}/settings")
        admin.get_by_label("Time zone").select_option(zone)
        admin.get_by_role("button", name="Save clinic details").click()
        expect(admin.get_by_role("status")).to_be_visible()
        admin.goto(f"{live_server}/settings")
        expect(admin.get_by_label("Time zone")).to_have_value(zone)

    yield choose
    choose(original)
    context.close()


def the_record_behind(finding: Locator, summary: str) -> Locator:
    """The finding's disclosure: closed, its record hidden, until its summary is clicked; then its one record."""
    disclosure = finding.locator("details.finding-records")
    expect(disclosure).to_have_count(1)
    expect(disclosure).not_to_have_attribute("open", re.compile(".*"))
    record = disclosure.locator("li")
    expect(record).to_have_count(1)
    expect(record).to_be_hidden()
    disclosure.locator("summary").filter(has_text=summary).click()
    expect(disclosure).to_have_attribute("open", "")
    expect(record).to_be_visible()
    return record


def recorded_at(record: Locator, words: str) -> str:
    """The time the record was recorded at, as the disclosure prints it after `words` ("Recorded by … ,")."""
    match = re.search(rf"{re.escape(words)}, ({MINUTE}) ([A-Z+\-0-9]+)\.", record.inner_text())
    assert match, record.inner_text()
    return f"{match[1]} {match[2]}"


def test_a_checks_finding_opens_onto_the_allergy_record_behind_it(page: Page, live_server, set_clinic_zone):
    set_clinic_zone("UTC")
    sign_in(page, live_server)
    page.get_by_label("Reference or name").fill("alex")
    page.get_by_role("link", name="Alex Amide").click()
    expect(page.locator("main")).to_contain_text(ALLERGEN)

    page.goto(f"{live_server}{cocktail_page(page, live_server, COCKTAIL)}")
    page.get_by_role("combobox", name="Patient").select_option(label="Alex Amide (DEMO-001)")
    page.get_by_role("button", name=re.compile(r"^Check version \d+ for this patient$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{COCKTAIL}, version")
    expect(page.get_by_test_id("outcome")).to_contain_text("Contraindicated")
    check = page.url

    finding = page.locator(".finding.severity-critical", has_text=f"patient allergic to {ALLERGEN}")
    expect(finding).to_be_visible()
    record = the_record_behind(finding, "The record behind it")
    expect(record).to_contain_text(
        f"{ALLERGEN}: high criticality, confirmed; reaction: {REACTION} (severe). Recorded by {RECORDER}, "
    )
    in_utc = recorded_at(record, f"Recorded by {RECORDER}")
    assert in_utc.endswith(" UTC"), in_utc

    # In the clinic's time zone: the same moment read in Kolkata (5 h 30 ahead of UTC, all year round).
    set_clinic_zone("Asia/Kolkata")
    page.goto(check)
    record = the_record_behind(finding, "The record behind it")
    moment = datetime.strptime(in_utc.removesuffix(" UTC"), "%Y-%m-%d %H:%M") + timedelta(hours=5, minutes=30)
    in_kolkata = f"{moment:%Y-%m-%d %H:%M} IST"
    expect(record).to_contain_text(f"Recorded by {RECORDER}, {in_kolkata}.")

    record.get_by_role("link", name=ALLERGEN).click()
    expect(page).to_have_url(re.compile(r"/patients/\d+/allergies/\d+/history$"))
    expect(page.get_by_role("heading", name="History of an allergy record", level=1)).to_be_visible()
    expect(page.locator("hgroup")).to_contain_text(f"{ALLERGEN}: every state the record has been in")
    first = page.locator("main article", has_text="Revision 1")
    expect(first).to_contain_text(f"{in_kolkata} · {RECORDER}")
    expect(first).to_contain_text(REACTION)


def test_in_french_the_live_checks_finding_names_the_record_behind_it_in_french(browser: Browser, live_server):
    context = browser.new_context(locale="fr-FR")  # Accept-Language: fr-FR, as the French browser tests ask
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("E-mail").fill("practitioner@demo.mesocat.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))

    page.goto(f"{live_server}{cocktail_page(page, live_server, COCKTAIL)}/compose")
    page.get_by_role("combobox", name=re.compile("^Patient")).select_option(label="Alex Amide (DEMO-001)")
    live = page.locator("#live-check")
    expect(live.get_by_test_id("live-outcome")).to_contain_text("Contre-indiqué")
    finding = live.locator(".finding.severity-critical", has_text=f"patient allergique à {ALLERGEN}")
    expect(finding).to_be_visible()
    record = the_record_behind(finding, "La fiche en cause")
    expect(record).to_contain_text(
        f"{ALLERGEN} : criticité élevée, confirmée ; réaction : {REACTION} (sévère). Enregistré par {RECORDER}, "
    )
    recorded_at(record, f"Enregistré par {RECORDER}")
    expect(record).not_to_contain_text("Recorded by")

    record.get_by_role("link", name=ALLERGEN).click()
    expect(page).to_have_url(re.compile(r"/patients/\d+/allergies/\d+/history$"))
    expect(page.get_by_role("heading", name="Historique d’une allergie enregistrée", level=1)).to_be_visible()
    expect(page.locator("hgroup")).to_contain_text(f"{ALLERGEN} : chaque état de l’enregistrement")
    context.close()
