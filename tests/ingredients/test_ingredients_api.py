"""The ingredient list and detail endpoints, as another system would call them."""

import pytest

LIST = "/api/v1/ingredients"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["name"] for item in response.json["items"]]


# --- search -----------------------------------------------------------------


def test_q_hyaluronic_finds_sodium_hyaluronate(client):
    found = names(client.get(LIST, query_string={"q": "hyaluronic"}))
    assert any("hyaluronate" in name.lower() for name in found)


def test_search_ignores_case_and_accents(client, make_ingredient):
    make_ingredient(name="Zorbexâte complex")
    assert names(client.get(LIST, query_string={"q": "ZORBEXATE"})) == ["Zorbexâte complex"]
    assert names(client.get(LIST, query_string={"q": "zorbexâ"})) == ["Zorbexâte complex"]


def test_search_covers_inci_name_synonyms_and_description(client, make_ingredient):
    make_ingredient(name="Plain name one", inci_name="QUIXOTIC INCI")
    make_ingredient(name="Plain name two", synonyms=["blorptide"])
    make_ingredient(name="Plain name three", description="Made from fnordberries.")
    assert names(client.get(LIST, query_string={"q": "quixotic"})) == ["Plain name one"]
    assert names(client.get(LIST, query_string={"q": "blorptide"})) == ["Plain name two"]
    assert names(client.get(LIST, query_string={"q": "fnordberries"})) == ["Plain name three"]


def test_description_words_match_whole_but_names_match_as_you_type(client, make_ingredient):
    make_ingredient(name="Prefixable zindarol", description="Holds quendarite.")
    assert names(client.get(LIST, query_string={"q": "zinda"})) == ["Prefixable zindarol"]
    assert names(client.get(LIST, query_string={"q": "quendarite"})) == ["Prefixable zindarol"]
    assert names(client.get(LIST, query_string={"q": "quenda"})) == []


def test_short_words_match_whole_words_only(client, make_ingredient):
    make_ingredient(name="Vitamin zq")
    make_ingredient(name="Vitamin zqx")
    assert names(client.get(LIST, query_string={"q": "vitamin zq"})) == ["Vitamin zq"]


def test_every_word_of_the_query_must_match(client, make_ingredient):
    make_ingredient(name="Wuzzle alpha")
    make_ingredient(name="Wuzzle beta")
    assert names(client.get(LIST, query_string={"q": "wuzzle beta"})) == ["Wuzzle beta"]
    assert names(client.get(LIST, query_string={"q": "wuzzle gamma"})) == []


def test_name_matches_rank_above_description_matches(client, make_ingredient):
    make_ingredient(name="Aardvark mentioned", description="Contains the word plonkium.")
    make_ingredient(name="Zebra plonkium")
    assert names(client.get(LIST, query_string={"q": "plonkium"})) == ["Zebra plonkium", "Aardvark mentioned"]


def test_query_of_only_symbols_matches_nothing(client):
    assert client.get(LIST, query_string={"q": "-- ! 😀"}).json["total"] == 0
    assert client.get(LIST, query_string={"q": "   "}).json["total"] == client.get(LIST).json["total"]


def test_overlong_query_is_refused(client):
    response = client.get(LIST, query_string={"q": "x" * 201})
    assert response.status_code == 422
    assert "q" in response.json["errors"]["query"]


# --- filters ----------------------------------------------------------------


def test_category_filter(client, make_ingredient):
    make_ingredient(name="Glimmer enzyme", category="enzyme")
    make_ingredient(name="Glimmer vitamin", category="vitamin")
    found = names(client.get(LIST, query_string={"q": "glimmer", "category": "enzyme"}))
    assert found == ["Glimmer enzyme"]


def test_repeated_purpose_matches_any_of_them(client, make_ingredient):
    make_ingredient(name="Dapple one", purposes=["hydration"])
    make_ingredient(name="Dapple two", purposes=["brightening"])
    make_ingredient(name="Dapple three", purposes=["anaesthesia"])
    found = names(
        client.get(LIST, query_string=[("q", "dapple"), ("purpose", "hydration"), ("purpose", "brightening")])
    )
    assert found == ["Dapple one", "Dapple two"]


def test_origin_filter(client, make_ingredient):
    make_ingredient(name="Frond marine", origin="marine")
    make_ingredient(name="Frond plant", origin="plant")
    assert names(client.get(LIST, query_string={"q": "frond", "origin": "marine"})) == ["Frond marine"]


