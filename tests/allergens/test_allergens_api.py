"""The allergen hierarchy over the API."""


def test_hierarchy_nests_members_under_groups(client):
    roots = client.get("/api/v1/allergens").json
    amides = next(node for node in roots if node["code"] == "amide-local-anaesthetics")
    assert {m["code"] for m in amides["members"]} >= {"lidocaine", "mepivacaine", "bupivacaine", "ropivacaine"}
    assert all(m["parents"][0]["code"] == "amide-local-anaesthetics" for m in amides["members"])
    assert all(node["parents"] == [] for node in roots)
    assert amides["href"] == "/api/v1/allergens/amide-local-anaesthetics"


def test_hierarchy_goes_deeper_than_two_levels(client):
    roots = client.get("/api/v1/allergens").json
    venom = next(node for node in roots if node["code"] == "hymenoptera-venom-hyaluronidase")
    animal = next(m for m in venom["members"] if m["code"] == "animal-hyaluronidase")
    assert {m["code"] for m in animal["members"]} == {"bovine-hyaluronidase", "ovine-hyaluronidase"}


def test_group_lists_ingredients_flagged_through_a_narrower_allergen(client, make_ingredient):
    make_ingredient(slug="with-lidocaine", name="With lidocaine", allergens=["lidocaine"])
    body = client.get("/api/v1/allergens/amide-local-anaesthetics").json
    flagged = {item["slug"]: item for item in body["ingredients"]}
    assert flagged["with-lidocaine"]["flagged_with"] == [
        {"code": "lidocaine", "name": "Lidocaine", "href": "/api/v1/allergens/lidocaine"}
    ]
    assert flagged["with-lidocaine"]["href"] == "/api/v1/ingredients/with-lidocaine"
    assert body["parents"] == body["ancestors"] == []


def test_member_shows_its_parents_and_ancestors_broadest_first(client):
    body = client.get("/api/v1/allergens/bovine-hyaluronidase").json
    assert [g["code"] for g in body["parents"]] == ["animal-hyaluronidase", "bovine-proteins"]
    # Every group above it, through both parents, each after the groups above it.
    assert [g["code"] for g in body["ancestors"]] == [
        "hymenoptera-venom-hyaluronidase",
        "hyaluronidase",
        "animal-hyaluronidase",
        "mammalian-proteins",
        "alpha-gal",
        "bovine-proteins",
    ]
    assert body["members"] == []


def test_member_does_not_list_ingredients_of_its_siblings(client, make_ingredient):
    make_ingredient(slug="with-procaine", allergens=["procaine"])
    body = client.get("/api/v1/allergens/tetracaine").json
    assert "with-procaine" not in {item["slug"] for item in body["ingredients"]}


def test_unknown_allergen_is_a_json_404(client):
    response = client.get("/api/v1/allergens/unobtainium")
    assert response.status_code == 404
    assert response.json["message"] == "No allergen has the code 'unobtainium'."
