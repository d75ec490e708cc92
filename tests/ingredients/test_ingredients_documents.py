"""The stored API documents always equal a fresh dump of the ingredient."""

import json

import pytest
from sqlalchemy import select

from catalog.extensions import db
from catalog.ingredients import documents
from catalog.ingredients.models import Ingredient, IngredientDocument
from catalog.ingredients.records import load_full_records
from catalog.ingredients.schemas import IngredientSchema, IngredientSummarySchema
from catalog.seeding import load_seed
from tests.conftest import SEED_DIRECTORY


def assert_documents_are_fresh(session):
    stored = {
        row.ingredient_id: row
        for row in session.execute(
            select(IngredientDocument.ingredient_id, IngredientDocument.body, IngredientDocument.summary)
        )
    }
    records = load_full_records(session, Ingredient.id.is_not(None))
    assert set(stored) == {i.id for i in records}
    for ingredient in records:
        assert json.loads(stored[ingredient.id].body) == json.loads(json.dumps(IngredientSchema().dump(ingredient)))
        summary = json.loads(json.dumps(IngredientSummarySchema().dump(ingredient)))
        assert json.loads(stored[ingredient.id].summary) == summary


def test_seeded_documents_match_the_records(db_session):
    assert_documents_are_fresh(db_session)


def test_a_new_incompatibility_rewrites_the_partners_document(db_session, make_ingredient, client):
    partner = make_ingredient(name="Partner")
    before = client.get(f"/api/v1/ingredients/{partner.slug}").headers["ETag"]
    make_ingredient(incompatibilities=[{"ingredient": partner.slug, "reason": "Clash."}])
    after = client.get(f"/api/v1/ingredients/{partner.slug}")
    assert after.headers["ETag"] != before
    assert after.json["incompatibilities"][0]["reason"] == "Clash."
    assert_documents_are_fresh(db_session)


def test_renaming_an_allergen_in_the_seed_rewrites_documents(db_session, tmp_path):
    import shutil

    seed = tmp_path / "seed"
    shutil.copytree(SEED_DIRECTORY, seed)
    allergens = seed / "allergens.yaml"
    allergens.write_text(allergens.read_text().replace("name: Lidocaine}", "name: Lidocaine (renamed)}"))
    load_seed(db_session, seed)
    assert_documents_are_fresh(db_session)


def test_a_seed_run_rewrites_documents_stored_in_an_older_shape(db_session):
    # As a release changing the API's shape finds them: every stored document of the old shape.
    db_session.execute(
        IngredientDocument.__table__.update().values(body='{"slug": "old-shape"}', summary='{"slug": "old-shape"}')
    )
    load_seed(db_session, SEED_DIRECTORY)
    assert_documents_are_fresh(db_session)


@pytest.mark.parametrize("slug", ["no-such-slug"])
def test_missing_document_is_not_found(db_session, slug):
    from catalog.core.errors import NotFound

    with pytest.raises(NotFound):
        documents.get_document(db.session, slug=slug)
