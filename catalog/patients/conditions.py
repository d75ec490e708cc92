"""Patients' condition records: active or resolved, dated, who recorded them, every state kept."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Invalid, NotFound
from catalog.core.words import N_, phrase
from catalog.patients.models import ConditionRecord, ConditionStatus, Patient
from catalog.vocabularies.models import Condition


def known_conditions(session: Session, codes: list[str]) -> list[Condition]:
    found = {c.code: c for c in session.scalars(select(Condition).where(Condition.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid(
            N_("Unknown condition code."),
            errors={"conditions": [phrase("Unknown code: %(codes)s.", codes=", ".join(unknown))]},
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _state(record: ConditionRecord, actor: Actor) -> dict:
    return {
        "revision": record.revision,
        "at": utcnow().isoformat(),
        "by": actor.label,
        "status": record.status.value,
        "onset_on": record.onset_on.isoformat() if record.onset_on else None,
        "resolved_on": record.resolved_on.isoformat() if record.resolved_on else None,
    }


def add_condition(
    patient: Patient, condition: Condition, actor: Actor, *, onset_on: date | None = None, note: str = ""
) -> ConditionRecord:
    """Record an active condition (the caller holds the patient's lock); refused if one is already active."""
    if condition.code in patient.condition_codes:
        raise Invalid(
            N_("This condition is already recorded as active for this patient."),
            errors={"condition": [N_("Already active: resolve that record, or leave it.")]},
        )
    now = utcnow()
    record = ConditionRecord(
        condition=condition,
        status=ConditionStatus.ACTIVE,
        onset_on=onset_on,
        note=note,
        recorded_at=now,
        updated_at=now,
        revision=1,
    )
    for column, value in actor_columns("recorded_by", actor).items():
        setattr(record, column, value)
    record.history = [_state(record, actor)]
    patient.condition_records.append(record)
    return record


def change_condition(record: ConditionRecord, actor: Actor, changes: dict) -> ConditionRecord:
    """Resolve, reactivate or re-date a record; its earlier states stay in `history`."""
    if "status" in changes:
        record.status = ConditionStatus(changes["status"])
        if record.status == ConditionStatus.RESOLVED and "resolved_on" not in changes:
            record.resolved_on = record.resolved_on or date.today()
        if record.status == ConditionStatus.ACTIVE:
            record.resolved_on = None
    for field in ("onset_on", "resolved_on", "note"):
        if field in changes:
            setattr(record, field, changes[field])
    if record.resolved_on and record.onset_on and record.resolved_on < record.onset_on:
        raise Invalid(
            N_("A condition cannot resolve before its onset."), errors={"resolved_on": [N_("Before the onset.")]}
        )
    record.revision += 1
    record.updated_at = utcnow()
    record.history = [*record.history, _state(record, actor)]
    return record


def set_active(patient: Patient, conditions: list[Condition], actor: Actor) -> None:
    """Make these the patient's active conditions: new ones are recorded, the others resolved (never deleted)."""
    wanted = {condition.code for condition in conditions}
    for record in patient.condition_records:
        if record.status == ConditionStatus.ACTIVE and record.condition_code not in wanted:
            change_condition(record, actor, {"status": ConditionStatus.RESOLVED.value})
    active = set(patient.condition_codes)
    for condition in conditions:
        if condition.code not in active:
            add_condition(patient, condition, actor)


def get_record(patient: Patient, record_id: int) -> ConditionRecord:
    record = next((r for r in patient.condition_records if r.id == record_id), None)
    if record is None:
        raise NotFound(N_("This patient has no condition record with this id."))
    return record


def audit_condition(session: Session, actor: Actor, patient: Patient, record: ConditionRecord, action: str) -> None:
    # Coded values only: the condition's code and status, never the note.
    audit.record(
        session,
        actor=actor,
        action=f"patient.condition_{action}",
        object_type="patient",
        object_id=patient.id,
        changes=[
            {"field": "condition", "from": None, "to": record.condition_code},
            {"field": "status", "from": None, "to": record.status.value},
        ],
    )
