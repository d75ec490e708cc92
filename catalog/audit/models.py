"""AuditEntry: one row per change, never updated or deleted (the database refuses too)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from catalog.core.actors import recorded_actor
from catalog.core.db import UTCDateTime, utcnow
from catalog.extensions import db


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit entry."""


class AuditEntry(recorded_actor("actor"), db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_clinic_at", "clinic_id", "at"),
        Index("ix_audit_entries_clinic_object", "clinic_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80))
    # [{"field": name, "from": code, "to": code}]; free-text fields appear by name only.
    changes: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def actor(self) -> dict:
        if self.actor_practitioner_id is not None:
            return {"type": "practitioner", "id": self.actor_practitioner_id, "label": self.actor_label}
        if self.actor_token_id is not None:
            return {"type": "token", "id": self.actor_token_id, "label": self.actor_label}
        return {"type": "system", "id": None, "label": self.actor_label}


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_changes(_mapper, _connection, entry: AuditEntry) -> None:
    raise AppendOnlyError(f"Audit entry {entry.id} is append-only")
