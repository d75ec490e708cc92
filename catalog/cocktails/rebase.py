"""Re-basing a change made on an older version onto the current one: take theirs, keep mine, name clashes."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.cocktails.compositions import composition_of
from catalog.cocktails.diffing import diff
from catalog.cocktails.models import Cocktail
from catalog.cocktails.schemas import component_key
from catalog.cocktails.service import get_cocktail, get_version


@dataclass(frozen=True)
class Rebased:
    """A change re-based on the current version: the merged composition, and what the composer says about it."""

    cocktail: Cocktail
    composition: dict
    current: int  # the version the change is now made from
    based_on: int  # the version it was first made from: `diff` runs from there to `current`
    diff: dict
    clashes: list[str]  # components and fields both changed differently: the change's own values are kept


def rebase_on_conflict(
    session: Session, *, clinic_id: int, cocktail_id: int, based_on: int | None, mine: dict
) -> Rebased:
    """`mine` (CompositionSchema-shaped), made from version `based_on`, re-based on the version saved since.

    Reads the cocktail afresh: the save that found it stale wrote nothing, but may have read it before the other save.
    """
    cocktail = get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id)
    session.refresh(cocktail)
    current = cocktail.current_version
    start = based_on if based_on and based_on <= current else current
    base = get_version(session, cocktail=cocktail, number=start)
    theirs = get_version(session, cocktail=cocktail, number=current)
    merged, clashes = rebase(base=composition_of(base), theirs=composition_of(theirs), mine=mine)
    return Rebased(cocktail, merged, current=current, based_on=start, diff=diff(base, theirs), clashes=clashes)


def rebase(*, base: dict, theirs: dict, mine: dict) -> tuple[dict, list[str]]:
    """Mine re-based on theirs: what only they changed is taken, what only I changed is kept.

    All three are CompositionSchema-shaped. Where both changed the same component or field
    differently, mine is kept and the conflict named, for the practitioner to decide.
    """

    def by_slug(composition):
        return {component_key(c): c for c in composition["components"]}

    def same(a, b):
        keys = ("concentration", "unit", "volume_ml")
        return a is b or (a is not None and b is not None and all(_norm(a.get(k)) == _norm(b.get(k)) for k in keys))

    base_rows, their_rows, my_rows = by_slug(base), by_slug(theirs), by_slug(mine)
    conflicts: list[str] = []
    merged: dict[str, dict | None] = {}
    # Order: my rows as I arranged them, then rows only they added.
    for slug in [*my_rows, *(s for s in their_rows if s not in my_rows), *(s for s in base_rows if s not in my_rows)]:
        if slug in merged:
            continue
        old, their, my = base_rows.get(slug), their_rows.get(slug), my_rows.get(slug)
        if same(my, old):
            merged[slug] = their  # only they changed it (or nobody did)
        elif same(their, old) or same(my, their):
            merged[slug] = my  # only I changed it, or we agree
        else:
            merged[slug] = my
            conflicts.append(slug)
    fields = {}
    for field in ("technique", "indication", "protocol", "notes"):
        old, their, my = base.get(field), theirs.get(field), mine.get(field)
        if _norm(my) == _norm(old):
            fields[field] = their
        else:
            fields[field] = my
            if _norm(their) != _norm(old) and _norm(their) != _norm(my):
                conflicts.append(field)
    components = [row for row in merged.values() if row is not None]
    return {**mine, **fields, "components": components}, conflicts


def _norm(value):
    if value == "":
        return None
    if isinstance(value, dict):
        return {key: _norm(item) for key, item in value.items() if item not in (None, "")}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
