"""The treatment areas a session records, from a controlled list (face zones, neck, décolleté, scalp, body)."""

TREATMENT_AREAS: dict[str, str] = {
    "forehead": "Forehead",
    "glabella": "Between the eyebrows",
    "periorbital": "Around the eyes",
    "temples": "Temples",
    "cheeks": "Cheeks",
    "nasolabial": "Nasolabial folds",
    "perioral": "Around the mouth",
    "chin": "Chin",
    "jawline": "Jawline",
    "full-face": "Whole face",
    "neck": "Neck",
    "decollete": "Décolleté",
    "scalp": "Scalp",
    "hands": "Backs of the hands",
    "arms": "Upper arms",
    "abdomen": "Abdomen",
    "flanks": "Flanks",
    "thighs": "Thighs",
    "buttocks": "Buttocks",
    "knees": "Knees",
}
