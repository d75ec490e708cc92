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
        findings.append(Finding(FindingKind.ALLERGIES_UNKNOWN, Severity.WARNING))
    _condition_findings(components, patient, findings)
    for condition, caution in patient.cautions:
        findings.append(Finding(FindingKind.TREATMENT_CAUTION, Severity.WARNING, condition=condition, facts=(caution,)))
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
        allergy_codes = set(by_code)
        for component in components:
            ingredient = component.ingredient
            for flag in ingredient.allergens:
                # Most flags reach no record: two set tests decide that without a loop.
                if flag.path_codes.isdisjoint(allergy_codes) and flag.code not in by_group:
                    continue
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


def _coded_allergy_finding(ingredient: IngredientFacts, flag: AllergenFlag, record: AllergyFacts) -> Finding:
    allergen = record.allergen
    if flag.code == allergen.code:
        direction, steps = "same", (flag.path[-1],)
    elif allergen.code in flag.path_codes:
        # The allergy is to one of the flag's groups: walk up from the flag to it.
        direction = "up"
        steps = tuple(reversed(flag.path[[t.code for t in flag.path].index(allergen.code) :]))
    else:
        # The allergy is to a member of the flag's group: walk down from the flag to it.
        direction = "down"
        steps = allergen.path[[t.code for t in allergen.path].index(flag.code) :]
    ingredient_term = ingredient.term
    allergen_term = allergen.path[-1]
    if record.clinical_status != "active":
        return Finding(
            FindingKind.PAST_ALLERGY,
            Severity.INFO,
            ingredient_term,
            allergen_term,
            (ingredient_term, *steps),
            record.id,
            facts=(record.clinical_status, direction),
        )
    severe = record.criticality == "high" or record.reaction_severity == "severe"
    return Finding(
        FindingKind.ALLERGY,
        Severity.CRITICAL if severe else Severity.WARNING,
        ingredient_term,
        allergen_term,
        (ingredient_term, *steps),
        record.id,
        facts=(record.verification_status, record.criticality, record.reaction_severity, direction),
    )


def _uncoded_allergy_finding(components, record: AllergyFacts) -> Finding:
    # A word of one starts a word of the other (three letters at least): 'xylocain' ~ 'xylocaine'.
    words, word_prefixes = record.words, record.word_prefixes
    resembling = sorted(
        (
            ingredient
            for ingredient in (component.ingredient for component in components)
            if not words.isdisjoint(ingredient.word_prefixes) or not ingredient.words.isdisjoint(word_prefixes)
        ),
        key=lambda i: i.slug,
    )
    return Finding(
        FindingKind.UNCODED_ALLERGY,
        Severity.WARNING if record.clinical_status == "active" else Severity.INFO,
        resembling[0].term if len(resembling) == 1 else None,
        allergy_record=record.id,
        facts=(record.text, tuple(i.name for i in resembling)),
    )


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
                        ingredient.term,
                        condition=condition,
                    )
                )


def _concentration_findings(component: Component, findings: list[Finding]) -> None:
    ingredient = component.ingredient
    if ingredient.unit is None:
        return
    value = convert(component.concentration, component.unit, ingredient.unit)
    if value is None:
        findings.append(
            Finding(
                FindingKind.UNIT_MISMATCH,
                Severity.WARNING,
                ingredient.term,
                facts=(component.unit, ingredient.unit),
            )
        )
    elif ingredient.maximum is not None and value > ingredient.maximum:
        findings.append(
            Finding(
                FindingKind.ABOVE_MAXIMUM,
                Severity.CRITICAL,
                ingredient.term,
                facts=(component.concentration, component.unit, ingredient.maximum, ingredient.unit),
            )
        )
    elif (ingredient.usual_min is not None and value < ingredient.usual_min) or (
        ingredient.usual_max is not None and value > ingredient.usual_max
    ):
        findings.append(
            Finding(
                FindingKind.OUTSIDE_USUAL_RANGE,
                Severity.WARNING,
                ingredient.term,
                facts=(
                    component.concentration,
                    component.unit,
                    ingredient.usual_min,
                    ingredient.usual_max,
                    ingredient.unit,
                ),
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
            first, second = (ingredient, other) if ingredient.slug < other.slug else (other, ingredient)
            if (first.slug, second.slug) in seen:
                continue
            seen.add((first.slug, second.slug))
            findings.append(
                Finding(
                    FindingKind.INCOMPATIBILITY,
                    Severity.WARNING,
                    first.term,
                    other_ingredient=second.term,
                    facts=(reason,),
                )
            )