def test_free_of_a_group_excludes_ingredients_flagged_with_its_members(client, make_ingredient):
    make_ingredient(name="Quill lidocaine", allergens=["lidocaine"])
    make_ingredient(name="Quill procaine", allergens=["procaine"])
    make_ingredient(name="Quill plain")
    found = names(client.get(LIST, query_string={"q": "quill", "free_of": "amide-local-anaesthetics"}))
    assert found == ["Quill plain", "Quill procaine"]


def test_free_of_soy_excludes_soy_derived_tocopherol(client):
    everything = {item["slug"]: item for item in client.get(LIST, query_string={"page_size": 100}).json["items"]}
    soy_flagged = [slug for slug, item in everything.items() if any(a["code"] == "soy" for a in item["allergens"])]
    assert soy_flagged, "the seed should flag natural tocopherol with soy"
    remaining = {
        item["slug"] for item in client.get(LIST, query_string={"page_size": 100, "free_of": "soy"}).json["items"]
    }
    assert not remaining & set(soy_flagged)


def test_repeated_free_of_excludes_each(client, make_ingredient):
    make_ingredient(name="Trill fish", allergens=["salmon"])
    make_ingredient(name="Trill arnica", allergens=["arnica"])
    make_ingredient(name="Trill none")
    query = [("q", "trill"), ("free_of", "fish-marine-proteins"), ("free_of", "asteraceae")]
    assert names(client.get(LIST, query_string=query)) == ["Trill none"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("free_of", "no-such-allergen"), ("category", "no-such-category"), ("purpose", "no-such-purpose")],
)
def test_unknown_codes_are_refused_naming_the_parameter(client, parameter, value):
    response = client.get(LIST, query_string={parameter: value})
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert value in response.json["errors"]["query"][parameter][0]


def test_bad_origin_is_refused(client):
    response = client.get(LIST, query_string={"origin": "martian"})
    assert response.status_code == 422
    assert "origin" in response.json["errors"]["query"]


# --- sorting and pages --------------------------------------------------------


def test_sort_by_name_both_ways(client, make_ingredient):
    for name in ("Mumble b", "mumble a", "Mumble c"):
        make_ingredient(name=name)
    assert names(client.get(LIST, query_string={"q": "mumble", "sort": "name"})) == ["mumble a", "Mumble b", "Mumble c"]
    assert names(client.get(LIST, query_string={"q": "mumble", "sort": "-name"})) == [
        "Mumble c",
        "Mumble b",
        "mumble a",
    ]


def test_pages_carry_the_total(client, make_ingredient):
    for n in range(5):
        make_ingredient(name=f"Pagely {n}")
    first = client.get(LIST, query_string={"q": "pagely", "page_size": 2}).json
    third = client.get(LIST, query_string={"q": "pagely", "page_size": 2, "page": 3}).json
    assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
    assert [i["name"] for i in third["items"]] == ["Pagely 4"]
    beyond = client.get(LIST, query_string={"q": "pagely", "page_size": 2, "page": 9})
    assert beyond.status_code == 404 and "past the last page (3)" in beyond.json["message"]


def test_pages_carry_the_exact_total_with_its_links(client, make_ingredient):
    for n in range(5):
        make_ingredient(name=f"Zeppoly {n}", purposes=["hydration"])
    response = client.get(LIST, query_string={"q": "zeppoly", "purpose": "hydration", "page_size": 2, "page": 2})
    body = response.json
    assert (body["total"], body["total_exact"], body["pages"]) == (5, True, 3)
    assert set(body["links"]) == {"first", "prev", "next", "last"} and "page=3" in body["links"]["next"]
    assert 'rel="next"' in response.headers["Link"] and "purpose=hydration" in response.headers["Link"]


