"""Pages for a clinic's patients and their allergy records.

Forms are read by the same marshmallow schemas as the API (`catalog.patients.forms`), so a page
and another system are told the same thing about the same input. A refused form is answered by
the `*_refused` functions below, which show it again with the reasons; nothing it wrote is kept.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from catalog.checks import service as checks_service
from catalog.clinics.auth import current_actor, role_required
from catalog.cocktails import service as cocktails_service
from catalog.core.actors import Role
from catalog.core.timeline import merge_timelines
from catalog.extensions import db
from catalog.patients import allergies, forms, reading, service, timeline, weights
from catalog.patients.models import VerificationStatus
from catalog.patients.schemas import PatientQuerySchema, WeightCreateSchema
from catalog.products import service as products_service
from catalog.treatments import service as treatments_service
from catalog.vocabularies import service as vocabularies_service
from catalog.web.forms import ask_to_confirm, confirmed, flatten, load_query, on_refusal, reasons, refused

bp = Blueprint("patients", __name__, url_prefix="/patients")
query_schema = PatientQuerySchema()
# The patient's page shows this many of the newest events on their timeline.
TIMELINE_LENGTH = 50

CONFLICT = (
    "Someone changed this record while you were editing it. The form now shows the record as it "
    "stands; apply your change again if it is still needed."
)


def _patient(patient_id: int):
    return service.get_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)


def _allergy(patient_id: int, allergy_id: int):
    clinic_id = current_actor().clinic_id
    return allergies.get_allergy(db.session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)


def _can_write() -> bool:
    return current_actor().allows(Role.PRACTITIONER)


# --- Patients -----------------------------------------------------------------


@bp.get("")
@role_required(Role.VIEWER)
def index():
    """The clinic's patients, searched as you type."""
    args, errors = load_query(query_schema, request.args)
    results = None if errors else service.search_patients(db.session, clinic_id=current_actor().clinic_id, **args)
    template = "patients/_list.html" if request.headers.get("HX-Request") else "patients/index.html"
    q = args.get("q", request.args.get("q", "")[:200])
    return render_template(template, results=results, q=q, errors=errors), 400 if errors else 200


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


def _patient_refused(error, patient_id: int | None = None):
    patient = _patient(patient_id) if patient_id is not None else None
    if isinstance(error, ValidationError):
        return _patient_form(patient, form=request.form, errors=flatten(error.messages), status=422)
    return _patient_form(patient, form=request.form, errors=error.errors, status=error.status)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
