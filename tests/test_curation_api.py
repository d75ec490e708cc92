"""Curators edit the shared catalogue over the API, validated like the seed files and audited."""

import pytest

from tests.factories import ingredient_entry


@pytest.fixture
def curator(client, clinics, clinic, api_as):
    return api_as(client, clinics.token(clinic.clinic, scope="read-write", curator=True))


def test_a_curator_adds_an_ingredient_and_everyone_can_read_it(curator, client):
    entry = ingredient_entry(slug="curated-peptide", name="Curated peptide", allergens=["soy"])
    response = curator.post("/api/v1/ingredients", json=entry)
    assert response.status_code == 201, response.json
    assert response.json["slug"] == "curated-peptide"
    assert response.headers["Location"].endswith("/api/v1/ingredients/curated-peptide")
    public = client.get("/api/v1/ingredients/curated-peptide")
    assert public.status_code == 200
    assert [a["code"] for a in public.json["allergens"]] == ["soy"]
    assert client.get("/api/v1/ingredients?q=curated").json["total"] == 1


def test_a_curator_replaces_a_record_and_the_change_is_audited(curator, client, auditor):
    curator.post("/api/v1/ingredients", json=ingredient_entry(slug="to-edit", name="To edit"))
    changed = ingredient_entry(slug="to-edit", name="Edited name", category="peptide", origin="fermentation")
    etag = client.get("/api/v1/ingredients/to-edit").headers["ETag"]
    response = curator.put("/api/v1/ingredients/to-edit", json={k: v for k, v in changed.items() if k != "slug"})
    assert response.status_code == 200, response.json
    assert response.json["name"] == "Edited name"
    assert client.get("/api/v1/ingredients/to-edit", headers={"If-None-Match": etag}).status_code == 200
    trail = auditor.get("/api/v1/audit", query_string={"object_type": "ingredient", "object_id": "to-edit"}).json
    update = trail["items"][0]
    assert update["action"] == "ingredient.updated"
    fields = {c["field"]: c for c in update["changes"]}
    assert fields["category"] == {"field": "category", "from": "vitamin", "to": "peptide"}
    assert fields["name"] == {"field": "name"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"cas_number": "50-81-8"}, "cas_number"),
        ({"purposes": []}, "purposes"),
        ({"allergens": ["not-an-allergen"]}, "allergens"),
        ({"references": []}, "references"),
    ],
)
def test_a_bad_record_is_422_naming_the_field_and_nothing_is_written(curator, client, overrides, field):
    response = curator.post("/api/v1/ingredients", json=ingredient_entry(slug="rejected", **overrides))
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert client.get("/api/v1/ingredients/rejected").status_code == 404


def test_creating_an_existing_slug_is_409_and_renaming_is_refused(curator):
    assert curator.post("/api/v1/ingredients", json=ingredient_entry(slug="ascorbic-acid")).status_code == 409
    response = curator.put("/api/v1/ingredients/ascorbic-acid", json=ingredient_entry(slug="another-slug"))
    assert response.status_code == 422
    assert "slug" in response.json["errors"]["json"]
    assert (
        curator.put("/api/v1/ingredients/no-such-thing", json=ingredient_entry(slug="no-such-thing")).status_code == 404
    )


def test_only_curators_write_the_catalogue(api, client, clinic, api_as):
    assert api.post("/api/v1/ingredients", json=ingredient_entry()).status_code == 403
    assert api_as(client, None).post("/api/v1/ingredients", json=ingredient_entry()).status_code == 401
    assert api.post("/api/v1/allergens", json={"code": "new-thing", "name": "New thing"}).status_code == 403


def test_a_read_scoped_curator_token_cannot_write(client, clinics, clinic, api_as):
    reader = api_as(client, clinics.token(clinic.clinic, scope="read", curator=True))
    assert reader.post("/api/v1/ingredients", json=ingredient_entry()).status_code == 403


