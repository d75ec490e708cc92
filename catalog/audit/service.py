"""Writing audit entries and reading a clinic's trail. Nothing here updates or deletes an entry."""

from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit.models import AuditEntry
from catalog.core.actors import Actor, actor_columns
from catalog.core.paging import Page, paginate


def change_list(before: dict, after: dict, *, coded: set[str]) -> list[dict]:
    """What changed between two views of an object, field by field, in the order of `after`.

    Coded fields (statuses, codes, roles) keep their values; any other field, which may hold a
    name or a clinical note, is listed by name only.
    """
    changes = []
    for field, value in after.items():
        old = before.get(field)
        if old == value or (field not in before and value in (None, "", [])):
            continue
        if field in coded:
            changes.append({"field": field, "from": _plain(old), "to": _plain(value)})
        else:
            changes.append({"field": field})
    return changes


def record_edit(
    session: Session, *, actor: Actor, kind: str, key: str, before: dict, after: dict, coded: set[str], created: bool
) -> None:
    """Audit a curator's create or replace of catalogue entry `kind` `key`, when anything changed."""
    changes = change_list(before, after, coded=coded)
    if changes:
        record(
            session,
            actor=actor,
            action=f"{kind}.created" if created else f"{kind}.updated",
            object_type=kind,
            object_id=key,
            changes=changes,
        )


def record_review(session: Session, *, actor: Actor, kind: str, key: str, sources: list[str]) -> None:
    """Audit a curator's review of catalogue entry `kind` `key`, against these sources."""
    record(
        session,
        actor=actor,
        action=f"{kind}.reviewed",
        object_type=kind,
        object_id=key,
        changes=[{"field": "review", "to": "reviewed"}, {"field": "sources", "to": sorted(sources)}],
    )


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set):
        return sorted(_plain(item) for item in value)
    return value


def record(
    session: Session, *, actor: Actor, action: str, object_type: str, object_id, changes: list[dict] | None = None
) -> AuditEntry:
    entry = AuditEntry(
        clinic_id=actor.clinic_id,
        **actor_columns("actor", actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=changes or [],
    )
    session.add(entry)
    return entry


def list_entries(
    session: Session,
    *,
    clinic_id: int,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_type: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """A clinic's entries, newest first, filtered by object, actor and time range (`until` excluded)."""
    conditions = [AuditEntry.clinic_id == clinic_id]
    if object_type:
        conditions.append(AuditEntry.object_type == object_type)
    if object_id:
        conditions.append(AuditEntry.object_id == str(object_id))
    if actor_type == "practitioner":
        conditions.append(AuditEntry.actor_practitioner_id.is_not(None))
        if actor_id is not None:
            conditions.append(AuditEntry.actor_practitioner_id == actor_id)
    elif actor_type == "token":
        conditions.append(AuditEntry.actor_token_id.is_not(None))
        if actor_id is not None:
            conditions.append(AuditEntry.actor_token_id == actor_id)
    elif actor_type == "system":
        conditions.append(AuditEntry.actor_practitioner_id.is_(None))
        conditions.append(AuditEntry.actor_token_id.is_(None))
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    statement = select(AuditEntry).where(*conditions).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return paginate(session, statement, page=page, page_size=page_size)
