"""Who is asking: a password at sign-in (with lock-out), a session cookie, an API token's secret; and new passwords."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.clinics import passwords, tokens
from catalog.clinics.models import ApiToken, Practitioner
from catalog.clinics.service import audit_account, get_practitioner, normalise_email
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.core.errors import Invalid, NotFound

# After this many wrong passwords in a row the account is locked for LOCK_DURATION.
MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)
# A token's last use is written at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
REFUSAL = (
    f"Wrong email or password. After {MAX_FAILED_SIGN_INS} failed attempts in a row an account is locked "
    "for 15 minutes; your clinic admin can unlock it."
)


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
            audit_account(session, practitioner, "locked", actor=Actor.operator(practitioner.clinic_id))
        raise refused
    if not practitioner.is_active_account:
        raise refused
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    practitioner.last_sign_in_at = now
    if passwords.needs_rehash(practitioner.password_hash):
        practitioner.password_hash = passwords.hash_password(password)
    return practitioner


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
    audit_account(
        session,
        practitioner,
        "password_reset",
        actor=Actor.operator(practitioner.clinic_id),
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
    audit_account(session, practitioner, "password_changed", actor=actor, changes=[{"field": "password"}])
    return practitioner
