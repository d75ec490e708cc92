"""Why a search result matched: the field a query's words were found in, and those words, for the page's rows only.

The words are found as the stored search terms find them (`search.weighted_terms`): a name, INCI name or synonym
word by its start (three letters or more), a description word whole. The text is split into plain and matched
pieces, so that the page marks the words without inserting any markup of its own.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.ingredients.models import Ingredient
from catalog.ingredients.search import MIN_PREFIX_LENGTH, query_terms, words

TOKEN = re.compile(r"\w+")
# Characters of description shown on each side of its first matched word.
CONTEXT = 60


@dataclass(frozen=True)
class MatchReason:
    """Where a result's words were found beyond its name: `field` is inci_name, synonym or description."""

    field: str
    pieces: tuple[tuple[str, bool], ...]  # the text, in pieces: (text, is a matched word)


def match_reasons(session: Session, *, slugs: list[str], q: str | None) -> dict[str, MatchReason]:
    """The reason each listed ingredient matched `q`, by slug, when its name alone does not explain it.

    One query for the whole page (the listed rows' names, synonyms and descriptions), none per row.
    """
    terms = query_terms(q)
    if not terms or not slugs:
        return {}
    rows = session.execute(
        select(
            Ingredient.slug, Ingredient.name, Ingredient.inci_name, Ingredient.synonyms, Ingredient.description
        ).where(Ingredient.slug.in_(slugs))
    )
    reasons = {}
    for slug, name, inci_name, synonyms, description in rows:
        reason = _reason(terms, name=name, inci_name=inci_name, synonyms=synonyms or [], description=description)
        if reason:
            reasons[slug] = reason
    return reasons


def _reason(terms: list[str], *, name: str, inci_name: str | None, synonyms: list[str], description: str):
    unexplained = [term for term in terms if not _holds(name, term, prefix=True)]
    if not unexplained:
        return None
    for field, texts, prefix in (
        ("inci_name", [inci_name or ""], True),
        ("synonym", synonyms, True),
        ("description", [description or ""], False),
    ):
        for text in texts:
            if any(_holds(text, term, prefix=prefix) for term in unexplained):
                pieces = _pieces(text, terms, prefix=prefix)
                return MatchReason(field, _around_first_match(pieces) if field == "description" else pieces)
    return None


def _matches(token: str, term: str, *, prefix: bool) -> bool:
    return any(
        word == term or (prefix and len(term) >= MIN_PREFIX_LENGTH and word.startswith(term)) for word in words(token)
    )


def _holds(text: str, term: str, *, prefix: bool) -> bool:
    return any(_matches(token, term, prefix=prefix) for token in TOKEN.findall(text))


def _pieces(text: str, terms: list[str], *, prefix: bool) -> tuple[tuple[str, bool], ...]:
    """`text` cut into plain and matched pieces; put back together, they are the text as it was."""
    pieces, start = [], 0
    for token in TOKEN.finditer(text):
        if any(_matches(token.group(), term, prefix=prefix) for term in terms):
            if token.start() > start:
                pieces.append((text[start : token.start()], False))
            pieces.append((token.group(), True))
            start = token.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return tuple(pieces)


def _around_first_match(pieces: tuple[tuple[str, bool], ...]) -> tuple[tuple[str, bool], ...]:
    """A long description shortened to the words around its first match, with an ellipsis where it is cut."""
    first = next(index for index, (_, marked) in enumerate(pieces) if marked)
    shown = []
    if first > 0:
        before = pieces[first - 1][0]
        shown.append(("…" + before[-CONTEXT:].split(" ", 1)[-1] if len(before) > CONTEXT else before, False))
    room = 2 * CONTEXT
    for text, marked in pieces[first:]:
        if not marked and len(text) > room:
            shown.append((text[:room].rsplit(" ", 1)[0] + "…", False))
            break
        shown.append((text, marked))
        room -= len(text)
    return tuple(shown)
