"""Patients and their allergy records: every read is scoped to one clinic, every write audited.

Input arrives validated by the schemas in `catalog.patients.schemas`; this module checks what
needs the database (codes exist, one active record per allergen, the no-known-allergies rule).
"""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.audit import service as audit
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.text import LIKE_ESCAPE, fold, like_fragment
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
from catalog.vocabularies.models import Condition

# Fields whose values are codes, safe to keep in the audit trail; the rest appear by name only.
# The birth year is a personal detail, not a code: the audit names it without its value.
CODED_PATIENT_FIELDS = {"conditions", "allergy_status"}
CODED_ALLERGY_FIELDS = {
    "allergen",
    "type",
    "criticality",
    "clinical_status",
    "verification_status",
    "reaction_severity",
}


# --- Patients -----------------------------------------------------------------


def search_patients(
    session: Session, *, clinic_id: int, q: str | None = None, page: int = 1, page_size: int = 20
) -> Page:
    """The clinic's patients whose reference starts with `q` or whose name contains it, by name."""
    conditions = [Patient.clinic_id == clinic_id]
    if q and q.strip():
        escaped = like_fragment(q.strip())
        conditions.append(
            or_(
                Patient.reference_key.like(f"{escaped}%", escape=LIKE_ESCAPE),
                Patient.search_name.like(f"%{escaped}%", escape=LIKE_ESCAPE),
            )
        )
    statement = select(Patient).where(*conditions).order_by(Patient.search_name, Patient.id)
    return paginate(session, statement, page=page, page_size=page_size)


def names(session: Session, *, clinic_id: int, ids: set[int]) -> dict[int, str]:
    """These patients' names and references by id, for lists that mention them."""
    rows = session.execute(
        select(Patient.id, Patient.display_name, Patient.reference).where(
            Patient.clinic_id == clinic_id, Patient.id.in_(ids)
        )
    )
    return {patient_id: f"{name} ({reference})" for patient_id, name, reference in rows}


def get_patient(session: Session, *, clinic_id: int, patient_id: int) -> Patient:
    """The patient, if it belongs to this clinic; another clinic's patient does not exist here."""
    patient = session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != clinic_id:
        raise NotFound("No patient with this id in your clinic.")
    return patient


def _patient_for_change(session: Session, *, clinic_id: int, patient_id: int) -> Patient:
    """The patient, locked until the transaction ends, with its records read afresh.

    Every change to a patient or its allergy records takes this lock first, so that two
    requests cannot each decide on a stale view (e.g. one asserting 'no known allergies'
    while the other records an allergy). SQLite serialises writers already (BEGIN IMMEDIATE).
    """
    patient = session.scalar(
        select(Patient).where(Patient.id == patient_id).with_for_update().execution_options(populate_existing=True)
    )
    if patient is None or patient.clinic_id != clinic_id:
        raise NotFound("No patient with this id in your clinic.")
    return patient


