"""Who is acting: a signed-in practitioner or an API token, always within one clinic, and what they may do."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Role(StrEnum):
    """What a practitioner may do in their clinic; each role includes the ones below it."""

    VIEWER = "viewer"
    PRACTITIONER = "practitioner"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, required: "Role") -> bool:
        return self.rank >= required.rank


class TokenScope(StrEnum):
    READ = "read"
    READ_WRITE = "read-write"


@dataclass(frozen=True)
class Actor:
    """The identity services record as author; plain data, so services need no request."""

    clinic_id: int
    role: Role
    label: str
    is_curator: bool = False
    can_read_audit: bool = False
    practitioner_id: int | None = None
    token_id: int | None = None

    def allows(self, role: Role) -> bool:
        return self.role.allows(role)

    @classmethod
    def for_practitioner(cls, practitioner) -> "Actor":
        return cls(
            clinic_id=practitioner.clinic_id,
            role=practitioner.role,
            label=practitioner.name,
            is_curator=practitioner.is_curator,
            can_read_audit=practitioner.role == Role.ADMIN,
            practitioner_id=practitioner.id,
        )

    @classmethod
    def operator(cls, clinic_id: int) -> "Actor":
        """Whoever runs the command line on the server."""
        return cls(clinic_id=clinic_id, role=Role.ADMIN, label="command line", is_curator=True, can_read_audit=True)

    @classmethod
    def for_token(cls, token) -> "Actor":
        # A read-write token acts like a practitioner, never like an admin: people and tokens stay in the pages.
        role = Role.PRACTITIONER if token.scope == TokenScope.READ_WRITE else Role.VIEWER
        return cls(
            clinic_id=token.clinic_id,
            role=role,
            label=f"API token {token.name}",
            is_curator=token.is_curator,
            can_read_audit=token.can_read_audit,
            token_id=token.id,
        )


def actor_ref(practitioner_id: int | None, token_id: int | None, label: str | None) -> dict | None:
    """How a stored author is shown: its kind, id and the name it had."""
    if label is None:
        return None
    if practitioner_id is not None:
        return {"type": "practitioner", "id": practitioner_id, "label": label}
    if token_id is not None:
        return {"type": "token", "id": token_id, "label": label}
    return {"type": "system", "id": None, "label": label}


def recorded_actor(prefix: str, *, optional: bool = False) -> type:
    """A model mixin for "who did it": `<prefix>_practitioner_id`, `<prefix>_token_id` and `<prefix>_label`.

    The label keeps the name as it was, so renaming someone later does not rewrite history;
    `<prefix>` reads the three back as an `actor_ref`. `optional` allows a row nobody acted on yet.
    """

    def practitioner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("practitioners.id"), nullable=True)

    def token_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("api_tokens.id"), nullable=True)

    def label(cls) -> Mapped[str | None]:
        return mapped_column(String(200), nullable=optional)

    def reference(self) -> dict | None:
        return actor_ref(
            getattr(self, f"{prefix}_practitioner_id"),
            getattr(self, f"{prefix}_token_id"),
            getattr(self, f"{prefix}_label"),
        )

    return type(
        f"RecordedActor_{prefix}",
        (),
        {
            f"{prefix}_practitioner_id": declared_attr(practitioner_id),
            f"{prefix}_token_id": declared_attr(token_id),
            f"{prefix}_label": declared_attr(label),
            prefix: property(reference),
        },
    )


def actor_columns(prefix: str, actor: Actor | None) -> dict:
    """The values of `recorded_actor(prefix)`'s columns for `actor` (all None for nobody)."""
    return {
        f"{prefix}_practitioner_id": actor.practitioner_id if actor else None,
        f"{prefix}_token_id": actor.token_id if actor else None,
        f"{prefix}_label": actor.label if actor else None,
    }
