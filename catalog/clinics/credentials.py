"""Who is asking: a password at sign-in (with back-off), a signed-in session, an API token's secret; new passwords.

Sessions are kept on the server (`SignInSession`), so that each one can end: at sign-out, when the
password changes, when the account is disabled, after the clinic's idle timeout, and after
SESSION_LIFETIME whatever the activity. The cookie holds only the practitioner's id and the
session's secret, of which the server keeps a digest.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.clinics import passwords, tokens
from catalog.clinics.models import ApiToken, Practitioner, SignInSession
from catalog.clinics.service import audit_account, end_sessions, ending_sessions, normalise_email
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.core.errors import Invalid, NotFound
from catalog.core.words import N_, phrase
from catalog.extensions import bookkeeping

# Wrong passwords in a row that cost nothing; each one after waits twice as long, up to BACKOFF_CAP.
FREE_FAILURES = 4
BACKOFF_CAP = timedelta(seconds=60)
# A session ends this long after sign-in, however active.
SESSION_LIFETIME = timedelta(hours=12)
# Activity is written at most this often, so that reads do not each cost a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
LAST_USED_RESOLUTION = timedelta(minutes=1)
REFUSAL = N_(
    "Wrong email or password. After several failed attempts in a row, each new attempt must wait "
    "a little longer (up to a minute)."
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def backoff(failures: int) -> timedelta:
    """How long after a failure the next attempt must wait: nothing at first, then 1, 2, 4… seconds, capped."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), BACKOFF_CAP)


# --- Sessions -----------------------------------------------------------------------


