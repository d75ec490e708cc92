"""What the check reads of the catalogue is kept in memory between requests, for as long as the
catalogue's version holds; any change to it, committed by any worker, gives it a new version."""

from catalog.allergens import service as allergens_service
from catalog.allergens.models import Allergen
from catalog.allergens.schemas import AllergenCreateSchema
from catalog.checks import facts
from catalog.ingredients.models import Ingredient
from catalog.vocabularies import versions


def test_the_graph_and_ingredient_facts_are_built_once_per_version(db_session):
    graph = allergens_service.load_graph(db_session)
    assert allergens_service.load_graph(db_session) is graph
    first = facts.ingredient_facts(db_session, slugs=["lidocaine-hydrochloride"])["lidocaine-hydrochloride"]
    assert facts.ingredient_facts(db_session, slugs=["lidocaine-hydrochloride"])["lidocaine-hydrochloride"] is first


def test_a_change_to_the_catalogue_gives_a_new_version_and_fresh_reads(db_session):
    graph = allergens_service.load_graph(db_session)
    token = versions.current_token(db_session)
    db_session.get(Allergen, "lidocaine").name = "Lidocaine (renamed)"
    db_session.flush()
    assert versions.current_token(db_session) != token
    # Within the changing transaction nothing is kept: it reads what it just wrote.
    assert allergens_service.load_graph(db_session) is not graph
    db_session.commit()
    renamed = allergens_service.load_graph(db_session)
    assert renamed.nodes["lidocaine"].name == "Lidocaine (renamed)"
    assert allergens_service.load_graph(db_session) is renamed


def test_an_association_row_written_past_the_orm_gives_a_new_version(db_session):
    token = versions.current_token(db_session)
    entry = AllergenCreateSchema().load(
        {"code": "benzocaine", "name": "Benzocaine", "parent": "ester-local-anaesthetics", "also_in": ["paba"]}
    )
    db_session.expire_all()
    allergens_service.upsert_allergens(db_session, entries=[entry], whole_list=False)
    assert versions.current_token(db_session) != token


def test_a_review_or_an_ingredient_edit_changes_the_version_but_a_patient_does_not(db_session, api):
    token = versions.current_token(db_session)
    api.post("/api/v1/patients", json={"reference": "V-1", "display_name": "Version Patient"})
    assert versions.current_token(db_session) == token
    db_session.query(Ingredient).filter_by(slug="ascorbic-acid").one().description = "Changed."
    db_session.flush()
    assert versions.current_token(db_session) != token


def test_product_facts_are_kept_per_version_and_follow_a_change_of_strength(db_session):
    from sqlalchemy import select

    from catalog.products.models import Product

    product = db_session.scalars(select(Product).order_by(Product.slug).limit(1)).one()
    slug = product.slug
    first = facts.product_facts(db_session, slugs=[slug])[slug]
    assert facts.product_facts(db_session, slugs=[slug])[slug] is first
    part = product.components[0]
    part.strength = part.strength * 2
    db_session.commit()
    changed = facts.product_facts(db_session, slugs=[slug])[slug]
    assert changed is not first and changed.parts[0][1] == first.parts[0][1] * 2


def test_a_transaction_reads_the_version_once_for_everything_it_keeps(db_session):
    from sqlalchemy import event

    db_session.commit()  # a fresh transaction, as a request's
    reads = []

    def count(_conn, _cursor, statement, *_args):
        if "catalogue_versions" in statement:
            reads.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        allergens_service.load_graph(db_session)
        allergens_service.load_hierarchy(db_session)
        facts.ingredient_facts(db_session, slugs=["lidocaine-hydrochloride"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 1
