"""Pages for treatment sessions, lots and recalls: record a session from a check, print the patient's sheet."""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from catalog import i18n
from catalog.checks import service as checks_service
from catalog.checks.advice import load_advice
from catalog.clinics import service as clinics_service
from catalog.clinics.auth import current_actor, role_required
from catalog.clinics.models import Clinic
from catalog.cocktails import service as cocktails_service
from catalog.core.actors import Role
from catalog.core.db import utcnow
from catalog.core.errors import DomainError
from catalog.extensions import db
from catalog.products import service as products_service
from catalog.treatments import api as treatments_api
from catalog.treatments import forms, service
from catalog.treatments.areas import TREATMENT_AREAS
from catalog.treatments.schemas import (
    LotCreateSchema,
    LotQuerySchema,
    RecallQuerySchema,
    SessionAmendSchema,
    SessionCreateSchema,
)
from catalog.treatments.sheet import patient_sheet
from catalog.web.forms import ask_to_confirm, confirmed, flatten, load_query, on_refusal

bp = Blueprint("treatments", __name__)


def _clinic() -> Clinic:
    return db.session.get(Clinic, current_actor().clinic_id)


def _zone():
    return service.clinic_zone(_clinic(), current_app.config["TIME_ZONE"])


# --- Lots -----------------------------------------------------------------------------------------


def _lots_page(*, errors=None, form=None, status=200):
    args, query_errors = load_query(LotQuerySchema(only=("product", "ingredient", "number", "page")), request.args)
    lots = None if query_errors else service.list_lots(db.session, clinic_id=current_actor().clinic_id, **args)
    products = products_service.product_choices(db.session)
    # A solution prepared from a plain ingredient has lots too: those the clinic's cocktails use.
    ingredients = cocktails_service.plain_ingredients_used(db.session, clinic_id=current_actor().clinic_id)
    return (
        render_template(
            "treatments/lots.html",
            lots=lots,
            args=args,
            products=products,
            ingredients=ingredients,
            errors=errors or {},
            query_errors=query_errors,
            form=form or {},
            today=utcnow().astimezone(_zone()).date(),
            can_write=current_actor().allows(Role.PRACTITIONER),
        ),
        status,
    )


@bp.get("/lots")
@role_required(Role.VIEWER)
def lots():
    return _lots_page()


def _lot_refused(error):
    messages = error.messages if isinstance(error, ValidationError) else (error.errors or {"number": [error.message]})
    return _lots_page(errors=flatten(messages), form=request.form, status=422)


@bp.post("/lots")
@role_required(Role.PRACTITIONER)
@on_refusal(_lot_refused)
def add_lot():
    item = request.form.get("item", "")
    kind, _separator, slug = item.partition(":")
    data = {
        "number": request.form.get("number", ""),
        "expires_on": request.form.get("expires_on", ""),
        "received_on": request.form.get("received_on") or None,
        **({kind: slug} if kind in ("product", "ingredient") and slug else {}),
    }
    lot = service.create_lot(db.session, actor=current_actor(), data=LotCreateSchema().load(data))
    flash(_("Lot %(lot)s of %(item)s added to your stock.", lot=lot.number, item=lot.item_name), "success")
    return redirect(url_for("treatments.lots"), code=303)


# --- Sessions -------------------------------------------------------------------------------------


def _form_context(check_id: int, *, values=None, errors=None, amending=None):
    """Everything the session form shows for a check: the patient, version, lots per component, people."""
    clinic_id = current_actor().clinic_id
    record = checks_service.get_check_record(db.session, clinic_id=clinic_id, check_id=check_id)
    zone = _zone()
    now = utcnow()
    day = now.astimezone(zone).date()
    if values is None:
        values = _defaults(record, amending, zone, now)
    return {
        "record": record,
        "amending": amending,
        "values": values,
        "errors": errors or {},
        "areas": TREATMENT_AREAS,
        "lot_choices": service.lots_for_version(db.session, clinic_id=clinic_id, version=record.version, on=day),
        "people": [
            p for p in clinics_service.list_practitioners(db.session, clinic_id=clinic_id) if p.is_active_account
        ],
        "clinic": _clinic(),
        "zone": zone.key,
    }


def _defaults(record, amending, zone, now) -> dict:
    if amending is not None:
        values = {
            "performed_at": forms.local_input(amending.performed_at, zone),
            "consent_at": forms.local_input(amending.consent_at, zone),
            "consent_information": amending.consent_information,
            "technique": amending.technique.value,
            "prepared_by": str(amending.prepared_by_id),
            "administered_by": str(amending.administered_by_id),
            "second_checked_by": str(amending.second_checked_by_id or ""),
            "observations": amending.observations,
            "immediate_reactions": amending.immediate_reactions,
        }
        values.update({f"area-{a['area']}": f"{a['volume_ml']:g}" for a in amending.areas})
        values.update({f"lot-{item.position}": str(item.lot_id) for item in amending.lots})
        return values
    me = str(current_actor().practitioner_id or "")
    return {
        "performed_at": forms.local_input(now, zone),
        "consent_at": forms.local_input(now, zone),
        "technique": record.version.technique.value,
        "prepared_by": me,
        "administered_by": me,
    }


@bp.get("/sessions/new")
@role_required(Role.PRACTITIONER)
def new_session():
    check_id = request.args.get("check", type=int)
    if not check_id:
        flash(_("A session starts from a recorded check: check the version for the patient first."), "error")
        return redirect(url_for("cocktails.index"), code=303)
    return render_template("treatments/session_form.html", **_form_context(check_id))


