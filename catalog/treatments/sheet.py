"""The patient's sheet of a session: written for the patient, in plain words and the clinic's time.

It says what was given, where, when the next session is, how to look after the skin, and what to
do after a reaction, with the clinic's contact. It never shows an internal code, a finding's
grade or an override's reason: those belong to the practitioner's record.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from catalog.checks.advice import advice_for
from catalog.cocktails.models import Technique
from catalog.i18n import format_day
from catalog.treatments.areas import TREATMENT_AREAS
from catalog.treatments.service import SessionRecord

TECHNIQUE_WORDS = {
    Technique.POINT_INJECTION: _l("small injections just under the skin"),
    Technique.NEEDLE_FREE: _l("a needle-free device that delivers the solution into the skin under pressure"),
    Technique.MICRONEEDLING_COMBINATION: _l(
        "micro-needling, with the solution applied through the tiny channels it makes"
    ),
}


@dataclass(frozen=True)
class PatientSheet:
    clinic_name: str
    clinic_phone: str
    clinic_email: str
    clinic_address: str
    emergency_number: str
    patient_name: str
    date: str
    time: str
    zone: str
    technique: str
    given: list[str]
    areas: list[str]
    session_of: str
    next_session: str | None
    after: list[str]
    emergency: list[str]
    given_by: str


def patient_sheet(record: SessionRecord, *, advice: dict, default_zone: str) -> PatientSheet:
    treatment, clinic, version = record.session, record.clinic, record.version
    zone = ZoneInfo(clinic.time_zone or default_zone)
    local = treatment.performed_at.astimezone(zone)
    given = []
    for component in version.components:
        if component.product is not None:
            actives = [part.ingredient.name for part in component.product.components if part.role.value == "active"]
            given.append(f"{component.product.name}" + (f" ({', '.join(actives)})" if actives else ""))
        else:
            given.append(component.ingredient.name)
    lines = advice_for(advice, technique=treatment.technique.value, indication=version.indication)
    planned = treatment.sessions_planned
    return PatientSheet(
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        clinic_email=clinic.email,
        clinic_address=clinic.address,
        emergency_number=clinic.emergency_number or "112",
        patient_name=record.patient.display_name,
        date=format_day(local.date()),
        time=f"{local:%H:%M}",
        zone=zone.key,
        technique=str(TECHNIQUE_WORDS[treatment.technique]),
        given=given,
        areas=[str(TREATMENT_AREAS[area["area"]]) for area in treatment.areas],
        session_of=gettext("%(number)d of %(planned)d", number=treatment.session_number, planned=planned)
        if planned
        else f"{treatment.session_number}",
        next_session=format_day(treatment.next_due_on) if treatment.next_due_on else None,
        after=lines["after"],
        emergency=lines["reaction"]["emergency"],
        given_by=treatment.administered_by.name,
    )


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The sheet as a PDF, made on the server (WeasyPrint), so no browser print dialog is needed."""
    from weasyprint import HTML  # imported on use: loading its fonts costs every worker at start otherwise

    return HTML(string=html, base_url=base_url).write_pdf()
