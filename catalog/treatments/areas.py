"""The treatment areas a session records, from a controlled list (face zones, neck, décolleté, scalp, body)."""

from flask_babel import lazy_gettext as _l

# Names in the reader's language when shown (lazy: written when the page or the sheet is).
TREATMENT_AREAS: dict[str, str] = {
    "forehead": _l("Forehead"),
    "glabella": _l("Between the eyebrows"),
    "periorbital": _l("Around the eyes"),
    "temples": _l("Temples"),
    "cheeks": _l("Cheeks"),
    "nasolabial": _l("Nasolabial folds"),
    "perioral": _l("Around the mouth"),
    "chin": _l("Chin"),
    "jawline": _l("Jawline"),
    "full-face": _l("Whole face"),
    "neck": _l("Neck"),
    "decollete": _l("Décolleté"),
    "scalp": _l("Scalp"),
    "hands": _l("Backs of the hands"),
    "arms": _l("Upper arms"),
    "abdomen": _l("Abdomen"),
    "flanks": _l("Flanks"),
    "thighs": _l("Thighs"),
    "buttocks": _l("Buttocks"),
    "knees": _l("Knees"),
}
