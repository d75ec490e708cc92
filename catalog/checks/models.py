"""Check: the recorded result of checking a cocktail version for a patient; CheckOverride: going ahead anyway."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.actors import recorded_actor
from catalog.core.db import UTCDateTime, enum_type, utcnow
from catalog.extensions import db
from catalog.safety import Outcome


class Check(recorded_actor("checked_by"), db.Model):
    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_clinic_patient", "clinic_id", "patient_id"),
        Index("ix_checks_clinic_cocktail", "clinic_id", "cocktail_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    cocktail_id: Mapped[int] = mapped_column(ForeignKey("cocktails.id"))
    version_number: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome, name="check_outcome"))
    # The findings exactly as the practitioner saw them, whatever changes later.
    findings: Mapped[list] = mapped_column(JSON)
    # What the check could not check (GapSchema dicts): a check without findings is clear only of the rest.
    unchecked: Mapped[list] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the check read of the patient (catalog.checks.facts.profile_fingerprint): a treatment
    # session relies on it only while the patient's records still give the same.
    patient_fingerprint: Mapped[str | None] = mapped_column(String(64))

    override: Mapped["CheckOverride | None"] = relationship(lazy="selectin", uselist=False)
    cocktail: Mapped["Cocktail"] = relationship(lazy="joined")  # noqa: F821


class CheckOverride(recorded_actor("by"), db.Model):
    """A decision to go ahead despite a critical finding, with its reason; one per check."""

    __tablename__ = "check_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    overridden_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
