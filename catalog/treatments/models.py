"""Lots a clinic holds, and treatment sessions: immutable once recorded, corrected by an amending record."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.cocktails.models import Technique
from catalog.core.actors import recorded_actor
from catalog.core.db import UTCDateTime, enum_type, utcnow
from catalog.extensions import db


class Lot(recorded_actor("recorded_by"), db.Model):
    """One batch of a product (or of a plain ingredient's solution) in a clinic's stock."""

    __tablename__ = "lots"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (ingredient_id IS NULL)", name="product_or_ingredient"),
        # "product:12" or "ingredient:7": one lot number per item and clinic, whichever the item is.
        UniqueConstraint("clinic_id", "item_key", "number", name="uq_lots_clinic_item_number"),
        # The same, as people type the number: "xl 2291 a" is the lot "XL-2291-A".
        Index("uq_lots_clinic_item_number_key", "clinic_id", "item_key", "number_key", unique=True),
        Index("ix_lots_clinic_number", "clinic_id", "number_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    ingredient_id: Mapped[int | None] = mapped_column(ForeignKey("ingredients.id"))
    item_key: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(64))
    # The number folded (case, spaces, hyphens), so a recall typed "ab-123" finds "AB 123".
    number_key: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped["Product | None"] = relationship(lazy="joined")  # noqa: F821
    ingredient: Mapped["Ingredient | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def item_name(self) -> str:
        return self.product.name if self.product is not None else self.ingredient.name


class TreatmentSession(recorded_actor("recorded_by"), db.Model):
    """A cocktail version given to a patient, relying on a recorded check; never changed once recorded.

    A correction is a new record that `amends` this one (with its reason); the original is kept,
    and the newest record of the chain is the one that counts.
    """

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        Index("ix_treatment_sessions_clinic_patient", "clinic_id", "patient_id"),
        Index("ix_treatment_sessions_clinic_cocktail", "clinic_id", "cocktail_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    cocktail_id: Mapped[int] = mapped_column(ForeignKey("cocktails.id"))
    version_number: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    technique: Mapped[Technique] = mapped_column(enum_type(Technique, name="session_technique", length=30))
    # [{"area": code, "volume_ml": float}] from catalog.treatments.areas
    areas: Mapped[list] = mapped_column(JSON)
    total_volume_ml: Mapped[float] = mapped_column(Float)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    administered_by_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    second_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioners.id"))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the patient was told before consenting.
    consent_information: Mapped[str] = mapped_column(Text)
    observations: Mapped[str] = mapped_column(Text, default="")
    immediate_reactions: Mapped[str] = mapped_column(Text, default="")
    # Its place in the protocol: session 2 of 4, and when the next one is due.
    session_number: Mapped[int] = mapped_column(Integer)
    sessions_planned: Mapped[int | None] = mapped_column(Integer)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), unique=True)
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cocktail: Mapped["Cocktail"] = relationship(lazy="joined")  # noqa: F821
    lots: Mapped[list["SessionLot"]] = relationship(
        order_by="SessionLot.position", lazy="selectin", cascade="all, delete-orphan"
    )
    prepared_by: Mapped["Practitioner"] = relationship(foreign_keys=[prepared_by_id], lazy="joined")  # noqa: F821
    administered_by: Mapped["Practitioner"] = relationship(  # noqa: F821
        foreign_keys=[administered_by_id], lazy="joined"
    )
    second_checked_by: Mapped["Practitioner | None"] = relationship(  # noqa: F821
        foreign_keys=[second_checked_by_id], lazy="joined"
    )


class SessionLot(db.Model):
    """The lot drawn for one component of the version given (by the component's position)."""

    __tablename__ = "treatment_session_lots"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_treatment_session_lots_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)

    lot: Mapped[Lot] = relationship(lazy="joined")
