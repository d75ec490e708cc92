"""Pages for a clinic's patients and their allergy records.

Forms are validated by the same marshmallow schemas as the API, so a page and another
system are told the same thing about the same input.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from catalog.checks import service as checks_service
from catalog.clinics.auth import current_actor, role_required
from catalog.cocktails import service as cocktails_service
from catalog.core.actors import Role
from catalog.core.errors import DomainError
from catalog.extensions import db
from catalog.patients import allergies, reading, service
from catalog.patients.models import AllergyType, ClinicalStatus, Criticality, ReactionSeverity, VerificationStatus
from catalog.patients.schemas import (
    AllergyCreateSchema,
    AllergyUpdateSchema,
    PatientCreateSchema,
    PatientQuerySchema,
    PatientUpdateSchema,
)
from catalog.vocabularies import service as vocabularies_service
from catalog.web.forms import flatten, refused

bp = Blueprint("patients", __name__, url_prefix="/patients")

CHOICES = {
    "type": [(t.value, t.value.capitalize()) for t in AllergyType],
    "criticality": [
        (Criticality.HIGH.value, "High: potential for a serious reaction"),
        (Criticality.LOW.value, "Low"),
        (Criticality.UNABLE_TO_ASSESS.value, "Unable to assess"),
    ],
    "clinical_status": [(s.value, s.value.capitalize()) for s in ClinicalStatus],
    "verification_status": [
        (VerificationStatus.UNCONFIRMED.value, "Unconfirmed (suspected)"),
        (VerificationStatus.CONFIRMED.value, "Confirmed"),
        (VerificationStatus.REFUTED.value, "Refuted"),
        (VerificationStatus.ENTERED_IN_ERROR.value, "Entered in error"),
    ],
    "reaction_severity": [("", "Not recorded")] + [(s.value, s.value.capitalize()) for s in ReactionSeverity],
}


# --- Patients -----------------------------------------------------------------


@bp.get("")
@role_required(Role.VIEWER)
def index():
    """The clinic's patients, searched as you type."""
    try:
        args = PatientQuerySchema().load({k: v for k, v in request.args.items() if v.strip()})
    except ValidationError as error:
        args, errors, results = {}, flatten(error.messages), None
    else:
        errors = {}
        results = service.search_patients(
            db.session,
            clinic_id=current_actor().clinic_id,
            q=args.get("q"),
            page=args["page"],
            page_size=args["page_size"],
        )
    template = "patients/_list.html" if request.headers.get("HX-Request") else "patients/index.html"
    q = args.get("q", request.args.get("q", "")[:200])
    return render_template(template, results=results, q=q, errors=errors), 400 if errors else 200


def _patient_form_data(form) -> dict:
    data = {key: form.get(key, "") for key in ("reference", "display_name")}
    birth_year = form.get("birth_year", "").strip()
    data["birth_year"] = int(birth_year) if birth_year.isdigit() else (birth_year or None)
    data["conditions"] = form.getlist("conditions")
    return data


def _patient_form(patient=None, *, form=None, errors=None, status=200):
    return (
        render_template(
            "patients/form.html",
            patient=patient,
            form=form or {},
            selected_conditions=form.getlist("conditions") if form else (patient.condition_codes if patient else []),
            conditions=vocabularies_service.list_conditions(db.session),
            errors=errors or {},
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def new():
    if request.method == "GET":
        return _patient_form()
    try:
        data = PatientCreateSchema().load(_patient_form_data(request.form))
        patient = service.create_patient(db.session, actor=current_actor(), **data)
    except ValidationError as error:
        return _patient_form(form=request.form, errors=flatten(error.messages), status=422)
    except DomainError as error:
        return _patient_form(form=request.form, errors=error.errors, status=error.status)
    flash("Patient added. Record their allergies, or that they have none.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/<int:patient_id>")
@role_required(Role.VIEWER)
def detail(patient_id: int):
    file = reading.read_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)
    patient = file.patient
    checks = checks_service.list_checks(
        db.session, clinic_id=patient.clinic_id, patient_id=patient.id, page_size=20
    ).items
    cocktail_ids = {check.cocktail_id for check in checks}
    return render_template(
        "patients/detail.html",
        patient=patient,
        standing=file.standing,
        set_apart=file.set_apart,
        can_write=_can_write(),
        checks=checks,
        cocktail_names=cocktails_service.names(db.session, clinic_id=patient.clinic_id, ids=cocktail_ids),
    )


def _can_write() -> bool:
    return current_actor().allows(Role.PRACTITIONER)


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def edit(patient_id: int):
    patient = service.get_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)
    if request.method == "GET":
        return _patient_form(patient)
    try:
        data = PatientUpdateSchema().load(_patient_form_data(request.form))
        service.update_patient(db.session, actor=current_actor(), patient_id=patient.id, changes=data)
    except ValidationError as error:
        return _patient_form(patient, form=request.form, errors=flatten(error.messages), status=422)
    except DomainError as error:
        if error.status == 404:
            raise
        return _patient_form(patient, form=request.form, errors=error.errors, status=error.status)
    flash("Patient updated.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.post("/<int:patient_id>/allergy-status")
@role_required(Role.PRACTITIONER)
def allergy_status(patient_id: int):
    """Assert 'no known allergies', or withdraw that assertion."""
    service.get_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)
    try:
        data = PatientUpdateSchema(only=["allergy_status"]).load({"allergy_status": request.form.get("allergy_status")})
        service.update_patient(db.session, actor=current_actor(), patient_id=patient_id, changes=data)
    except ValidationError as error:
        message = " ".join(flatten(error.messages).get("allergy_status", ["Invalid status."]))
        return refused(message, url_for("patients.detail", patient_id=patient_id))
    except DomainError as error:
        if error.status == 404:
            raise
        return refused(error.message, url_for("patients.detail", patient_id=patient_id))
    flash("Allergy status updated.", "success")
    return redirect(url_for("patients.detail", patient_id=patient_id), code=303)


