"""Clinics, practitioners, sign-in with lock-out, and API tokens."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.clinics import passwords, tokens
from catalog.clinics.models import ApiToken, Clinic, Practitioner
from catalog.core.actors import Actor, Role, TokenScope
from catalog.core.db import flush_unique, utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.text import fold

# After this many wrong passwords in a row the account is locked for LOCK_DURATION.
MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)
# A token's last use is written at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
REFUSAL = (
    f"Wrong email or password. After {MAX_FAILED_SIGN_INS} failed attempts in a row an account is locked "
    "for 15 minutes; your clinic admin can unlock it."
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- Clinics ------------------------------------------------------------------


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "clinic"


def create_clinic(session: Session, *, name: str) -> Clinic:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("A clinic needs a name of 1 to 200 characters.", errors={"name": ["Length must be 1 to 200."]})
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
        raise NotFound(f"No clinic has the slug {slug!r}.", errors={"clinic": ["Unknown clinic."]})
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
) -> Practitioner:
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = ["Not a valid email address."]
    elif session.scalar(select(Practitioner.id).where(Practitioner.email == email)) is not None:
        errors["email"] = ["An account with this email address already exists."]
    if not name.strip() or len(name.strip()) > 200:
        errors["name"] = ["Length must be 1 to 200."]
    if role not in {r.value for r in Role}:
        errors["role"] = [f"Must be one of: {', '.join(r.value for r in Role)}."]
    if problem := passwords.password_problem(password):
        errors["password"] = [problem]
    if is_curator and not actor.is_curator:
        errors["is_curator"] = ["Only a curator can make another curator."]
    if errors:
        raise Invalid("The account cannot be created.", errors=errors)
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
    flush_unique(session, field="email", message="An account with this email address already exists.")
    audit.record(
        session,
        actor=actor,
        action="practitioner.created",
        object_type="practitioner",
        object_id=practitioner.id,
        changes=[
            {"field": "role", "from": None, "to": practitioner.role.value},
            {"field": "is_curator", "from": None, "to": is_curator},
            {"field": "email"},
            {"field": "name"},
        ],
    )
    return practitioner


def list_practitioners(session: Session, *, clinic_id: int) -> list[Practitioner]:
    return list(
        session.scalars(select(Practitioner).where(Practitioner.clinic_id == clinic_id).order_by(Practitioner.name))
    )


def get_practitioner(session: Session, *, clinic_id: int, practitioner_id: int) -> Practitioner:
    practitioner = session.get(Practitioner, practitioner_id)
    if practitioner is None or practitioner.clinic_id != clinic_id:
        raise NotFound("No such practitioner in this clinic.")
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
    if role is not None and role not in {r.value for r in Role}:
        raise Invalid("Unknown role.", errors={"role": [f"Must be one of: {', '.join(r.value for r in Role)}."]})
    if practitioner.id == actor.practitioner_id and ((role is not None and role != Role.ADMIN) or is_active is False):
        raise Conflict("You cannot remove your own admin access; ask another admin.")
    if role is not None:
        practitioner.role = Role(role)
    if is_active is not None and is_active != practitioner.is_active_account:
        practitioner.is_active_account = is_active
        # Signing out every session of a disabled account.
        practitioner.session_token = secrets.token_hex(16)
    after = {"role": practitioner.role, "is_active": practitioner.is_active_account}
    if changes := audit.change_list(before, after, coded={"role", "is_active"}):
        audit.record(
            session,
            actor=actor,
            action="practitioner.updated",
            object_type="practitioner",
            object_id=practitioner.id,
            changes=changes,
        )
    session.flush()
    return practitioner


def reset_password(session: Session, *, email: str, new: str) -> Practitioner:
    """The operator sets someone's password (forgotten, or a first one): their sessions end, any lock lifts."""
    practitioner = session.scalar(select(Practitioner).where(Practitioner.email == normalise_email(email)))
    if practitioner is None:
        raise NotFound("No account has this email address.", errors={"email": ["Unknown account."]})
    if problem := passwords.password_problem(new):
        raise Invalid("The new password is refused.", errors={"password": [problem]})
    practitioner.password_hash = passwords.hash_password(new)
    practitioner.session_token = secrets.token_hex(16)
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    audit.record(
        session,
        actor=Actor.operator(practitioner.clinic_id),
        action="practitioner.password_reset",
        object_type="practitioner",
        object_id=practitioner.id,
        changes=[{"field": "password"}],
    )
    return practitioner


