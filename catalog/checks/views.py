"""Pages for checks: run one for a patient, read its findings, override, print the treatment sheet.

Each view reads its form through a schema, calls one service and renders; a refused form is
answered by the function its `on_refusal` names, written just above it.
"""

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from catalog.checks import service, wording
from catalog.checks.advice import advice_for, load_advice
from catalog.checks.forms import CheckFormSchema, filled
from catalog.checks.schemas import OverrideSchema
from catalog.clinics.auth import current_actor, role_required
from catalog.clinics.models import Clinic
from catalog.cocktails import service as cocktails_service
from catalog.core.actors import Role
from catalog.extensions import db
from catalog.web.forms import ask_to_confirm, confirmed, flatten, load_query, on_refusal, reasons, refused

bp = Blueprint("checks", __name__, url_prefix="/checks")
# Findings and gaps are shown in the reader's language, wherever a page lists them.
bp.add_app_template_global(wording.findings_in_language)
bp.add_app_template_global(wording.gaps_in_language)


def _back_to_the_form(error):
    """Back to the page the form was on, the cocktail's or one version's, saying why nothing was checked.

    Another clinic's cocktail is not found here; a version refused as not existing sends back to the cocktail's page.
    """
    sent = {
        name: load_query(CheckFormSchema(only=(name,)), request.form)[0].get(name)
        for name in ("cocktail", "version", "back_to")
    }
    cocktail_id = sent["cocktail"] or 0
    cocktail = cocktails_service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
    problems = error.messages if isinstance(error, ValidationError) else (error.errors or {})
    message = reasons(error) if isinstance(error, ValidationError) else error.message
    if sent["back_to"] == "version" and sent["version"] and "version" not in problems:
        return refused(message, url_for("cocktails.version", cocktail_id=cocktail.id, number=sent["version"]))
    return refused(message, url_for("cocktails.detail", cocktail_id=cocktail.id))


@bp.post("")
@role_required(Role.PRACTITIONER)
@on_refusal(_back_to_the_form)
def create():
    """Check a saved version for a patient; the check is recorded."""
    form = CheckFormSchema().load(filled(request.form))
    check = service.check_version(
        db.session,
        actor=current_actor(),
        patient_id=form["patient"],
        cocktail_id=form.get("cocktail", 0),
        version=form.get("version"),
    )
    return redirect(url_for("checks.detail", check_id=check.id), code=303)


def _page(check_id: int) -> dict:
    """What the check's page and its sheet show: the check, the cocktail's version checked, and the patient."""
    record = service.get_check_record(db.session, clinic_id=current_actor().clinic_id, check_id=check_id)
    return {"check": record.check, "cocktail": record.cocktail, "version": record.version, "patient": record.patient}


@bp.get("/<int:check_id>")
@role_required(Role.VIEWER)
def detail(check_id: int):
    return render_template(
        "checks/detail.html", **_page(check_id), can_write=current_actor().allows(Role.PRACTITIONER), errors={}
    )


def _override_refused(error, check_id: int):
    """A reason that will not do is asked for again; a check that takes no override says why on its page."""
    if isinstance(error, ValidationError):
        # The schema's own words: blank, or too long with its length.
        errors = {"reason": flatten(error.messages).get("reason") or [_("Give the reason for going ahead.")]}
        return render_template("checks/detail.html", **_page(check_id), can_write=True, errors=errors), 422
    return refused(error.message, url_for("checks.detail", check_id=check_id))


@bp.post("/<int:check_id>/override")
@role_required(Role.PRACTITIONER)
@on_refusal(_override_refused)
def override(check_id: int):
    data = OverrideSchema().load({"reason": request.form.get("reason", "")})
    if not confirmed():
        return ask_to_confirm(
            _(
                "Record an override of this check's critical findings, with your reason: “%(reason)s”. "
                "The override is kept in the patient's record and cannot be undone.",
                reason=data["reason"],
            ),
            button=_("Record the override"),
            back=url_for("checks.detail", check_id=check_id),
        )
    service.override_check(db.session, actor=current_actor(), check_id=check_id, reason=data["reason"])
    flash(_("Override recorded, with your reason."), "success")
    return redirect(url_for("checks.detail", check_id=check_id), code=303)


@bp.get("/<int:check_id>/sheet")
@role_required(Role.VIEWER)
def sheet(check_id: int):
    """The printable treatment sheet: composition, technique, protocol, the check, and the advice."""
    page = _page(check_id)
    version = page["version"]
    advice = advice_for(
        load_advice(current_app.config["SEED_DIRECTORY"]),
        technique=version.technique.value,
        indication=version.indication,
    )
    clinic = db.session.get(Clinic, current_actor().clinic_id)
    zone = ZoneInfo(clinic.time_zone or current_app.config["TIME_ZONE"])
    return render_template("checks/sheet.html", **page, advice=advice, zone=zone)
