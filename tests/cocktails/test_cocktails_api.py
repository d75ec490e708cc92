"""Cocktails and their versions over the JSON API."""

import pytest

from catalog.cocktails.models import CocktailComponent, CocktailVersion, ImmutableVersionError

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}
VITAMIN_C = {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 2}
HYALURONATE = {"ingredient": "sodium-hyaluronate-fermentation", "concentration": 1, "unit": "%"}


def cocktail_body(**overrides):
    body = {
        "name": "Scar booster",
        "description": "For atrophic acne scars.",
        "technique": "point-injection",
        "indication": "Acne scars",
        "protocol": {"sessions": 4, "weeks_between_sessions": 2},
        "components": [HYALURONATE, VITAMIN_C],
    }
    body.update(overrides)
    return body


@pytest.fixture
def cocktail(api):
    response = api.post("/api/v1/cocktails", json=cocktail_body())
    assert response.status_code == 201, response.json
    return response.json


def versions_url(cocktail):
    return f"/api/v1/cocktails/{cocktail['id']}/versions"


def save(api, cocktail, based_on, **body):
    body.setdefault("change_note", "A change.")
    return api.post(versions_url(cocktail), json=body, headers={"If-Match": f'W/"{based_on}"'})


def test_composing_a_cocktail_makes_version_one(api, cocktail):
    assert cocktail["current_version"] == 1
    assert cocktail["slug"] == "scar-booster"
    version = cocktail["version"]
    assert [c["ingredient"]["slug"] for c in version["components"]] == [
        "sodium-hyaluronate-fermentation",
        "ascorbic-acid",
    ]
    assert version["protocol"] == {"sessions": 4, "weeks_between_sessions": 2}
    assert version["author"]["type"] == "token"
    response = api.get(f"/api/v1/cocktails/{cocktail['id']}")
    assert response.headers["ETag"] == 'W/"1"'


def test_names_are_unique_within_the_clinic_whatever_the_case(api, cocktail):
    response = api.post("/api/v1/cocktails", json=cocktail_body(name="SCAR booster"))
    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]


@pytest.mark.parametrize(
    ("components", "index", "field"),
    [
        ([HYALURONATE, {**LIDOCAINE, "ingredient": "no-such-thing"}], "1", "ingredient"),
        ([{**LIDOCAINE, "concentration": 0}], "0", "concentration"),
        ([{**LIDOCAINE, "concentration": -1}], "0", "concentration"),
        ([{"ingredient": "bacteriostatic-saline-benzyl-alcohol", "concentration": 1, "unit": "IU/mL"}], "0", "unit"),
        ([{"ingredient": "hyaluronidase-recombinant-human", "concentration": 150, "unit": "IU/mL"}], "0", "unit"),
        ([{**LIDOCAINE, "unit": "mg"}], "0", "unit"),
        ([LIDOCAINE, {**LIDOCAINE, "concentration": 0.3}], "1", "ingredient"),
        ([{**LIDOCAINE, "volume_ml": -2}], "0", "volume_ml"),
    ],
)
def test_a_bad_component_is_422_naming_it_and_nothing_is_written(api, components, index, field):
    response = api.post("/api/v1/cocktails", json=cocktail_body(components=components))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]["components"][index]
    assert api.get("/api/v1/cocktails").json["total"] == 0


def test_a_cocktail_has_one_to_thirty_components(api):
    assert api.post("/api/v1/cocktails", json=cocktail_body(components=[])).status_code == 422
    slugs = [i["slug"] for i in api.get("/api/v1/ingredients?page_size=40&sort=name").json["items"]]
    many = [{"ingredient": slug, "concentration": 1, "unit": "%"} for slug in slugs[:31]]
    response = api.post("/api/v1/cocktails", json=cocktail_body(components=many))
    assert response.status_code == 422
    assert "components" in response.json["errors"]["json"]


