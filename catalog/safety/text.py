"""The sentences of each kind of finding, written from its facts when they are read."""

from catalog.safety.types import Finding, FindingKind


def explain(finding: Finding) -> tuple[str, str]:
    """The finding's summary (clipped under 140 characters) and its detail."""
    summary, detail = _WRITERS[finding.kind](finding)
    return _clip(summary), detail


def summary(finding: Finding) -> str:
    return explain(finding)[0]


def detail(finding: Finding) -> str:
    return explain(finding)[1]


def _allergy(finding: Finding) -> tuple[str, str]:
    ingredient, allergen = finding.ingredient.name, finding.allergen.name
    verification, criticality, reaction, direction = finding.facts
    unconfirmed = verification == "unconfirmed"
    reasons = []
    if criticality == "high":
        reasons.append("high criticality")
    if reaction:
        reasons.append(f"{reaction} reaction recorded")
    certainty = "an unconfirmed (suspected)" if unconfirmed else "a confirmed"
    text = f"{ingredient} {_relation(finding, direction)}, to which the patient has {certainty} allergy"
    text += f" ({', '.join(reasons)})." if reasons else "."
    if unconfirmed:
        text += " The allergy is unconfirmed: confirm or refute it."
    return f"{ingredient}: patient allergic to {allergen}" + (" (unconfirmed)." if unconfirmed else "."), text


def _past_allergy(finding: Finding) -> tuple[str, str]:
    ingredient, allergen = finding.ingredient.name, finding.allergen.name
    status, direction = finding.facts
    return (
        f"{ingredient}: past allergy to {allergen} ({status}).",
        f"{ingredient} {_relation(finding, direction)}; the patient's allergy to {allergen} is recorded as {status}.",
    )


def _relation(finding: Finding, direction: str) -> str:
    """How the ingredient's allergen flag (path[1]) relates to the patient's allergen."""
    flag, allergen = finding.path[1].name, finding.allergen.name
    if direction == "same":
        return f"is flagged {flag}"
    if direction == "up":
        return f"is flagged {flag}, in the group {allergen}"
    return f"is flagged {flag}, the group of {allergen}"


def _uncoded(finding: Finding) -> tuple[str, str]:
    text, resembling = finding.facts
    detail = f"The allergy to “{text}” is recorded as free text, so the hierarchy cannot check it."
    detail += (
        f" Ingredients whose names resemble it: {', '.join(resembling)}."
        if resembling
        else (" No ingredient's name resembles it.")
    )
    return f"Review by hand: uncoded allergy to “{text}”.", detail


def _unknown(_finding: Finding) -> tuple[str, str]:
    return (
        "No allergies are recorded for this patient: ask and record them before use.",
        "The allergy status is 'unknown' (never asked), which is not the same as 'no known allergies'.",
    )


def _contraindication(finding: Finding) -> tuple[str, str]:
    ingredient, condition = finding.ingredient.name, finding.condition.name
    return (
        f"{ingredient} is contraindicated: {condition}.",
        f"The catalogue lists {condition} as a contraindication of {ingredient}, and it is recorded for this patient.",
    )


def _treatment_caution(finding: Finding) -> tuple[str, str]:
    (caution,) = finding.facts
    return f"{finding.condition.name}: {caution.split('; ')[0].rstrip('.')}.", caution


def _above_maximum(finding: Finding) -> tuple[str, str]:
    concentration, unit, maximum, catalogue_unit = finding.facts
    ingredient = finding.ingredient.name
    limit = f"{maximum:g} {catalogue_unit}"
    return (
        f"{ingredient} at {concentration:g} {unit} is above its maximum of {limit}.",
        f"The catalogue's maximum concentration for {ingredient} is {limit}.",
    )


def _outside_range(finding: Finding) -> tuple[str, str]:
    concentration, unit, low, high, catalogue_unit = finding.facts
    ingredient = finding.ingredient.name
    if low is not None and high is not None:
        usual = f"{low:g}–{high:g} {catalogue_unit}"
    elif low is not None:
        usual = f"at least {low:g} {catalogue_unit}"
    else:
        usual = f"up to {high:g} {catalogue_unit}"
    return (
        f"{ingredient} at {concentration:g} {unit} is outside its usual range ({usual}).",
        f"Usual concentrations of {ingredient}: {usual}.",
    )


def _unit_mismatch(finding: Finding) -> tuple[str, str]:
    unit, catalogue_unit = finding.facts
    ingredient = finding.ingredient.name
    return (
        f"{ingredient}: {unit} cannot be compared with {catalogue_unit}.",
        f"The catalogue gives {ingredient}'s concentrations in {catalogue_unit}.",
    )


def _incompatibility(finding: Finding) -> tuple[str, str]:
    (reason,) = finding.facts
    return f"{finding.ingredient.name} and {finding.other_ingredient.name} are incompatible.", reason


_WRITERS = {
    FindingKind.ALLERGY: _allergy,
    FindingKind.PAST_ALLERGY: _past_allergy,
    FindingKind.UNCODED_ALLERGY: _uncoded,
    FindingKind.ALLERGIES_UNKNOWN: _unknown,
    FindingKind.CONTRAINDICATION: _contraindication,
    FindingKind.TREATMENT_CAUTION: _treatment_caution,
    FindingKind.ABOVE_MAXIMUM: _above_maximum,
    FindingKind.OUTSIDE_USUAL_RANGE: _outside_range,
    FindingKind.UNIT_MISMATCH: _unit_mismatch,
    FindingKind.INCOMPATIBILITY: _incompatibility,
}


def _clip(text: str, limit: int = 139) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
