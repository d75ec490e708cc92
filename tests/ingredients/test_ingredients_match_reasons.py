"""A search result says why it matched: the field and the words, marked, and never markup from the data."""

import re


def _row(page: str, slug: str) -> str:
    start = page.index(f'href="/ingredients/{slug}"')
    return page[start : page.index("</tr>", start)]


def test_hyaluronic_finding_lidocaine_says_it_is_in_the_description(client):
    page = client.get("/ingredients?q=hyaluronic").get_data(as_text=True)
    row = _row(page, "lidocaine-hydrochloride")
    assert "Found in its description:" in row
    assert re.search(r"<mark>hyaluronic</mark>", row, re.IGNORECASE)


def test_a_row_found_by_its_name_says_nothing_more(client):
    page = client.get("/ingredients?q=lidocaine").get_data(as_text=True)
    assert 'data-testid="match-reason"' not in _row(page, "lidocaine-hydrochloride")


def test_a_synonym_match_is_named_and_marked(client):
    page = client.get("/ingredients?q=lignocaine").get_data(as_text=True)
    row = _row(page, "lidocaine-hydrochloride")
    assert "Found in a synonym:" in row and "<mark>lignocaine</mark>" in row


def test_the_marked_text_is_escaped(client, make_ingredient):
    make_ingredient(
        slug="x-escaped", name="Escaped entry", description='Holds <script>alert(1)</script> and zorblax "quoted".'
    )
    page = client.get("/ingredients?q=zorblax").get_data(as_text=True)
    row = _row(page, "x-escaped")
    assert "<script>" not in row and "&lt;script&gt;" in row and "<mark>zorblax</mark>" in row


def test_the_api_lists_the_same_fields_as_before(client):
    item = client.get("/api/v1/ingredients?q=hyaluronic").json["items"][0]
    assert set(item) == {
        "slug", "name", "inci_name", "category", "origin", "purposes", "allergens", "concentration", "review_state"
    }  # fmt: skip