def test_a_new_version_needs_the_base_version(api, cocktail):
    missing = api.post(
        versions_url(cocktail), json={"components": [LIDOCAINE], "technique": "needle-free", "change_note": "x"}
    )
    assert missing.status_code == 428
    saved = save(api, cocktail, 1, components=[HYALURONATE, LIDOCAINE], technique="needle-free")
    assert saved.status_code == 201, saved.json
    assert saved.json["number"] == 2
    assert saved.json["based_on"] == {"number": 1, "href": f"/api/v1/cocktails/{cocktail['id']}/versions/1"}
    assert saved.headers["ETag"] == 'W/"2"'
    stale = save(api, cocktail, 1, components=[LIDOCAINE], technique="point-injection")
    assert stale.status_code == 412
    assert "version 2" in stale.json["message"]
    assert api.get(f"/api/v1/cocktails/{cocktail['id']}").json["current_version"] == 2


def test_a_strong_etag_and_a_nonsense_etag_are_understood(api, cocktail):
    assert save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free").status_code == 201
    response = api.post(
        versions_url(cocktail), json={"revert_to": 1, "change_note": "back"}, headers={"If-Match": '"2"'}
    )
    assert response.status_code == 201
    nonsense = api.post(
        versions_url(cocktail), json={"revert_to": 1, "change_note": "x"}, headers={"If-Match": '"abc"'}
    )
    assert nonsense.status_code == 412


def test_history_any_version_and_the_diff(api, cocktail):
    save(
        api,
        cocktail,
        1,
        components=[{**HYALURONATE, "concentration": 1.5}, LIDOCAINE],
        technique="needle-free",
        indication="Acne scars",
        protocol={"sessions": 4, "weeks_between_sessions": 2},
        change_note="Numbing",
    )
    history = api.get(versions_url(cocktail)).json
    assert [v["number"] for v in history] == [2, 1]
    assert history[0]["change_note"] == "Numbing"
    first = api.get(f"{versions_url(cocktail)}/1").json
    assert [c["ingredient"]["slug"] for c in first["components"]] == [
        "sodium-hyaluronate-fermentation",
        "ascorbic-acid",
    ]
    diff = api.get(f"/api/v1/cocktails/{cocktail['id']}/diff?from=1&to=2").json
    assert (diff["from"]["number"], diff["to"]["href"]) == (1, f"{versions_url(cocktail)}/2")
    assert [c["ingredient"]["slug"] for c in diff["added"]] == ["lidocaine-hydrochloride"]
    assert [c["ingredient"]["slug"] for c in diff["removed"]] == ["ascorbic-acid"]
    assert diff["changed"] == [
        {
            "ingredient": {
                "slug": "sodium-hyaluronate-fermentation",
                "name": diff["changed"][0]["ingredient"]["name"],
                "href": "/api/v1/ingredients/sodium-hyaluronate-fermentation",
            },
            "unit": "%",
            "changes": [{"field": "concentration", "from": 1.0, "to": 1.5}],
        }
    ]
    assert diff["fields"] == [{"field": "technique", "from": "point-injection", "to": "needle-free"}]
    assert api.get(f"/api/v1/cocktails/{cocktail['id']}/diff?from=1&to=9").status_code == 404
    assert api.get(f"/api/v1/cocktails/{cocktail['id']}/diff?from=1").status_code == 422


def test_revert_makes_a_new_version_equal_to_an_old_one(api, cocktail):
    save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    response = save(api, cocktail, 2, revert_to=1, change_note="Back to the original")
    assert response.status_code == 201
    assert response.json["number"] == 3
    assert response.json["reverted_from"]["number"] == 1
    diff = api.get(f"/api/v1/cocktails/{cocktail['id']}/diff?from=1&to=3").json
    assert (diff["added"], diff["removed"], diff["changed"], diff["fields"]) == ([], [], [], [])
    missing = save(api, cocktail, 3, revert_to=9)
    assert missing.status_code == 422
    assert "revert_to" in missing.json["errors"]["json"]
    assert save(api, cocktail, 3, revert_to=3).status_code == 422, "nothing would change"
    assert save(api, cocktail, 3, revert_to=1, components=[LIDOCAINE]).status_code == 422


