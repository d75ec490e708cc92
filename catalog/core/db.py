"""Database building blocks: UTC timestamps, portable enum columns, and unique flushes that lose a race."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from catalog.core.errors import Invalid

# PostgreSQL's integer: a larger id names nothing, and must not reach the database.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A UTC timestamp that reads back timezone-aware on SQLite too (which stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None and dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def updated_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def enum_type(enum: type[StrEnum], *, name: str, length: int = 20) -> Enum:
    """A portable enum column: a checked VARCHAR holding the members' values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def flush_unique(session: Session, *, field: str, message: str) -> None:
    """Flush; if a unique constraint refuses the rows (another request won a race), answer 422 on `field`."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Invalid(message, errors={field: [message]}) from error
