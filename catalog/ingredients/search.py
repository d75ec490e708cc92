"""Folding text into search terms: lower case, no accents, words of letters and digits."""

import re
from collections.abc import Iterable

from catalog.core.text import fold

WORD = re.compile(r"[a-z0-9]+")
MAX_TERM_LENGTH = 64
MAX_QUERY_TERMS = 8
MIN_PREFIX_LENGTH = 3  # shorter query words match whole words only

# A match in the name counts more than one in the description.
WEIGHT_NAME = 4
WEIGHT_ALIAS = 3  # INCI name, synonyms, slug
WEIGHT_DESCRIPTION = 1


def words(text: str) -> list[str]:
    return [w[:MAX_TERM_LENGTH] for w in WORD.findall(fold(text))]


def query_terms(query: str | None) -> list[str]:
    """The distinct words of a query, longest first (the most selective leads the lookup)."""
    unique = dict.fromkeys(words(query or ""))
    return sorted(unique, key=len, reverse=True)[:MAX_QUERY_TERMS]


def weighted_terms(*, name: str, aliases: Iterable[str], description: str) -> dict[str, int]:
    """Every term a query word can equal, with the weight of the best field it comes from.

    Name, INCI name, synonym and slug words are stored whole and by each of
    their prefixes of three letters or more, so "hyal" finds "hyaluronate" as
    you type; description words are stored whole only.
    """
    terms: dict[str, int] = {}

    def add(term: str, weight: int) -> None:
        if terms.get(term, 0) < weight:
            terms[term] = weight

    for text, weight in [(name, WEIGHT_NAME), *((alias, WEIGHT_ALIAS) for alias in aliases)]:
        for word in words(text):
            add(word, weight)
            for end in range(MIN_PREFIX_LENGTH, len(word)):
                add(word[:end], weight)
    for word in words(description):
        add(word, WEIGHT_DESCRIPTION)
    return terms


def search_term_rows(ingredient_id: int, sort_name: str, terms: dict[str, int]) -> list[dict]:
    """Rows of `ingredient_search_terms` for one ingredient's weighted terms."""
    return [
        {"ingredient_id": ingredient_id, "term": term, "weight": weight, "sort_name": sort_name}
        for term, weight in terms.items()
    ]
