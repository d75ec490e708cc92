"""A clinic's patients: every read is scoped to one clinic, every write audited.

Input arrives validated by the schemas in `catalog.patients.schemas`; this module checks what
needs the database (codes exist, references are unique, the no-known-allergies rule).
Their allergy records are in `catalog.patients.allergies`.
"""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.languages import DEFAULT_LANGUAGE
from catalog.core.paging import Page, paginate
from catalog.core.text import LIKE_ESCAPE, fold, like_fragment
from catalog.core.words import N_, phrase
from catalog.patients import conditions as conditions_records
from catalog.patients.models import AllergyStatus, ConditionRecord, ConditionStatus, Patient, PatientRevision

# Fields whose values are codes, safe to keep in the audit trail; the rest appear by name only.
# The birth year is a personal detail, not a code: the audit names it without its value.
CODED_PATIENT_FIELDS = {"conditions", "allergy_status", "language"}


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
        raise NotFound(N_("No patient with this id in your clinic."))
    return patient


def _patient_for_change(session: Session, *, clinic_id: int, patient_id: int) -> Patient:
    """The patient, locked until the transaction ends, with its records read afresh.

    Every change to a patient or its allergy records takes this lock first, so that two
    requests cannot each decide on a stale view (e.g. one asserting 'no known allergies'
    while the other records an allergy). SQLite serialises writers already (BEGIN IMMEDIATE).
    """
    patient = session.scalar(
        select(Patient)
        .where(Patient.id == patient_id)
        .with_for_update(of=Patient)
        .execution_options(populate_existing=True)
    )
    if patient is None or patient.clinic_id != clinic_id:
        raise NotFound(N_("No patient with this id in your clinic."))
    return patient


def _check_reference_free(session: Session, *, clinic_id: int, reference: str, patient_id: int | None = None):
    clash = session.scalar(
        select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.reference_key == fold(reference))
    )
    if clash is not None and clash != patient_id:
        raise Invalid(
            N_("Another patient of this clinic has this reference."),
            errors={"reference": [N_("Another patient of this clinic already has this reference.")]},
        )


def _patient_view(patient: Patient) -> dict:
    return {
        "reference": patient.reference,
        "display_name": patient.display_name,
        "birth_year": patient.birth_year,
        "conditions": patient.condition_codes,
        "allergy_status": patient.allergy_status,
        "language": patient.language,
    }


# What a Patient revision (and FHIR's Patient resource) holds: who the patient is.
IDENTITY_FIELDS = ("reference", "display_name", "birth_year")


def _write_revision(session: Session, patient: Patient, actor: Actor) -> None:
    values = {field: getattr(patient, field) for field in IDENTITY_FIELDS}
    session.add(
        PatientRevision(
            patient_id=patient.id,
            revision=patient.revision,
            values=values,
            changed_at=utcnow(),
            **actor_columns("changed_by", actor),
        )
    )


def patient_history(session: Session, *, clinic_id: int, patient_id: int) -> list[PatientRevision]:
    """Each state of who the patient was, oldest first (none for a patient recorded before revisions were kept)."""
    patient = get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    return list(
        session.scalars(
            select(PatientRevision).where(PatientRevision.patient_id == patient.id).order_by(PatientRevision.revision)
        )
    )


def create_patient(
    session: Session,
    *,
    actor: Actor,
    reference: str,
    display_name: str,
    birth_year: int | None = None,
    conditions: list[str] = (),
    language: str | None = None,
) -> Patient:
    _check_reference_free(session, clinic_id=actor.clinic_id, reference=reference)
    patient = Patient(
        clinic_id=actor.clinic_id,
        reference=reference,
        reference_key=fold(reference),
        display_name=display_name,
        search_name=fold(display_name),
        birth_year=birth_year,
        language=language or DEFAULT_LANGUAGE,
        revision=1,
        condition_records=[],
        allergies=[],
    )
    conditions_records.set_active(patient, conditions_records.known_conditions(session, list(conditions)), actor)
    session.add(patient)
    flush_unique(session, field="reference", message=N_("Another patient of this clinic already has this reference."))
    _write_revision(session, patient, actor)
    audit.record(
        session,
        actor=actor,
        action="patient.created",
        object_type="patient",
        object_id=patient.id,
        changes=audit.change_list({}, _patient_view(patient), coded=CODED_PATIENT_FIELDS),
    )
    return patient