def test_patch_changes_name_description_and_status_not_the_composition(api, cocktail):
    url = f"/api/v1/cocktails/{cocktail['id']}"
    response = api.patch(url, json={"status": "archived", "description": "Retired."})
    assert response.status_code == 200
    assert (response.json["status"], response.json["current_version"]) == ("archived", 1)
    assert api.patch(url, json={"components": [LIDOCAINE]}).status_code == 422
    assert api.get("/api/v1/cocktails?status=active").json["total"] == 0


def test_clone_starts_a_new_cocktail_from_the_current_version(api, cocktail):
    save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    response = api.post(f"/api/v1/cocktails/{cocktail['id']}/clone", json={"name": "Scar booster for needle-phobes"})
    assert response.status_code == 201
    clone = response.json
    assert clone["current_version"] == 1
    assert clone["cloned_from"] == {
        "id": cocktail["id"],
        "name": "Scar booster",
        "href": f"/api/v1/cocktails/{cocktail['id']}",
    }
    assert [c["ingredient"]["slug"] for c in clone["version"]["components"]] == ["lidocaine-hydrochloride"]
    assert "Cloned from Scar booster, version 2" in clone["version"]["change_note"]
    assert api.post(f"/api/v1/cocktails/{cocktail['id']}/clone", json={"name": "scar booster"}).status_code == 422


def test_saved_versions_cannot_be_changed_or_deleted_by_the_model_layer(db_session, api, cocktail):
    version = db_session.query(CocktailVersion).filter_by(cocktail_id=cocktail["id"], number=1).one()
    version.notes = "rewritten history"
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()
    component = db_session.query(CocktailComponent).filter_by(version_id=version.id).first()
    db_session.delete(component)
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.get(CocktailVersion, version.id))
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()


def test_version_saves_are_audited_by_component(api, auditor, cocktail):
    save(api, cocktail, 1, components=[HYALURONATE, LIDOCAINE], technique="point-injection")
    entry = auditor.get("/api/v1/audit", query_string={"object_type": "cocktail", "object_id": cocktail["id"]}).json[
        "items"
    ][0]
    assert entry["action"] == "cocktail.version_saved"
    fields = [c["field"] for c in entry["changes"]]
    assert fields[0] == "version"
    assert "component:lidocaine-hydrochloride" in fields
    assert "component:ascorbic-acid" in fields


@pytest.mark.parametrize(
    ("component", "field", "message"),
    [
        ({**LIDOCAINE, "concentration": 150}, "concentration", "cannot be more than 100"),
        ({**LIDOCAINE, "concentration": 1e7, "unit": "mg/mL"}, "concentration", "at most 1,000,000"),
        ({"concentration": 1, "unit": "%"}, "ingredient", "Missing data"),
        ({**LIDOCAINE, "ingredient": "Lidocaine HCl"}, "ingredient", "slug"),
        ({**LIDOCAINE, "ingredient": 5}, "ingredient", "Not a valid string"),
    ],
)
def test_impossible_components_are_422_not_500(api, component, field, message):
    response = api.post("/api/v1/cocktails", json=cocktail_body(components=[component]))
    assert response.status_code == 422, response.json
    assert message in " ".join(response.json["errors"]["json"]["components"]["0"][field])


def test_a_duplicate_names_the_earlier_row_counting_from_one(api):
    response = api.post("/api/v1/cocktails", json=cocktail_body(components=[LIDOCAINE, VITAMIN_C, LIDOCAINE]))
    assert response.json["errors"]["json"]["components"]["2"]["ingredient"] == [
        "Already in row 1: list each ingredient once."
    ]


def test_a_revert_with_composition_fields_is_refused_not_half_applied(api, cocktail):
    save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    response = save(api, cocktail, 2, revert_to=1, indication="Something else")
    assert response.status_code == 422
    assert "indication" in response.json["errors"]["json"]


def test_if_match_star_saves_on_the_current_version_and_nonsense_says_so(api, cocktail):
    response = api.post(
        versions_url(cocktail),
        json={"components": [LIDOCAINE], "technique": "needle-free", "change_note": "x"},
        headers={"If-Match": "*"},
    )
    assert response.status_code == 201
    nonsense = api.post(versions_url(cocktail), json={"revert_to": 1, "change_note": "x"}, headers={"If-Match": "v2"})
    assert nonsense.status_code == 412
    assert "names no version" in nonsense.json["message"]


