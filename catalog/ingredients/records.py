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
    """An allergen on an ingredient, with the groups above it (broadest first)."""

    code: str
    name: str
    groups: list[AllergenNode]


@dataclass(frozen=True)
class IngredientRef:
    slug: str
    name: str


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
    dose_limits: list[DoseLimit]
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
    records = [_record(ingredient, hierarchy) for ingredient in ingredients]
    if detach:
        for ingredient in ingredients:
            session.expunge(ingredient)
    return records


def _record(ingredient: Ingredient, hierarchy: AllergenHierarchy | None) -> IngredientRecord:
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
        allergens=[AllergenFlag(a.code, a.name, hierarchy.groups_of(a.code)) for a in ingredient.allergens],
        description=ingredient.description,
        concentration=ingredient.concentration,
        contraindications=list(ingredient.contraindications),
        cautions=list(ingredient.cautions),
        dose_limits=list(ingredient.dose_limits),
        incompatibilities=[
            IncompatibilityView(IngredientRef(other.slug, other.name), reason)
            for other, reason in sorted(incompatibilities, key=lambda pair: pair[0].sort_name)
        ],
        references=list(ingredient.references),
        created_at=ingredient.created_at,
        updated_at=ingredient.updated_at,
        review=ingredient.review_view(),
    )
