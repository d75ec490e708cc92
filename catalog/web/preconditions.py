"""Versioned resources over HTTP: weak ETags holding a revision number, and `If-Match`."""

from flask import request


def revision_etag(revision: int) -> str:
    return f'W/"{revision}"'


def expected_revision() -> int | None:
    """The revision an `If-Match` header names (weak or strong tag), None when absent or `*`.

    A tag that is not a revision number can never match, so it is answered as stale (-1).
    """
    if_match = request.if_match
    if not if_match or if_match.star_tag:
        return None
    tags = if_match.as_set(include_weak=True)
    tag = next(iter(tags)) if len(tags) == 1 else None
    if isinstance(tag, str) and tag.isdigit() and len(tag) < 7:
        return int(tag)
    return -1
