"""Stored API documents of ingredients: written on every catalogue change, served as they are.

Whatever writes the catalogue (the seed loader, curators) must call
`refresh_documents` in the same transaction; `upsert_ingredients` does it for
the ingredients it changes, and the seed loader refreshes everything when a
coded list changes. A test compares every stored document with a fresh dump.
"""

import hashlib
import json
from functools import cache

from sqlalchemy import bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session

from catalog.allergens.service import allergen_changed
from catalog.core.errors import NotFound
from catalog.ingredients.models import Incompatibility, Ingredient, IngredientDocument
from catalog.ingredients.records import IngredientRecord, load_full_records
from catalog.ingredients.schemas import IngredientSchema, IngredientSummarySchema

BATCH_SIZE = 500
_record_schema = IngredientSchema()
_summary_schema = IngredientSummarySchema()


def to_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render(ingredient: IngredientRecord) -> dict:
    """The stored row for one full record (from `load_full_records`): body, its ETag, and the list summary."""
    body = to_json(_record_schema.dump(ingredient))
    return {
        "ingredient_id": ingredient.id,
        "etag": hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest(),
        "body": body,
        "summary": to_json(_summary_schema.dump(ingredient)),
    }


def refresh_documents(session: Session, *, ingredient_ids: set[int] | None = None) -> int:
    """Rewrite the documents of these ingredients and of their incompatibility partners (all when None).

    The ingredients are detached from the session afterwards: read them again if needed.
    """
    if ingredient_ids is None:
        ids = list(session.scalars(select(Ingredient.id).order_by(Ingredient.id)))
    else:
        ids = sorted(set(ingredient_ids) | _incompatibility_partners(session, ingredient_ids))
    for batch in _batches(ids):
        # Detached once rendered, so memory stays flat over 100,000 ingredients; callers re-read what they need.
        rows = [render(record) for record in load_full_records(session, Ingredient.id.in_(batch), detach=True)]
        session.execute(delete(IngredientDocument).where(IngredientDocument.ingredient_id.in_(batch)))
        if rows:
            session.execute(insert(IngredientDocument), rows)
    return len(ids)


def _incompatibility_partners(session: Session, ingredient_ids: set[int]) -> set[int]:
    partners: set[int] = set()
    for batch in _batches(sorted(ingredient_ids)):
        pairs = session.execute(
            select(Incompatibility.ingredient_id, Incompatibility.other_ingredient_id).where(
                or_(Incompatibility.ingredient_id.in_(batch), Incompatibility.other_ingredient_id.in_(batch))
            )
        )
        partners.update(*pairs)
    return partners


def _batches(ids: list[int]):
    """Slices small enough for any database's limit on bound parameters."""
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def refresh_missing_documents(session: Session) -> int:
    """Write documents for ingredients that have none (after a migration, or bulk loads)."""
    missing = set(
        session.scalars(
            select(Ingredient.id).where(
                ~select(IngredientDocument.ingredient_id)
                .where(IngredientDocument.ingredient_id == Ingredient.id)
                .exists()
            )
        )
    )
    return refresh_documents(session, ingredient_ids=missing) if missing else 0


def refresh_reshaped_documents(session: Session) -> int:
    """Rewrite every document when a sample no longer matches a fresh dump (after the API's shape changed).

    The documents are dumps of IngredientSchema: a release changing the schema must not leave the old
    shape stored, so a deploy's seed run compares one and rewrites them all if it differs.
    """
    sample = session.scalar(select(IngredientDocument).order_by(IngredientDocument.ingredient_id).limit(1))
    if sample is None:
        return 0
    records = load_full_records(session, Ingredient.id == sample.ingredient_id)
    if not records:
        return 0
    fresh = render(records[0])
    if (fresh["body"], fresh["summary"]) == (sample.body, sample.summary):
        return 0
    return refresh_documents(session)


@allergen_changed.connect
def _refresh_after_allergen_change(session: Session) -> None:
    """Every ingredient document shows allergen names and group paths."""
    refresh_documents(session)


@cache
def _document_by_slug():
    """Built once: constructing the statement costs as much as running it on this hot path."""
    return (
        select(IngredientDocument.etag, IngredientDocument.body)
        .join(Ingredient, Ingredient.id == IngredientDocument.ingredient_id)
        .where(Ingredient.slug == bindparam("slug"))
    )


def get_document(session: Session, *, slug: str) -> tuple[str, str]:
    """(ETag, JSON body) of one ingredient."""
    # A Core read on the session's connection: no ORM result processing on the hottest path.
    row = session.connection().execute(_document_by_slug(), {"slug": slug}).first()
    if row is None:
        raise NotFound(f"No ingredient has the slug {slug!r}.")
    return row.etag, row.body


def get_summaries(session: Session, *, ingredient_ids: list[int]) -> list[str]:
    """The stored list summaries (JSON) of these ingredients, in the order given."""
    if not ingredient_ids:
        return []
    rows = dict(session.execute(_SUMMARIES, {"ids": ingredient_ids}).all())
    return [rows[ingredient_id] for ingredient_id in ingredient_ids]


# Built once: building a statement costs more than running this one.
_SUMMARIES = select(IngredientDocument.ingredient_id, IngredientDocument.summary).where(
    IngredientDocument.ingredient_id.in_(bindparam("ids", expanding=True))
)
