"""Pages for signing in and out, and the clinic admin's settings: people and API tokens.

A refused form is answered by the functions beside its view (`on_refusal`), or, for a
refused sign-in, by the blueprint's error handler; nothing a refused form wrote is kept,
except the count of failed sign-ins.
"""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from marshmallow import ValidationError

from catalog import i18n
from catalog.clinics import credentials, service
from catalog.clinics.auth import current_actor, role_required
from catalog.clinics.models import Clinic
from catalog.clinics.schemas import TIME_ZONES, ClinicDetailsSchema
from catalog.core.actors import Actor, Role, TokenScope
from catalog.core.db import utcnow
from catalog.core.errors import Invalid
from catalog.core.words import N_
from catalog.extensions import db, limiter
from catalog.web.forms import on_refusal, refused
from catalog.web.transactions import keep_writes_on_error
from catalog.web.words import in_page_language, in_page_words

bp = Blueprint("clinics", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing aid."""
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example"), and drop controls.
    unsafe = target is None or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target)
    if not unsafe and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("patients.index")


# --- Signing in and out, one's own account ------------------------------------


def _sign_in_page(*, error=None, email="", status=200):
    return render_template("clinics/sign_in.html", error=error, email=email), status


@bp.errorhandler(credentials.SignInRefused)
def _sign_in_refused(refusal: credentials.SignInRefused):
    keep_writes_on_error()  # the failure count is kept even though the answer is an error
    return _sign_in_page(error=in_page_words(str(refusal)), email=request.form.get("email", "").strip(), status=401)


# Per address, across workers: enough for a clinic behind one address, too few to guess passwords.
SIGN_IN_LIMITS = "30 per minute; 300 per hour"


@bp.errorhandler(429)
def _too_many_sign_ins(error):
    message = _("Too many sign-in attempts from your network: wait a minute, then try again.")
    return _sign_in_page(error=message, email=request.form.get("email", "").strip(), status=429)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMITS, methods=["POST"])
def sign_in():
    if request.method == "GET":
        return redirect(_safe_next(request.args.get("next"))) if current_user.is_authenticated else _sign_in_page()
    email, password = request.form.get("email", "").strip(), request.form.get("password", "")
    practitioner = credentials.authenticate(db.session, email=email, password=password)
    session.clear()  # a fresh session at sign-in: no fixation
    credentials.start_session(db.session, practitioner)
    login_user(practitioner)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        credentials.end_session(db.session, current_user)  # the cookie, if kept, opens nothing any more
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("clinics.sign_in"))


def _account_page(errors=None):
    return render_template("clinics/account.html", errors=errors or {}), 422 if errors else 200


def _new_password(form) -> str:
    """The new password, typed the same twice."""
    if form.get("new_password") != form.get("confirm_password"):
        raise Invalid(
            N_("The two new passwords differ."), errors={"confirm_password": [N_("The two new passwords differ.")]}
        )
    return form.get("new_password", "")


@bp.route("/account", methods=["GET", "POST"])
@role_required(Role.VIEWER)
@on_refusal(lambda error: _account_page(error.errors))
def account():
    """One's own account: change the password."""
    if request.method == "GET":
        return _account_page()
    new = _new_password(request.form)
    current = request.form.get("current_password", "")
    try:
        practitioner = credentials.change_password(
            db.session, actor=current_actor(), current=current, new=new, secret=current_user.session_secret
        )
    except credentials.WrongCurrentPassword as error:
        keep_writes_on_error()  # the failure is counted
        return _account_page(in_page_language(error).errors)
    practitioner.session_secret = current_user.session_secret
    login_user(practitioner)  # this session continues; the others end
    flash(_("Password changed. Other sessions of your account are signed out."), "success")
    return redirect(url_for("clinics.account"))


@bp.post("/language")
def language():
    """The pages' language: one's own setting when signed in, else this browser session's (the sign-in page)."""
    chosen = request.form.get("language") or None
    if current_user.is_authenticated:
        try:
            service.set_language(db.session, actor=Actor.for_practitioner(current_user), language=chosen)
        except Invalid as error:
            return refused(in_page_words(error.message), url_for("clinics.account"))
        flash(_("Language saved."), "success")
    elif chosen in i18n.LANGUAGES:
        session[i18n.SESSION_KEY] = chosen
    else:
        session.pop(i18n.SESSION_KEY, None)
    return redirect(_safe_next(request.form.get("next") or url_for("clinics.account")), code=303)


# --- Settings: people and API tokens --------------------------------------------


@bp.get("/settings")
@role_required(Role.ADMIN)
def settings():
    return _settings_page()


def _settings_page(*, errors=None, form=None, new_token=None, status=200):
    actor = current_actor()
    return (
        render_template(
            "clinics/settings.html",
            practitioners=service.list_practitioners(db.session, clinic_id=actor.clinic_id),
            tokens=service.list_tokens(db.session, clinic_id=actor.clinic_id),
            roles=list(Role),
            scopes=list(TokenScope),
            errors=errors or {},
            form=form or {},
            new_token=new_token,
            now=utcnow(),
            clinic=db.session.get(Clinic, actor.clinic_id),
            time_zones=TIME_ZONES,
            default_time_zone=current_app.config["TIME_ZONE"],
        ),
        status,
    )


def _refused_in(section: str):
    """`on_refusal` for a settings form: the page again, the form kept, the reasons in `section`."""
    return on_refusal(lambda error: _settings_page(errors={section: error.errors or {}}, form=request.form, status=422))


def _details_refused(error):
    messages = error.messages if isinstance(error, ValidationError) else (error.errors or {})
    return _settings_page(errors={"clinic": messages}, form=request.form, status=422)


@bp.post("/settings/clinic")
@role_required(Role.ADMIN)
@on_refusal(_details_refused)
def update_clinic():
    """The clinic's name, contact and emergency number for patients' sheets, time zone and second-check rule."""
    form = request.form
    details = ClinicDetailsSchema().load(
        {
            **{field: form.get(field, "") for field in ("name", "phone", "email", "address", "emergency_number")},
            "time_zone": form.get("time_zone", ""),
            "requires_second_check": form.get("requires_second_check") == "on",
            "idle_timeout_minutes": form.get("idle_timeout_minutes") or "30",
        }
    )
    service.update_clinic_details(db.session, actor=current_actor(), details=details)
    flash(_("Clinic details saved."), "success")
    return redirect(url_for("clinics.settings"), code=303)


@bp.post("/settings/practitioners")
@role_required(Role.ADMIN)
@_refused_in("practitioner")
def add_practitioner():
    form = request.form
    practitioner = service.create_practitioner(
        db.session,
        clinic_id=current_actor().clinic_id,
        email=form.get("email", ""),
        name=form.get("name", ""),
        role=form.get("role", ""),
        password=form.get("password", ""),
        is_curator=form.get("is_curator") == "on",
        actor=current_actor(),
    )
    flash(
        _("Added %(name)s as %(role)s.", name=practitioner.name, role=i18n.role_name(practitioner.role.value)),
        "success",
    )
    return redirect(url_for("clinics.settings"))


def _account_change(form) -> dict:
    """What the people table's buttons ask: a new role, or the account enabled or disabled."""
    action = form.get("action")
    if action not in {"role", "enable", "disable"}:
        raise Invalid(N_("Unknown action."), errors={"action": [N_("Unknown action.")]})
    return {"role": form.get("role")} if action == "role" else {"is_active": action == "enable"}


def _people_refused(error, **_view_args):
    return _settings_page(errors={"people": error.errors or {"account": [error.message]}}, status=error.status)


@bp.post("/settings/practitioners/<int:practitioner_id>")
@role_required(Role.ADMIN)
@on_refusal(_people_refused)
def change_practitioner(practitioner_id: int):
    actor = current_actor()
    account = {"clinic_id": actor.clinic_id, "practitioner_id": practitioner_id}
    # Another clinic's account does not exist here, whatever the form says.
    service.get_practitioner(db.session, **account)
    if request.form.get("action") == "unlock":
        service.unlock_practitioner(db.session, **account, actor=actor)
        flash(_("Account unlocked."), "success")
    else:
        service.update_practitioner(db.session, **account, actor=actor, **_account_change(request.form))
        flash(_("Account updated."), "success")
    return redirect(url_for("clinics.settings"))


@bp.post("/settings/tokens")
@role_required(Role.ADMIN)
@_refused_in("token")
def add_token():
    form = request.form
    new = service.create_token(
        db.session,
        clinic_id=current_actor().clinic_id,
        name=form.get("name", ""),
        scope=form.get("scope", ""),
        is_curator=form.get("is_curator") == "on",
        can_read_audit=form.get("can_read_audit") == "on",
        actor=current_actor(),
    )
    # Shown once, in this response only; the page is not cached.
    response = _settings_page(new_token=new)
    return (*response, {"Cache-Control": "no-store"})


@bp.post("/settings/tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    token = service.revoke_token(
        db.session, clinic_id=current_actor().clinic_id, token_id=token_id, actor=current_actor()
    )
    flash(_("Token %(name)s revoked: it no longer works.", name=repr(token.name)), "success")
    return redirect(url_for("clinics.settings"))
