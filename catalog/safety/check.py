"""The rules of the check. Each rule adds findings; the outcome follows from their severities."""

from catalog.safety.types import (
    AllergenFlag,
    AllergyFacts,
    CheckResult,
    Component,
    Finding,
    FindingKind,
    IngredientFacts,
    Outcome,
    PatientProfile,
    Severity,
    Term,
    search_words,
)
from catalog.safety.units import convert

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
KIND_RANK = {kind: rank for rank, kind in enumerate(FindingKind)}
STANDING = ("confirmed", "unconfirmed")  # refuted and entered-in-error records are ignored


def check_composition(components: list[Component] | tuple[Component, ...], patient: PatientProfile) -> CheckResult:
    """Check every component against the patient; findings come sorted, whatever the components' order."""
    findings: list[Finding] = []
    _allergy_findings(components, patient, findings)
    if patient.allergy_status == "unknown":
        findings.append(
            Finding(
                FindingKind.ALLERGIES_UNKNOWN,
                Severity.WARNING,
                "No allergies are recorded for this patient: ask and record them before use.",
                "The allergy status is 'unknown' (never asked), which is not the same as 'no known allergies'.",
            )
        )
    _condition_findings(components, patient, findings)
    for component in components:
        _concentration_findings(component, findings)
    _incompatibility_findings(components, findings)
    findings.sort(key=_order)
    if any(f.severity is Severity.CRITICAL for f in findings):
        outcome = Outcome.CONTRAINDICATED
    elif any(f.severity is Severity.WARNING for f in findings):
        outcome = Outcome.CAUTION
    else:
        outcome = Outcome.CLEAR
    return CheckResult(outcome, tuple(findings))


def _order(finding: Finding):
    return (
        SEVERITY_RANK[finding.severity],
        KIND_RANK[finding.kind],
        finding.ingredient.code if finding.ingredient else "",
        finding.allergen.code if finding.allergen else "",
        finding.allergy_record or 0,
        finding.condition.code if finding.condition else "",
        finding.other_ingredient.code if finding.other_ingredient else "",
    )


# --- Allergies ----------------------------------------------------------------------


def _allergy_findings(components, patient: PatientProfile, findings: list[Finding]) -> None:
    # Index the coded records both ways, so each flag costs a few dictionary lookups:
    # by the record's own code (it is the flag or one of the flag's groups), and by every
    # group above the record's allergen (the flag is one of those groups).
    by_code: dict[str, list[AllergyFacts]] = {}
    by_group: dict[str, list[AllergyFacts]] = {}
    uncoded: list[AllergyFacts] = []
    for record in patient.allergies:
        if record.verification_status not in STANDING:
            continue
        if record.allergen is None:
            if record.text:
                uncoded.append(record)
            continue
        by_code.setdefault(record.allergen.code, []).append(record)
        for term in record.allergen.path[:-1]:
            by_group.setdefault(term.code, []).append(record)
    if by_code:
        for component in components:
            ingredient = component.ingredient
            for flag in ingredient.allergens:
                matched: dict[int, AllergyFacts] = {}
                for term in flag.path:
                    for record in by_code.get(term.code, ()):
                        matched[record.id] = record
                for record in by_group.get(flag.code, ()):
                    matched[record.id] = record
                for record in matched.values():
                    findings.append(_coded_allergy_finding(ingredient, flag, record))
    for record in uncoded:
        findings.append(_uncoded_allergy_finding(components, record))


def _link(flag: AllergenFlag, allergen: AllergenFlag) -> tuple[Term, ...]:
    """The steps from the ingredient's flag to the patient's allergen, through the hierarchy."""
    if allergen.code in flag.path_codes:  # the allergy is to the flag or one of its groups: go up
        steps = flag.path[[t.code for t in flag.path].index(allergen.code) :]
        return tuple(reversed(steps))
    # the allergy is to a member of the flag: go down
    return allergen.path[[t.code for t in allergen.path].index(flag.code) :]


def _coded_allergy_finding(ingredient: IngredientFacts, flag: AllergenFlag, record: AllergyFacts) -> Finding:
    allergen = record.allergen
    path = (Term(ingredient.slug, ingredient.name), *_link(flag, allergen))
    if flag.code == allergen.code:
        relation = f"is flagged {flag.name}"
    elif allergen.code in flag.path_codes:
        relation = f"is flagged {flag.name}, in the group {allergen.name}"
    else:
        relation = f"is flagged {flag.name}, the group of {allergen.name}"
    certainty = "an unconfirmed (suspected)" if record.verification_status == "unconfirmed" else "a confirmed"
    if record.clinical_status != "active":
        return Finding(
            FindingKind.PAST_ALLERGY,
            Severity.INFO,
            _clip(f"{ingredient.name}: past allergy to {allergen.name} ({record.clinical_status})."),
            f"{ingredient.name} {relation}; the patient's allergy to {allergen.name} is recorded as "
            f"{record.clinical_status}.",
            Term(ingredient.slug, ingredient.name),
            Term(allergen.code, allergen.name),
            path,
            record.id,
        )
    severe = record.criticality == "high" or record.reaction_severity == "severe"
    reasons = []
    if record.criticality == "high":
        reasons.append("high criticality")
    if record.reaction_severity:
        reasons.append(f"{record.reaction_severity} reaction recorded")
    detail = f"{ingredient.name} {relation}, to which the patient has {certainty} allergy"
    detail += f" ({', '.join(reasons)})." if reasons else "."
    suffix = "."
    if record.verification_status == "unconfirmed":
        detail += " The allergy is unconfirmed: confirm or refute it."
        suffix = " (unconfirmed)."
    return Finding(
        FindingKind.ALLERGY,
        Severity.CRITICAL if severe else Severity.WARNING,
        _clip(f"{ingredient.name}: patient allergic to {allergen.name}{suffix}"),
        detail,
        Term(ingredient.slug, ingredient.name),
        Term(allergen.code, allergen.name),
        path,
        record.id,
    )


