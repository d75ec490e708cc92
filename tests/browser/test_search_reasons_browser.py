"""What a searcher sees: why a result matched, a search too long, and the clinic's times."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_live_search_says_lidocaine_matched_in_its_description(page: Page, live_server):
    page.goto(f"{live_server}/ingredients")
    page.get_by_label("Search ingredients").fill("hyaluronic")
    row = page.locator("#results tr", has=page.get_by_role("link", name="Lidocaine hydrochloride"))
    reason = row.get_by_test_id("match-reason")
    expect(reason).to_contain_text("Found in its description:")
    expect(reason.locator("mark")).to_have_text(re.compile("^hyaluronic$", re.I))


def test_the_search_box_stops_at_the_servers_limit_and_a_longer_address_gets_the_apps_page(page: Page, live_server):
    page.goto(f"{live_server}/ingredients")
    box = page.get_by_label("Search ingredients")
    box.fill("a" * 300)
    assert len(box.input_value()) == 200
    page.goto(f"{live_server}/ingredients?q=" + "hyaluronic " * 436)
    expect(page.get_by_text("This search is too long: up to 200 characters.")).to_be_visible()
    expect(page.get_by_role("link", name="The ingredient catalogue")).to_be_visible()
