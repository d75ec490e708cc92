"""Text as people type it: folding shared by every search (case- and accent-insensitive), typed decimals."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, so 'Hyaluronâte' and 'hyaluronate' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


LIKE_ESCAPE = "\\"


def like_fragment(text: str) -> str:
    """`text` folded and escaped for use inside a LIKE pattern (with escape=LIKE_ESCAPE)."""
    return fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# One comma between digits, as a French keyboard writes a decimal ("0,5")…
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")
# …unless it may as well group thousands ("1,000": one thousand in English, one in French).
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")


def typed_decimal(value: str | None) -> str | None:
    """A number typed in a page's text box, for a schema: blank is None, "0,5" reads as "0.5".

    The boxes are text, not type=number: a browser's number box may drop a comma it does not
    expect and send "05" for "0,5", ten times the dose. Anything else is left as typed, for the
    schema to accept or refuse with its reason; so is "1,000", which two readers read two ways.
    """
    text = (value or "").strip()
    if not text:
        return None
    if _DECIMAL_COMMA.fullmatch(text) and not _THOUSANDS.fullmatch(text):
        return text.replace(",", ".")
    return text  # "1,000" is refused as not a number rather than read one way or the other
