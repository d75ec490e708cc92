"""Cocktails: find and read them, compose one with its version 1, rename, archive, clone, compare versions.

New versions are saved by `catalog.cocktails.versions`.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.cocktails.compositions import composition_of, new_version, resolve_components
from catalog.cocktails.diffing import diff
from catalog.cocktails.models import Cocktail, CocktailComponent, CocktailStatus, CocktailVersion
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.text import LIKE_ESCAPE, fold, like_fragment
from catalog.core.words import N_, phrase
from catalog.ingredients.models import Ingredient

NAME_TAKEN = N_("Another cocktail of this clinic has this name.")
# The fields a change can race on, as a sentence names them.
FIELD_NAMES = {"name": N_("name"), "description": N_("description")}


class ChangedMeanwhile(Conflict):
    """Someone else changed a cocktail's field since the form that changes it was shown (HTTP 409)."""

    def __init__(self, field: str, now: str):
        message = phrase(
            "Someone else changed the %(field)s meanwhile (it is now “%(now)s”). Look, then try again.",
            field=phrase(FIELD_NAMES.get(field, field)),
            now=now,
        )
        super().__init__(message, errors={field: [message]})


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


def plain_ingredients_used(session: Session, *, clinic_id: int) -> list[tuple[str, str]]:
    """Every ingredient the clinic's cocktails (any version) use on its own, not from a product: (slug, name)."""
    statement = (
        select(Ingredient.slug, Ingredient.name)
        .join(CocktailComponent, CocktailComponent.ingredient_id == Ingredient.id)
        .join(CocktailVersion, CocktailVersion.id == CocktailComponent.version_id)
        .join(Cocktail, Cocktail.id == CocktailVersion.cocktail_id)
        .where(Cocktail.clinic_id == clinic_id)
        .distinct()
        .order_by(Ingredient.name, Ingredient.slug)
    )
    return [(slug, name) for slug, name in session.execute(statement)]


def names(session: Session, *, clinic_id: int, ids: set[int]) -> dict[int, str]:
    """These cocktails' names by id, for lists that mention them."""
    rows = select(Cocktail.id, Cocktail.name).where(Cocktail.clinic_id == clinic_id, Cocktail.id.in_(ids))
    return dict(session.execute(rows).all())


def get_cocktail(session: Session, *, clinic_id: int, cocktail_id: int) -> Cocktail:
    """The cocktail, if it belongs to this clinic; another clinic's does not exist here."""
    cocktail = session.get(Cocktail, cocktail_id)
    if cocktail is None or cocktail.clinic_id != clinic_id:
        raise NotFound(N_("No cocktail with this id in your clinic."))
    return cocktail


def get_version(session: Session, *, cocktail: Cocktail, number: int) -> CocktailVersion:
    version = session.scalar(
        select(CocktailVersion).where(CocktailVersion.cocktail_id == cocktail.id, CocktailVersion.number == number)
    )
    if version is None:
        raise NotFound(
            phrase(
                "This cocktail has no version %(number)s; its current version is %(current)s.",
                number=number,
                current=cocktail.current_version,
            )
        )
    return version


@dataclass(frozen=True)
class CocktailView:
    """A cocktail with its current version: what CocktailDetailSchema dumps and the cocktail's page shows."""

    cocktail: Cocktail
    current: CocktailVersion


def cocktail_view(session: Session, cocktail: Cocktail) -> CocktailView:
    return CocktailView(cocktail, get_version(session, cocktail=cocktail, number=cocktail.current_version))


def get_cocktail_view(session: Session, *, clinic_id: int, cocktail_id: int) -> CocktailView:
    """The clinic's cocktail with its current version."""
    return cocktail_view(session, get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id))


def list_versions(session: Session, *, cocktail: Cocktail) -> list[CocktailVersion]:
    """Newest first."""
    return list(
        session.scalars(
            select(CocktailVersion)
            .where(CocktailVersion.cocktail_id == cocktail.id)
            .order_by(CocktailVersion.number.desc())
        )
    )


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
    new_version(
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


def update_cocktail(
    session: Session, *, actor: Actor, cocktail_id: int, changes: dict, seen: dict | None = None
) -> Cocktail:
    """Rename, describe, archive or restore; the composition changes only through new versions.

    `seen` holds the values a form showed for the fields it changes: one someone else changed since is refused.
    """
    cocktail = get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    before = {"name": cocktail.name, "description": cocktail.description, "status": cocktail.status.value}
    for field, shown in (seen or {}).items():
        if before[field] != shown:
            raise ChangedMeanwhile(field, before[field])
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


def diff_versions(session: Session, *, clinic_id: int, cocktail_id: int, from_: int, to: int) -> dict:
    cocktail = get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id)
    return diff(
        get_version(session, cocktail=cocktail, number=from_), get_version(session, cocktail=cocktail, number=to)
    )
