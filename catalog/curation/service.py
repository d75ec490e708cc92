"""What waits for review across the catalogue: ingredients, products and allergens, one list."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from catalog.allergens.models import Allergen
from catalog.core.paging import Page
from catalog.core.review import ReviewState
from catalog.ingredients.models import Ingredient
from catalog.products.models import Product

KINDS = {
    "ingredient": (Ingredient, Ingredient.slug),
    "product": (Product, Product.slug),
    "allergen": (Allergen, Allergen.code),
}
# Changed entries first: they were trusted once and may no longer deserve it.
STATE_ORDER = (ReviewState.CHANGED, ReviewState.UNREVIEWED, ReviewState.REVIEWED)


@dataclass(frozen=True)
class ReviewItem:
    kind: str
    key: str
    name: str
    state: str
    updated_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str | None


def _entries():
    """Every catalogue entry as one row shape: kind, key, name, review state, dates, reviewer."""
    selects = [
        select(
            literal(kind).label("kind"),
            key.label("key"),
            model.name.label("name"),
            model.review_state_sql().label("state"),
            model.updated_at.label("updated_at"),
            model.reviewed_at.label("reviewed_at"),
            model.reviewed_by_label.label("reviewed_by"),
        )
        for kind, (model, key) in KINDS.items()
    ]
    return union_all(*selects).subquery("entries")


def entries_for_review(
    session: Session,
    *,
    states: list[str] | None = None,
    kinds: list[str] | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Entries in these review states (by default: all but reviewed), changed ones first, then by kind and name."""
    entries = _entries()
    wanted = states or [ReviewState.CHANGED.value, ReviewState.UNREVIEWED.value]
    statement = select(entries).where(entries.c.state.in_(wanted))
    if kinds:
        statement = statement.where(entries.c.kind.in_(kinds))
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    rank = case(*((entries.c.state == state.value, position) for position, state in enumerate(STATE_ORDER)))
    # Ingredients first: the check reads them directly; then products, then the allergen graph.
    kind_rank = case(*((entries.c.kind == kind, position) for position, kind in enumerate(KINDS)))
    statement = statement.order_by(
        rank,
        kind_rank,
        func.lower(entries.c.name),
        entries.c.key,
    )
    rows = session.execute(statement.limit(page_size).offset((page - 1) * page_size)).all()
    items = [ReviewItem(**row._mapping) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def review_counts(session: Session) -> dict[str, dict[str, int]]:
    """How many entries of each kind are in each review state (zeros included)."""
    entries = _entries()
    counts = {kind: {state.value: 0 for state in STATE_ORDER} for kind in KINDS}
    for kind, state, count in session.execute(
        select(entries.c.kind, entries.c.state, func.count()).group_by(entries.c.kind, entries.c.state)
    ):
        counts[kind][state] = count
    return counts
