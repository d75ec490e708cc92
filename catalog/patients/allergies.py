"""A patient's allergy records (FHIR AllergyIntolerance-like): kept in revisions, never deleted, every write audited."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.audit import service as audit
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.text import fold
from catalog.core.words import N_, phrase
from catalog.patients import service as patients
from catalog.patients.models import (
    AllergyRecord,
    AllergyRecordRevision,
    AllergyStatus,
    AllergyType,
    ClinicalStatus,
    Criticality,
    Patient,
    ReactionSeverity,
    VerificationStatus,
)
from catalog.products import service as products_service

# Fields whose values are codes, safe to keep in the audit trail; the rest appear by name only.
CODED_ALLERGY_FIELDS = {
    "allergen",
    "type",
    "criticality",
    "clinical_status",
    "verification_status",
    "reaction_severity",
}


def get_allergy(session: Session, *, clinic_id: int, patient_id: int, allergy_id: int) -> AllergyRecord:
    patient = patients.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    record = next((r for r in patient.allergies if r.id == allergy_id), None)
    if record is None:
        raise NotFound(N_("This patient has no allergy record with this id."))
    return record


def record_view(record: AllergyRecord) -> dict:
    """The record's clinical content, as history keeps it and the audit compares it."""
    return {
        "allergen": record.allergen_code,
        "allergen_text": record.allergen_text,
        "product": record.product.slug if record.product is not None else None,
        "type": record.type.value,
        "criticality": record.criticality.value,
        "clinical_status": record.clinical_status.value if record.clinical_status else None,
        "verification_status": record.verification_status.value,
        "reaction_manifestation": record.reaction_manifestation,
        "reaction_severity": record.reaction_severity.value if record.reaction_severity else None,
        "note": record.note,
    }


def _check_allergen(session: Session, data: dict) -> None:
    """Unknown codes and products are refused; a product named by slug is put in `data` as the row."""
    code = data.get("allergen")
    if code and allergens_service.unknown_codes(session, codes=[code]):
        raise Invalid(
            N_("Unknown allergen code."), errors={"allergen": [phrase("No allergen has the code %(code)r.", code=code)]}
        )
    slug = data.get("product")
    if slug:
        product = products_service.products_by_slug(session, slugs=[slug]).get(slug)
        if product is None:
            raise Invalid(
                N_("Unknown product."), errors={"product": [phrase("No product has the slug %(slug)r.", slug=slug)]}
            )
        data["product_row"] = product


def _allergen_key(record: AllergyRecord) -> str:
    if record.allergen_code:
        return record.allergen_code
    if record.product is not None:
        return f"product:{record.product.slug}"
    return "text:" + " ".join(fold(record.allergen_text).split())


def _check_duplicate(patient: Patient, record: AllergyRecord) -> None:
    if not record.is_active_standing:
        return
    for other in patient.allergies:
        if other is not record and other.is_active_standing and other.allergen_key == record.allergen_key:
            field = "allergen" if record.allergen_code else ("product" if record.product else "allergen_text")
            raise Invalid(
                N_("This patient already has an active record for this allergen; change that one instead."),
                errors={field: [N_("This patient already has an active record for this allergen: change that one.")]},
            )


ENUM_FIELDS = {
    "type": AllergyType,
    "criticality": Criticality,
    "clinical_status": ClinicalStatus,
    "verification_status": VerificationStatus,
}


def _apply(record: AllergyRecord, data: dict) -> None:
    if "allergen" in data or "allergen_text" in data or "product" in data:
        record.allergen_code = data.get("allergen")
        record.allergen_text = data.get("allergen_text")
        record.product = data.get("product_row")
    for field, enum in ENUM_FIELDS.items():
        if field in data:
            setattr(record, field, enum(data[field]))
    if "note" in data:
        record.note = data["note"]
    if "reaction" in data:
        reaction = data["reaction"] or {}
        record.reaction_manifestation = reaction.get("manifestation")
        severity = reaction.get("severity")
        record.reaction_severity = ReactionSeverity(severity) if severity else None
    # FHIR: an entered-in-error record has no clinical status; any other record has one.
    if record.verification_status == VerificationStatus.ENTERED_IN_ERROR:
        record.clinical_status = None
    elif record.clinical_status is None:
        record.clinical_status = ClinicalStatus.ACTIVE
    record.allergen_key = _allergen_key(record)


def _write_revision(session: Session, record: AllergyRecord, *, actor: Actor, changed: list[str], at: datetime):
    session.add(
        AllergyRecordRevision(
            allergy_id=record.id,
            revision=record.revision,
            values=record_view(record),
            changed_fields=changed,
            changed_at=at,
            **actor_columns("changed_by", actor),
        )
    )