def change_password(session: Session, *, actor: Actor, current: str, new: str) -> Practitioner:
    """Change one's own password; every other session of the account is signed out."""
    practitioner = get_practitioner(session, clinic_id=actor.clinic_id, practitioner_id=actor.practitioner_id)
    if not passwords.verify_password(practitioner.password_hash, current):
        raise Invalid("The current password is wrong.", errors={"current_password": ["Wrong password."]})
    if problem := passwords.password_problem(new):
        raise Invalid("The new password is refused.", errors={"new_password": [problem]})
    practitioner.password_hash = passwords.hash_password(new)
    practitioner.session_token = secrets.token_hex(16)
    audit.record(
        session,
        actor=actor,
        action="practitioner.password_changed",
        object_type="practitioner",
        object_id=practitioner.id,
        changes=[{"field": "password"}],
    )
    return practitioner


def unlock_practitioner(session: Session, *, clinic_id: int, practitioner_id: int, actor: Actor) -> Practitioner:
    """Lift a lock-out before it expires (an admin who knows the person asked)."""
    practitioner = get_practitioner(session, clinic_id=clinic_id, practitioner_id=practitioner_id)
    if practitioner.locked_until is not None:
        practitioner.locked_until = None
        practitioner.failed_sign_ins = 0
        audit.record(
            session,
            actor=actor,
            action="practitioner.unlocked",
            object_type="practitioner",
            object_id=practitioner.id,
        )
    return practitioner


def load_signed_in(session: Session, user_id: str) -> Practitioner | None:
    """The practitioner a session cookie names, if that session is still valid."""
    practitioner_id, _, session_token = user_id.partition(":")
    if not practitioner_id.isdigit():
        return None
    practitioner = session.get(Practitioner, int(practitioner_id))
    if practitioner is None or not secrets.compare_digest(practitioner.session_token, session_token):
        return None
    return practitioner


class SignInRefused(Exception):
    """Wrong email or password, a disabled account, or a lock-out; the message is safe to show."""


def authenticate(session: Session, *, email: str, password: str, now: datetime | None = None) -> Practitioner:
    """The practitioner these credentials belong to, or SignInRefused.

    The caller must keep the writes even when this refuses: they count the failures.
    """
    now = now or utcnow()
    practitioner = session.scalar(select(Practitioner).where(Practitioner.email == normalise_email(email)))
    # One answer for every refusal, so that it tells nobody which addresses have accounts or are locked.
    refused = SignInRefused(REFUSAL)
    if practitioner is not None and practitioner.locked_until is not None and practitioner.locked_until > now:
        raise refused
    valid = passwords.verify_password(practitioner.password_hash if practitioner else None, password)
    if practitioner is None:
        raise refused
    if not valid:
        # Counted in the database, so every worker and server sees the same tally.
        session.execute(
            update(Practitioner)
            .where(Practitioner.id == practitioner.id)
            .values(failed_sign_ins=Practitioner.failed_sign_ins + 1)
        )
        session.refresh(practitioner, ["failed_sign_ins"])
        if practitioner.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            practitioner.locked_until = now + LOCK_DURATION
            practitioner.failed_sign_ins = 0
            audit.record(
                session,
                actor=Actor.operator(practitioner.clinic_id),
                action="practitioner.locked",
                object_type="practitioner",
                object_id=practitioner.id,
            )
        raise refused
    if not practitioner.is_active_account:
        raise refused
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    practitioner.last_sign_in_at = now
    if passwords.needs_rehash(practitioner.password_hash):
        practitioner.password_hash = passwords.hash_password(password)
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
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = ["Length must be 1 to 100."]
    elif _live_token(session, clinic_id=clinic_id, name=name) is not None:
        errors["name"] = ["This clinic already has a live token with this name."]
    if scope not in {s.value for s in TokenScope}:
        errors["scope"] = [f"Must be one of: {', '.join(s.value for s in TokenScope)}."]
    if is_curator and not actor.is_curator:
        errors["is_curator"] = ["Only a curator can create a token that edits the catalogue."]
    if can_read_audit and not actor.can_read_audit:
        errors["can_read_audit"] = ["Only an admin can create a token that reads the audit trail."]
    if errors:
        raise Invalid("The token cannot be created.", errors=errors)
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
    flush_unique(session, field="name", message="This clinic already has a live token with this name.")
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
        raise NotFound("No such live token in this clinic.", errors={"name": ["Unknown token."]})
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


def token_for_secret(session: Session, *, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token this secret belongs to (recording its use), or None."""
    if not secret.startswith(tokens.PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == tokens.digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token
