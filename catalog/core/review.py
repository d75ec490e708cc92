"""Curators' review of catalogue entries: who reviewed an entry, when, against which sources, and
whether it changed since.

An entry (ingredient, product, allergen) keeps the fingerprint of its clinical content as stored
now, written by every write of it, and the fingerprint it had when a curator last reviewed it.
Equal: reviewed. Different: changed since review. No review yet: unreviewed. A review is never a
default: the seed loads entries unreviewed, and only a curator's act marks one reviewed.
"""

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, String, case
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from catalog.core.actors import Actor, actor_columns, recorded_actor
from catalog.core.db import UTCDateTime, utcnow
from catalog.core.errors import Invalid
from catalog.core.words import N_, phrase


class ReviewState(StrEnum):
    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"
    CHANGED = "changed-since-review"


def fingerprint(data: dict) -> str:
    """A stable digest of an entry's content (key order and non-ASCII text do not matter)."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class ReviewMixin(recorded_actor("reviewed_by", optional=True)):
    """The review columns of a catalogue entry; `review_state` reads them, in Python and in SQL."""

    @declared_attr
    def content_fingerprint(cls) -> Mapped[str | None]:
        return mapped_column(String(64))

    @declared_attr
    def reviewed_fingerprint(cls) -> Mapped[str | None]:
        return mapped_column(String(64))

    @declared_attr
    def reviewed_at(cls) -> Mapped[datetime | None]:
        return mapped_column(UTCDateTime)

    @declared_attr
    def reviewed_sources(cls) -> Mapped[list[str]]:
        # The codes of the sources the curator checked the entry against.
        return mapped_column(JSON, default=list)

    @property
    def review_state(self) -> ReviewState:
        if self.reviewed_at is None:
            return ReviewState.UNREVIEWED
        if self.content_fingerprint != self.reviewed_fingerprint:
            return ReviewState.CHANGED
        return ReviewState.REVIEWED

    @classmethod
    def review_state_sql(cls):
        """`review_state` as a SQL expression, to filter and count on any database."""
        return case(
            (cls.reviewed_at.is_(None), ReviewState.UNREVIEWED.value),
            (cls.content_fingerprint != cls.reviewed_fingerprint, ReviewState.CHANGED.value),
            else_=ReviewState.REVIEWED.value,
        )

    def store_content(self, content: dict) -> None:
        """Every write of the entry calls this with the content as stored, so an edit after review shows."""
        self.content_fingerprint = fingerprint(content)

    def mark_reviewed(self, *, actor: Actor, content: dict, sources: list[str], cited: set[str]) -> None:
        """A curator's review of the content as stored now, against `sources` (each cited by the entry)."""
        not_cited = [code for code in sources if code not in cited]
        if not_cited:
            raise Invalid(
                N_("A review is made against the sources the entry cites; cite a source first to review against it."),
                errors={
                    "json": {"sources": [phrase("Not cited by this entry: %(sources)s.", sources=", ".join(not_cited))]}
                },
            )
        if cited and not sources:
            raise Invalid(
                N_("Name the sources you checked the entry against."),
                errors={
                    "json": {
                        "sources": [
                            phrase("Choose among the sources it cites: %(sources)s.", sources=", ".join(sorted(cited)))
                        ]
                    }
                },
            )
        self.content_fingerprint = self.reviewed_fingerprint = fingerprint(content)
        self.reviewed_at = utcnow()
        self.reviewed_sources = list(dict.fromkeys(sources))
        for column, value in actor_columns("reviewed_by", actor).items():
            setattr(self, column, value)

    def review_view(self) -> dict:
        """What the API and the pages show of the review."""
        return {
            "state": self.review_state.value,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at,
            "sources": list(self.reviewed_sources or []),
        }