def record_allergy(session: Session, *, actor: Actor, patient_id: int, data: dict) -> AllergyRecord:
    """Add an allergy record; an active one replaces a 'no known allergies' assertion."""
    patient = patients._patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    _check_allergen(session, data)
    if data.get("verification_status") == VerificationStatus.ENTERED_IN_ERROR:
        raise Invalid(
            N_("A new record cannot be entered in error."),
            errors={"verification_status": [N_("Use 'unconfirmed' or 'confirmed' (or 'refuted').")]},
        )
    status_before = patient.allergy_status
    now = utcnow()
    record = AllergyRecord(
        patient=patient,
        recorded_at=now,
        updated_at=now,
        revision=1,
        **actor_columns("recorded_by", actor),
    )
    session.add(record)
    _apply(record, {"note": "", **data})
    _check_duplicate(patient, record)
    if record.is_active_standing and patient.nka_asserted_at is not None:
        patients.clear_no_known_allergies(patient)
    flush_unique(session, field="allergen", message=N_("This patient already has an active record for this allergen."))
    view = record_view(record)
    _write_revision(session, record, actor=actor, changed=list(view), at=now)
    audit.record(
        session,
        actor=actor,
        action="allergy.created",
        object_type="allergy",
        object_id=record.id,
        changes=[
            {"field": "patient", "from": None, "to": patient.id},
            *audit.change_list({}, view, coded=CODED_ALLERGY_FIELDS),
        ],
    )
    _audit_status_change(session, actor, patient, status_before)
    return record


def update_allergy(
    session: Session,
    *,
    actor: Actor,
    patient_id: int,
    allergy_id: int,
    data: dict,
    expected_revision: int | None = None,
) -> AllergyRecord:
    """Change a record, keeping the previous state in its history; entered-in-error is final."""
    patient = patients._patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    record = get_allergy(session, clinic_id=actor.clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    if expected_revision is not None and expected_revision != record.revision:
        raise StaleRevision(record.revision)
    if record.verification_status == VerificationStatus.ENTERED_IN_ERROR:
        raise Conflict(
            N_("This record was marked entered-in-error: it is kept read-only. Record the allergy anew if needed."),
            errors={"verification_status": [N_("The record is entered-in-error.")]},
        )
    _check_allergen(session, data)
    status_before = patient.allergy_status
    before = record_view(record)
    _apply(record, data)
    _check_duplicate(patient, record)
    # A record that now describes an active allergy supersedes a 'no known allergies' assertion.
    if record.is_active_standing and patient.nka_asserted_at is not None:
        patients.clear_no_known_allergies(patient)
    after = record_view(record)
    changed = [field for field in after if after[field] != before[field]]
    if not changed:
        return record
    now = utcnow()
    record.revision += 1
    record.updated_at = now
    flush_unique(session, field="allergen", message=N_("This patient already has an active record for this allergen."))
    _write_revision(session, record, actor=actor, changed=changed, at=now)
    audit.record(
        session,
        actor=actor,
        action="allergy.updated",
        object_type="allergy",
        object_id=record.id,
        changes=audit.change_list(before, after, coded=CODED_ALLERGY_FIELDS),
    )
    _audit_status_change(session, actor, patient, status_before)
    return record


def _audit_status_change(session: Session, actor: Actor, patient: Patient, before: AllergyStatus) -> None:
    after = patient.allergy_status
    if before != after:
        audit.record(
            session,
            actor=actor,
            action="patient.allergy_status_changed",
            object_type="patient",
            object_id=patient.id,
            changes=[{"field": "allergy_status", "from": before.value, "to": after.value}],
        )


class StaleRevision(Conflict):
    """The client changed a record from an older revision than the one stored, `current` (HTTP 412)."""

    status = 412

    def __init__(self, current: int):
        super().__init__(
            phrase(
                "The record has changed since you read it: it is now at revision %(current)s. Read it again.",
                current=current,
            )
        )
        self.current = current


def allergy_history(
    session: Session, *, clinic_id: int, patient_id: int, allergy_id: int
) -> list[AllergyRecordRevision]:
    """Every state the record has been in, oldest first."""
    record = get_allergy(session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    return list(
        session.scalars(
            select(AllergyRecordRevision)
            .where(AllergyRecordRevision.allergy_id == record.id)
            .order_by(AllergyRecordRevision.revision)
        )
    )
