"""Saving a new version without lost updates: made from the current version, claimed by one conditional UPDATE.

A new version claims the next number with one conditional UPDATE of the cocktail's
`current_version`; the database lets exactly one of several concurrent savers succeed.
"""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.cocktails.compositions import composition_of, new_version, resolve_components, same_composition
from catalog.cocktails.diffing import audit_changes, diff
from catalog.cocktails.models import Cocktail, CocktailStatus, CocktailVersion
from catalog.cocktails.schemas import COMPOSITION_FIELDS
from catalog.cocktails.service import get_cocktail, get_version
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.words import N_, phrase


class StaleVersion(Conflict):
    """The version a change was made from is no longer the current one, `current` (HTTP 412)."""

    status = 412

    def __init__(self, current: int):
        super().__init__(
            phrase(
                "The cocktail is now at version %(current)s: someone saved a version since the one you started "
                "from. Read version %(current)s and make your change on it.",
                current=current,
            )
        )
        self.current = current


class BaseVersionRequired(Invalid):
    """A new version must say which version it was made from; the current one is `current` (HTTP 428)."""

    status = 428

    def __init__(self, current: int):
        super().__init__(
            phrase(
                "Say which version the change was made from: the current one is version %(current)s.", current=current
            )
        )
        self.current = current


def save_version(
    session: Session, *, actor: Actor, cocktail_id: int, based_on: int | None, data: dict
) -> CocktailVersion:
    """Save a new version made from version `based_on`, which must still be the current one.

    `data` is a VersionCreateSchema load: a composition, or `revert_to` an earlier number.
    Everything is validated before the version number is claimed, so a refusal writes nothing.
    """
    cocktail = get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    current = _base_version(session, cocktail, based_on)
    reverted_from = data.get("revert_to")
    if reverted_from:
        composition = _reverted(session, cocktail, reverted_from)
    else:
        # What is not sent stays as the base version has it: a new version states only its changes.
        composition = {**composition_of(current), **{key: data[key] for key in COMPOSITION_FIELDS if key in data}}
    resolved = resolve_components(session, composition["components"])
    if same_composition(composition_of(current), composition):
        message = phrase("Nothing would change: this is what version %(number)s already holds.", number=based_on)
        raise Invalid(message, errors={"revert_to" if reverted_from else "components": [message]})
    number = _claim(session, cocktail, based_on)
    version = new_version(
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
    action = "cocktail.version_reverted" if reverted_from else "cocktail.version_saved"
    changes = [
        {"field": "version", "from": based_on, "to": number},
        *([{"field": "reverted_from", "from": None, "to": reverted_from}] if reverted_from else []),
        *audit_changes(diff(current, version)),
    ]
    audit.record(session, actor=actor, action=action, object_type="cocktail", object_id=cocktail.id, changes=changes)
    return version


def _base_version(session: Session, cocktail: Cocktail, based_on: int | None) -> CocktailVersion:
    """The version a change is made from: named, still the current one, of a cocktail not archived."""
    if based_on is None:
        raise BaseVersionRequired(cocktail.current_version)
    if based_on != cocktail.current_version:
        raise StaleVersion(cocktail.current_version)
    if cocktail.status == CocktailStatus.ARCHIVED:
        raise Conflict(
            N_("This cocktail is archived: restore it before changing it."), errors={"status": [N_("archived")]}
        )
    return get_version(session, cocktail=cocktail, number=based_on)


def _reverted(session: Session, cocktail: Cocktail, number: int) -> dict:
    """The composition of the version a revert restores; a number that names none is refused on `revert_to`."""
    try:
        return composition_of(get_version(session, cocktail=cocktail, number=number))
    except NotFound as error:
        raise Invalid(error.message, errors={"revert_to": [error.message]}) from error


def _claim(session: Session, cocktail: Cocktail, based_on: int) -> int:
    """Move `current_version` on from `based_on`: only one request can, the others are stale."""
    number = based_on + 1
    claimed = session.execute(
        update(Cocktail)
        .where(Cocktail.id == cocktail.id, Cocktail.current_version == based_on)
        .values(current_version=number, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise StaleVersion(session.scalar(select(Cocktail.current_version).where(Cocktail.id == cocktail.id)))
    session.expire(cocktail, ["current_version", "updated_at"])
    return number
