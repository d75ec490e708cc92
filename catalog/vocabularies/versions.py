"""The catalogue's version, and what is kept in memory between requests for as long as it holds.

Every flush that adds, changes or deletes a row of a catalogue table (`CatalogueData`) gives the
catalogue a new token, in the same transaction; each worker compares the token it cached under
with the database's (one small read), so a curator's edit on one server reaches every other.
"""

import uuid
from collections.abc import Callable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from catalog.vocabularies.models import CatalogueVersion

KEY = "catalogue"
# Set in a session whose transaction changed the catalogue: what it reads is not cached.
CHANGED = "catalogue_changed"
# The token as this session's transaction first read it.
VERSION_READ = "catalogue_version_read"

# Per database (tests and scripts may use several in one process): (token, values).
_caches: dict[str, tuple[str, dict]] = {}


def bump(session: Session) -> None:
    """Give the catalogue a new version (for writes that bypass the ORM, e.g. association rows)."""
    token = uuid.uuid4().hex
    connection = session.connection()
    updated = connection.execute(update(CatalogueVersion).where(CatalogueVersion.key == KEY).values(token=token))
    if updated.rowcount == 0:
        connection.execute(CatalogueVersion.__table__.insert().values(key=KEY, token=token))
    session.info[CHANGED] = True


def current_token(session: Session) -> str | None:
    return session.scalar(select(CatalogueVersion.token).where(CatalogueVersion.key == KEY))


def _values(session: Session) -> dict | None:
    """What is kept under the database's current version, or None when nothing may be kept.

    The token is read once per transaction, so that what one request reads of the catalogue is all
    of one version (and a check asking for facts, products and the graph asks the database once).
    """
    token = session.info.get(VERSION_READ)
    if token is None:
        # Reading the token flushes first: changes still pending then mark the transaction as changed.
        token = session.info[VERSION_READ] = current_token(session)
    else:
        session.flush()  # as the read would have: pending changes mark the transaction as changed
    if token is None or session.info.get(CHANGED):
        return None
    database = str(session.get_bind().engine.url)
    cached_token, values = _caches.get(database, (None, {}))
    if cached_token != token:
        values = {}
        _caches[database] = (token, values)
    return values


def cached(session: Session, name: str, build: Callable[[], object]):
    """`build()`'s value, kept for as long as the catalogue's version is the one it was built under."""
    values = _values(session)
    if values is None:
        return build()
    if name not in values:
        values[name] = build()
    return values[name]


def cache_for(session: Session, name: str) -> dict | None:
    """A dict kept under the current version, to fill item by item; None when nothing may be kept."""
    values = _values(session)
    return None if values is None else values.setdefault(name, {})


def clear() -> None:
    _caches.clear()


@event.listens_for(Session, "before_flush")
def _catalogue_changed(session: Session, _context, _instances) -> None:
    # Every flush that changes the catalogue bumps, even after an earlier one: that one may have
    # been in a savepoint since rolled back, taking its bump with it.
    changed = (
        any(getattr(obj, "catalogue_data", False) for obj in session.new)
        or any(getattr(obj, "catalogue_data", False) for obj in session.deleted)
        or any(getattr(obj, "catalogue_data", False) and session.is_modified(obj) for obj in session.dirty)
    )
    if changed:
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    # Only the outermost transaction's end settles it; savepoints come and go inside it.
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(VERSION_READ, None)