@pytest.mark.parametrize("query", [{"q": "capped"}, {"purpose": "firming", "free_of": "parabens"}])
def test_a_broad_list_counts_only_so_far_past_its_page_and_says_so(client, make_ingredient, monkeypatch, query):
    from catalog.ingredients import listing

    monkeypatch.setattr(listing, "COUNT_AHEAD", 4)
    for n in range(9):
        make_ingredient(name=f"Capped {n}", purposes=["firming"])
    first = client.get(LIST, query_string={**query, "page_size": 2}).json
    assert len(first["items"]) == 2
    # Counted up to 4 past the page's first row: "more than 4", and the pages known so far.
    assert (first["total"], first["total_exact"], first["pages"]) == (4, False, 2)
    assert "next" in first["links"]
    # Further on, the count reaches further: a later page is never "past the last".
    third = client.get(LIST, query_string={**query, "page_size": 2, "page": 3}).json
    assert (third["total"], third["total_exact"]) == (8, False)
    last = client.get(LIST, query_string={**query, "page_size": 2, "page": 5}).json
    if "q" in query:  # only the tests' own ingredients match the words; the seed has firming ones too
        assert (last["total"], last["total_exact"], last["pages"], len(last["items"])) == (9, True, 5, 1)
        assert "next" not in last["links"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("page_size", 101), ("page_size", 0), ("page", 0), ("page", "two"), ("page", 10**20)],
)
def test_bad_paging_is_refused(client, parameter, value):
    response = client.get(LIST, query_string={parameter: value})
    assert response.status_code == 422
    assert parameter in response.json["errors"]["query"]


def test_bad_sort_is_refused(client):
    response = client.get(LIST, query_string={"sort": "colour"})
    assert response.status_code == 422
    assert "sort" in response.json["errors"]["query"]


# --- one ingredient -----------------------------------------------------------


def test_detail_has_the_whole_record(client, make_ingredient):
    other = make_ingredient(name="Partner")
    make_ingredient(
        slug="full-record",
        name="Full record",
        inci_name="FULL RECORD",
        synonyms=["fully"],
        cas_number="50-81-7",
        allergens=["lidocaine"],
        contraindications=["pregnancy"],
        concentration={"unit": "mg/mL", "usual_min": 1, "usual_max": 2, "maximum": 5},
        incompatibilities=[{"ingredient": other.slug, "reason": "They curdle."}],
    )
    body = client.get("/api/v1/ingredients/full-record").json
    assert body["cas_number"] == "50-81-7"
    assert body["synonyms"] == ["fully"]
    assert body["concentration"] == {"unit": "mg/mL", "usual_min": 1.0, "usual_max": 2.0, "maximum": 5.0, "context": ""}
    assert body["contraindications"] == [{"code": "pregnancy", "name": "Pregnancy"}]
    amides = {
        "code": "amide-local-anaesthetics",
        "name": "Amide local anaesthetics",
        "href": "/api/v1/allergens/amide-local-anaesthetics",
    }
    assert body["allergens"] == [
        {
            "code": "lidocaine",
            "name": "Lidocaine",
            "href": "/api/v1/allergens/lidocaine",
            "parents": [amides],
            "ancestors": [amides],
        }
    ]
    assert body["incompatibilities"] == [
        {
            "ingredient": {"slug": other.slug, "name": "Partner", "href": f"/api/v1/ingredients/{other.slug}"},
            "reason": "They curdle.",
        }
    ]
    assert body["references"][0]["source"]["code"] == "cosing"
    assert body["created_at"] and body["updated_at"]


def test_incompatibility_shows_on_both_ingredients(client, make_ingredient):
    first = make_ingredient(name="First of pair")
    make_ingredient(
        slug="second-of-pair", name="Second of pair", incompatibilities=[{"ingredient": first.slug, "reason": "Clash."}]
    )
    body = client.get(f"/api/v1/ingredients/{first.slug}").json
    partner = {"slug": "second-of-pair", "name": "Second of pair", "href": "/api/v1/ingredients/second-of-pair"}
    assert body["incompatibilities"] == [{"ingredient": partner, "reason": "Clash."}]


def test_detail_etag_gives_304_when_unchanged(client, make_ingredient):
    ingredient = make_ingredient()
    url = f"/api/v1/ingredients/{ingredient.slug}"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_unknown_slug_is_a_json_404(client):
    response = client.get("/api/v1/ingredients/no-such-thing")
    assert response.status_code == 404
    assert response.json == {
        "code": 404,
        "status": "Not Found",
        "message": "No ingredient has the slug 'no-such-thing'.",
    }


def test_categories_and_purposes_are_listed(client):
    categories = client.get("/api/v1/categories").json
    purposes = client.get("/api/v1/purposes").json
    assert {"code": "local-anaesthetic", "name": "Local anaesthetic"} in [
        {"code": c["code"], "name": c["name"]} for c in categories
    ]
    assert any(p["code"] == "collagen-stimulation" for p in purposes)
    assert all(set(p) == {"code", "name", "description"} for p in purposes)
