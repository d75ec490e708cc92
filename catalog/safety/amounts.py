"""Concentrations against their usual range and maximum, and each ingredient's total dose against its limits."""

from catalog.safety.types import (
    GAP_RANK,
    Component,
    Finding,
    FindingKind,
    Gap,
    GapKind,
    IngredientFacts,
    PatientProfile,
    Severity,
)
from catalog.safety.units import convert, milligrams


def concentration_findings(component: Component, findings: list[Finding], gaps: dict) -> None:
    ingredient = component.ingredient
    if ingredient.unit is None:
        gaps[(GAP_RANK[GapKind.NO_CONCENTRATION_DATA], ingredient.slug)] = ingredient.gap_no_data
        return
    unit = component.unit
    value = (
        component.concentration if unit == ingredient.unit else convert(component.concentration, unit, ingredient.unit)
    )
    if value is not None and ingredient.in_range_low <= value <= ingredient.in_range_high:
        return  # the common case: within the usual range and under the maximum
    context = ingredient.figure_context
    if value is None:
        findings.append(
            Finding(
                FindingKind.UNIT_MISMATCH,
                Severity.WARNING,
                ingredient.term,
                facts=(component.unit, ingredient.unit),
                product=component.product,
            )
        )
    elif ingredient.maximum is not None and value > ingredient.maximum:
        findings.append(
            Finding(
                FindingKind.ABOVE_MAXIMUM,
                Severity.CRITICAL,
                ingredient.term,
                facts=(component.concentration, component.unit, ingredient.maximum, ingredient.unit, context),
                product=component.product,
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
                    context,
                ),
                product=component.product,
            )
        )


def totals(components) -> dict[str, float | None]:
    """Each ingredient's total in mg over every component holding it; None when a volume or mass is unknown."""
    total: dict[str, float | None] = {}
    for component in components:
        slug = component.ingredient.slug
        volume = component.volume_ml
        amount = None if volume is None else milligrams(component.concentration, component.unit, volume)
        so_far = total.get(slug, 0.0)
        total[slug] = None if amount is None or so_far is None else so_far + amount
    return total


def dose_findings(
    components,
    limited: dict[str, IngredientFacts],
    present: dict[str, IngredientFacts] | set[str],
    patient: PatientProfile,
    findings: list[Finding],
    gaps: dict,
) -> None:
    """Each dose-limited ingredient's total (`limited`, by slug) against the limits that apply to the mix."""
    amounts = totals([component for component in components if component.ingredient.slug in limited])
    weight = patient.weight_kg
    for slug, ingredient in limited.items():
        total = amounts[slug]
        if total is None:
            gaps[(GAP_RANK[GapKind.DOSE_WITHOUT_VOLUME], slug)] = Gap(GapKind.DOSE_WITHOUT_VOLUME, ingredient.term)
            findings.append(Finding(FindingKind.DOSE_UNCHECKED, Severity.WARNING, ingredient.term, facts=("volume",)))
            continue
        unweighed = exceeded = False
        for limit in ingredient.dose_limits:
            if not limit.applies(present):
                continue
            allowed, per_kg = limit.max_mg, limit.per_kg_mg
            if per_kg is not None:
                if weight is None:
                    unweighed = True
                elif allowed is None or per_kg * weight < allowed:
                    allowed = per_kg * weight
            if not exceeded and allowed is not None and total > allowed:
                exceeded = True  # the first limit exceeded is the one the finding names
                facts = (total, allowed, per_kg, limit.max_mg, weight, limit.with_ingredient, limit.without_ingredient)
                findings.append(
                    Finding(
                        FindingKind.DOSE_ABOVE_LIMIT,
                        Severity.CRITICAL,
                        ingredient.term,
                        facts=(*facts, limit.source),
                    )
                )
        if unweighed:
            gaps[(GAP_RANK[GapKind.DOSE_WITHOUT_WEIGHT], slug)] = Gap(
                GapKind.DOSE_WITHOUT_WEIGHT, ingredient.term, (total,)
            )
            findings.append(
                Finding(FindingKind.DOSE_UNCHECKED, Severity.WARNING, ingredient.term, facts=("weight", total))
            )
