"""Reading and writing allergens; the hierarchy is always read whole."""

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.allergens.models import Allergen
from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.vocabularies.service import upsert_by_code

# Sent with the session when a curator changes an existing allergen (its name, description or group).
allergen_changed = Namespace().signal("allergen-changed")
# Values safe and useful in the audit trail; prose fields are listed by name.
CODED_ALLERGEN_FIELDS = {"parent"}


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


def upsert_allergens(session: Session, *, entries: list[dict], whole_list: bool = True) -> dict[str, int]:
    """Create or update allergens (validated by AllergenCreateSchema), groups before their members."""
    known = set(session.scalars(select(Allergen.code))) | {entry["code"] for entry in entries}
    rows = []
    for entry in entries:
        parent = entry.get("parent")
        if parent is not None and parent not in known:
            raise Invalid(
                f"Unknown parent allergen {parent!r}.", errors={"parent": [f"Unknown allergen code {parent!r}."]}
            )
        rows.append(
            {"code": entry["code"], "name": entry["name"], "description": entry["description"], "parent_code": parent}
        )
    counts = upsert_by_code(session, model=Allergen, entries=rows, whole_list=whole_list)
    parents = dict(session.execute(select(Allergen.code, Allergen.parent_code)).all())
    for entry in entries:
        seen: set[str] = set()
        current: str | None = entry["code"]
        while current is not None:
            if current in seen:
                raise Invalid(
                    f"Allergen {entry['code']!r} would sit below itself.",
                    errors={"parent": ["The hierarchy may not loop."]},
                )
            seen.add(current)
            current = parents[current]
    return counts


def save_allergen(session: Session, *, actor: Actor, entry: dict, create: bool) -> Allergen:
    """Create or replace an allergen; ingredient records showing its name or groups are refreshed."""
    allergen = session.get(Allergen, entry["code"])
    if create and allergen is not None:
        raise Conflict("An allergen with this code exists; PUT to its URL to change it.", errors={"code": ["Taken."]})
    if not create and allergen is None:
        raise NotFound(f"No allergen has the code {entry['code']!r}.")
    before = _allergen_view(allergen) if allergen is not None else {}
    counts = upsert_allergens(session, entries=[entry], whole_list=False)
    session.expire_all()
    allergen = session.get(Allergen, entry["code"])
    if counts["updated"]:
        # Whatever shows allergen names or groups (ingredient documents) refreshes in this transaction.
        allergen_changed.send(session)
    changes = audit.change_list(before, _allergen_view(allergen), coded=CODED_ALLERGEN_FIELDS)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="allergen.created" if create else "allergen.updated",
            object_type="allergen",
            object_id=allergen.code,
            changes=changes,
        )
    return allergen


def _allergen_view(allergen: Allergen) -> dict:
    return {"name": allergen.name, "description": allergen.description, "parent": allergen.parent_code}
