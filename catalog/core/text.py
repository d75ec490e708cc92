"""Text folding shared by every search: case- and accent-insensitive comparison."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, so 'Hyaluronâte' and 'hyaluronate' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


LIKE_ESCAPE = "\\"


def like_fragment(text: str) -> str:
    """`text` folded and escaped for use inside a LIKE pattern (with escape=LIKE_ESCAPE)."""
    return fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
