"""Patient, their conditions, and allergy records modelled on FHIR R4 AllergyIntolerance."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.actors import recorded_actor
from catalog.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from catalog.extensions import db


class AllergyStatus(StrEnum):
    """The patient-level answer, as clinical systems keep it: never asked is not 'none'."""

    UNKNOWN = "unknown"
    NO_KNOWN_ALLERGIES = "no-known-allergies"
    RECORDED = "allergies-recorded"


class AllergyType(StrEnum):
    ALLERGY = "allergy"
    INTOLERANCE = "intolerance"


class Criticality(StrEnum):
    LOW = "low"
    HIGH = "high"
    UNABLE_TO_ASSESS = "unable-to-assess"


class ClinicalStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


class VerificationStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    ENTERED_IN_ERROR = "entered-in-error"


class ReactionSeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


# Records that still describe the patient: not refuted, not a mistake.
STANDING_VERIFICATIONS = (VerificationStatus.UNCONFIRMED.value, VerificationStatus.CONFIRMED.value)
_ACTIVE_STANDING = "clinical_status = 'active' AND verification_status IN ('unconfirmed', 'confirmed')"


class ConditionStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class Patient(recorded_actor("nka_asserted_by", optional=True), TimestampMixin, db.Model):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("clinic_id", "reference_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    # The clinic's own record number, unique within the clinic whatever its case.
    reference: Mapped[str] = mapped_column(String(64))
    reference_key: Mapped[str] = mapped_column(Text)  # folded: may be longer than the reference
    display_name: Mapped[str] = mapped_column(String(200))
    # Folded (lower case, no accents) for search.
    search_name: Mapped[str] = mapped_column(Text)
    birth_year: Mapped[int | None]
    # The language of what the patient is handed (their sheet): "en" or "fr".
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    nka_asserted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts changes to who the patient is (reference, name, birth year): FHIR's Patient versionId.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # Every condition recorded, active or resolved; `conditions` are the active ones.
    condition_records: Mapped[list["ConditionRecord"]] = relationship(
        back_populates="patient", order_by="ConditionRecord.id", lazy="selectin"
    )
    allergies: Mapped[list["AllergyRecord"]] = relationship(
        back_populates="patient", order_by="AllergyRecord.id", lazy="selectin"
    )
    # Every weight recorded, newest measurement first: doses per kg use the newest.
    weights: Mapped[list["PatientWeight"]] = relationship(
        order_by="(PatientWeight.measured_on.desc(), PatientWeight.id.desc())", lazy="selectin"
    )

    @property
    def weight(self) -> "PatientWeight | None":
        return self.weights[0] if self.weights else None

    @property
    def allergy_status(self) -> AllergyStatus:
        # An active allergy always wins; 'no known allergies' may follow resolved ones.
        if any(record.is_active_standing for record in self.allergies):
            return AllergyStatus.RECORDED
        if self.nka_asserted_at is not None:
            return AllergyStatus.NO_KNOWN_ALLERGIES
        if any(record.is_standing for record in self.allergies):
            return AllergyStatus.RECORDED
        return AllergyStatus.UNKNOWN

    @property
    def conditions(self) -> list:
        """The active conditions, in the catalogue's order: what the check reasons about."""
        active = [r.condition for r in self.condition_records if r.status == ConditionStatus.ACTIVE]
        return sorted(active, key=lambda condition: condition.position)

    @property
    def condition_codes(self) -> list[str]:
        return [condition.code for condition in self.conditions]

    @property
    def no_known_allergies(self) -> dict | None:
        if self.allergy_status != AllergyStatus.NO_KNOWN_ALLERGIES:
            return None
        return {"asserted_by": self.nka_asserted_by, "asserted_at": self.nka_asserted_at}


