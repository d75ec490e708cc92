"""The allergen graph as stored: other groups, cross-reactive groups, graded links, suggestions."""

import pytest

from catalog.allergens import service
from catalog.core.errors import Invalid
from catalog.safety.types import Grade, Relation


def entry(code, parent=None, **values):
    return {"code": code, "name": code.replace("-", " ").title(), "description": "", "parent": parent, **values}


@pytest.fixture
def graph_data(db_session):
    service.upsert_allergens(
        db_session,
        entries=[
            entry("t-peg", synonyms=["macrogol"]),
            entry("t-polysorbates"),
            entry("t-polysorbate-80", "t-polysorbates", also_in=["t-peg"], synonyms=["Tween 80", "Tween"]),
            entry("t-daisies", members_cross_react="established", cross_reactivity_source="cosing"),
            entry("t-arnica", "t-daisies"),
            entry("t-chamomile", "t-daisies"),
            entry("t-venoms"),
            entry("t-bee-venom", "t-venoms", synonyms=["bee sting"]),
            entry("t-animal-hyaluronidase"),
            entry("t-sulfonamides", synonyms=["sulfa", "sulfa drugs"]),
            entry("t-sulfites"),
        ],
        whole_list=False,
    )
    service.upsert_cross_reactions(
        db_session,
        entries=[
            {
                "between": ["t-venoms", "t-animal-hyaluronidase"],
                "grade": "established",
                "source": "cosing",
                "supports": "t",
            }
        ],
    )
    return service.load_graph(db_session)


def test_an_allergen_in_two_groups_is_reached_from_both(graph_data):
    assert graph_data.match("t-peg", "t-polysorbate-80").relation is Relation.GROUP
    assert graph_data.match("t-polysorbates", "t-polysorbate-80").relation is Relation.GROUP


def test_members_of_a_cross_reactive_group_reach_each_other(graph_data):
    match = graph_data.match("t-chamomile", "t-arnica")
    assert (match.relation, match.grade, match.source.code) == (Relation.SIBLING, Grade.ESTABLISHED, "cosing")


def test_a_stored_link_between_groups_reaches_their_members(graph_data):
    match = graph_data.match("t-bee-venom", "t-animal-hyaluronidase")
    assert match.relation is Relation.LINK and match.established


def test_a_loop_through_another_group_is_refused(db_session, graph_data):
    with pytest.raises(Invalid, match="below itself"):
        service.upsert_allergens(db_session, entries=[entry("t-peg", also_in=["t-polysorbate-80"])], whole_list=False)


def test_loading_the_same_links_twice_changes_nothing(db_session, graph_data):
    links = [
        {"between": ["t-animal-hyaluronidase", "t-venoms"], "grade": "established", "source": "cosing", "supports": "t"}
    ]
    counts = service.upsert_cross_reactions(db_session, entries=links)
    assert counts == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_link_to_an_unknown_allergen_is_refused(db_session, graph_data):
    with pytest.raises(Invalid) as refused:
        service.upsert_cross_reactions(
            db_session,
            entries=[{"between": ["t-peg", "nope"], "grade": "reported", "source": "cosing", "supports": "t"}],
        )
    assert "between" in refused.value.errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [("bee sting", "t-bee-venom"), ("Reaction to Tween", "t-polysorbate-80"), ("sulfa drugs", "t-sulfonamides")],
)
def test_free_text_suggests_coded_allergens(db_session, graph_data, text, expected):
    # The seed's own allergens may share the synonym: the test's must be among the suggestions.
    assert expected in [s["code"] for s in service.suggest(db_session, text=text)]


def test_sulfa_is_never_sulfites(db_session, graph_data):
    assert "t-sulfites" not in [s["code"] for s in service.suggest(db_session, text="sulfa")]


def test_the_api_shows_other_groups_links_and_suggestions(client, graph_data):
    detail = client.get("/api/v1/allergens/t-polysorbate-80").get_json()
    assert [group["code"] for group in detail["parents"]] == ["t-polysorbates", "t-peg"]
    assert detail["parents"][1] == {"code": "t-peg", "name": "T Peg", "href": "/api/v1/allergens/t-peg"}
    assert "also_in" not in detail and "groups" not in detail
    tree = client.get("/api/v1/allergens").get_json()
    polysorbates = next(node for node in tree if node["code"] == "t-polysorbates")
    assert [group["code"] for group in polysorbates["members"][0]["parents"]] == ["t-polysorbates", "t-peg"]
    venoms = client.get("/api/v1/allergens/t-venoms").get_json()
    assert venoms["cross_reactions"][0]["allergen"]["code"] == "t-animal-hyaluronidase"
    assert venoms["cross_reactions"][0]["grade"] == "established"
    suggestions = client.get("/api/v1/allergens/suggestions?text=bee+sting").get_json()
    assert "t-bee-venom" in [s["code"] for s in suggestions]
    assert client.get("/api/v1/allergens/suggestions").status_code == 422


@pytest.mark.parametrize(
    ("text", "expected"),
    [("bee sting", "bee-venom"), ("Tween 80", "polysorbate-80"), ("sulfa drugs", "sulfonamide-antibiotics")],
)
def test_the_seeded_catalogue_suggests_what_the_issue_names(db_session, text, expected):
    codes = [s["code"] for s in service.suggest(db_session, text=text)]
    assert codes[0] == expected
    assert not {"sulfites", "sodium-metabisulfite", "sodium-bisulfite"} & set(codes)


def test_free_of_a_group_leaves_out_an_allergen_sitting_in_it_as_another_group(client, graph_data, make_ingredient):
    make_ingredient(slug="with-tween", allergens=["t-polysorbate-80"])
    listed = client.get("/api/v1/ingredients", query_string={"free_of": "t-peg", "page_size": 100}).json["items"]
    assert "with-tween" not in [item["slug"] for item in listed]
    peg = client.get("/api/v1/allergens/t-peg").json
    assert [item["slug"] for item in peg["ingredients"]] == ["with-tween"]


def test_ancestors_follow_every_parent_broadest_first(client, graph_data):
    detail = client.get("/api/v1/allergens/t-polysorbate-80").json
    assert [group["code"] for group in detail["ancestors"]] == ["t-polysorbates", "t-peg"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abeille", "bee-venom"),
        ("soja", "soy"),
        ("parabènes", "parabens"),
        ("bee sting", "bee-venom"),
        ("Tween", "polysorbate-80"),
    ],
)
def test_the_allergy_forms_picker_finds_an_allergen_by_its_synonyms_french_ones_too(
    practitioner_pages, typed, expected
):
    options = practitioner_pages.get("/allergens/picker", query_string={"allergen_search": typed}).get_data(
        as_text=True
    )
    assert f'value="{expected}"' in options


def test_a_french_sulfa_allergy_is_never_suggested_as_sulfites(db_session):
    codes = [s["code"] for s in service.suggest(db_session, text="allergie aux sulfamides")]
    assert codes[0] == "sulfonamide-antibiotics"
    assert not {"sulfites", "sodium-metabisulfite", "sodium-bisulfite"} & set(codes)
