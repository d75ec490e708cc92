"""Reading and writing allergens; the hierarchy is always read whole."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.allergens.models import Allergen
from catalog.errors import Invalid, NotFound


def load_hierarchy(session: Session) -> AllergenHierarchy:
    rows = session.execute(
        select(Allergen.code, Allergen.name, Allergen.description, Allergen.parent_code, Allergen.position)
    )
    return AllergenHierarchy(AllergenNode(*row) for row in rows)


def get_node(hierarchy: AllergenHierarchy, *, code: str) -> AllergenNode:
    node = hierarchy.get(code)
    if node is None:
        raise NotFound(f"No allergen has the code {code!r}.")
    return node


def unknown_codes(session: Session, *, codes: list[str]) -> list[str]:
    """The codes in `codes` that name no allergen, in the order given."""
    if not codes:
        return []
    known = set(session.scalars(select(Allergen.code).where(Allergen.code.in_(codes))))
    return [code for code in codes if code not in known]


def upsert_allergens(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Create or update allergens (validated by AllergenCreateSchema); parents may come later in the list."""
    existing = {a.code: a for a in session.scalars(select(Allergen))}
    codes_in_batch = {entry["code"] for entry in entries}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for position, entry in enumerate(entries):
        parent = entry.get("parent")
        if parent is not None and parent not in existing and parent not in codes_in_batch:
            raise Invalid(
                f"Unknown parent allergen {parent!r}.", errors={"parent": [f"Unknown allergen code {parent!r}."]}
            )
        values = {
            "name": entry["name"],
            "description": entry.get("description", ""),
            "parent_code": parent,
            "position": position,
        }
        allergen = existing.get(entry["code"])
        if allergen is None:
            allergen = Allergen(code=entry["code"], **values)
            session.add(allergen)
            existing[allergen.code] = allergen
            counts["created"] += 1
        elif any(getattr(allergen, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(allergen, key, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for code in codes_in_batch:
        seen: set[str] = set()
        current: str | None = code
        while current is not None:
            if current in seen:
                raise Invalid(
                    f"Allergen {code!r} would sit below itself.", errors={"parent": ["The hierarchy may not loop."]}
                )
            seen.add(current)
            current = existing[current].parent_code
    session.flush()
    return counts
