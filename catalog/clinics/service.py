"""Clinics, their practitioners' accounts and their API tokens; signing in is in `catalog.clinics.credentials`."""

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.clinics import passwords, tokens
from catalog.clinics.models import ApiToken, Clinic, Practitioner, SignInSession
from catalog.core.actors import Actor, Role, TokenScope
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.languages import LANGUAGES
from catalog.core.text import fold
from catalog.core.words import N_, phrase

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLES = {role.value for role in Role}
ONE_OF_ROLES = phrase("Must be one of: %(choices)s.", choices=", ".join(role.value for role in Role))


# --- Clinics ------------------------------------------------------------------


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "clinic"


def create_clinic(session: Session, *, name: str) -> Clinic:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid(
            N_("A clinic needs a name of 1 to 200 characters."), errors={"name": [N_("Length must be 1 to 200.")]}
        )
    base = slugify(name)
    taken = set(session.scalars(select(Clinic.slug).where(Clinic.slug.like(f"{base}%"))))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    clinic = Clinic(name=name, slug=slug)
    session.add(clinic)
    session.flush()
    audit.record(
        session,
        actor=Actor.operator(clinic.id),
        action="clinic.created",
        object_type="clinic",
        object_id=clinic.id,
        changes=[{"field": "slug", "from": None, "to": slug}, {"field": "name"}],
    )
    return clinic


def get_clinic(session: Session, *, slug: str) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.slug == slug))
    if clinic is None:
        raise NotFound(f"No clinic has the slug {slug!r}.", errors={"clinic": [N_("Unknown clinic.")]})
    return clinic


# --- Practitioners ------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_practitioner(
    session: Session,
    *,
    clinic_id: int,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    is_curator: bool = False,
    actor: Actor,
    demo: bool = False,
) -> Practitioner:
    """Create an account; `demo` (the development demo only) allows the demo's published password."""
    email = normalise_email(email)
    problems = _account_problems(session, email, name, role, password, is_curator=is_curator, actor=actor, demo=demo)
    if errors := problems:
        raise Invalid(N_("The account cannot be created."), errors=errors)
    practitioner = Practitioner(
        clinic_id=clinic_id,
        email=email,
        name=name.strip(),
        role=Role(role),
        is_curator=is_curator,
        password_hash=passwords.hash_password(password),
        session_token=secrets.token_hex(16),
    )
    session.add(practitioner)
    flush_unique(session, field="email", message=N_("An account with this email address already exists."))
    audit_account(
        session,
        practitioner,
        "created",
        actor=actor,
        changes=[
            {"field": "role", "from": None, "to": practitioner.role.value},
            {"field": "is_curator", "from": None, "to": is_curator},
            {"field": "email"},
            {"field": "name"},
        ],
    )
    return practitioner


def _account_problems(
    session: Session, email: str, name: str, role: str, password: str, *, is_curator: bool, actor: Actor, demo: bool
) -> dict[str, list[str]]:
    """Why a new account would be refused, field by field (nothing: it may be created)."""
    errors: dict[str, list[str]] = {}
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = [N_("Not a valid email address.")]
    elif session.scalar(select(Practitioner.id).where(Practitioner.email == email)) is not None:
        errors["email"] = [N_("An account with this email address already exists.")]
    if not name.strip() or len(name.strip()) > 200:
        errors["name"] = [N_("Length must be 1 to 200.")]
    if role not in ROLES:
        errors["role"] = [ONE_OF_ROLES]
    if problem := passwords.password_problem(password, demo_allowed=demo):
        errors["password"] = [problem]
    if is_curator and not actor.is_curator:
        errors["is_curator"] = [N_("Only a curator can make another curator.")]
    return errors


def audit_account(
    session: Session, practitioner: Practitioner, action: str, *, actor: Actor, changes: list[dict] | None = None
) -> None:
    """Record `practitioner.<action>` on this account in the clinic's audit trail."""
    audit.record(
        session,
        actor=actor,
        action=f"practitioner.{action}",
        object_type="practitioner",
        object_id=practitioner.id,
        changes=changes,
    )


