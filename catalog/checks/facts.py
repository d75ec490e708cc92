"""Turning catalogue and patient rows into the safety check's plain input types."""

from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy
from catalog.ingredients import records
from catalog.ingredients.models import Ingredient
from catalog.patients.models import Patient
from catalog.safety import AllergenFlag, AllergyFacts, IngredientFacts, PatientProfile, Term


def _flag(hierarchy: AllergenHierarchy, code: str) -> AllergenFlag:
    path = tuple(Term(node.code, node.name) for node in hierarchy.path(code))
    return AllergenFlag(code, path[-1].name, path)


def ingredient_facts(session: Session, *, slugs: list[str]) -> dict[str, IngredientFacts]:
    """Every fact the check needs about these ingredients, by slug."""
    ingredients = records.load_full_records(session, Ingredient.slug.in_(slugs))
    facts = {}
    for ingredient in ingredients:
        facts[ingredient.slug] = IngredientFacts(
            slug=ingredient.slug,
            name=ingredient.name,
            origin=str(ingredient.origin),
            allergens=tuple(
                AllergenFlag(
                    flag.code,
                    flag.name,
                    (*(Term(group.code, group.name) for group in flag.groups), Term(flag.code, flag.name)),
                )
                for flag in ingredient.allergens
            ),
            contraindications=tuple(Term(c.code, c.name) for c in ingredient.contraindications),
            aliases=tuple(filter(None, (ingredient.inci_name, *ingredient.synonyms))),
            unit=ingredient.concentration_unit,
            usual_min=(ingredient.concentration or {}).get("usual_min"),
            usual_max=(ingredient.concentration or {}).get("usual_max"),
            maximum=(ingredient.concentration or {}).get("maximum"),
            incompatibilities=tuple((view.ingredient.slug, view.reason) for view in ingredient.incompatibilities),
        )
    return facts


def patient_profile(session: Session, patient: Patient) -> PatientProfile:
    """The patient's allergy status, every allergy record and conditions, as the check reads them."""
    hierarchy = allergens_service.load_hierarchy(session) if any(r.allergen_code for r in patient.allergies) else None
    return PatientProfile(
        allergy_status=patient.allergy_status.value,
        allergies=tuple(
            AllergyFacts(
                id=record.id,
                criticality=record.criticality.value,
                clinical_status=record.clinical_status.value if record.clinical_status else None,
                verification_status=record.verification_status.value,
                allergen=_flag(hierarchy, record.allergen_code) if record.allergen_code else None,
                text=record.allergen_text,
                reaction_severity=record.reaction_severity.value if record.reaction_severity else None,
            )
            for record in patient.allergies
        ),
        conditions=tuple(Term(condition.code, condition.name) for condition in patient.conditions),
        cautions=tuple(
            (Term(condition.code, condition.name), condition.caution)
            for condition in patient.conditions
            if condition.caution
        ),
    )
