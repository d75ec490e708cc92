"""A practitioner searching the catalogue in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_typing_a_search_updates_results_and_the_url(page: Page, live_server):
    page.goto(f"{live_server}/ingredients")
    page.get_by_label("Search ingredients").fill("hyaluronic")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=re.compile("hyaluronate", re.I)).first).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=hyaluronic"))
    expect(page.get_by_role("status")).to_contain_text("match")


def test_free_of_an_allergen_group_removes_its_members(page: Page, live_server):
    page.goto(f"{live_server}/ingredients?q=lidocaine")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=re.compile("lidocaine", re.I)).first).to_be_visible()
    page.get_by_text("Free of allergens").click()
    page.get_by_label("Amide local anaesthetics").check()
    expect(page).to_have_url(re.compile(r"free_of=amide-local-anaesthetics"))
    expect(results.get_by_role("link", name=re.compile("lidocaine", re.I))).to_have_count(0)


def test_opening_an_ingredient_shows_its_allergen_flags(page: Page, live_server):
    page.goto(f"{live_server}/ingredients?q=lidocaine")
    page.locator("#results").get_by_role("link", name=re.compile("lidocaine", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("lidocaine", re.I))
    expect(page.get_by_role("heading", name="Allergen flags")).to_be_visible()
    expect(page.get_by_role("link", name="Amide local anaesthetics")).to_be_visible()


def test_search_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/ingredients")
    page.get_by_label("Search ingredients").fill("lidocaine")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=lidocaine"))
    expect(page.locator("#results").get_by_role("link", name=re.compile("lidocaine", re.I)).first).to_be_visible()
    context.close()
