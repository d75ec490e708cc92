"""Turning a unique constraint lost to a concurrent request into the same 422 a check would give."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.errors import Invalid


def flush_unique(session: Session, *, field: str, message: str) -> None:
    """Flush; if a unique constraint refuses the rows (another request won a race), answer 422 on `field`."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Invalid(message, errors={field: [message]}) from error