def _conditions(session: Session, codes: list[str]) -> list[Condition]:
    found = {c.code: c for c in session.scalars(select(Condition).where(Condition.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid("Unknown condition code.", errors={"conditions": [f"Unknown code: {', '.join(unknown)}."]})
    return [found[code] for code in dict.fromkeys(codes)]


def _check_reference_free(session: Session, *, clinic_id: int, reference: str, patient_id: int | None = None):
    clash = session.scalar(
        select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.reference_key == fold(reference))
    )
    if clash is not None and clash != patient_id:
        raise Invalid(
            "Another patient of this clinic has this reference.",
            errors={"reference": ["Another patient of this clinic already has this reference."]},
        )


def _patient_view(patient: Patient) -> dict:
    return {
        "reference": patient.reference,
        "display_name": patient.display_name,
        "birth_year": patient.birth_year,
        "conditions": patient.condition_codes,
        "allergy_status": patient.allergy_status,
    }


def create_patient(
    session: Session,
    *,
    actor: Actor,
    reference: str,
    display_name: str,
    birth_year: int | None = None,
    conditions: list[str] = (),
) -> Patient:
    _check_reference_free(session, clinic_id=actor.clinic_id, reference=reference)
    patient = Patient(
        clinic_id=actor.clinic_id,
        reference=reference,
        reference_key=fold(reference),
        display_name=display_name,
        search_name=fold(display_name),
        birth_year=birth_year,
        conditions=_conditions(session, list(conditions)),
        allergies=[],
    )
    session.add(patient)
    flush_unique(session, field="reference", message="Another patient of this clinic already has this reference.")
    audit.record(
        session,
        actor=actor,
        action="patient.created",
        object_type="patient",
        object_id=patient.id,
        changes=audit.change_list({}, _patient_view(patient), coded=CODED_PATIENT_FIELDS),
    )
    return patient


def update_patient(session: Session, *, actor: Actor, patient_id: int, changes: dict) -> Patient:
    """Apply a partial update; `allergy_status` may assert or withdraw 'no known allergies'."""
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    before = _patient_view(patient)
    if "reference" in changes:
        _check_reference_free(session, clinic_id=actor.clinic_id, reference=changes["reference"], patient_id=patient.id)
        patient.reference = changes["reference"]
        patient.reference_key = fold(changes["reference"])
    if "display_name" in changes:
        patient.display_name = changes["display_name"]
        patient.search_name = fold(changes["display_name"])
    if "birth_year" in changes:
        patient.birth_year = changes["birth_year"]
    if "conditions" in changes:
        patient.conditions = _conditions(session, changes["conditions"])
    if "allergy_status" in changes:
        _set_allergy_status(patient, AllergyStatus(changes["allergy_status"]), actor)
    after = _patient_view(patient)
    if diff := audit.change_list(before, after, coded=CODED_PATIENT_FIELDS):
        patient.updated_at = utcnow()
        flush_unique(session, field="reference", message="Another patient of this clinic already has this reference.")
        audit.record(
            session, actor=actor, action="patient.updated", object_type="patient", object_id=patient.id, changes=diff
        )
    return patient


def _set_allergy_status(patient: Patient, status: AllergyStatus, actor: Actor) -> None:
    active = [record for record in patient.allergies if record.is_active_standing]
    if status == AllergyStatus.NO_KNOWN_ALLERGIES:
        if patient.nka_asserted_at is not None and not active:
            return  # already asserted: who asserted it, and when, stay as they were
        if active:
            raise Conflict(
                "The patient has active allergies recorded: 'no known allergies' cannot be asserted. "
                "Resolve, refute or mark them entered-in-error first.",
                errors={"allergy_status": [f"{len(active)} active allergy record(s) on file."]},
            )
        patient.nka_asserted_at = utcnow()
        for column, value in actor_columns("nka_asserted_by", actor).items():
            setattr(patient, column, value)
    elif status == AllergyStatus.UNKNOWN:
        # Withdraws the assertion; the status then follows the list, if there is one.
        _clear_nka(patient)
    else:
        raise Invalid(
            "The status 'allergies-recorded' follows from the list: record an allergy instead.",
            errors={"allergy_status": ["Must be 'no-known-allergies' or 'unknown'."]},
        )


def _clear_nka(patient: Patient) -> None:
    patient.nka_asserted_at = None
    for column, value in actor_columns("nka_asserted_by", None).items():
        setattr(patient, column, value)


# --- Allergy records ---------------------------------------------------------------


def list_allergies(session: Session, *, clinic_id: int, patient_id: int) -> list[AllergyRecord]:
    return get_patient(session, clinic_id=clinic_id, patient_id=patient_id).allergies


def get_allergy(session: Session, *, clinic_id: int, patient_id: int, allergy_id: int) -> AllergyRecord:
    patient = get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    record = next((r for r in patient.allergies if r.id == allergy_id), None)
    if record is None:
        raise NotFound("This patient has no allergy record with this id.")
    return record


def with_allergen_paths(session: Session, records: list[AllergyRecord]) -> list[AllergyRecord]:
    """Give each coded record its allergen's groups, from the broadest down to the allergen itself."""
    if any(record.allergen_code for record in records):
        hierarchy = allergens_service.load_hierarchy(session)
        for record in records:
            if record.allergen_code:
                record.allergen_path = [{"code": n.code, "name": n.name} for n in hierarchy.path(record.allergen_code)]
    return records


def record_view(record: AllergyRecord) -> dict:
    """The record's clinical content, as history keeps it and the audit compares it."""
    return {
        "allergen": record.allergen_code,
        "allergen_text": record.allergen_text,
        "type": record.type.value,
        "criticality": record.criticality.value,
        "clinical_status": record.clinical_status.value if record.clinical_status else None,
        "verification_status": record.verification_status.value,
        "reaction_manifestation": record.reaction_manifestation,
        "reaction_severity": record.reaction_severity.value if record.reaction_severity else None,
        "note": record.note,
    }


def _check_allergen(session: Session, data: dict) -> None:
    code = data.get("allergen")
    if code and allergens_service.unknown_codes(session, codes=[code]):
        raise Invalid("Unknown allergen code.", errors={"allergen": [f"No allergen has the code {code!r}."]})


def _allergen_key(record: AllergyRecord) -> str:
    return record.allergen_code if record.allergen_code else "text:" + " ".join(fold(record.allergen_text).split())


def _check_duplicate(patient: Patient, record: AllergyRecord) -> None:
    if not record.is_active_standing:
        return
    for other in patient.allergies:
        if other is not record and other.is_active_standing and other.allergen_key == record.allergen_key:
            field = "allergen" if record.allergen_code else "allergen_text"
            raise Invalid(
                "This patient already has an active record for this allergen; change that one instead.",
                errors={field: ["This patient already has an active record for this allergen: change that one."]},
            )


ENUM_FIELDS = {
    "type": AllergyType,
    "criticality": Criticality,
    "clinical_status": ClinicalStatus,
    "verification_status": VerificationStatus,
}


def _apply(record: AllergyRecord, data: dict) -> None:
    if "allergen" in data or "allergen_text" in data:
        record.allergen_code = data.get("allergen")
        record.allergen_text = data.get("allergen_text")
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
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    _check_allergen(session, data)
    if data.get("verification_status") == VerificationStatus.ENTERED_IN_ERROR:
        raise Invalid(
            "A new record cannot be entered in error.",
            errors={"verification_status": ["Use 'unconfirmed' or 'confirmed' (or 'refuted')."]},
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
        _clear_nka(patient)
    flush_unique(session, field="allergen", message="This patient already has an active record for this allergen.")
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
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    record = get_allergy(session, clinic_id=actor.clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    if expected_revision is not None and expected_revision != record.revision:
        raise StaleRevision(record.revision)
    if record.verification_status == VerificationStatus.ENTERED_IN_ERROR:
        raise Conflict(
            "This record was marked entered-in-error: it is kept read-only. Record the allergy anew if needed.",
            errors={"verification_status": ["The record is entered-in-error."]},
        )
    _check_allergen(session, data)
    status_before = patient.allergy_status
    before = record_view(record)
    _apply(record, data)
    _check_duplicate(patient, record)
    # A record that now describes an active allergy supersedes a 'no known allergies' assertion.
    if record.is_active_standing and patient.nka_asserted_at is not None:
        _clear_nka(patient)
    after = record_view(record)
    changed = [field for field in after if after[field] != before[field]]
    if not changed:
        return record
    now = utcnow()
    record.revision += 1
    record.updated_at = now
    flush_unique(session, field="allergen", message="This patient already has an active record for this allergen.")
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
        super().__init__(f"The record has changed since you read it: it is now at revision {current}. Read it again.")
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
