"""Cocktails and their versions: compose, version without lost updates, diff, revert, clone.

A new version claims the next number with one conditional UPDATE of the cocktail's
`current_version`; the database lets exactly one of several concurrent savers succeed.
"""

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.cocktails.models import Cocktail, CocktailComponent, CocktailStatus, CocktailVersion, Technique
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, DomainError, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.text import LIKE_ESCAPE, fold, like_fragment
from catalog.ingredients.models import Ingredient
from catalog.safety import units_fit

NAME_TAKEN = "Another cocktail of this clinic has this name."
VERSION_FIELDS = ("technique", "indication", "sessions", "weeks_between_sessions", "notes")


class StaleVersion(DomainError):
    """The version a change was based on is no longer the current one (HTTP 412)."""

    status = 412

    def __init__(self, current: int, *, unreadable: bool = False):
        if unreadable:
            message = f'If-Match names no version of this cocktail: send W/"{current}", the current version.'
        else:
            message = (
                f"The cocktail is now at version {current}: someone saved a version since the one you started "
                f"from. Read version {current} and make your change on it."
            )
        super().__init__(message, errors={"headers": {"If-Match": [f"The current version is {current}."]}})
        self.current = current


class BaseVersionRequired(DomainError):
    """A new version must say which version it was made from (HTTP 428)."""

    status = 428

    def __init__(self, current: int):
        super().__init__(
            f'Send If-Match with the ETag of the version you changed (the current one is W/"{current}").',
            errors={"headers": {"If-Match": ["Required."]}},
        )
        self.current = current


# --- Reading -------------------------------------------------------------------------