def test_a_curator_adds_an_allergen_under_a_group_and_free_of_follows(curator, client):
    response = curator.post(
        "/api/v1/allergens", json={"code": "articaine", "name": "Articaine", "parent": "amide-local-anaesthetics"}
    )
    assert response.status_code == 201, response.json
    assert [g["code"] for g in response.json["parents"]] == ["amide-local-anaesthetics"]
    curator.post("/api/v1/ingredients", json=ingredient_entry(slug="articaine-hcl", allergens=["articaine"]))
    slugs = [
        i["slug"]
        for i in client.get("/api/v1/ingredients?free_of=amide-local-anaesthetics&page_size=100").json["items"]
    ]
    assert "articaine-hcl" not in slugs


def test_renaming_an_allergen_refreshes_the_ingredient_records_that_show_it(curator, client):
    response = curator.put("/api/v1/allergens/soy", json={"name": "Soya (Glycine max)", "parent": None})
    assert response.status_code == 200, response.json
    tocopherol = client.get("/api/v1/ingredients/tocopherol-natural").json
    assert "Soya (Glycine max)" in [a["name"] for a in tocopherol["allergens"]]
    order = [node["code"] for node in client.get("/api/v1/allergens").json]
    assert order.index("soy") > order.index("amide-local-anaesthetics"), "an edit keeps the allergen's place"


def test_an_allergen_cannot_loop_under_its_own_member(curator):
    response = curator.put(
        "/api/v1/allergens/amide-local-anaesthetics", json={"name": "Amide local anaesthetics", "parent": "lidocaine"}
    )
    assert response.status_code == 422
    assert "parent" in response.json["errors"]["json"]


def test_an_incompatibility_without_an_ingredient_is_422(curator):
    response = curator.post("/api/v1/ingredients", json=ingredient_entry(incompatibilities=[{"reason": "x"}]))
    assert response.status_code == 422
    assert "incompatibilities" in response.json["errors"]["json"]


def test_a_deploy_after_a_curators_edit_keeps_the_edit(curator, client, db_session, tmp_path):
    """The Procfile's release re-runs the seed: an entry a curator changed is kept and reported."""
    import shutil

    import yaml

    from catalog.seeding import load_seed
    from tests.conftest import SEED_DIRECTORY

    record = client.get("/api/v1/ingredients/ascorbic-acid").json
    body = {
        "name": record["name"],
        "inci_name": record["inci_name"],
        "synonyms": record["synonyms"],
        "cas_number": record["cas_number"],
        "category": record["category"]["code"],
        "origin": record["origin"],
        "purposes": [p["code"] for p in record["purposes"]],
        "allergens": [a["code"] for a in record["allergens"]],
        "description": "A curator's clearer description.",
        "references": [{"source": r["source"]["code"], "supports": r["supports"]} for r in record["references"]],
    }
    assert curator.put("/api/v1/ingredients/ascorbic-acid", json=body).status_code == 200
    report = load_seed(db_session, SEED_DIRECTORY)
    assert ("ingredients.yaml", "ascorbic-acid") in report.kept
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["description"] == "A curator's clearer description."

    # An entry nobody edited follows its seed file.
    seed = tmp_path / "seed"
    shutil.copytree(SEED_DIRECTORY, seed)
    entries = yaml.safe_load((seed / "ingredients.yaml").read_text())
    other = next(e for e in entries if e["slug"] == "niacinamide")
    other["description"] = "Updated in the seed file."
    (seed / "ingredients.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True))
    report = load_seed(db_session, seed)
    assert report["ingredients.yaml"]["updated"] == 1
    assert client.get("/api/v1/ingredients/niacinamide").json["description"] == "Updated in the seed file."
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["description"] == "A curator's clearer description."

    # --force puts the seed file's entry back.
    load_seed(db_session, SEED_DIRECTORY, force=True)
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["description"] != "A curator's clearer description."
