"""The sentences of each kind of finding, written from its facts when they are read."""

from catalog.safety.types import Finding, FindingKind, Gap, GapKind, Relation


def explain(finding: Finding) -> tuple[str, str]:
    """The finding's summary (clipped under 140 characters) and its detail."""
    summary, detail = _WRITERS[finding.kind](finding)
    return _clip(summary), detail


def summary(finding: Finding) -> str:
    return explain(finding)[0]


def detail(finding: Finding) -> str:
    return explain(finding)[1]


def _allergy(finding: Finding) -> tuple[str, str]:
    ingredient, allergen = _drawn(finding), _allergen_name(finding)
    verification, criticality, reaction, others, _phrase = finding.facts
    unconfirmed = verification == "unconfirmed"
    reasons = []
    if criticality == "high":
        reasons.append("high criticality")
    if reaction:
        reasons.append(f"{reaction} reaction recorded")
    certainty = "an unconfirmed (suspected)" if unconfirmed else "a confirmed"
    text = f"{ingredient} {_relation(finding)}, to which the patient has {certainty} allergy"
    text += f" ({', '.join(reasons)})." if reasons else "."
    if finding.grade is not None:
        text += _cross_reaction(finding)
    if others:
        text += f" Also recorded: {', '.join(others)}."
    if unconfirmed:
        text += " The allergy is unconfirmed: confirm or refute it."
    return f"{ingredient}: patient allergic to {allergen}" + (" (unconfirmed)." if unconfirmed else "."), text


def _past_allergy(finding: Finding) -> tuple[str, str]:
    ingredient, allergen = _drawn(finding), _allergen_name(finding)
    status, others = finding.facts
    text = f"{ingredient} {_relation(finding)}; the patient's allergy to {allergen} is recorded as {status}."
    if others:
        text += f" Also recorded: {', '.join(others)}."
    return f"{ingredient}: past allergy to {allergen} ({status}).", text


def _drawn(finding: Finding) -> str:
    """The ingredient, and the product it is drawn from when there is one."""
    name = finding.ingredient.name
    return f"{name} (in {finding.product.name})" if finding.product is not None else name


def _allergen_name(finding: Finding) -> str:
    if finding.allergen is not None:
        return finding.allergen.name
    return f"“{_free_text(finding)}”"


def _free_text(finding: Finding) -> str:
    # A free-text record: the words of the ingredient's name it names.
    phrase = finding.facts[4] if finding.kind is FindingKind.ALLERGY else ()
    return " ".join(phrase) if phrase else finding.ingredient.name


def _relation(finding: Finding) -> str:
    """How the ingredient reaches the patient's allergy, in words, from the path the check found."""
    relation, path = finding.relation, finding.path
    if relation is Relation.NAMED:
        return f"is named by a free-text allergy record (“{_free_text(finding)}”, its name or a synonym)"
    if relation is Relation.PRODUCT:
        return f"is an ingredient of {finding.allergen.name}"
    flag, allergen = path[1].name, path[-1].name
    steps = " → ".join(step.name for step in path[1:])
    if relation is Relation.SAME:
        return f"is flagged {flag}"
    if relation is Relation.GROUP:
        return f"is flagged {flag}, in the group {allergen} ({steps})"
    if relation is Relation.MEMBER:
        return f"is flagged {flag}, the group of {allergen} ({steps})"
    if relation is Relation.SIBLING:
        return f"is flagged {flag}, which cross-reacts with {allergen} in their group ({steps})"
    return f"is flagged {flag}, which cross-reacts with {allergen} ({steps})"


def _cross_reaction(finding: Finding) -> str:
    known = "established" if finding.grade.value == "established" else "reported, not established"
    source = f" Source: {finding.source.name}." if finding.source is not None else ""
    return f" The cross-reaction is {known}.{source}"


def _uncoded(finding: Finding) -> tuple[str, str]:
    text, resembling = finding.facts
    detail = f"The allergy to “{text}” is recorded as free text and names no ingredient of this cocktail."
    detail += f" Names that resemble it: {', '.join(resembling)}." if resembling else ""
    detail += " Code it (or check it by hand) before use."
    return f"Review by hand: uncoded allergy to “{text}”.", detail


def _unknown(_finding: Finding) -> tuple[str, str]:
    return (
        "No allergies are recorded for this patient: ask and record them before use.",
        "The allergy status is 'unknown' (never asked), which is not the same as 'no known allergies'.",
    )


