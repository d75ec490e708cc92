"""Patients' body weights: recorded with the day they were measured, kept as a history, the newest used for doses."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Invalid
from catalog.core.words import N_
from catalog.patients.models import PatientWeight
from catalog.patients.service import _patient_for_change, get_patient


def record_weight(session: Session, *, actor: Actor, patient_id: int, kg: float, measured_on: date) -> PatientWeight:
    """Add a measurement (a later correction is a new measurement; none is changed or deleted)."""
    patient = _patient_for_change(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    if measured_on > date.today():
        raise Invalid(
            N_("A weight cannot be measured in the future."), errors={"measured_on": [N_("Not after today.")]}
        )
    weight = PatientWeight(
        patient_id=patient.id,
        kg=kg,
        measured_on=measured_on,
        recorded_at=utcnow(),
        **actor_columns("recorded_by", actor),
    )
    session.add(weight)
    session.flush()
    session.expire(patient, ["weights"])
    # The weight itself is clinical data: the trail says that one was recorded, not what it was.
    audit.record(
        session,
        actor=actor,
        action="patient.weight_recorded",
        object_type="patient",
        object_id=patient.id,
        changes=[{"field": "weight"}],
    )
    return weight


def list_weights(session: Session, *, clinic_id: int, patient_id: int) -> list[PatientWeight]:
    """Every weight recorded for the patient, the newest measurement first."""
    patient = get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    return list(
        session.scalars(
            select(PatientWeight)
            .where(PatientWeight.patient_id == patient.id)
            .order_by(PatientWeight.measured_on.desc(), PatientWeight.id.desc())
        )
    )