def list_practitioners(session: Session, *, clinic_id: int) -> list[Practitioner]:
    return list(
        session.scalars(select(Practitioner).where(Practitioner.clinic_id == clinic_id).order_by(Practitioner.name))
    )


def get_practitioner(session: Session, *, clinic_id: int, practitioner_id: int) -> Practitioner:
    practitioner = session.get(Practitioner, practitioner_id)
    if practitioner is None or practitioner.clinic_id != clinic_id:
        raise NotFound(N_("No such practitioner in this clinic."))
    return practitioner


def update_practitioner(
    session: Session,
    *,
    clinic_id: int,
    practitioner_id: int,
    role: str | None = None,
    is_active: bool | None = None,
    actor: Actor,
) -> Practitioner:
    """Change someone's role or disable their account; an admin cannot lock themselves out."""
    practitioner = get_practitioner(session, clinic_id=clinic_id, practitioner_id=practitioner_id)
    before = {"role": practitioner.role, "is_active": practitioner.is_active_account}
    if role is not None and role not in ROLES:
        raise Invalid(N_("Unknown role."), errors={"role": [ONE_OF_ROLES]})
    if practitioner.id == actor.practitioner_id and ((role is not None and role != Role.ADMIN) or is_active is False):
        raise Conflict(N_("You cannot remove your own admin access; ask another admin."))
    if role is not None:
        practitioner.role = Role(role)
    if is_active is not None and is_active != practitioner.is_active_account:
        practitioner.is_active_account = is_active
        # Signing out every session of a disabled account.
        if not is_active:
            end_sessions(session, practitioner_id=practitioner.id, reason="disabled")
    after = {"role": practitioner.role, "is_active": practitioner.is_active_account}
    if changes := audit.change_list(before, after, coded={"role", "is_active"}):
        audit_account(session, practitioner, "updated", actor=actor, changes=changes)
    session.flush()
    return practitioner


def ending_sessions(*conditions, reason: str, now=None):
    """The statement ending the open signed-in sessions that meet `conditions`, saying why."""
    return (
        update(SignInSession)
        .where(*conditions, SignInSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def end_sessions(session: Session, *, practitioner_id: int, reason: str, keep_secret_hash: str | None = None) -> None:
    """End every open signed-in session of the account (but the one whose secret has this digest)."""
    conditions = [SignInSession.practitioner_id == practitioner_id]
    if keep_secret_hash:
        conditions.append(SignInSession.secret_hash != keep_secret_hash)
    session.execute(ending_sessions(*conditions, reason=reason))


def unlock_practitioner(session: Session, *, clinic_id: int, practitioner_id: int, actor: Actor) -> Practitioner:
    """Lift a lock-out before it expires (an admin who knows the person asked)."""
    practitioner = get_practitioner(session, clinic_id=clinic_id, practitioner_id=practitioner_id)
    if practitioner.locked_until is not None:
        practitioner.locked_until = None
        practitioner.failed_sign_ins = 0
        audit_account(session, practitioner, "unlocked", actor=actor)
    return practitioner


# --- API tokens ----------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(
    session: Session,
    *,
    clinic_id: int,
    name: str,
    scope: str,
    is_curator: bool = False,
    can_read_audit: bool = False,
    actor: Actor,
) -> NewToken:
    name = name.strip()
    errors = _token_problems(
        session, clinic_id, name, scope, is_curator=is_curator, can_read_audit=can_read_audit, actor=actor
    )
    if errors:
        raise Invalid(N_("The token cannot be created."), errors=errors)
    secret = tokens.new_secret()
    token = ApiToken(
        clinic_id=clinic_id,
        name=name,
        scope=TokenScope(scope),
        is_curator=is_curator,
        can_read_audit=can_read_audit,
        secret_hash=tokens.digest(secret),
        prefix=tokens.display_prefix(secret),
        created_by_id=actor.practitioner_id,
    )
    session.add(token)
    flush_unique(session, field="name", message=N_("This clinic already has a live token with this name."))
    audit.record(
        session,
        actor=actor,
        action="token.created",
        object_type="token",
        object_id=token.id,
        changes=[
            {"field": "scope", "from": None, "to": token.scope.value},
            {"field": "is_curator", "from": None, "to": is_curator},
            {"field": "can_read_audit", "from": None, "to": can_read_audit},
        ],
    )
    return NewToken(token=token, secret=secret)


def _token_problems(
    session: Session, clinic_id: int, name: str, scope: str, *, is_curator: bool, can_read_audit: bool, actor: Actor
) -> dict[str, list[str]]:
    """Why a new token would be refused, field by field (nothing: it may be created)."""
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [N_("Length must be 1 to 100.")]
    elif _live_token(session, clinic_id=clinic_id, name=name) is not None:
        errors["name"] = [N_("This clinic already has a live token with this name.")]
    if scope not in {s.value for s in TokenScope}:
        errors["scope"] = [phrase("Must be one of: %(choices)s.", choices=", ".join(s.value for s in TokenScope))]
    if is_curator and not actor.is_curator:
        errors["is_curator"] = [N_("Only a curator can create a token that edits the catalogue.")]
    if can_read_audit and not actor.can_read_audit:
        errors["can_read_audit"] = [N_("Only an admin can create a token that reads the audit trail.")]
    return errors


def _live_token(session: Session, *, clinic_id: int, name: str) -> ApiToken | None:
    return session.scalar(
        select(ApiToken).where(ApiToken.clinic_id == clinic_id, ApiToken.name == name, ApiToken.revoked_at.is_(None))
    )


def list_tokens(session: Session, *, clinic_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.clinic_id == clinic_id)
            .order_by(ApiToken.revoked_at.is_not(None), func.lower(ApiToken.name), ApiToken.id)
        )
    )


