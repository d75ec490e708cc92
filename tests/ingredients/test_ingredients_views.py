"""The practitioner's pages: browsing, searching and reading an ingredient."""


def test_home_leads_to_the_ingredient_browser(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ingredients")


def test_browser_lists_the_catalogue_with_the_disclaimer(client):
    page = client.get("/ingredients").get_data(as_text=True)
    assert "ingredients match" in page
    assert "Reference information, not medical advice" in page
    assert '<label for="q">' in page


def test_search_state_lives_in_the_url(client, make_ingredient):
    make_ingredient(name="Snorkel lidocaine", allergens=["lidocaine"])
    make_ingredient(name="Snorkel plain")
    page = client.get("/ingredients?q=snorkel&free_of=amide-local-anaesthetics").get_data(as_text=True)
    assert "Snorkel plain" in page and "Snorkel lidocaine" not in page
    assert 'value="snorkel"' in page
    assert 'value="amide-local-anaesthetics" checked' in page


def test_htmx_gets_only_the_results(client, make_ingredient):
    make_ingredient(name="Partial match")
    response = client.get("/ingredients?q=partial", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "Partial match" in body
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_whole_page(client):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get("/ingredients", headers=headers).get_data(as_text=True)


def test_bad_filters_show_a_message_not_a_crash(client):
    response = client.get("/ingredients?page_size=1000&free_of=kryptonite")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Some filters could not be used" in page and "page_size" in page


def test_unknown_code_in_filters_shows_a_message(client):
    response = client.get("/ingredients?free_of=kryptonite")
    assert response.status_code == 400
    assert "Unknown allergen code: kryptonite" in response.get_data(as_text=True)


def test_pagination_links_keep_every_filter(client, make_ingredient):
    for n in range(3):
        make_ingredient(name=f"Paged {n}")
    page = client.get("/ingredients?q=paged&page_size=2&free_of=soy&free_of=parabens").get_data(as_text=True)
    assert "free_of=soy&amp;free_of=parabens" in page and "page=2" in page


def test_ingredient_page_shows_allergens_with_their_groups(client, make_ingredient):
    make_ingredient(slug="shown", name="Shown ingredient", allergens=["lidocaine"], contraindications=["pregnancy"])
    page = client.get("/ingredients/shown").get_data(as_text=True)
    assert "Allergen flags" in page and "Lidocaine" in page and "Amide local anaesthetics" in page
    assert "Pregnancy" in page
    assert "Sources" in page and "CosIng" in page


def test_unknown_ingredient_page_is_an_html_404(client):
    response = client.get("/ingredients/nothing-like-it")
    assert response.status_code == 404
    assert "No ingredient has the slug" in response.get_data(as_text=True)


def test_allergen_pages(client, make_ingredient):
    make_ingredient(slug="flagged-thing", name="Flagged thing", allergens=["arnica"])
    index = client.get("/allergens").get_data(as_text=True)
    assert "Asteraceae" in index
    page = client.get("/allergens/asteraceae").get_data(as_text=True)
    assert "Arnica" in page and "Flagged thing" in page


def test_about_page_lists_sources(client):
    page = client.get("/about").get_data(as_text=True)
    assert "not medical advice" in page and "CosIng" in page


def test_huge_page_number_is_a_message_not_a_crash(client):
    response = client.get("/ingredients?page=99999999999999999999")
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)


def test_a_broad_list_says_more_than_what_it_counted(client, make_ingredient, monkeypatch):
    from catalog.ingredients import listing

    monkeypatch.setattr(listing, "COUNT_AHEAD", 3)
    for n in range(6):
        make_ingredient(name=f"Broadly {n}")
    html = client.get("/ingredients", query_string={"q": "broadly"}).get_data(as_text=True)
    assert "More than 3 ingredients match." in html
    exact = client.get("/ingredients", query_string={"q": "broadly 5"}).get_data(as_text=True)
    assert "1 ingredient matches." in exact