class PatientRevision(recorded_actor("changed_by"), db.Model):
    """Who the patient was after each change of reference, name or birth year: the history FHIR reads back."""

    __tablename__ = "patient_revisions"
    __table_args__ = (UniqueConstraint("patient_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConditionRecord(recorded_actor("recorded_by"), db.Model):
    """A condition recorded for a patient, active or resolved, with its dates; every state it was in is kept."""

    __tablename__ = "patient_condition_records"
    __table_args__ = (
        # One active record per condition and patient.
        Index(
            "uq_patient_condition_records_active",
            "patient_id",
            "condition_code",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    condition_code: Mapped[str] = mapped_column(ForeignKey("conditions.code"))
    status: Mapped[ConditionStatus] = mapped_column(enum_type(ConditionStatus, name="condition_status"))
    onset_on: Mapped[date | None] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Each state the record has been in, oldest first: {revision, at, by, status, onset_on, resolved_on}.
    history: Mapped[list] = mapped_column(JSON, default=list)

    patient: Mapped["Patient"] = relationship(back_populates="condition_records", lazy="raise")
    condition: Mapped["Condition"] = relationship(lazy="joined")  # noqa: F821


class PatientWeight(recorded_actor("recorded_by"), db.Model):
    """A body weight, measured on a day; never changed: a new measurement is a new row, so history is kept."""

    __tablename__ = "patient_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kg: Mapped[float] = mapped_column(Float)
    measured_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AllergyRecord(recorded_actor("recorded_by"), db.Model):
    """One allergy or intolerance; never deleted: a mistake is marked entered-in-error."""

    __tablename__ = "allergy_records"
    __table_args__ = (
        # One standing active record per allergen and patient, settled by the database under races.
        Index(
            "uq_allergy_records_active_allergen",
            "patient_id",
            "allergen_key",
            unique=True,
            sqlite_where=text(_ACTIVE_STANDING),
            postgresql_where=text(_ACTIVE_STANDING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    allergen_code: Mapped[str | None] = mapped_column(ForeignKey("allergens.code"))
    allergen_text: Mapped[str | None] = mapped_column(String(200))
    # Or a product ("Xylocaine 1% multiple-dose vial"): the record then covers every ingredient it holds.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    # The code, the product, or the folded free text: duplicates are found case- and accent-insensitively.
    allergen_key: Mapped[str] = mapped_column(Text)
    type: Mapped[AllergyType] = mapped_column(enum_type(AllergyType, name="allergy_type"))
    criticality: Mapped[Criticality] = mapped_column(enum_type(Criticality, name="criticality"))
    # Absent exactly when the record was entered in error (FHIR ait-1, ait-2).
    clinical_status: Mapped[ClinicalStatus | None] = mapped_column(enum_type(ClinicalStatus, name="clinical_status"))
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_type(VerificationStatus, name="verification_status")
    )
    reaction_manifestation: Mapped[str | None] = mapped_column(String(500))
    reaction_severity: Mapped[ReactionSeverity | None] = mapped_column(
        enum_type(ReactionSeverity, name="reaction_severity")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    patient: Mapped[Patient] = relationship(back_populates="allergies", lazy="raise")
    allergen: Mapped["Allergen | None"] = relationship(lazy="joined")  # noqa: F821
    product: Mapped["Product | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def reaction(self) -> dict | None:
        if self.reaction_manifestation is None:
            return None
        return {"manifestation": self.reaction_manifestation, "severity": self.reaction_severity}

    @property
    def is_standing(self) -> bool:
        """Still describes the patient (neither refuted nor entered in error)."""
        return self.verification_status in STANDING_VERIFICATIONS

    @property
    def is_active_standing(self) -> bool:
        return self.is_standing and self.clinical_status == ClinicalStatus.ACTIVE

    @property
    def allergen_label(self) -> str:
        if self.allergen is not None:
            return self.allergen.name
        return self.product.name if self.product is not None else (self.allergen_text or "")


class AllergyRecordRevision(recorded_actor("changed_by"), db.Model):
    """A record exactly as it stood after each write: the history that can be read back."""

    __tablename__ = "allergy_record_revisions"
    __table_args__ = (UniqueConstraint("allergy_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allergy_id: Mapped[int] = mapped_column(ForeignKey("allergy_records.id"))
    revision: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON)
    changed_fields: Mapped[list] = mapped_column(JSON, default=list)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
