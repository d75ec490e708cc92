"""Pages for signing in and out, and the clinic admin's settings: people and API tokens."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from catalog.clinics import credentials, service
from catalog.clinics.auth import current_actor, role_required
from catalog.core.actors import Role, TokenScope
from catalog.core.db import utcnow
from catalog.core.errors import DomainError
from catalog.extensions import db
from catalog.web.transactions import keep_writes_on_error

bp = Blueprint("clinics", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("patients.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error, email = None, ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        try:
            practitioner = credentials.authenticate(db.session, email=email, password=request.form.get("password", ""))
        except credentials.SignInRefused as refused:
            # The failure count must be kept even though the answer is an error.
            keep_writes_on_error()
            error = str(refused)
        else:
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(practitioner)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("clinics/sign_in.html", error=error, email=email), 401 if error else 200


@bp.post("/sign-out")
def sign_out():
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("clinics.sign_in"))


@bp.route("/account", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def account():
    """One's own account: change the password."""
    errors = {}
    if request.method == "POST":
        if request.form.get("new_password") != request.form.get("confirm_password"):
            errors = {"confirm_password": ["The two new passwords differ."]}
        else:
            try:
                practitioner = credentials.change_password(
                    db.session,
                    actor=current_actor(),
                    current=request.form.get("current_password", ""),
                    new=request.form.get("new_password", ""),
                )
            except DomainError as error:
                errors = error.errors or {}
            else:
                login_user(practitioner)  # this session continues; the others end
                flash("Password changed. Other sessions of your account are signed out.", "success")
                return redirect(url_for("clinics.account"))
    return render_template("clinics/account.html", errors=errors), 422 if errors else 200


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
        ),
        status,
    )


@bp.post("/settings/practitioners")
@role_required(Role.ADMIN)
def add_practitioner():
    form = request.form
    try:
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
    except DomainError as error:
        return _settings_page(errors={"practitioner": error.errors or {}}, form=form, status=422)
    flash(f"Added {practitioner.name} as {practitioner.role.value}.", "success")
    return redirect(url_for("clinics.settings"))


@bp.post("/settings/practitioners/<int:practitioner_id>")
@role_required(Role.ADMIN)
def change_practitioner(practitioner_id: int):
    # Another clinic's account does not exist here, whatever the form says.
    service.get_practitioner(db.session, clinic_id=current_actor().clinic_id, practitioner_id=practitioner_id)
    action = request.form.get("action")
    if action == "unlock":
        service.unlock_practitioner(
            db.session, clinic_id=current_actor().clinic_id, practitioner_id=practitioner_id, actor=current_actor()
        )
        flash("Account unlocked.", "success")
        return redirect(url_for("clinics.settings"))
    changes = {"role": request.form.get("role")} if action == "role" else {"is_active": action == "enable"}
    if action not in {"role", "enable", "disable"}:
        return _settings_page(errors={"people": {"action": ["Unknown action."]}}, status=422)
    try:
        service.update_practitioner(
            db.session,
            clinic_id=current_actor().clinic_id,
            practitioner_id=practitioner_id,
            actor=current_actor(),
            **changes,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        return _settings_page(errors={"people": error.errors or {"account": [error.message]}}, status=error.status)
    flash("Account updated.", "success")
    return redirect(url_for("clinics.settings"))


@bp.post("/settings/tokens")
@role_required(Role.ADMIN)
def add_token():
    form = request.form
    try:
        new = service.create_token(
            db.session,
            clinic_id=current_actor().clinic_id,
            name=form.get("name", ""),
            scope=form.get("scope", ""),
            is_curator=form.get("is_curator") == "on",
            can_read_audit=form.get("can_read_audit") == "on",
            actor=current_actor(),
        )
    except DomainError as error:
        return _settings_page(errors={"token": error.errors or {}}, form=form, status=422)
    # Shown once, in this response only; the page is not cached.
    response = _settings_page(new_token=new)
    return (*response, {"Cache-Control": "no-store"})


@bp.post("/settings/tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    token = service.revoke_token(
        db.session, clinic_id=current_actor().clinic_id, token_id=token_id, actor=current_actor()
    )
    flash(f"Token {token.name!r} revoked: it no longer works.", "success")
    return redirect(url_for("clinics.settings"))
