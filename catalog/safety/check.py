"""The rules of the check. Each rule adds findings; the outcome follows from their severities."""

from catalog.safety.allergies import allergy_findings
from catalog.safety.amounts import concentration_findings, dose_findings
from catalog.safety.graph import AllergenGraph
from catalog.safety.types import (
    CheckResult,
    Component,
    Finding,
    FindingKind,
    Gap,
    GapKind,
    Outcome,
    PatientProfile,
    Severity,
)

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
KIND_RANK = {kind: rank for rank, kind in enumerate(FindingKind)}
GAP_RANK = {kind: rank for rank, kind in enumerate(GapKind)}


def check_composition(
    components: list[Component] | tuple[Component, ...],
    patient: PatientProfile,
    graph: AllergenGraph | None = None,
) -> CheckResult:
    """Check every component against the patient; findings come sorted, whatever the components' order.

    `graph` is the catalogue's allergen graph; without it, the group paths of the flags and records
    given make a plain tree (no cross-reactive groups, no links).
    """
    if graph is None:
        graph = AllergenGraph.from_paths(_paths(components, patient))
    findings: list[Finding] = []
    gaps: dict[tuple, Gap] = {}
    allergy_findings(components, patient, graph, findings)
    if patient.allergy_status == "unknown":
        findings.append(Finding(FindingKind.ALLERGIES_UNKNOWN, Severity.WARNING))
    _condition_findings(components, patient, findings)
    for condition, reason in patient.contraindications:
        findings.append(
            Finding(FindingKind.TREATMENT_CONTRAINDICATION, Severity.CRITICAL, condition=condition, facts=(reason,))
        )
    for condition, caution in patient.cautions:
        findings.append(Finding(FindingKind.TREATMENT_CAUTION, Severity.WARNING, condition=condition, facts=(caution,)))
    if patient.age_years is None:
        gaps[(GapKind.AGE_UNKNOWN,)] = Gap(GapKind.AGE_UNKNOWN)
    for component in components:
        concentration_findings(component, findings, gaps)
        if not component.ingredient.reviewed:
            gaps.setdefault(
                (GapKind.UNREVIEWED, component.ingredient.slug), Gap(GapKind.UNREVIEWED, component.ingredient.term)
            )
    dose_findings(components, patient, findings, gaps)
    _incompatibility_findings(components, findings)
    findings.sort(key=_order)
    if any(f.severity is Severity.CRITICAL for f in findings):
        outcome = Outcome.CONTRAINDICATED
    elif any(f.severity is Severity.WARNING for f in findings):
        outcome = Outcome.CAUTION
    else:
        outcome = Outcome.CLEAR
    unchecked = tuple(
        sorted(gaps.values(), key=lambda g: (GAP_RANK[g.kind], g.ingredient.code if g.ingredient else ""))
    )
    return CheckResult(outcome, tuple(findings), unchecked)


def _paths(components, patient: PatientProfile):
    for component in components:
        for flag in component.ingredient.allergens:
            yield flag.path
    for record in patient.allergies:
        if record.allergen is not None:
            yield record.allergen.path


def _order(finding: Finding):
    return (
        SEVERITY_RANK[finding.severity],
        KIND_RANK[finding.kind],
        finding.ingredient.code if finding.ingredient else "",
        finding.product.code if finding.product else "",
        finding.allergen.code if finding.allergen else "",
        finding.allergy_record or 0,
        finding.condition.code if finding.condition else "",
        finding.other_ingredient.code if finding.other_ingredient else "",
        finding.facts if finding.kind is FindingKind.UNIT_MISMATCH else (),
    )


# --- Conditions and incompatibilities --------------------------------------------------------


def _condition_findings(components, patient: PatientProfile, findings: list[Finding]) -> None:
    if not patient.conditions:
        return
    conditions = {condition.code: condition for condition in patient.conditions}
    seen: set[tuple[str, str]] = set()
    for component in components:
        ingredient = component.ingredient
        for kind, severity, listed in (
            (FindingKind.CONTRAINDICATION, Severity.CRITICAL, ingredient.contraindications),
            (FindingKind.INGREDIENT_CAUTION, Severity.WARNING, ingredient.cautions),
        ):
            for term in listed:
                condition = conditions.get(term.code)
                if condition is not None and (ingredient.slug, condition.code) not in seen:
                    seen.add((ingredient.slug, condition.code))
                    findings.append(Finding(kind, severity, ingredient.term, condition=condition))


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
