"""Every page at a desk's width and a phone's: none is wider than the screen, and what each must show there."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The innermost elements reaching past the right edge, leaving out those inside a box that scrolls and itself fits.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const clipped = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible" && box.getBoundingClientRect().right <= width) return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll("*")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5 && !clipped(el);
  });
  const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  const right = (el) => el.getBoundingClientRect().right;
  innermost.sort((a, b) => right(b) - right(a));
  const describe = (el) => {
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + [...el.classList].map((c) => "." + c).join("");
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `${name} to x=${Math.round(el.getBoundingClientRect().right)}${text ? ` ("${text}")` : ""}`;
  };
  return `${document.documentElement.scrollWidth} px wide: ` + innermost.slice(0, 4).map(describe).join("; ");
}"""


# The languages every page is opened in: the browser's Accept-Language picks them (see catalog.i18n).
LANGUAGES = {"english": "en-GB", "french": "fr-FR"}
# What the composer's live check says while it runs, in either language.
CHECKING = re.compile("Checking…|Vérification…")


def sign_in_as(page: Page, live_server: str, who: str = "practitioner") -> None:
    """Sign in by the fields' names, so that it works whatever the page's language."""
    page.goto(f"{live_server}/sign-in")
    page.locator("input[name=email]").fill(f"{who}@demo.mesocat.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def linked(page: Page, pattern: str) -> str:
    """The first address in the page's main content matching the pattern (records are found as a user finds them)."""
    for href in page.locator("main a[href]").evaluate_all("links => links.map((a) => a.getAttribute('href'))"):
        if re.fullmatch(pattern, href):
            return href
    raise AssertionError(f"no link to {pattern} on {page.url}")


def open_page(page: Page, live_server: str, path: str) -> None:
    """Open a page and wait for what it loads after: the API's documentation, the composer's live check."""
    page.goto(f"{live_server}{path}")
    if path.startswith("/api/"):
        page.locator(".swagger-ui .info").wait_for()
    if page.locator("#live-check").count():
        expect(page.locator("#live-check")).not_to_contain_text(CHECKING)


def every_page(page: Page, live_server: str) -> Iterator[str]:
    """Open every page of the app in turn (signed out, as a practitioner, as an admin), yielding each one's name."""
    open_page(page, live_server, "/sign-in")
    yield "sign-in"
    sign_in_as(page, live_server)
    for name, path in (
        ("ingredients", "/ingredients"),
        ("ingredient search", "/ingredients?q=hyaluronic"),
        ("ingredient", "/ingredients/lidocaine-hydrochloride"),
        ("allergens", "/allergens"),
        ("allergen", "/allergens/lidocaine"),
        ("products", "/products"),
        ("product", "/products/xylocaine-1-multi-dose"),
        ("about", "/about"),
        ("API docs", "/api/v1/docs"),
        ("error page", "/ingredients/no-such-ingredient"),
        ("patients", "/patients?q=DEMO-LAY"),
    ):
        open_page(page, live_server, path)
        yield name
    patient = linked(page, r"/patients/\d+")
    open_page(page, live_server, patient)
    yield "patient"
    allergy_form, history = (
        linked(page, rf"{patient}/allergies/\d+/edit"),
        linked(page, rf"{patient}/allergies/\d+/history"),
    )
    check, session = linked(page, r"/checks/\d+"), linked(page, r"/sessions/\d+")
    open_page(page, live_server, "/cocktails?q=Layout+lift")
    yield "cocktails"
    cocktail = linked(page, r"/cocktails/\d+")
    for name, path in (
        ("patient form", f"{patient}/edit"),
        ("new patient", "/patients/new"),
        ("allergy form", f"{patient}/allergies/new"),
        ("allergy change", allergy_form),
        ("allergy history", history),
        ("check", check),
        ("check sheet", f"{check}/sheet"),
        ("session form", f"/sessions/new?check={check.rsplit('/', 1)[1]}"),
        ("session", session),
        ("session amend", f"{session}/amend"),
        ("session sheet", f"{session}/sheet"),
        ("composer", "/cocktails/new"),
        ("cocktail", cocktail),
        ("cocktail composer", f"{cocktail}/compose"),
        ("cocktail history", f"{cocktail}/versions"),
        ("cocktail version", f"{cocktail}/versions/1"),
        ("cocktail diff", f"{cocktail}/diff?from=1&to=2"),
        ("lots", "/lots"),
        ("recalls", "/recalls?number=LY-VC-1"),
        ("account", "/account"),
        ("catalogue review", "/curation/reviews"),
    ):
        open_page(page, live_server, path)
        yield name
    page.context.clear_cookies()
    sign_in_as(page, live_server, "admin")
    for name, path in (("clinic settings", "/settings"), ("audit trail", "/settings/audit")):
        open_page(page, live_server, path)
        yield name


@pytest.mark.parametrize("locale", LANGUAGES.values(), ids=LANGUAGES.keys())
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_no_page_is_wider_than_the_screen(browser: Browser, live_server, viewport, locale):
    # French words run longer than English ones: every page is opened in both.
    page = browser.new_context(viewport=viewport, locale=locale).new_page()
    wide = {}
    for name in every_page(page, live_server):
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            wide[name] = overflow
    page.context.close()
    assert not wide, "\n".join(f"{name}: {overflow}" for name, overflow in wide.items())


def on_a(browser: Browser, live_server: str, viewport: dict) -> Page:
    page = browser.new_context(viewport=viewport).new_page()
    sign_in_as(page, live_server)
    return page


def cocktail_page(page: Page, live_server: str, name: str = "Layout lift") -> str:
    open_page(page, live_server, f"/cocktails?q={name}")
    return linked(page, r"/cocktails/\d+")


def on_screen(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5


def test_on_a_phone_the_live_check_comes_before_the_save_button(browser: Browser, live_server):
    page = on_a(browser, live_server, PHONE)
    open_page(page, live_server, f"{cocktail_page(page, live_server)}/compose")
    live, save = page.locator("#live-check"), page.get_by_role("button", name=re.compile("^Save as version"))
    expect(live).to_contain_text("composition only")
    assert live.bounding_box()["y"] < save.bounding_box()["y"]
    # In the keyboard's order too, not only on screen.
    assert live.evaluate("(live, save) => !!(live.compareDocumentPosition(save) & 4)", save.element_handle())


def test_on_a_phone_the_components_fit_and_each_remove_button_is_on_screen(browser: Browser, live_server):
    page = on_a(browser, live_server, PHONE)
    open_page(page, live_server, f"{cocktail_page(page, live_server)}/compose")
    rows = page.locator("#component-rows tr[data-row]")
    expect(rows).to_have_count(2)
    assert page.locator(".component-rows").evaluate("table => table.scrollWidth <= table.parentElement.clientWidth")
    for name in ("Xylocaine 1 % (lidocaine HCl 10 mg/mL), multiple-dose vial", "Ascorbic acid (vitamin C)"):
        assert on_screen(page, page.get_by_role("button", name=f"Remove {name}")), name
    for field in page.locator("#component-rows input:visible, #component-rows select:visible").all():
        assert on_screen(page, field), field.get_attribute("aria-label")
    page.screenshot(path="/tmp/layout-phone-composer.png", full_page=True)


def test_on_a_phone_the_history_shows_who_saved_each_version_when_and_its_revert(browser: Browser, live_server):
    page = on_a(browser, live_server, PHONE)
    open_page(page, live_server, f"{cocktail_page(page, live_server)}/versions")
    first = page.locator("table.history tbody tr", has_text="Version 1")
    revert = first.get_by_role("button", name="Revert to this")
    expect(revert).to_be_visible()
    assert on_screen(page, revert)
    for label, text in (("By", "Demo Admin"), ("When", re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))):
        cell = first.get_by_role("cell", name=text)
        assert on_screen(page, cell), label
        shown = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label in shown, f"the {label} cell shows no {label!r} label: {shown}"
    page.screenshot(path="/tmp/layout-phone-history.png", full_page=True)


def test_on_a_phone_radio_buttons_and_checkboxes_are_at_least_24_px(browser: Browser, live_server):
    page = on_a(browser, live_server, PHONE)
    cocktail = cocktail_page(page, live_server)
    small = []
    for path in ("/patients/new", f"{cocktail}/versions"):
        open_page(page, live_server, path)
        boxes = page.locator("main input[type=radio]:visible, main input[type=checkbox]:visible")
        assert boxes.count(), path
        for box in boxes.all():
            size = box.bounding_box()
            if size["width"] < 24 or size["height"] < 24:
                small.append(f"{path} {box.get_attribute('name')}: {size['width']:g}×{size['height']:g}")
    assert not small, "\n".join(small)


def shown(content: str) -> bool:
    """Whether a computed `content` puts a visible character on screen (Pico gives nav items a zero-width space)."""
    if content in ("none", "normal"):
        return False
    return bool(content.split(" / ")[0].strip('"').replace("\u200b", "").strip())


def test_on_a_desk_the_breadcrumbs_of_ingredients_and_allergens_are_separated(browser: Browser, live_server):
    page = browser.new_context(viewport=DESK).new_page()
    for path in ("/ingredients/lidocaine-hydrochloride", "/allergens/lidocaine"):
        open_page(page, live_server, path)
        items = page.get_by_role("navigation", name=re.compile("breadcrumb", re.I)).get_by_role("listitem")
        assert items.count() >= 2, path
        separators = items.evaluate_all(
            """items => items.slice(1).map((item) => [
              getComputedStyle(item, "::before").content,
              getComputedStyle(item.previousElementSibling, "::after").content,
            ])"""
        )
        for before, after in separators:
            assert shown(before) or shown(after), f"{path}: no separator between breadcrumbs ({before}, {after})"
        page.screenshot(path=f"/tmp/layout-desk-breadcrumb{path.replace('/', '-')}.png")


def test_on_a_desk_the_sign_in_card_is_at_most_30_rem_wide(browser: Browser, live_server):
    page = browser.new_context(viewport=DESK).new_page()
    open_page(page, live_server, "/sign-in")
    card = page.locator("main article")
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert card.bounding_box()["width"] <= 30 * rem


def test_the_api_documentation_links_back_to_the_app(browser: Browser, live_server):
    page = browser.new_context(viewport=DESK).new_page()
    open_page(page, live_server, "/api/v1/docs")
    back = page.get_by_role("link", name=re.compile("Back to Mesocat"))
    expect(back).to_be_visible()
    back.click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_on_a_desk_action_buttons_are_sized_to_their_words(browser: Browser, live_server):
    page = on_a(browser, live_server, DESK)
    cocktail = cocktail_page(page, live_server)
    wide = []
    for path in (cocktail, f"{cocktail}/compose", "/patients/new", "/account"):
        open_page(page, live_server, path)
        main = page.locator("main").bounding_box()["width"]
        for button in page.locator("main button:visible, main [role=button]:visible").all():
            if button.bounding_box()["width"] > main / 2:
                wide.append(f"{path}: {button.inner_text()!r}")
    assert not wide, "\n".join(wide)


def test_cloning_and_renaming_a_cocktail_are_separate_labelled_groups(browser: Browser, live_server):
    page = on_a(browser, live_server, DESK)
    open_page(page, live_server, cocktail_page(page, live_server))
    clone = page.get_by_role("group", name="Clone this cocktail")
    expect(clone.get_by_role("textbox", name="Start a new cocktail from this one")).to_be_visible()
    expect(clone.get_by_role("button", name="Clone")).to_be_visible()
    rename = page.get_by_role("group", name="Rename or describe this cocktail")
    expect(rename.get_by_role("textbox", name="Name")).to_have_value("Layout lift")
    expect(rename.get_by_role("button", name="Save name and description")).to_be_visible()
    # One above the other, not side by side where the clone's name reads as the cocktail's.
    assert rename.bounding_box()["y"] >= clone.bounding_box()["y"] + clone.bounding_box()["height"]
    page.screenshot(path="/tmp/layout-desk-cocktail.png", full_page=True)