def test_an_archived_cocktail_takes_no_new_version(api, cocktail):
    api.patch(f"/api/v1/cocktails/{cocktail['id']}", json={"status": "archived"})
    response = save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    assert response.status_code == 409
    assert "archived" in response.json["message"]


def test_saving_what_is_already_there_is_refused(api, cocktail):
    body = cocktail_body()
    response = save(
        api,
        cocktail,
        1,
        components=body["components"],
        technique=body["technique"],
        indication=body["indication"],
        protocol=body["protocol"],
    )
    assert response.status_code == 422
    assert "Nothing would change" in response.json["message"]


def test_a_whole_number_of_sessions_is_required(api):
    response = api.post("/api/v1/cocktails", json=cocktail_body(protocol={"sessions": 2.5}))
    assert response.status_code == 422
    assert "sessions" in response.json["errors"]["json"]["protocol"]


def test_precondition_errors_name_the_if_match_header(api, cocktail):
    missing = api.post(versions_url(cocktail), json={"revert_to": 1, "change_note": "x"})
    assert missing.json["errors"] == {"headers": {"If-Match": ["Required."]}}
    save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    stale = save(api, cocktail, 1, revert_to=1)
    assert stale.json["errors"] == {"headers": {"If-Match": ["The current version is 2."]}}


@pytest.mark.parametrize("if_match", ['W/""', '""', "W/", '"1", "2"', '"99999999999999999999"'])
def test_odd_if_match_headers_are_answered_not_crashed(api, cocktail, if_match):
    response = api.post(
        versions_url(cocktail), json={"revert_to": 1, "change_note": "x"}, headers={"If-Match": if_match}
    )
    assert response.status_code in (412, 428), (if_match, response.status_code)


def test_precondition_errors_are_answered_whole_in_the_header_s_terms(api, cocktail):
    missing = api.post(versions_url(cocktail), json={"revert_to": 1, "change_note": "x"})
    assert (missing.status_code, missing.json) == (
        428,
        {
            "code": 428,
            "status": "Precondition Required",
            "message": 'Send If-Match with the ETag of the version you changed (the current one is W/"1").',
            "errors": {"headers": {"If-Match": ["Required."]}},
        },
    )
    save(api, cocktail, 1, components=[LIDOCAINE], technique="needle-free")
    stale = save(api, cocktail, 1, revert_to=1)
    assert (stale.status_code, stale.json) == (
        412,
        {
            "code": 412,
            "status": "Precondition Failed",
            "message": "The cocktail is now at version 2: someone saved a version since the one you started from. "
            "Read version 2 and make your change on it.",
            "errors": {"headers": {"If-Match": ["The current version is 2."]}},
        },
    )
    nonsense = api.post(versions_url(cocktail), json={"revert_to": 1, "change_note": "x"}, headers={"If-Match": "v2"})
    assert nonsense.json["message"] == 'If-Match names no version of this cocktail: send W/"2", the current version.'
    assert nonsense.json["errors"] == {"headers": {"If-Match": ["The current version is 2."]}}


def test_a_new_version_copies_what_it_does_not_send_from_its_base(api, cocktail):
    response = save(api, cocktail, 1, notes="Warm the vial first.", change_note="Notes only")
    assert response.status_code == 201, response.json
    version = response.json
    before = cocktail["version"]
    assert version["notes"] == "Warm the vial first."
    for kept in ("components", "technique", "indication", "protocol"):
        assert version[kept] == before[kept], kept
    changed = api.get(f"/api/v1/cocktails/{cocktail['id']}/diff?from=1&to=2").json
    assert [field["field"] for field in changed["fields"]] == ["notes"]
    assert (changed["added"], changed["removed"], changed["changed"]) == ([], [], [])


def test_a_new_version_sending_nothing_to_change_is_refused(api, cocktail):
    response = save(api, cocktail, 1)
    assert response.status_code == 422
    assert "components" in response.json["errors"]["json"]