def _treatment_contraindication(finding: Finding) -> tuple[str, str]:
    (reason,) = finding.facts
    return f"{finding.condition.name}: no injection treatment.", reason


def _ingredient_caution(finding: Finding) -> tuple[str, str]:
    ingredient, condition = finding.ingredient.name, finding.condition.name
    return (
        f"{ingredient}: use with caution ({condition}).",
        f"The catalogue lists {condition} as a caution for {ingredient}, and it is recorded for this patient.",
    )


def _dose_above_limit(finding: Finding) -> tuple[str, str]:
    total, allowed, per_kg, maximum, weight, with_ingredient, without_ingredient, source = finding.facts
    ingredient = finding.ingredient.name
    parts = []
    if per_kg is not None:
        parts.append(f"{per_kg:g} mg/kg" + (f" × {weight:g} kg = {per_kg * weight:g} mg" if weight else ""))
    if maximum is not None:
        parts.append(f"at most {maximum:g} mg")
    when = (
        f" with {with_ingredient}"
        if with_ingredient
        else (f" without {without_ingredient}" if without_ingredient else "")
    )
    detail = f"This mix gives {total:g} mg of {ingredient}; the limit{when} is {', '.join(parts)}."
    if source:
        detail += f" Source: {source}."
    return f"{ingredient}: {total:g} mg is above the limit of {allowed:g} mg.", detail


def _dose_unchecked(finding: Finding) -> tuple[str, str]:
    ingredient = finding.ingredient.name
    if finding.facts[0] == "volume":
        return (
            f"{ingredient}: dose not checked (a volume is missing).",
            f"{ingredient} has a dose limit, but not every component holding it gives its volume.",
        )
    return (
        f"{ingredient}: dose not checked (no weight recorded).",
        f"This mix gives {finding.facts[1]:g} mg of {ingredient}, whose limit depends on body weight; "
        "record the patient's weight.",
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
    concentration, unit, maximum, catalogue_unit, context = finding.facts
    ingredient = _drawn(finding)
    limit = f"{maximum:g} {catalogue_unit}" + (f" ({context})" if context else "")
    return (
        f"{ingredient} at {concentration:g} {unit} is above its maximum of {limit}.",
        f"The catalogue's maximum concentration for {ingredient} is {limit}.",
    )


def _outside_range(finding: Finding) -> tuple[str, str]:
    concentration, unit, low, high, catalogue_unit, context = finding.facts
    ingredient = _drawn(finding)
    if low is not None and high is not None:
        usual = f"{low:g}–{high:g} {catalogue_unit}"
    elif low is not None:
        usual = f"at least {low:g} {catalogue_unit}"
    else:
        usual = f"up to {high:g} {catalogue_unit}"
    usual += f", {context}" if context else ""
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
    FindingKind.DOSE_ABOVE_LIMIT: _dose_above_limit,
    FindingKind.DOSE_UNCHECKED: _dose_unchecked,
    FindingKind.TREATMENT_CONTRAINDICATION: _treatment_contraindication,
    FindingKind.INGREDIENT_CAUTION: _ingredient_caution,
}


def gap_sentence(gap: Gap) -> str:
    """What could not be checked, in a sentence."""
    name = gap.ingredient.name if gap.ingredient else ""
    product = gap.product.name if gap.product else ""
    return {
        GapKind.NO_CONCENTRATION_DATA: f"{name}: the catalogue gives no usual range or maximum to check the "
        "concentration against.",
        GapKind.DOSE_WITHOUT_WEIGHT: f"{name}: the dose could not be checked against its per-kg limit (no weight).",
        GapKind.DOSE_WITHOUT_VOLUME: f"{name}: the dose could not be checked (a component's volume is missing).",
        GapKind.UNREVIEWED: f"{name}: its catalogue entry changed since a curator reviewed it."
        if gap.facts
        else f"{name}: its catalogue entry has not been reviewed by a curator.",
        GapKind.UNREVIEWED_PRODUCT: f"{product}: the product's entry (what it holds) changed since a curator "
        "reviewed it."
        if gap.facts
        else f"{product}: the product's entry (what it holds) has not been reviewed by a curator.",
        GapKind.AGE_UNKNOWN: "The patient's age is not recorded, so age limits could not be checked.",
    }[gap.kind]


def _clip(text: str, limit: int = 139) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