def revoke_token(
    session: Session, *, clinic_id: int, actor: Actor, token_id: int | None = None, name: str | None = None
) -> ApiToken:
    """Revoke a live token, named by id or by name; it stops working at once."""
    if token_id is not None:
        token = session.get(ApiToken, token_id)
        token = token if token is not None and token.clinic_id == clinic_id else None
    else:
        token = _live_token(session, clinic_id=clinic_id, name=name or "")
    if token is None:
        raise NotFound(N_("No such live token in this clinic."), errors={"name": [N_("Unknown token.")]})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="token.revoked",
            object_type="token",
            object_id=token.id,
            changes=[{"field": "revoked", "from": False, "to": True}],
        )
        session.flush()
    return token


CLINIC_DETAILS = (
    "name",
    "phone",
    "email",
    "address",
    "emergency_number",
    "time_zone",
    "requires_second_check",
    "idle_timeout_minutes",
)


def update_clinic_details(session: Session, *, actor: Actor, details: dict) -> Clinic:
    """An admin's change of the clinic's name, contact, emergency number, time zone and second-check rule; audited."""
    clinic = session.get(Clinic, actor.clinic_id)
    changes = []
    for field in CLINIC_DETAILS:
        if field in details and getattr(clinic, field) != details[field]:
            # Contact details are the clinic's, not a patient's: safe to keep in the trail.
            changes.append({"field": field, "from": getattr(clinic, field), "to": details[field]})
            setattr(clinic, field, details[field])
    if changes:
        audit.record(
            session, actor=actor, action="clinic.updated", object_type="clinic", object_id=clinic.id, changes=changes
        )
    return clinic


def set_language(session: Session, *, actor: Actor, language: str | None) -> Practitioner:
    """One's own pages' language: a code of LANGUAGES, or None to follow the browser's."""
    if language is not None and language not in LANGUAGES:
        raise Invalid(N_("Choose English or French."), errors={"language": [N_("Choose English or French.")]})
    practitioner = session.get(Practitioner, actor.practitioner_id)
    if practitioner is None or practitioner.clinic_id != actor.clinic_id:
        raise NotFound(N_("No such person in this clinic."))
    if practitioner.language != language:
        changes = [{"field": "language", "from": practitioner.language, "to": language}]
        practitioner.language = language
        audit_account(session, practitioner, "updated", actor=actor, changes=changes)
    return practitioner
