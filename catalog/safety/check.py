"""The rules of the check. Each rule adds findings; the outcome follows from their severities."""

from catalog.safety.allergies import allergy_findings
from catalog.safety.amounts import concentration_findings, dose_findings
from catalog.safety.graph import AllergenGraph
from catalog.safety.types import (
    GAP_RANK,
    CheckResult,
    Component,
    Finding,
    FindingKind,
    Gap,
    GapKind,
    IngredientFacts,
    Outcome,
    PatientProfile,
    Severity,
    Term,
)

# Worst first, then by kind: one number per severity and kind, severity's rank above any kind's.
_SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 100, Severity.INFO: 200}
RANK = {
    severity: {kind: base + rank for rank, kind in enumerate(FindingKind)} for severity, base in _SEVERITY_RANK.items()
}
OUTCOMES = {Severity.CRITICAL: Outcome.CONTRAINDICATED, Severity.WARNING: Outcome.CAUTION, Severity.INFO: Outcome.CLEAR}
_NONE = Term("", "")
_UNIT_MISMATCH = FindingKind.UNIT_MISMATCH
_UNREVIEWED = GAP_RANK[GapKind.UNREVIEWED]
_UNREVIEWED_PRODUCT = GAP_RANK[GapKind.UNREVIEWED_PRODUCT]


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
    if patient.age_years is None and patient.chosen:
        gaps[(GAP_RANK[GapKind.AGE_UNKNOWN], "")] = Gap(GapKind.AGE_UNKNOWN)
    conditions = {condition.code: condition for condition in patient.conditions}
    # One pass over the components gathers what each rule needs: the rules are cheap, the loops not.
    drawn: list[Component] = []  # each ingredient as drawn (on its own, or from one product) once
    present: dict[str, IngredientFacts] = {}
    limited: dict[str, IngredientFacts] = {}
    declaring: dict[str, IngredientFacts] = {}
    for component in components:
        ingredient = component.ingredient
        slug = ingredient.slug
        if not component.product_reviewed:
            product = component.product
            changed = ("changed-since-review",) if component.product_changed_since_review else ()
            gaps[(_UNREVIEWED_PRODUCT, product.code)] = Gap(GapKind.UNREVIEWED_PRODUCT, None, changed, product)
        if slug in present:
            # The same ingredient again (from another product): its figures still count, the rest once.
            concentration_findings(component, findings, gaps)
            if all(other.product != component.product for other in drawn if other.ingredient.slug == slug):
                drawn.append(component)
            continue
        drawn.append(component)
        present[slug] = ingredient
        unit = ingredient.unit
        if (
            unit is None
            or unit != component.unit
            or not ingredient.in_range_low <= component.concentration <= ingredient.in_range_high
        ):
            concentration_findings(component, findings, gaps)
        if not ingredient.reviewed:
            gaps[(_UNREVIEWED, slug)] = ingredient.gap_unreviewed
        if ingredient.dose_limits:
            limited[slug] = ingredient
        if ingredient.incompatibilities:
            declaring[slug] = ingredient
        listed = ingredient.condition_codes
        if listed and conditions and not listed.isdisjoint(conditions):
            for code, kind, severity in ingredient.condition_rules:
                condition = conditions.get(code)
                if condition is not None:
                    findings.append(Finding(kind, severity, ingredient.term, None, (), None, condition))
    allergy_findings(drawn, patient, graph, findings)
    if patient.allergy_status == "unknown":
        findings.append(Finding(FindingKind.ALLERGIES_UNKNOWN, Severity.WARNING))
    for condition, reason in patient.contraindications:
        findings.append(
            Finding(FindingKind.TREATMENT_CONTRAINDICATION, Severity.CRITICAL, condition=condition, facts=(reason,))
        )
    for condition, caution in patient.cautions:
        findings.append(Finding(FindingKind.TREATMENT_CAUTION, Severity.WARNING, condition=condition, facts=(caution,)))
    if limited:
        dose_findings(components, limited, present, patient, findings, gaps)
    if declaring:
        _incompatibility_findings(declaring, present, findings)
    findings.sort(key=_order)
    # Sorted worst first, so the first finding decides the outcome.
    outcome = OUTCOMES[findings[0].severity] if findings else Outcome.CLEAR
    unchecked = tuple(gaps[key] for key in sorted(gaps))
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
    # Terms compare by code first (one code, one name). The allergen is left out: an ingredient as
    # drawn has at most one finding of each allergy kind.
    kind = finding[0]
    return (
        RANK[finding[1]][kind],  # severity, then kind
        finding[2] or _NONE,  # ingredient
        finding[10] or _NONE,  # product
        finding[5] or 0,  # allergy record
        finding[6] or _NONE,  # condition
        finding[7] or _NONE,  # other ingredient
        # Two components of one ingredient in units that do not fit: keep their order fixed too.
        finding[8] if kind is _UNIT_MISMATCH else (),
    )


# --- Conditions and incompatibilities --------------------------------------------------------


def _incompatibility_findings(declaring, present: dict[str, IngredientFacts], findings: list[Finding]) -> None:
    """Each incompatible pair once (both sides list it), whichever side is met first."""
    seen: set[tuple[str, str]] = set()
    for ingredient in declaring.values():
        for other_slug, reason in ingredient.incompatibilities:
            other = present.get(other_slug)
            if other is None:
                continue
            first, second = (ingredient, other) if ingredient.slug < other.slug else (other, ingredient)
            pair = (first.slug, second.slug)
            if pair not in seen:
                seen.add(pair)
                findings.append(
                    Finding(
                        FindingKind.INCOMPATIBILITY,
                        Severity.WARNING,
                        first.term,
                        None,
                        (),
                        None,
                        None,
                        second.term,
                        (reason,),
                    )
                )