@on_refusal(_patient_refused)
def new():
    if request.method == "GET":
        return _patient_form()
    data = forms.new_patient(request.form)
    # The sheet's language, unless the form says: the language of the person adding the patient.
    data["language"] = data["language"] or current_user.language
    patient = service.create_patient(db.session, actor=current_actor(), **data)
    flash(_("Patient added. Record their allergies, or that they have none."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/<int:patient_id>")
@role_required(Role.VIEWER)
def detail(patient_id: int):
    file = reading.read_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)
    return render_template(
        "patients/detail.html",
        patient=file.patient,
        standing=file.standing,
        set_apart=file.set_apart,
        can_write=_can_write(),
        **_checks_of(file.patient),
        **_timeline_of(file.patient),
    )


def _checks_of(patient) -> dict:
    """The patient's latest checks, and the names of the cocktails checked (another domain's records)."""
    checks = checks_service.list_checks(db.session, clinic_id=patient.clinic_id, patient_id=patient.id, page_size=20)
    cocktail_ids = {check.cocktail_id for check in checks.items}
    return {
        "checks": checks.items,
        "cocktail_names": cocktails_service.names(db.session, clinic_id=patient.clinic_id, ids=cocktail_ids),
    }


def _timeline_of(patient) -> dict:
    """What happened to the patient's records, newest first: each domain gives its events, merged here."""
    event_lists = [
        timeline.allergy_events(db.session, patient=patient),
        timeline.condition_events(patient),
        # One more than is shown, to know whether there are older events.
        checks_service.check_events(
            db.session, clinic_id=patient.clinic_id, patient_id=patient.id, limit=TIMELINE_LENGTH + 1
        ),
        treatments_service.events_for_patient(
            db.session, clinic_id=patient.clinic_id, patient_id=patient.id, limit=TIMELINE_LENGTH + 1
        ),
    ]
    events = merge_timelines(event_lists, limit=TIMELINE_LENGTH + 1)
    return {"timeline": events[:TIMELINE_LENGTH], "timeline_has_more": len(events) > TIMELINE_LENGTH}


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
@on_refusal(_patient_refused)
def edit(patient_id: int):
    patient = _patient(patient_id)
    if request.method == "GET":
        return _patient_form(patient)
    changes = forms.patient_changes(request.form)
    service.update_patient(db.session, actor=current_actor(), patient_id=patient.id, changes=changes)
    flash(_("Patient updated."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


def _status_refused(error, patient_id: int):
    """Back to the patient, saying why: the schema's reasons, or the service's whole sentence."""
    message = reasons(error) if isinstance(error, ValidationError) else error.message
    return refused(message, url_for("patients.detail", patient_id=patient_id))


@bp.post("/<int:patient_id>/allergy-status")
@role_required(Role.PRACTITIONER)
@on_refusal(_status_refused)
def allergy_status(patient_id: int):
    """Assert 'no known allergies', or withdraw that assertion."""
    patient = _patient(patient_id)  # another clinic's patient is not found, whatever the form says
    changes = forms.allergy_status(request.form)
    if changes["allergy_status"] == "no-known-allergies" and not confirmed():
        return ask_to_confirm(
            _(
                "Record that %(patient)s has no known allergies. Checks will rely on it until an allergy is recorded "
                "or the assertion is withdrawn.",
                patient=patient.display_name,
            ),
            button=_("Record no known allergies"),
            back=url_for("patients.detail", patient_id=patient_id),
        )
    service.update_patient(db.session, actor=current_actor(), patient_id=patient_id, changes=changes)
    flash(_("Allergy status updated."), "success")
    return redirect(url_for("patients.detail", patient_id=patient_id), code=303)


@bp.post("/<int:patient_id>/weights")
@role_required(Role.PRACTITIONER)
@on_refusal(_status_refused)
def record_weight(patient_id: int):
    """Record a body weight (the newest measurement is the one doses per kg use)."""
    _patient(patient_id)
    data = WeightCreateSchema().load(forms.weight_input(request.form))
    weights.record_weight(db.session, actor=current_actor(), patient_id=patient_id, **data)
    flash(
        _("Weight recorded: %(kg)s kg on %(day)s.", kg=f"{data['kg']:g}", day=f"{data['measured_on']:%Y-%m-%d}"),
        "success",
    )
    return redirect(url_for("patients.detail", patient_id=patient_id), code=303)


# --- Allergy records -------------------------------------------------------------


def _product_choices() -> list[tuple[str, str]]:
    listed = products_service.search_products(db.session, page_size=100).items
    return [("", _("No product")), *((product.slug, product.name) for product in listed)]


def _allergy_form(patient, record=None, *, values=None, errors=None, conflict=None, status=200):
    if values is None:
        values = forms.record_values(record) if record else {}
    return (
        render_template(
            "patients/allergy_form.html",
            patient=patient,
            record=record,
            values=values,
            choices=forms.CHOICES,
            products=[("", _("No product"))]
            + [
                (product.slug, product.name)
                for product in products_service.search_products(db.session, page_size=100).items
            ],
            errors=errors or {},
            conflict=conflict,
        ),
        status,
    )


def _allergy_refused(error, patient_id: int, allergy_id: int | None = None):
    patient = _patient(patient_id)
    record = _allergy(patient_id, allergy_id) if allergy_id is not None else None
    if isinstance(error, allergies.StaleRevision):
        # Show what is stored now: re-saving the stale form would undo the colleague's change.
        return _allergy_form(patient, record, conflict=CONFLICT, status=error.status)
    values = forms.submitted_values(request.form)
    if isinstance(error, ValidationError):
        errors = forms.allergy_errors(flatten(error.messages))
        return _allergy_form(patient, record, values=values, errors=errors, status=422)
    if record is None:
        errors = error.errors or {"_general": [error.message]}
    else:
        errors = {**(error.errors or {}), "_general": [error.message]}
    return _allergy_form(patient, record, values=values, errors=errors, status=error.status)


@bp.route("/<int:patient_id>/allergies/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
@on_refusal(_allergy_refused)
def new_allergy(patient_id: int):
    patient = _patient(patient_id)
    if request.method == "GET":
        return _allergy_form(patient)
    data = forms.new_allergy(request.form)
    allergies.record_allergy(db.session, actor=current_actor(), patient_id=patient.id, data=data)
    flash(_("Allergy recorded."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.route("/<int:patient_id>/allergies/<int:allergy_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
@on_refusal(_allergy_refused)
def edit_allergy(patient_id: int, allergy_id: int):
    patient, record = _patient(patient_id), _allergy(patient_id, allergy_id)
    if record.verification_status == VerificationStatus.ENTERED_IN_ERROR:
        flash(_("This record was entered in error: it is kept read-only."), "error")
        return redirect(url_for("patients.detail", patient_id=patient.id))
    if request.method == "GET":
        return _allergy_form(patient, record)
    data, revision = forms.allergy_change(request.form)
    allergies.update_allergy(
        db.session,
        actor=current_actor(),
        patient_id=patient.id,
        allergy_id=record.id,
        data=data,
        expected_revision=revision,
    )
    flash(_("Allergy record updated; the previous version is in its history."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/<int:patient_id>/allergies/<int:allergy_id>/history")
@role_required(Role.VIEWER)
def allergy_history(patient_id: int, allergy_id: int):
    patient, record = _patient(patient_id), _allergy(patient_id, allergy_id)
    revisions = allergies.allergy_history(
        db.session, clinic_id=patient.clinic_id, patient_id=patient_id, allergy_id=allergy_id
    )
    return render_template(
        "patients/allergy_history.html", patient=patient, record=record, revisions=list(reversed(revisions))
    )