def _uncoded_allergy_finding(components, record: AllergyFacts) -> Finding:
    words = search_words(record.text)
    resembling = sorted(
        (c.ingredient for c in components if _resembles(words, c.ingredient.words)), key=lambda i: i.slug
    )
    active = record.clinical_status == "active"
    named = ", ".join(i.name for i in resembling)
    detail = f"The allergy to “{record.text}” is recorded as free text, so the hierarchy cannot check it."
    detail += f" Ingredients whose names resemble it: {named}." if named else " No ingredient's name resembles it."
    return Finding(
        FindingKind.UNCODED_ALLERGY,
        Severity.WARNING if active else Severity.INFO,
        _clip(f"Review by hand: uncoded allergy to “{record.text}”."),
        detail,
        Term(resembling[0].slug, resembling[0].name) if len(resembling) == 1 else None,
        None,
        (),
        record.id,
    )


def _resembles(allergy_words: frozenset[str], ingredient_words: frozenset[str]) -> bool:
    for word in allergy_words:
        for other in ingredient_words:
            if other.startswith(word) or word.startswith(other):
                return True
    return False


# --- Conditions, concentrations, incompatibilities -------------------------------------------


def _condition_findings(components, patient: PatientProfile, findings: list[Finding]) -> None:
    if not patient.conditions:
        return
    conditions = {condition.code: condition for condition in patient.conditions}
    for component in components:
        ingredient = component.ingredient
        for contraindication in ingredient.contraindications:
            condition = conditions.get(contraindication.code)
            if condition is not None:
                findings.append(
                    Finding(
                        FindingKind.CONTRAINDICATION,
                        Severity.CRITICAL,
                        _clip(f"{ingredient.name} is contraindicated: {condition.name}."),
                        f"The catalogue lists {condition.name} as a contraindication of {ingredient.name}, "
                        "and it is recorded for this patient.",
                        Term(ingredient.slug, ingredient.name),
                        condition=condition,
                    )
                )


def _concentration_findings(component: Component, findings: list[Finding]) -> None:
    ingredient = component.ingredient
    if ingredient.unit is None:
        return
    term = Term(ingredient.slug, ingredient.name)
    value = convert(component.concentration, component.unit, ingredient.unit)
    given = f"{_number(component.concentration)} {component.unit}"
    if value is None:
        findings.append(
            Finding(
                FindingKind.UNIT_MISMATCH,
                Severity.WARNING,
                _clip(f"{ingredient.name}: {component.unit} cannot be compared with {ingredient.unit}."),
                f"The catalogue gives {ingredient.name}'s concentrations in {ingredient.unit}.",
                term,
            )
        )
        return
    if ingredient.maximum is not None and value > ingredient.maximum:
        maximum = f"{_number(ingredient.maximum)} {ingredient.unit}"
        findings.append(
            Finding(
                FindingKind.ABOVE_MAXIMUM,
                Severity.CRITICAL,
                _clip(f"{ingredient.name} at {given} is above its maximum of {maximum}."),
                f"The catalogue's maximum concentration for {ingredient.name} is "
                f"{_number(ingredient.maximum)} {ingredient.unit}.",
                term,
            )
        )
        return
    low, high = ingredient.usual_min, ingredient.usual_max
    if (low is not None and value < low) or (high is not None and value > high):
        findings.append(
            Finding(
                FindingKind.OUTSIDE_USUAL_RANGE,
                Severity.WARNING,
                _clip(f"{ingredient.name} at {given} is outside its usual range ({_range(ingredient)})."),
                f"Usual concentrations of {ingredient.name}: {_range(ingredient)}.",
                term,
            )
        )


def _incompatibility_findings(components, findings: list[Finding]) -> None:
    present = {component.ingredient.slug: component.ingredient for component in components}
    seen: set[tuple[str, str]] = set()
    for ingredient in present.values():
        for other_slug, reason in ingredient.incompatibilities:
            other = present.get(other_slug)
            if other is None:
                continue
            first, second = sorted((ingredient, other), key=lambda i: i.slug)
            if (first.slug, second.slug) in seen:
                continue
            seen.add((first.slug, second.slug))
            findings.append(
                Finding(
                    FindingKind.INCOMPATIBILITY,
                    Severity.WARNING,
                    _clip(f"{first.name} and {second.name} are incompatible."),
                    reason,
                    Term(first.slug, first.name),
                    other_ingredient=Term(second.slug, second.name),
                )
            )


def _number(value: float) -> str:
    return f"{value:g}"


def _range(ingredient: IngredientFacts) -> str:
    low, high, unit = ingredient.usual_min, ingredient.usual_max, ingredient.unit
    if low is not None and high is not None:
        return f"{_number(low)}–{_number(high)} {unit}"
    return f"at least {_number(low)} {unit}" if low is not None else f"up to {_number(high)} {unit}"


def _clip(text: str, limit: int = 139) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
