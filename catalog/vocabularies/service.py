"""Reading the coded lists, and the one upsert every coded list (allergens too) is loaded with."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.core.errors import Invalid
from catalog.vocabularies.models import Category, Condition, Purpose, Source


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.name)))


def list_purposes(session: Session) -> list[Purpose]:
    return list(session.scalars(select(Purpose).order_by(Purpose.position, Purpose.name)))


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.title)))


def list_conditions(session: Session) -> list[Condition]:
    return list(session.scalars(select(Condition).order_by(Condition.position)))


def upsert_conditions(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Create or update conditions (validated by ConditionSchema); a caution must cite a known source."""
    known = set(session.scalars(select(Source.code)))
    for entry in entries:
        for field in ("caution_source", "contraindication_source"):
            if entry.get(field) and entry[field] not in known:
                raise Invalid(
                    f"Condition {entry['code']!r} cites an unknown source.",
                    errors={field: [f"Unknown source code {entry[field]!r}."]},
                )
    return upsert_by_code(session, model=Condition, entries=entries)


def upsert_by_code(
    session: Session, *, model: type, entries: list[dict], whole_list: bool = True, statuses: dict | None = None
) -> dict[str, int]:
    """Create or update rows keyed by `code`.

    With `whole_list` (a seed file), the entries' order becomes the list order; otherwise
    (one curator's edit) existing rows keep their place and new ones go last.
    A row whose values are unchanged is not touched, so loading the same data twice changes nothing.
    `statuses`, when given, is filled with each code's outcome ("created", "updated", "unchanged").
    """
    existing = {row.code: row for row in session.scalars(select(model))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    next_position = (
        max((row.position for row in existing.values()), default=-1) + 1 if hasattr(model, "position") else 0
    )
    for index, entry in enumerate(entries):
        values = {key: value for key, value in entry.items() if key != "code"}
        if hasattr(model, "position"):
            if whole_list:
                values["position"] = index
            elif entry["code"] not in existing:
                values["position"] = next_position
                next_position += 1
        row = existing.get(entry["code"])
        if row is None:
            session.add(model(code=entry["code"], **values))
            status = "created"
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            status = "updated"
        else:
            status = "unchanged"
        counts[status] += 1
        if statuses is not None:
            statuses[entry["code"]] = status
    session.flush()
    return counts