def search_cocktails(
    session: Session,
    *,
    clinic_id: int,
    q: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    conditions = [Cocktail.clinic_id == clinic_id]
    if status:
        conditions.append(Cocktail.status == CocktailStatus(status))
    if q and q.strip():
        escaped = like_fragment(q.strip())
        conditions.append(
            or_(
                Cocktail.name_key.like(f"%{escaped}%", escape=LIKE_ESCAPE),
                Cocktail.slug.like(f"%{escaped}%", escape=LIKE_ESCAPE),
            )
        )
    statement = select(Cocktail).where(*conditions).order_by(Cocktail.status, Cocktail.name_key, Cocktail.id)
    return paginate(session, statement, page=page, page_size=page_size)


def names(session: Session, *, clinic_id: int, ids: set[int]) -> dict[int, str]:
    """These cocktails' names by id, for lists that mention them."""
    rows = select(Cocktail.id, Cocktail.name).where(Cocktail.clinic_id == clinic_id, Cocktail.id.in_(ids))
    return dict(session.execute(rows).all())


def get_cocktail(session: Session, *, clinic_id: int, cocktail_id: int) -> Cocktail:
    """The cocktail, if it belongs to this clinic; another clinic's does not exist here."""
    cocktail = session.get(Cocktail, cocktail_id)
    if cocktail is None or cocktail.clinic_id != clinic_id:
        raise NotFound("No cocktail with this id in your clinic.")
    return cocktail


def get_version(session: Session, *, cocktail: Cocktail, number: int) -> CocktailVersion:
    version = session.scalar(
        select(CocktailVersion).where(CocktailVersion.cocktail_id == cocktail.id, CocktailVersion.number == number)
    )
    if version is None:
        raise NotFound(f"This cocktail has no version {number}; its current version is {cocktail.current_version}.")
    return version


def with_current_version(session: Session, cocktail: Cocktail) -> Cocktail:
    """Attach the current version as `cocktail.current`, for CocktailDetailSchema."""
    cocktail.current = get_version(session, cocktail=cocktail, number=cocktail.current_version)
    return cocktail


def list_versions(session: Session, *, cocktail: Cocktail) -> list[CocktailVersion]:
    """Newest first."""
    return list(
        session.scalars(
            select(CocktailVersion)
            .where(CocktailVersion.cocktail_id == cocktail.id)
            .order_by(CocktailVersion.number.desc())
        )
    )


# --- Validating a composition ---------------------------------------------------------


def resolve_components(
    session: Session, components: list[dict], *, check_units: bool = True
) -> list[tuple[Ingredient, dict]]:
    """Each component with its catalogue ingredient; unknown ingredients and ill-fitting units are 422s.

    Errors name the component by its index, as marshmallow does: {"components": {"2": {"unit": [...]}}}.
    A saved version is read with `check_units=False`: the catalogue may have changed since, and the
    check reports a unit that no longer fits instead of refusing the version.
    """
    slugs = [component["ingredient"] for component in components]
    found = {i.slug: i for i in session.scalars(select(Ingredient).where(Ingredient.slug.in_(slugs)))}
    errors: dict[int, dict[str, list[str]]] = {}
    resolved = []
    for index, component in enumerate(components):
        ingredient = found.get(component["ingredient"])
        if ingredient is None:
            errors[index] = {"ingredient": [f"No ingredient has the slug {component['ingredient']!r}."]}
            continue
        if check_units and not units_fit(component["unit"], ingredient.concentration_unit):
            errors[index] = {
                "unit": [
                    f"{ingredient.name} is measured in {ingredient.concentration_unit}; "
                    f"{component['unit']} cannot be compared with it."
                ]
            }
            continue
        resolved.append((ingredient, component))
    if errors:
        raise Invalid("Some components cannot be used.", errors={"components": errors})
    return resolved


def _version_values(data: dict) -> dict:
    protocol = data.get("protocol") or {}
    return {
        "technique": Technique(data["technique"]),
        "indication": data.get("indication", ""),
        "sessions": protocol.get("sessions"),
        "weeks_between_sessions": protocol.get("weeks_between_sessions"),
        "notes": data.get("notes", ""),
    }


def _new_version(
    session: Session,
    *,
    cocktail_id: int,
    number: int,
    data: dict,
    resolved: list[tuple[Ingredient, dict]],
    actor: Actor,
    change_note: str,
    **extra,
) -> CocktailVersion:
    version = CocktailVersion(
        cocktail_id=cocktail_id,
        number=number,
        change_note=change_note,
        **actor_columns("author", actor),
        created_at=utcnow(),
        components=[
            CocktailComponent(
                position=position,
                ingredient=ingredient,
                concentration=component["concentration"],
                unit=component["unit"],
                volume_ml=component.get("volume_ml"),
            )
            for position, (ingredient, component) in enumerate(resolved)
        ],
        **_version_values(data),
        **extra,
    )
    session.add(version)
    return version


def composition_of(version: CocktailVersion) -> dict:
    """A saved version as CompositionSchema input: what revert, clone and re-basing copy."""
    return {
        "components": [
            {
                "ingredient": c.ingredient.slug,
                "concentration": c.concentration,
                "unit": c.unit,
                "volume_ml": c.volume_ml,
            }
            for c in version.components
        ],
        "technique": version.technique.value,
        "indication": version.indication,
        "protocol": version.protocol,
        "notes": version.notes,
    }


# --- Writing ----------------------------------------------------------------------------


def _check_name_free(session: Session, *, clinic_id: int, name: str, cocktail_id: int | None = None) -> None:
    clash = session.scalar(select(Cocktail.id).where(Cocktail.clinic_id == clinic_id, Cocktail.name_key == fold(name)))
    if clash is not None and clash != cocktail_id:
        raise Invalid(NAME_TAKEN, errors={"name": [NAME_TAKEN]})


def _free_slug(session: Session, *, clinic_id: int, name: str) -> str:
    base = "-".join(fold(name).replace("_", " ").split())
    base = "".join(c if c.isalnum() or c == "-" else "-" for c in base).strip("-")[:120] or "cocktail"
    base = "-".join(part for part in base.split("-") if part)
    taken = set(
        session.scalars(select(Cocktail.slug).where(Cocktail.clinic_id == clinic_id, Cocktail.slug.like(f"{base}%")))
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def create_cocktail(
    session: Session, *, actor: Actor, data: dict, cloned_from: Cocktail | None = None, change_note: str | None = None
) -> Cocktail:
    """A new cocktail and its version 1; everything is validated before anything is written."""
    _check_name_free(session, clinic_id=actor.clinic_id, name=data["name"])
    resolved = resolve_components(session, data["components"])
    now = utcnow()
    cocktail = Cocktail(
        clinic_id=actor.clinic_id,
        name=data["name"],
        name_key=fold(data["name"]),
        slug=_free_slug(session, clinic_id=actor.clinic_id, name=data["name"]),
        description=data.get("description", ""),
        status=CocktailStatus.ACTIVE,
        current_version=1,
        cloned_from_id=cloned_from.id if cloned_from else None,
        created_at=now,
        updated_at=now,
        **actor_columns("created_by", actor),
    )
    session.add(cocktail)
    flush_unique(session, field="name", message=NAME_TAKEN)
    _new_version(
        session,
        cocktail_id=cocktail.id,
        number=1,
        data=data,
        resolved=resolved,
        actor=actor,
        change_note=change_note or data.get("change_note") or "First version.",
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="cocktail.cloned" if cloned_from else "cocktail.created",
        object_type="cocktail",
        object_id=cocktail.id,
        changes=[
            {"field": "version", "from": None, "to": 1},
            {"field": "components", "from": None, "to": [c["ingredient"] for c in data["components"]]},
            *([{"field": "cloned_from", "from": None, "to": cloned_from.id}] if cloned_from else []),
        ],
    )
    return cocktail


def update_cocktail(session: Session, *, actor: Actor, cocktail_id: int, changes: dict) -> Cocktail:
    """Rename, describe, archive or restore; the composition changes only through new versions."""
    cocktail = get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    before = {"name": cocktail.name, "description": cocktail.description, "status": cocktail.status.value}
    if "name" in changes:
        _check_name_free(session, clinic_id=actor.clinic_id, name=changes["name"], cocktail_id=cocktail.id)
        cocktail.name = changes["name"]
        cocktail.name_key = fold(changes["name"])
    if "description" in changes:
        cocktail.description = changes["description"]
    if "status" in changes:
        cocktail.status = CocktailStatus(changes["status"])
    after = {"name": cocktail.name, "description": cocktail.description, "status": cocktail.status.value}
    if diff := audit.change_list(before, after, coded={"status"}):
        cocktail.updated_at = utcnow()
        flush_unique(session, field="name", message=NAME_TAKEN)
        audit.record(
            session, actor=actor, action="cocktail.updated", object_type="cocktail", object_id=cocktail.id, changes=diff
        )
    return cocktail


def save_version(
    session: Session, *, actor: Actor, cocktail_id: int, based_on: int | None, data: dict
) -> CocktailVersion:
    """Save a new version made from version `based_on`, which must still be the current one.

    `data` is a VersionCreateSchema load: a composition, or `revert_to` an earlier number.
    Everything is validated before the version number is claimed, so a refusal writes nothing.
    """
    cocktail = get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    if based_on is None:
        raise BaseVersionRequired(cocktail.current_version)
    if based_on != cocktail.current_version:
        raise StaleVersion(cocktail.current_version, unreadable=based_on < 1)
    if cocktail.status == CocktailStatus.ARCHIVED:
        raise Conflict("This cocktail is archived: restore it before changing it.", errors={"status": ["archived"]})
    current = get_version(session, cocktail=cocktail, number=based_on)
    reverted_from = data.get("revert_to")
    if reverted_from:
        try:
            composition = composition_of(get_version(session, cocktail=cocktail, number=reverted_from))
        except NotFound as error:
            raise Invalid(error.message, errors={"revert_to": [error.message]}) from error
    else:
        composition = data
    resolved = resolve_components(session, composition["components"])
    if _same_composition(composition_of(current), composition):
        message = f"Nothing would change: this is what version {based_on} already holds."
        raise Invalid(message, errors={"revert_to" if reverted_from else "components": [message]})
    number = based_on + 1
    # The claim: only one request can move current_version on from `based_on`.
    claimed = session.execute(
        update(Cocktail)
        .where(Cocktail.id == cocktail.id, Cocktail.current_version == based_on)
        .values(current_version=number, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise StaleVersion(session.scalar(select(Cocktail.current_version).where(Cocktail.id == cocktail.id)))
    session.expire(cocktail, ["current_version", "updated_at"])
    version = _new_version(
        session,
        cocktail_id=cocktail.id,
        number=number,
        data=composition,
        resolved=resolved,
        actor=actor,
        change_note=data["change_note"],
        based_on=based_on,
        reverted_from=reverted_from,
    )
    session.flush()
    summary = diff(current, version)
    audit.record(
        session,
        actor=actor,
        action="cocktail.version_reverted" if reverted_from else "cocktail.version_saved",
        object_type="cocktail",
        object_id=cocktail.id,
        changes=[
            {"field": "version", "from": based_on, "to": number},
            *([{"field": "reverted_from", "from": None, "to": reverted_from}] if reverted_from else []),
            *({"field": f"component:{c['ingredient']['slug']}", "from": None, "to": "added"} for c in summary["added"]),
            *(
                {"field": f"component:{c['ingredient']['slug']}", "from": "present", "to": None}
                for c in summary["removed"]
            ),
            *({"field": f"component:{c['ingredient']['slug']}"} for c in summary["changed"]),
        ],
    )
    return version


def _comparable(composition: dict) -> dict:
    protocol = composition.get("protocol") or {}
    return {
        "components": [
            (c["ingredient"], float(c["concentration"]), c["unit"], c.get("volume_ml"))
            for c in composition["components"]
        ],
        "technique": str(composition["technique"]),
        "indication": composition.get("indication", ""),
        "sessions": protocol.get("sessions"),
        "weeks_between_sessions": protocol.get("weeks_between_sessions"),
        "notes": composition.get("notes", ""),
    }


def _same_composition(saved: dict, submitted: dict) -> bool:
    return _comparable(saved) == _comparable(submitted)


def rebase(*, base: dict, theirs: dict, mine: dict) -> tuple[dict, list[str]]:
    """Mine re-based on theirs: what only they changed is taken, what only I changed is kept.

    All three are CompositionSchema-shaped. Where both changed the same component or field
    differently, mine is kept and the conflict named, for the practitioner to decide.
    """

    def by_slug(composition):
        return {c["ingredient"]: c for c in composition["components"]}

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


def clone_cocktail(session: Session, *, actor: Actor, cocktail_id: int, name: str) -> Cocktail:
    source = get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    current = get_version(session, cocktail=source, number=source.current_version)
    data = {**composition_of(current), "name": name, "description": source.description}
    # A clone is a new composition: its components must fit the catalogue as it is now.
    return create_cocktail(
        session,
        actor=actor,
        data=data,
        cloned_from=source,
        change_note=f"Cloned from {source.name}, version {current.number}.",
    )


# --- Comparing ------------------------------------------------------------------------------


def _component_view(component: CocktailComponent) -> dict:
    return {
        "ingredient": {"slug": component.ingredient.slug, "name": component.ingredient.name},
        "concentration": component.concentration,
        "unit": component.unit,
        "volume_ml": component.volume_ml,
    }


def diff(old: CocktailVersion, new: CocktailVersion) -> dict:
    """Components added, removed and changed, and the version's other fields that changed."""
    before = {c.ingredient.slug: c for c in old.components}
    after = {c.ingredient.slug: c for c in new.components}
    changed = []
    for slug, component in after.items():
        if slug not in before:
            continue
        old_view, new_view = _component_view(before[slug]), _component_view(component)
        changes = [
            {"field": field, "from": old_view[field], "to": new_view[field]}
            for field in ("concentration", "unit", "volume_ml")
            if old_view[field] != new_view[field]
        ]
        if changes:
            changed.append({"ingredient": new_view["ingredient"], "unit": new_view["unit"], "changes": changes})
    fields = []
    for field in VERSION_FIELDS:
        old_value, new_value = getattr(old, field), getattr(new, field)
        if old_value != new_value:
            fields.append({"field": field, "from": _plain(old_value), "to": _plain(new_value)})
    return {
        "from_": old.number,
        "to": new.number,
        "added": [_component_view(c) for slug, c in after.items() if slug not in before],
        "removed": [_component_view(c) for slug, c in before.items() if slug not in after],
        "changed": changed,
        "fields_changed": fields,
    }


def _plain(value):
    return value.value if isinstance(value, Technique) else value


def diff_versions(session: Session, *, clinic_id: int, cocktail_id: int, from_: int, to: int) -> dict:
    cocktail = get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id)
    return diff(
        get_version(session, cocktail=cocktail, number=from_), get_version(session, cocktail=cocktail, number=to)
    )
