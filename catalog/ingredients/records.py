"""Loading ingredients whole, as IngredientSchema, the pages and the stored documents show them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.ingredients.models import DoseLimit, Incompatibility, Ingredient, IngredientReference
from catalog.vocabularies.models import Category, Condition, Purpose


@dataclass(frozen=True)
class AllergenFlag:
    """An allergen on an ingredient, placed in the graph: the groups it sits in, and every group above them."""

    code: str
    name: str
    # The groups it is shown under, broadest first (the page's breadcrumb).
    groups: list[AllergenNode]
    parents: list[AllergenNode]
    ancestors: list[AllergenNode]


@dataclass(frozen=True)
class IngredientRef:
    slug: str
    name: str


@dataclass(frozen=True)
class DoseLimitView:
    """A dose limit with the ingredients its condition names (with or without one in the mix) resolved."""

    per_kg_mg: float | None
    max_mg: float | None
    with_ingredient: IngredientRef | None
    without_ingredient: IngredientRef | None
    source: object
    supports: str


@dataclass(frozen=True)
class IncompatibilityView:
    ingredient: IngredientRef
    reason: str


@dataclass(frozen=True)
class IngredientRecord:
    """One ingredient's whole record: what IngredientSchema dumps and the ingredient page shows."""

    id: int
    slug: str
    name: str
    inci_name: str | None
    synonyms: list[str]
    cas_number: str | None
    category: Category
    origin: str
    purposes: list[Purpose]
    allergens: list[AllergenFlag]
    description: str
    concentration: dict | None
    contraindications: list[Condition]
    cautions: list[Condition]
    dose_limits: list[DoseLimitView]
    incompatibilities: list[IncompatibilityView]
    references: list[IngredientReference]
    created_at: datetime
    updated_at: datetime
    # state, reviewed_by, reviewed_at, sources (see catalog.core.review)
    review: dict

    @property
    def review_state(self) -> str:
        return self.review["state"]

    @property
    def concentration_unit(self) -> str | None:
        return self.concentration["unit"] if self.concentration else None


def full_record_options() -> tuple:
    """Eager loads for a whole record (built on call: mappers are configured once every domain is imported)."""
    return (
        joinedload(Ingredient.category),
        selectinload(Ingredient.purposes),
        selectinload(Ingredient.allergens),
        selectinload(Ingredient.contraindications),
        selectinload(Ingredient.cautions),
        selectinload(Ingredient.dose_limits),
        selectinload(Ingredient.references),
        selectinload(Ingredient.incompatibilities).joinedload(Incompatibility.other_ingredient),
        selectinload(Ingredient.incompatibilities_declared_by_others).joinedload(Incompatibility.ingredient),
    )


def load_full_records(session: Session, condition, *, detach: bool = False) -> list[IngredientRecord]:
    """The whole records of the ingredients matching `condition`, allergen flags resolved to their groups.

    With `detach`, the rows read are expunged from the session once copied (bulk rendering).
    """
    ingredients = list(session.scalars(select(Ingredient).where(condition).options(*full_record_options())))
    hierarchy = allergens_service.load_hierarchy(session) if any(i.allergens for i in ingredients) else None
    named = {
        slug
        for ingredient in ingredients
        for limit in ingredient.dose_limits
        for slug in (limit.with_ingredient, limit.without_ingredient)
        if slug
    }
    names = {}
    if named:
        names = dict(session.execute(select(Ingredient.slug, Ingredient.name).where(Ingredient.slug.in_(named))).all())
    records = [_record(ingredient, hierarchy, names) for ingredient in ingredients]
    if detach:
        for ingredient in ingredients:
            session.expunge(ingredient)
    return records


def _flag(code: str, name: str, hierarchy: AllergenHierarchy) -> AllergenFlag:
    parents = node.parents if (node := hierarchy.get(code)) else []
    return AllergenFlag(code, name, hierarchy.groups_of(code), parents, hierarchy.ancestors_of(code))


def _dose_limit(limit: DoseLimit, names: dict[str, str]) -> DoseLimitView:
    def ref(slug: str | None) -> IngredientRef | None:
        return IngredientRef(slug, names.get(slug, slug)) if slug else None

    with_, without = ref(limit.with_ingredient), ref(limit.without_ingredient)
    return DoseLimitView(limit.per_kg_mg, limit.max_mg, with_, without, limit.source, limit.supports)


def _record(ingredient: Ingredient, hierarchy: AllergenHierarchy | None, names: dict[str, str]) -> IngredientRecord:
    incompatibilities = [(i.other_ingredient, i.reason) for i in ingredient.incompatibilities] + [
        (i.ingredient, i.reason) for i in ingredient.incompatibilities_declared_by_others
    ]
    return IngredientRecord(
        id=ingredient.id,
        slug=ingredient.slug,
        name=ingredient.name,
        inci_name=ingredient.inci_name,
        synonyms=list(ingredient.synonyms),
        cas_number=ingredient.cas_number,
        category=ingredient.category,
        origin=str(ingredient.origin),
        purposes=list(ingredient.purposes),
        allergens=[_flag(a.code, a.name, hierarchy) for a in ingredient.allergens],
        description=ingredient.description,
        concentration=ingredient.concentration,
        contraindications=list(ingredient.contraindications),
        cautions=list(ingredient.cautions),
        dose_limits=[_dose_limit(limit, names) for limit in ingredient.dose_limits],
        incompatibilities=[
            IncompatibilityView(IngredientRef(other.slug, other.name), reason)
            for other, reason in sorted(incompatibilities, key=lambda pair: pair[0].sort_name)
        ],
        references=list(ingredient.references),
        created_at=ingredient.created_at,
        updated_at=ingredient.updated_at,
        review=ingredient.review_view(),
    )