def update_patient(
    session: Session, *, actor: Actor, patient_id: int, changes: dict, expected_revision: int | None = None
) -> Patient:
    """Apply a partial update; `allergy_status` may assert or withdraw 'no known allergies'.

    `expected_revision`, when given, is the revision the client read: an older one is refused (412).
    """
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    if expected_revision is not None and expected_revision != patient.revision:
        raise StalePatient(patient.revision)
    before = _patient_view(patient)
    identity_before = [getattr(patient, field) for field in IDENTITY_FIELDS]
    if "reference" in changes:
        _check_reference_free(session, clinic_id=actor.clinic_id, reference=changes["reference"], patient_id=patient.id)
        patient.reference = changes["reference"]
        patient.reference_key = fold(changes["reference"])
    if "display_name" in changes:
        patient.display_name = changes["display_name"]
        patient.search_name = fold(changes["display_name"])
    if "birth_year" in changes:
        patient.birth_year = changes["birth_year"]
    if changes.get("language"):
        patient.language = changes["language"]
    if "conditions" in changes:
        conditions_records.set_active(
            patient, conditions_records.known_conditions(session, changes["conditions"]), actor
        )
    if "allergy_status" in changes:
        _set_allergy_status(patient, AllergyStatus(changes["allergy_status"]), actor)
    after = _patient_view(patient)
    if diff := audit.change_list(before, after, coded=CODED_PATIENT_FIELDS):
        patient.updated_at = utcnow()
        if [getattr(patient, field) for field in IDENTITY_FIELDS] != identity_before:
            patient.revision += 1
            _write_revision(session, patient, actor)
        flush_unique(
            session, field="reference", message=N_("Another patient of this clinic already has this reference.")
        )
        audit.record(
            session, actor=actor, action="patient.updated", object_type="patient", object_id=patient.id, changes=diff
        )
    return patient


class StalePatient(Conflict):
    """The client changed a patient from an older revision than the one stored, `current` (HTTP 412)."""

    status = 412

    def __init__(self, current: int):
        super().__init__(
            phrase(
                "The patient has changed since you read them: now at revision %(current)s. Read again.", current=current
            )
        )
        self.current = current


def _set_allergy_status(patient: Patient, status: AllergyStatus, actor: Actor) -> None:
    active = [record for record in patient.allergies if record.is_active_standing]
    if status == AllergyStatus.NO_KNOWN_ALLERGIES:
        if patient.nka_asserted_at is not None and not active:
            return  # already asserted: who asserted it, and when, stay as they were
        if active:
            raise Conflict(
                N_(
                    "The patient has active allergies recorded: 'no known allergies' cannot be asserted. "
                    "Resolve, refute or mark them entered-in-error first."
                ),
                errors={"allergy_status": [phrase("%(count)s active allergy record(s) on file.", count=len(active))]},
            )
        patient.nka_asserted_at = utcnow()
        for column, value in actor_columns("nka_asserted_by", actor).items():
            setattr(patient, column, value)
    elif status == AllergyStatus.UNKNOWN:
        # Withdraws the assertion; the status then follows the list, if there is one.
        clear_no_known_allergies(patient)
    else:
        raise Invalid(
            N_("The status 'allergies-recorded' follows from the list: record an allergy instead."),
            errors={"allergy_status": [N_("Must be 'no-known-allergies' or 'unknown'.")]},
        )


def clear_no_known_allergies(patient: Patient) -> None:
    """Withdraw a 'no known allergies' assertion (an active allergy recorded supersedes it too)."""
    patient.nka_asserted_at = None
    for column, value in actor_columns("nka_asserted_by", None).items():
        setattr(patient, column, value)


# --- Condition records -----------------------------------------------------------


def record_condition(session: Session, *, actor: Actor, patient_id: int, data: dict) -> ConditionRecord:
    """Record an active condition for the clinic's patient."""
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    (condition,) = conditions_records.known_conditions(session, [data["condition"]])
    record = conditions_records.add_condition(
        patient, condition, actor, onset_on=data.get("onset_on"), note=data.get("note", "")
    )
    session.flush()
    conditions_records.audit_condition(session, actor, patient, record, "recorded")
    return record


def update_condition(
    session: Session, *, actor: Actor, patient_id: int, record_id: int, changes: dict
) -> ConditionRecord:
    """Resolve, reactivate or re-date one of the patient's condition records."""
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    record = conditions_records.get_record(patient, record_id)
    reactivating = changes.get("status") == ConditionStatus.ACTIVE.value and record.status != ConditionStatus.ACTIVE
    if reactivating and record.condition_code in patient.condition_codes:
        raise Invalid(N_("Another record of this condition is active."), errors={"status": [N_("Already active.")]})
    conditions_records.change_condition(record, actor, changes)
    flush_unique(session, field="status", message=N_("Another record of this condition is active."))
    conditions_records.audit_condition(session, actor, patient, record, "changed")
    return record


def list_conditions(session: Session, *, clinic_id: int, patient_id: int) -> list[ConditionRecord]:
    return list(get_patient(session, clinic_id=clinic_id, patient_id=patient_id).condition_records)
