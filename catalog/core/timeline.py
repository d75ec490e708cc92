"""Timeline events, as each domain reports what happened to a record, and their merge into one list in time order.

Each domain turns its own history into `TimelineEvent`s; a page merges the lists it is given. The
link is an endpoint name and its values, not a URL, so that no domain needs the web layer.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened, when, in plain words, and where its record is read."""

    at: datetime  # timezone-aware (UTC), so that every domain's events compare
    kind: str  # what the event is about: "allergy", "condition", "check", "override"…
    summary: str  # coded facts and catalogue names only: never a note or a free-text reason
    url_endpoint: str | None = None
    url_values: dict = field(default_factory=dict)
    by: str | None = None  # who did it, as their name was then


def merge_timelines(event_lists: Iterable[Iterable[TimelineEvent]], *, limit: int | None = None) -> list[TimelineEvent]:
    """Every list's events in one, newest first; events at the same moment keep the order they were given in.

    With `limit`, only the newest `limit`: each list then need only hold its own newest `limit`.
    """
    # sorted() is stable, and stays so with reverse=True: equal times keep the lists' order.
    events = sorted((event for events in event_lists for event in events), key=lambda event: event.at, reverse=True)
    return events if limit is None else events[:limit]