# --- Allergy records -------------------------------------------------------------


def _allergy_form_data(form) -> dict:
    data = {
        "allergen": form.get("allergen") or None,
        "allergen_text": form.get("allergen_text", "").strip() or None,
        "note": form.get("note", ""),
    }
    for field in ("type", "criticality", "clinical_status", "verification_status"):
        if form.get(field):
            data[field] = form[field]
    manifestation = form.get("reaction_manifestation", "").strip()
    severity = form.get("reaction_severity") or None
    data["reaction"] = {"manifestation": manifestation, "severity": severity} if manifestation or severity else None
    return data


def _form_errors(messages: dict) -> dict[str, list[str]]:
    """Schema errors in the form's words."""
    errors = flatten(messages)
    if "reaction_manifestation" in errors:
        errors["reaction_manifestation"] = ["Describe what happened (a severity needs a description)."]
    if "allergen" in errors and any("exactly one" in reason for reason in errors["allergen"]):
        errors["allergen"] = ["Choose an allergen from the list, or describe the substance below: one or the other."]
    return errors


def _allergy_form(patient, record=None, *, values=None, errors=None, conflict=None, status=200):
    if values is None:
        values = _record_values(record) if record else {}
    return (
        render_template(
            "patients/allergy_form.html",
            patient=patient,
            record=record,
            values=values,
            choices=CHOICES,
            errors=errors or {},
            conflict=conflict,
        ),
        status,
    )


def _record_values(record) -> dict:
    view = allergies.record_view(record)
    return {**view, "allergen_name": record.allergen.name if record.allergen else None}


def _submitted_values(form) -> dict:
    values = dict(form.items())
    values["allergen_name"] = form.get("allergen_name")
    return values


@bp.route("/<int:patient_id>/allergies/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def new_allergy(patient_id: int):
    patient = service.get_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)
    if request.method == "GET":
        return _allergy_form(patient)
    try:
        data = AllergyCreateSchema().load(_allergy_form_data(request.form))
        allergies.record_allergy(db.session, actor=current_actor(), patient_id=patient.id, data=data)
    except ValidationError as error:
        return _allergy_form(
            patient, values=_submitted_values(request.form), errors=_form_errors(error.messages), status=422
        )
    except DomainError as error:
        if error.status == 404:
            raise
        errors = error.errors or {"_general": [error.message]}
        return _allergy_form(patient, values=_submitted_values(request.form), errors=errors, status=error.status)
    flash("Allergy recorded.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.route("/<int:patient_id>/allergies/<int:allergy_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def edit_allergy(patient_id: int, allergy_id: int):
    clinic_id = current_actor().clinic_id
    patient = service.get_patient(db.session, clinic_id=clinic_id, patient_id=patient_id)
    record = allergies.get_allergy(db.session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    if record.verification_status == VerificationStatus.ENTERED_IN_ERROR:
        flash("This record was entered in error: it is kept read-only.", "error")
        return redirect(url_for("patients.detail", patient_id=patient.id))
    if request.method == "GET":
        return _allergy_form(patient, record)
    revision = request.form.get("revision", "")
    try:
        data = AllergyUpdateSchema().load(_allergy_form_data(request.form))
        allergies.update_allergy(
            db.session,
            actor=current_actor(),
            patient_id=patient.id,
            allergy_id=record.id,
            data=data,
            expected_revision=int(revision) if revision.isdigit() else None,
        )
    except ValidationError as error:
        return _allergy_form(
            patient, record, values=_submitted_values(request.form), errors=_form_errors(error.messages), status=422
        )
    except allergies.StaleRevision as error:
        # Show what is stored now: re-saving the stale form would undo the colleague's change.
        db.session.rollback()
        record = allergies.get_allergy(db.session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
        conflict = (
            "Someone changed this record while you were editing it. The form now shows the record as it "
            "stands; apply your change again if it is still needed."
        )
        return _allergy_form(patient, record, conflict=conflict, status=error.status)
    except DomainError as error:
        if error.status == 404:
            raise
        errors = {**(error.errors or {}), "_general": [error.message]}
        return _allergy_form(
            patient, record, values=_submitted_values(request.form), errors=errors, status=error.status
        )
    flash("Allergy record updated; the previous version is in its history.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/<int:patient_id>/allergies/<int:allergy_id>/history")
@role_required(Role.VIEWER)
def allergy_history(patient_id: int, allergy_id: int):
    clinic_id = current_actor().clinic_id
    patient = service.get_patient(db.session, clinic_id=clinic_id, patient_id=patient_id)
    record = allergies.get_allergy(db.session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    revisions = allergies.allergy_history(db.session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    return render_template(
        "patients/allergy_history.html", patient=patient, record=record, revisions=list(reversed(revisions))
    )