def start_session(session: Session, practitioner: Practitioner, *, now: datetime | None = None) -> str:
    """A new signed-in session for the practitioner; its secret goes in the cookie."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(
        SignInSession(practitioner_id=practitioner.id, secret_hash=_digest(secret), started_at=now, last_seen_at=now)
    )
    session.flush()
    practitioner.session_secret = secret
    return secret


def load_signed_in(session: Session, user_id: str, *, now: datetime | None = None) -> Practitioner | None:
    """The practitioner a session cookie names, if that session is still open (it is ended here if it lapsed)."""
    practitioner_id, _, secret = user_id.partition(":")
    if not practitioner_id.isdigit() or len(practitioner_id) > 10 or not secret or len(secret) > 100:
        return None
    now = now or utcnow()
    row = session.scalar(select(SignInSession).where(SignInSession.secret_hash == _digest(secret)))
    if row is None or row.ended_at is not None or row.practitioner_id != int(practitioner_id):
        return None
    practitioner = session.get(Practitioner, row.practitioner_id)
    if practitioner is None or not practitioner.is_active_account:
        return None
    idle = timedelta(minutes=practitioner.clinic.idle_timeout_minutes)
    lapsed = "idle" if now - row.last_seen_at > idle else "expired" if now - row.started_at > SESSION_LIFETIME else None
    if lapsed:
        bookkeeping.later(ending_sessions(SignInSession.id == row.id, reason=lapsed, now=now))
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        bookkeeping.later(update(SignInSession).where(SignInSession.id == row.id).values(last_seen_at=now))
    practitioner.session_secret = secret
    return practitioner


def end_session(session: Session, practitioner: Practitioner, *, reason: str = "signed-out") -> None:
    """End the session this request runs in."""
    if practitioner.session_secret:
        session.execute(
            ending_sessions(SignInSession.secret_hash == _digest(practitioner.session_secret), reason=reason)
        )


def _count_failure(session: Session, practitioner: Practitioner, *, now: datetime, action: str, actor: Actor) -> None:
    """One more wrong password in a row (at sign-in or changing it): the next attempt may have to wait."""
    practitioner.failed_sign_ins += 1
    delay = backoff(practitioner.failed_sign_ins)
    practitioner.locked_until = now + delay if delay else None
    audit_account(
        session,
        practitioner,
        action,
        actor=actor,
        changes=[{"field": "failed_sign_ins", "from": None, "to": practitioner.failed_sign_ins}],
    )


# --- Passwords at sign-in ------------------------------------------------------------


class SignInRefused(Exception):
    """Wrong email or password, a disabled account, or an attempt too soon; the message is safe to show."""


def authenticate(session: Session, *, email: str, password: str, now: datetime | None = None) -> Practitioner:
    """The practitioner these credentials belong to, or SignInRefused.

    Every refusal takes as long as a wrong password (a decoy hash is verified when the account is
    unknown, disabled or waiting), says the same, and is counted in the database under the row's
    lock, so that concurrent guesses each wait their turn. The caller must keep the writes even
    when this refuses: they hold the count.
    """
    now = now or utcnow()
    refused = SignInRefused(REFUSAL)
    practitioner = session.scalar(
        select(Practitioner)
        .where(Practitioner.email == normalise_email(email))
        # Only the account's row: its clinic is joined in, and PostgreSQL locks no outer join's nullable side.
        .with_for_update(of=Practitioner)
        .execution_options(populate_existing=True)
    )
    waiting = practitioner is not None and practitioner.locked_until is not None and practitioner.locked_until > now
    if practitioner is None or waiting or not practitioner.is_active_account:
        passwords.verify_password(None, password)  # the same time as a real check
        if practitioner is not None:
            audit_account(session, practitioner, "sign_in_refused", actor=Actor.operator(practitioner.clinic_id))
        raise refused
    if not passwords.verify_password(practitioner.password_hash, password):
        _count_failure(
            session, practitioner, now=now, action="sign_in_failed", actor=Actor.operator(practitioner.clinic_id)
        )
        raise refused
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    practitioner.last_sign_in_at = now
    if passwords.needs_rehash(practitioner.password_hash):
        practitioner.password_hash = passwords.hash_password(password)
    audit_account(session, practitioner, "signed_in", actor=Actor.for_practitioner(practitioner))
    return practitioner


# --- API tokens ------------------------------------------------------------------------


def token_for_secret(session: Session, *, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token this secret belongs to, or None; its last use is recorded after the request."""
    if not secret.startswith(tokens.PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == tokens.digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        bookkeeping.later(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token


# --- Changing passwords --------------------------------------------------------------


def reset_password(session: Session, *, email: str, new: str) -> Practitioner:
    """The operator sets someone's password (forgotten, or a first one): their sessions end, any wait lifts."""
    practitioner = session.scalar(select(Practitioner).where(Practitioner.email == normalise_email(email)))
    if practitioner is None:
        raise NotFound(N_("No account has this email address."), errors={"email": [N_("Unknown account.")]})
    if problem := passwords.password_problem(new):
        raise Invalid(N_("The new password is refused."), errors={"password": [problem]})
    practitioner.password_hash = passwords.hash_password(new)
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    end_sessions(session, practitioner_id=practitioner.id, reason="password-changed")
    audit_account(
        session,
        practitioner,
        "password_reset",
        actor=Actor.operator(practitioner.clinic_id),
        changes=[{"field": "password"}],
    )
    return practitioner


class WrongCurrentPassword(Invalid):
    """The current password was wrong, or tried again too soon: refused, and the failure counted.

    The caller keeps this request's writes (the count), as a failed sign-in's are kept.
    """


def change_password(
    session: Session, *, actor: Actor, current: str, new: str, secret: str | None, now: datetime | None = None
) -> Practitioner:
    """Change one's own password; every other session of the account ends (`secret`: this one's).

    A wrong current password counts as a failed sign-in and waits as long: a stolen session cannot
    guess the password at leisure to take the account over.
    """
    now = now or utcnow()
    practitioner = session.scalar(
        select(Practitioner)
        .where(Practitioner.id == actor.practitioner_id, Practitioner.clinic_id == actor.clinic_id)
        .with_for_update(of=Practitioner)
        .execution_options(populate_existing=True)
    )
    if practitioner is None:
        raise NotFound(N_("No such practitioner in this clinic."))
    if practitioner.locked_until is not None and practitioner.locked_until > now:
        passwords.verify_password(None, current)  # the same time as a real check
        wait = max(1, int((practitioner.locked_until - now).total_seconds() + 0.999))
        raise WrongCurrentPassword(
            N_("Too many wrong passwords in a row: wait a little, then try again."),
            errors={"current_password": [phrase("Try again in %(seconds)s s.", seconds=wait)]},
        )
    if not passwords.verify_password(practitioner.password_hash, current):
        _count_failure(session, practitioner, now=now, action="password_change_failed", actor=actor)
        raise WrongCurrentPassword(
            N_("The current password is wrong."), errors={"current_password": [N_("Wrong password.")]}
        )
    if problem := passwords.password_problem(new):
        raise Invalid(N_("The new password is refused."), errors={"new_password": [problem]})
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    practitioner.password_hash = passwords.hash_password(new)
    keep = _digest(secret) if secret else None
    end_sessions(session, practitioner_id=practitioner.id, reason="password-changed", keep_secret_hash=keep)
    audit_account(session, practitioner, "password_changed", actor=actor, changes=[{"field": "password"}])
    return practitioner
