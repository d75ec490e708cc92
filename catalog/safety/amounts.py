"""Concentrations against their usual range and maximum, and each ingredient's total dose against its limits."""

from catalog.safety.types import (
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
        gaps[(GapKind.NO_CONCENTRATION_DATA, ingredient.slug)] = ingredient.gap_no_data
        return
    unit = component.unit
    value = (
        component.concentration if unit == ingredient.unit else convert(component.concentration, unit, ingredient.unit)
    )
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
        if component.volume_ml is None:
            total[slug] = None
            continue
        amount = milligrams(component.concentration, component.unit, component.volume_ml)
        if amount is None or total.get(slug, 0.0) is None:
            total[slug] = None
        else:
            total[slug] = total.get(slug, 0.0) + amount
    return total


def dose_findings(components, patient: PatientProfile, findings: list[Finding], gaps: dict) -> None:
    limited: dict[str, IngredientFacts] = {}
    for component in components:
        if component.ingredient.dose_limits:
            limited.setdefault(component.ingredient.slug, component.ingredient)
    if not limited:
        return
    present = frozenset(component.ingredient.slug for component in components)
    amounts = totals([component for component in components if component.ingredient.slug in limited])
    weight = patient.weight_kg
    for slug, ingredient in limited.items():
        limits = [limit for limit in ingredient.dose_limits if limit.applies(present)]
        total = amounts[slug]
        if total is None:
            gaps[(GapKind.DOSE_WITHOUT_VOLUME, slug)] = Gap(GapKind.DOSE_WITHOUT_VOLUME, ingredient.term)
            findings.append(Finding(FindingKind.DOSE_UNCHECKED, Severity.WARNING, ingredient.term, facts=("volume",)))
            continue
        needs_weight = any(limit.per_kg_mg is not None for limit in limits)
        if needs_weight and weight is None:
            gaps[(GapKind.DOSE_WITHOUT_WEIGHT, slug)] = Gap(GapKind.DOSE_WITHOUT_WEIGHT, ingredient.term, (total,))
            findings.append(
                Finding(FindingKind.DOSE_UNCHECKED, Severity.WARNING, ingredient.term, facts=("weight", total))
            )
        for limit in limits:
            allowed = [value for value in (limit.max_mg, _per_kg(limit.per_kg_mg, weight)) if value is not None]
            if allowed and total > min(allowed):
                findings.append(
                    Finding(
                        FindingKind.DOSE_ABOVE_LIMIT,
                        Severity.CRITICAL,
                        ingredient.term,
                        facts=(
                            total,
                            min(allowed),
                            limit.per_kg_mg,
                            limit.max_mg,
                            weight,
                            limit.with_ingredient,
                            limit.without_ingredient,
                            limit.source,
                        ),
                    )
                )
                break


def _per_kg(per_kg_mg: float | None, weight: float | None) -> float | None:
    return per_kg_mg * weight if per_kg_mg is not None and weight is not None else None
