"""Folding text into search terms: lower case, no accents, words of letters and digits."""

import re
import unicodedata
from collections.abc import Iterable

WORD = re.compile(r"[a-z0-9]+")
MAX_TERM_LENGTH = 64
MAX_QUERY_TERMS = 8
MIN_PREFIX_LENGTH = 3  # shorter query words match whole words only

# A match in the name counts more than one in the description.
WEIGHT_NAME = 4
WEIGHT_ALIAS = 3  # INCI name, synonyms, slug
WEIGHT_DESCRIPTION = 1
PREFIXABLE_WEIGHT = WEIGHT_ALIAS  # words from these fields are found by their first letters


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, so 'Hyaluronâte' and 'hyaluronate' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return [w[:MAX_TERM_LENGTH] for w in WORD.findall(fold(text))]


def query_terms(query: str | None) -> list[str]:
    """The distinct words of a query, longest first (the most selective runs first)."""
    unique = dict.fromkeys(words(query or ""))
    return sorted(unique, key=len, reverse=True)[:MAX_QUERY_TERMS]


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string above every string starting with `prefix` (terms are [a-z0-9])."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def weighted_terms(*, name: str, aliases: Iterable[str], description: str) -> dict[str, int]:
    """Each word of an ingredient's searchable text with the weight of its best field."""
    terms: dict[str, int] = {}
    for text, weight in [(name, WEIGHT_NAME), *((a, WEIGHT_ALIAS) for a in aliases), (description, WEIGHT_DESCRIPTION)]:
        for word in words(text):
            if terms.get(word, 0) < weight:
                terms[word] = weight
    return terms


def search_term_rows(ingredient_id: int, sort_name: str, terms: dict[str, int]) -> list[dict]:
    """Rows of `ingredient_search_terms` for one ingredient's weighted terms."""
    return [
        {
            "ingredient_id": ingredient_id,
            "term": term,
            "weight": weight,
            "prefixable": weight >= PREFIXABLE_WEIGHT,
            "sort_name": sort_name,
        }
        for term, weight in terms.items()
    ]
