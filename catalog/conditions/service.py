"""Reading the coded list of patient conditions."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.conditions.models import Condition
from catalog.errors import Invalid
from catalog.ingredients.models import Source
from catalog.vocabulary import upsert_by_code


def list_conditions(session: Session) -> list[Condition]:
    return list(session.scalars(select(Condition).order_by(Condition.position)))


def upsert_conditions(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Create or update conditions (validated by ConditionSchema); a caution must cite a known source."""
    known = set(session.scalars(select(Source.code)))
    for entry in entries:
        if entry.get("caution_source") and entry["caution_source"] not in known:
            raise Invalid(
                f"Condition {entry['code']!r} cites an unknown source.",
                errors={"caution_source": [f"Unknown source code {entry['caution_source']!r}."]},
            )
    return upsert_by_code(session, model=Condition, entries=entries)
