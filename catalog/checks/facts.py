"""Turning catalogue and patient rows into the safety check's plain input types."""

import dataclasses
import hashlib
import json
from datetime import date

from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy
from catalog.core.review import ReviewState
from catalog.ingredients import records
from catalog.ingredients.models import Ingredient
from catalog.patients.models import Patient
from catalog.products import service as products_service
from catalog.safety import AllergenFlag, AllergyFacts, IngredientFacts, PatientProfile, Term
from catalog.safety.types import DoseLimit
from catalog.vocabularies import versions
from catalog.vocabularies.models import Condition

# The condition under-18 follows from the birth year; nobody sets it by hand.
MINOR = "under-18"
ADULT_AGE = 18


def _flag(hierarchy: AllergenHierarchy, code: str) -> AllergenFlag:
    path = tuple(Term(node.code, node.name) for node in hierarchy.path(code))
    return AllergenFlag(code, path[-1].name, path)


def _kept(session: Session, name: str, slugs: list[str], read) -> dict:
    """`read(slugs)`'s values by slug, kept in memory per catalogue version (read again once it changes)."""
    kept = versions.cache_for(session, name)
    if kept is None:
        return read(session, slugs)
    missing = [slug for slug in dict.fromkeys(slugs) if slug not in kept]
    if missing:
        kept.update(read(session, missing))
    return {slug: kept[slug] for slug in slugs if slug in kept}


def ingredient_facts(session: Session, *, slugs: list[str]) -> dict[str, IngredientFacts]:
    """Every fact the check needs about these ingredients, by slug; kept in memory per catalogue version."""
    return _kept(session, "ingredient-facts", slugs, _read_ingredient_facts)


@dataclasses.dataclass(frozen=True)
class ProductFacts:
    """What a check reads of a product: its name, whether it is reviewed, and what each mL holds."""

    slug: str
    name: str
    reviewed: bool
    changed_since_review: bool
    # (ingredient slug, strength, unit) for every active and excipient, in the label's order.
    parts: tuple[tuple[str, float, str], ...]

    @property
    def ingredients(self) -> frozenset[str]:
        """What an allergy to the product covers: every ingredient it holds."""
        return frozenset(slug for slug, _, _ in self.parts)


def product_facts(session: Session, *, slugs: list[str]) -> dict[str, ProductFacts]:
    """These products as the check reads them, by slug; kept in memory per catalogue version."""
    return _kept(session, "product-facts", slugs, _read_product_facts) if slugs else {}


def _read_product_facts(session: Session, slugs: list[str]) -> dict[str, ProductFacts]:
    return {
        slug: ProductFacts(
            slug=slug,
            name=product.name,
            reviewed=product.review_state == ReviewState.REVIEWED,
            changed_since_review=product.review_state == ReviewState.CHANGED,
            parts=tuple((part.ingredient.slug, part.strength, part.unit) for part in product.components),
        )
        for slug, product in products_service.products_by_slug(session, slugs=slugs).items()
    }


def _read_ingredient_facts(session: Session, slugs: list[str]) -> dict[str, IngredientFacts]:
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
            cautions=tuple(Term(c.code, c.name) for c in ingredient.cautions),
            dose_limits=tuple(
                DoseLimit(
                    limit.per_kg_mg,
                    limit.max_mg,
                    limit.with_ingredient,
                    limit.without_ingredient,
                    limit.source.title,
                )
                for limit in ingredient.dose_limits
            ),
            figure_context=(ingredient.concentration or {}).get("context") or "",
            reviewed=ingredient.review_state == ReviewState.REVIEWED,
            changed_since_review=ingredient.review_state == ReviewState.CHANGED,
        )
    return facts


def patient_profile(session: Session, patient: Patient) -> PatientProfile:
    """The patient's allergy status, every allergy record and conditions, as the check reads them."""
    age = youngest_age(patient.birth_year, date.today())
    conditions = _conditions(session, patient, age)
    hierarchy = allergens_service.load_hierarchy(session) if any(r.allergen_code for r in patient.allergies) else None
    products = product_facts(session, slugs=[r.product.slug for r in patient.allergies if r.product is not None])
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
                manifestation=record.reaction_manifestation,
                product=Term(record.product.slug, record.product.name) if record.product is not None else None,
                product_ingredients=products[record.product.slug].ingredients
                if record.product is not None
                else frozenset(),
            )
            for record in patient.allergies
        ),
        conditions=tuple(Term(condition.code, condition.name) for condition in conditions),
        cautions=tuple(
            (Term(condition.code, condition.name), condition.caution) for condition in conditions if condition.caution
        ),
        contraindications=tuple(
            (Term(condition.code, condition.name), condition.contraindication)
            for condition in conditions
            if condition.contraindication
        ),
        age_years=age,
        weight_kg=patient.weight.kg if patient.weight is not None else None,
    )


def allergy_facts_from_values(session: Session, entries: list[tuple[int, dict]]) -> tuple[AllergyFacts, ...]:
    """Allergy records not kept in Mesocat (another system's, by number) as the check reads them.

    Each value dict holds what a record holds: allergen (code) or product (slug) or allergen_text,
    criticality, clinical_status, verification_status and reaction {manifestation, severity}.
    """
    hierarchy = allergens_service.load_hierarchy(session) if any(v.get("allergen") for _, v in entries) else None
    products = product_facts(session, slugs=[v["product"] for _, v in entries if v.get("product")])
    facts = []
    for number, values in entries:
        reaction = values.get("reaction") or {}
        product = products.get(values.get("product"))
        facts.append(
            AllergyFacts(
                id=number,
                criticality=values.get("criticality", "unable-to-assess"),
                clinical_status=values.get("clinical_status", "active"),
                verification_status=values.get("verification_status", "unconfirmed"),
                allergen=_flag(hierarchy, values["allergen"]) if values.get("allergen") else None,
                text=values.get("allergen_text"),
                reaction_severity=reaction.get("severity"),
                manifestation=reaction.get("manifestation"),
                product=Term(product.slug, product.name) if product is not None else None,
                product_ingredients=product.ingredients if product else frozenset(),
            )
        )
    return tuple(facts)


def youngest_age(birth_year: int | None, today: date) -> int | None:
    """The youngest the patient can be, from the birth year alone (a birthday may be still to come)."""
    return None if birth_year is None else today.year - birth_year - 1


def _conditions(session: Session, patient: Patient, age: int | None) -> list[Condition]:
    """The patient's recorded conditions, and being under 18 when the birth year says they may be."""
    conditions = list(patient.conditions)
    if age is not None and age < ADULT_AGE and all(c.code != MINOR for c in conditions):
        minor = session.get(Condition, MINOR)
        if minor is not None:
            conditions.append(minor)
    return conditions


def profile_fingerprint(profile: PatientProfile) -> str:
    """A digest of everything the check read about the patient: a later change of it shows."""
    data = dataclasses.asdict(profile)
    text = json.dumps(
        data, sort_keys=True, default=lambda value: sorted(value) if isinstance(value, frozenset) else str(value)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def patient_fingerprint(session: Session, patient: Patient) -> str:
    """The fingerprint of the patient as the check would read them now."""
    return profile_fingerprint(patient_profile(session, patient))