def _session_input(check_id: int) -> dict:
    record = checks_service.get_check_record(db.session, clinic_id=current_actor().clinic_id, check_id=check_id)
    positions = [component.position for component in record.version.components]
    return forms.session_input(request.form, _zone(), positions=positions)


def _session_refused(error, **_):
    check_id = request.form.get("check", type=int) or 0
    amending = None
    if request.view_args.get("session_id"):
        amending = service.get_session(
            db.session, clinic_id=current_actor().clinic_id, session_id=request.view_args["session_id"]
        )
    messages = error.messages if isinstance(error, ValidationError) else (error.errors or {})
    errors = flatten(messages)
    if isinstance(error, DomainError):
        errors.setdefault("form", []).insert(0, error.message)
    context = _form_context(check_id, values=request.form, errors=errors, amending=amending)
    return render_template("treatments/session_form.html", **context), 422


@bp.post("/sessions")
@role_required(Role.PRACTITIONER)
@on_refusal(_session_refused)
def record_session():
    check_id = request.form.get("check", type=int) or 0
    data = SessionCreateSchema().load(_session_input(check_id))
    if not confirmed():
        return ask_to_confirm(
            _(
                "Sign this treatment session as given, under your name. It goes into the file of the patient; "
                "a later change is an amendment and the signed record is kept."
            ),
            button=_("Sign and record the session"),
            back=url_for("treatments.new_session", check=check_id),
        )
    treatment = service.record_session(
        db.session, actor=current_actor(), data=data, time_zone=current_app.config["TIME_ZONE"]
    )
    flash(_("Session %(number)s recorded. Hand the patient their sheet.", number=treatment.session_number), "success")
    return redirect(url_for("treatments.session_detail", session_id=treatment.id), code=303)


@bp.get("/sessions/<int:session_id>")
@role_required(Role.VIEWER)
def session_detail(session_id: int):
    record = service.get_session_record(db.session, clinic_id=current_actor().clinic_id, session_id=session_id)
    return render_template(
        "treatments/session.html",
        record=record,
        areas=TREATMENT_AREAS,
        zone=_zone(),
        can_write=current_actor().allows(Role.PRACTITIONER),
    )


@bp.get("/sessions/<int:session_id>/amend")
@role_required(Role.PRACTITIONER)
def amend_form(session_id: int):
    treatment = service.get_session(db.session, clinic_id=current_actor().clinic_id, session_id=session_id)
    return render_template("treatments/session_form.html", **_form_context(treatment.check_id, amending=treatment))


@bp.post("/sessions/<int:session_id>/amend")
@role_required(Role.PRACTITIONER)
@on_refusal(_session_refused)
def amend(session_id: int):
    check_id = request.form.get("check", type=int) or 0
    data = SessionAmendSchema().load(_session_input(check_id))
    reason = data.pop("reason")
    if not confirmed():
        return ask_to_confirm(
            _(
                "Sign this amendment under your name, because: “%(reason)s”. The original record is kept as it was.",
                reason=reason,
            ),
            button=_("Sign and record the amendment"),
            back=url_for("treatments.amend_form", session_id=session_id),
        )
    treatment = service.amend_session(
        db.session,
        actor=current_actor(),
        session_id=session_id,
        data=data,
        reason=reason,
        time_zone=current_app.config["TIME_ZONE"],
    )
    flash(_("Amendment recorded; the original record is kept as it was."), "success")
    return redirect(url_for("treatments.session_detail", session_id=treatment.id), code=303)


@bp.get("/sessions/<int:session_id>/sheet")
@role_required(Role.VIEWER)
def sheet(session_id: int):
    """The patient's sheet, in the patient's language."""
    record = service.get_session_record(db.session, clinic_id=current_actor().clinic_id, session_id=session_id)
    with i18n.speaking(record.patient.language):
        advice = load_advice(current_app.config["SEED_DIRECTORY"])
        sheet = patient_sheet(record, advice=advice, default_zone=current_app.config["TIME_ZONE"])
        return render_template("treatments/sheet.html", sheet=sheet, pdf=False, session_id=session_id)


@bp.get("/sessions/<int:session_id>/sheet.pdf")
@role_required(Role.VIEWER)
def sheet_pdf(session_id: int):
    body = treatments_api.sheet_pdf(session_id)
    return Response(body, mimetype="application/pdf", headers=treatments_api._pdf_headers(session_id))


# --- Recalls --------------------------------------------------------------------------------------


@bp.get("/recalls")
@role_required(Role.VIEWER)
def recalls():
    hits, errors, args = None, {}, {}
    if request.args.get("lot", "").strip():
        args, errors = load_query(RecallQuerySchema(), request.args)
        if not errors:
            hits = service.recall(
                db.session, clinic_id=current_actor().clinic_id, number=args["lot"], product=args.get("product")
            )
    return render_template(
        "treatments/recalls.html", hits=hits, errors=errors, args=args, zone=_zone()
    ), 400 if errors else 200


@bp.get("/recalls.csv")
@role_required(Role.VIEWER)
def recalls_csv():
    args, errors = load_query(RecallQuerySchema(), request.args)
    if errors:
        return redirect(url_for("treatments.recalls", **request.args), code=303)
    hits = service.recall(
        db.session, clinic_id=current_actor().clinic_id, number=args["lot"], product=args.get("product")
    )
    return treatments_api.recall_csv_response(hits, args["lot"])
