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
    Term,
)

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
KIND_RANK = {kind: rank for rank, kind in enumerate(FindingKind)}
GAP_RANK = {kind: rank for rank, kind in enumerate(GapKind)}
OUTCOMES = {Severity.CRITICAL: Outcome.CONTRAINDICATED, Severity.WARNING: Outcome.CAUTION, Severity.INFO: Outcome.CLEAR}
_NONE = Term("", "")


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
    if patient.age_years is None and patient.chosen:
        gaps[(GapKind.AGE_UNKNOWN,)] = Gap(GapKind.AGE_UNKNOWN)
    for component in components:
        concentration_findings(component, findings, gaps)
        if not component.ingredient.reviewed:
            gaps[(GapKind.UNREVIEWED, component.ingredient.slug)] = component.ingredient.gap_unreviewed
    dose_findings(components, patient, findings, gaps)
    _incompatibility_findings(components, findings)
    findings.sort(key=_order)
    # Sorted worst first, so the first finding decides the outcome.
    worst = findings[0].severity if findings else Severity.INFO
    outcome = OUTCOMES[worst]
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
    # Positions, not names: sorting runs on every check, and a tuple's index is the cheapest read.
    kind, severity, ingredient, allergen, _path, record, condition, other, facts, _records, product = finding[:11]
    return (
        SEVERITY_RANK[severity],
        KIND_RANK[kind],
        (ingredient or _NONE)[0],
        (product or _NONE)[0],
        (allergen or _NONE)[0],
        record or 0,
        (condition or _NONE)[0],
        (other or _NONE)[0],
        # Two components of one ingredient in units that do not fit: keep their order fixed too.
        facts if kind is FindingKind.UNIT_MISMATCH else (),
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
                if term.code in conditions and (ingredient.slug, term.code) not in seen:
                    seen.add((ingredient.slug, term.code))
                    findings.append(Finding(kind, severity, ingredient.term, None, (), None, conditions[term.code]))


def _incompatibility_findings(components, findings: list[Finding]) -> None:
    declaring = [component.ingredient for component in components if component.ingredient.incompatibilities]
    if not declaring:
        return
    present = {component.ingredient.slug: component.ingredient for component in components}
    seen: set[tuple[str, str]] = set()
    for ingredient in declaring:
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
