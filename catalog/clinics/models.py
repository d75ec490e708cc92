"""Clinics (the tenants), the practitioners who sign in to them, and their API tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.actors import Role, TokenScope
from catalog.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from catalog.extensions import db


class Clinic(TimestampMixin, db.Model):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # What a patient's sheet gives: whom to call, and where the clinic is.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The emergency number printed on the sheet for a severe reaction (112 across the EU).
    emergency_number: Mapped[str] = mapped_column(String(20), default="112", server_default="112")
    # An IANA zone ("Europe/Paris"); None: the server's default (MESOCAT_TIME_ZONE).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Whether a treatment session needs a second person to check the preparation.
    requires_second_check: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # A signed-in session unused this long ends (the absolute limit is SESSION_LIFETIME, whatever the activity).
    idle_timeout_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")


class Practitioner(UserMixin, TimestampMixin, db.Model):
    """A person who signs in; `is_curator` (global) allows editing the shared catalogue."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    # Stored lower-cased: one account per address, whatever the case typed.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, name="role"))
    is_curator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    # Wrong passwords in a row; past a few, each further attempt waits longer (capped: never a lock-out).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    # No password is checked before this time: the back-off after repeated failures.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pages' language ("en", "fr"); None: the browser's (Accept-Language).
    language: Mapped[str | None] = mapped_column(String(8))
    # Unused since sessions are `SignInSession` rows: set once, kept until a migration drops it.
    session_token: Mapped[str] = mapped_column(String(64))

    clinic: Mapped[Clinic] = relationship(lazy="joined")
    # The secret of the session this request runs in (not stored): what Flask-Login keeps in the cookie.
    session_secret = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_secret}"


class SignInSession(db.Model):
    """One signed-in browser session, kept on the server so that it can end: at sign-out, on a password
    change, when the account is disabled, after the clinic's idle timeout, or after the absolute lifetime."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), index=True)
    # A digest of the secret in the cookie: a copy of this table opens no session.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # signed-out | password-changed | disabled | idle | expired
    end_reason: Mapped[str | None] = mapped_column(String(30))


class ApiToken(TimestampMixin, db.Model):
    """A clinic's credential for another system; only a hash of the secret is kept."""

    __tablename__ = "api_tokens"
    # A name is unique among a clinic's live tokens; a revoked token's name can be reused.
    __table_args__ = (
        Index(
            "uq_api_tokens_live_name",
            "clinic_id",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[TokenScope] = mapped_column(enum_type(TokenScope, name="token_scope"))
    # Allowed to edit the shared catalogue; only a curator (or the operator's CLI) can grant it.
    is_curator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Allowed to read the clinic's audit trail (what an admin reads in the pages); granted at creation.
    can_read_audit: Mapped[bool] = mapped_column(Boolean, default=False)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioners.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship(lazy="joined")
    created_by: Mapped[Practitioner | None] = relationship(lazy="joined")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
