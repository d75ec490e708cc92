"""What interoperability keeps: allergens' external codes, other systems' identifiers, CDS Hooks calls and feedback."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.actors import recorded_actor
from catalog.core.db import UTCDateTime, utcnow
from catalog.extensions import db


class AllergenCoding(db.Model):
    """An external code (SNOMED CT, UNII…) naming one of the catalogue's allergens, with the source it was read on."""

    __tablename__ = "allergen_codings"
    __table_args__ = (UniqueConstraint("system", "code", name="uq_allergen_codings_system_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allergen_code: Mapped[str] = mapped_column(ForeignKey("allergens.code", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(100))
    display: Mapped[str] = mapped_column(String(300), default="")
    # "substance", or "disorder" for an "Allergy to X" concept that names the same allergen.
    kind: Mapped[str] = mapped_column(String(20), default="substance")
    source_code: Mapped[str] = mapped_column(String(64), ForeignKey("sources.code"))


class ExternalIdentifier(db.Model):
    """Another system's identifier for one of the clinic's records: what makes a second import change nothing."""

    __tablename__ = "external_identifiers"
    __table_args__ = (
        UniqueConstraint("clinic_id", "resource_type", "system", "value", name="uq_external_identifiers_key"),
        Index("ix_external_identifiers_local", "resource_type", "local_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    resource_type: Mapped[str] = mapped_column(String(40))  # Patient | AllergyIntolerance
    system: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(500))
    local_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CdsInvocation(recorded_actor("invoked_by"), db.Model):
    """One CDS Hooks call: what was checked, for whom (the EHR's patient id), and the result, as a check records it."""

    __tablename__ = "cds_invocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    hook: Mapped[str] = mapped_column(String(40))
    hook_instance: Mapped[str] = mapped_column(String(200))
    # The calling system's patient id and user, as it sent them (not a Mesocat patient).
    fhir_patient: Mapped[str] = mapped_column(String(200))
    fhir_user: Mapped[str] = mapped_column(String(200), default="")
    medication: Mapped[dict] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(20))
    findings: Mapped[list] = mapped_column(JSON)
    unchecked: Mapped[list] = mapped_column(JSON)
    invoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cards: Mapped[list["CdsCard"]] = relationship(back_populates="invocation", order_by="CdsCard.id", lazy="selectin")


class CdsCard(db.Model):
    """A card answered to a CDS Hooks call, by the uuid the client sends back with its feedback."""

    __tablename__ = "cds_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    invocation_id: Mapped[int] = mapped_column(ForeignKey("cds_invocations.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(140))
    # The finding (index in the invocation's findings) or gap the card shows; None for a card of its own.
    finding_index: Mapped[int | None]

    invocation: Mapped[CdsInvocation] = relationship(back_populates="cards", lazy="joined")
    feedback: Mapped[list["CdsFeedback"]] = relationship(order_by="CdsFeedback.id", lazy="selectin")


class CdsFeedback(recorded_actor("recorded_by"), db.Model):
    """What the user did with a card: accepted it, or overrode it with a reason (kept as a check's override is)."""

    __tablename__ = "cds_feedback"
    __table_args__ = (UniqueConstraint("card_id", "outcome_at", name="uq_cds_feedback_card_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cds_cards.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # accepted | overridden
    reason_code: Mapped[str | None] = mapped_column(String(100))
    reason_system: Mapped[str | None] = mapped_column(String(300))
    reason_display: Mapped[str | None] = mapped_column(String(300))
    user_comment: Mapped[str] = mapped_column(Text, default="")
    accepted_suggestions: Mapped[list] = mapped_column(JSON, default=list)
    outcome_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
