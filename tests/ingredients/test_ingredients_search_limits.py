"""A search too long for the app is answered by the app's own page, in words, with the limit."""

import ast
from pathlib import Path

from catalog.ingredients.schemas import MAX_QUERY_LENGTH
from catalog.web.request_guard import MAX_URL_LENGTH

ROOT = Path(__file__).resolve().parents[2]


def test_a_4800_character_search_gets_the_apps_page_saying_the_limit(client):
    response = client.get("/ingredients?q=" + "hyaluronic " * 436)
    assert response.status_code == 414 and "text/html" in response.content_type
    page = response.get_data(as_text=True)
    assert "This search is too long: up to 200 characters." in page
    assert 'href="/ingredients"' in page  # the app's page, with its way back


def test_a_search_over_the_box_limit_says_so_next_to_the_box(client):
    page = client.get("/ingredients?q=" + "a" * 300).get_data(as_text=True)
    assert "This search is too long: up to 200 characters; it has 300." in page


def test_the_search_box_holds_what_the_server_takes(client):
    page = client.get("/ingredients").get_data(as_text=True)
    box = page[page.index('<input type="search" id="q"') :]
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in box[: box.index(">")]


def test_gunicorn_takes_longer_request_lines_than_the_app_refuses_itself():
    settings = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    limits = [
        node.value.value
        for node in settings.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "limit_request_line"
    ]
    # The request line adds the method and the protocol ("GET " and " HTTP/1.1") to the address.
    assert limits and limits[0] > MAX_URL_LENGTH + len("GET  HTTP/1.1")
