"""Pages for checks: run one for a patient, read its findings, override, print the treatment sheet."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from catalog.checks import service
from catalog.checks.advice import load_advice
from catalog.checks.schemas import OverrideSchema
from catalog.clinics.auth import current_actor, role_required
from catalog.cocktails import service as cocktails_service
from catalog.core.actors import Role
from catalog.core.errors import DomainError
from catalog.extensions import db
from catalog.patients import service as patients_service
from catalog.web.forms import refused

bp = Blueprint("checks", __name__, url_prefix="/checks")


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= 2**31 - 1 else None


@bp.post("")
@role_required(Role.PRACTITIONER)
def create():
    """Check a saved version for a patient; the check is recorded."""
    cocktail_id = _number(request.form.get("cocktail"))
    # Another clinic's cocktail is not found here, whatever the form says.
    cocktail = cocktails_service.get_cocktail(
        db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id or 0
    )
    patient_id = _number(request.form.get("patient"))
    if patient_id is None:
        return refused(
            "Choose a patient to check the cocktail for.", url_for("cocktails.detail", cocktail_id=cocktail.id)
        )
    try:
        check = service.check_version(
            db.session,
            actor=current_actor(),
            patient_id=patient_id,
            cocktail_id=cocktail.id,
            version=_number(request.form.get("version")),
        )
    except DomainError as error:
        return refused(error.message, url_for("cocktails.detail", cocktail_id=cocktail.id))
    return redirect(url_for("checks.detail", check_id=check.id), code=303)


def _context(check_id: int) -> dict:
    clinic_id = current_actor().clinic_id
    check = service.get_check(db.session, clinic_id=clinic_id, check_id=check_id)
    cocktail = cocktails_service.get_cocktail(db.session, clinic_id=clinic_id, cocktail_id=check.cocktail_id)
    return {
        "check": check,
        "cocktail": cocktail,
        "version": cocktails_service.get_version(db.session, cocktail=cocktail, number=check.version_number),
        "patient": patients_service.get_patient(db.session, clinic_id=clinic_id, patient_id=check.patient_id),
    }


@bp.get("/<int:check_id>")
@role_required(Role.VIEWER)
def detail(check_id: int):
    return render_template(
        "checks/detail.html", **_context(check_id), can_write=current_actor().allows(Role.PRACTITIONER), errors={}
    )


@bp.post("/<int:check_id>/override")
@role_required(Role.PRACTITIONER)
def override(check_id: int):
    context = _context(check_id)
    try:
        data = OverrideSchema().load({"reason": request.form.get("reason", "")})
        service.override_check(db.session, actor=current_actor(), check_id=check_id, reason=data["reason"])
    except ValidationError as error:
        errors = {"reason": ["Give the reason for going ahead (up to 1000 characters)."]} if error.messages else {}
        return render_template("checks/detail.html", **context, can_write=True, errors=errors), 422
    except DomainError as error:
        if error.status == 404:
            raise
        return refused(error.message, url_for("checks.detail", check_id=check_id))
    flash("Override recorded, with your reason.", "success")
    return redirect(url_for("checks.detail", check_id=check_id), code=303)


@bp.get("/<int:check_id>/sheet")
@role_required(Role.VIEWER)
def sheet(check_id: int):
    """The printable treatment sheet: composition, technique, protocol, the check, and the advice."""
    return render_template(
        "checks/sheet.html", **_context(check_id), advice=load_advice(current_app.config["SEED_DIRECTORY"])
    )
