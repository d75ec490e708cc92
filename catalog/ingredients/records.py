"""Loading ingredients whole, as IngredientSchema and the pages show them."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenNode
from catalog.ingredients.models import Incompatibility, Ingredient


@dataclass
class AllergenFlag:
    """An allergen on an ingredient, with the groups above it (broadest first)."""

    code: str
    name: str
    groups: list[AllergenNode]


@dataclass
class IncompatibilityView:
    ingredient: Ingredient
    reason: str


def full_record_options() -> tuple:
    """Eager loads for a whole record (built on call: mappers are configured once every domain is imported)."""
    return (
        joinedload(Ingredient.category),
        selectinload(Ingredient.purposes),
        selectinload(Ingredient.allergens),
        selectinload(Ingredient.contraindications),
        selectinload(Ingredient.references),
        selectinload(Ingredient.incompatibilities).joinedload(Incompatibility.other_ingredient),
        selectinload(Ingredient.incompatibilities_declared_by_others).joinedload(Incompatibility.ingredient),
    )


def load_full_records(session: Session, condition) -> list[Ingredient]:
    """Ingredients matching `condition`, ready for IngredientSchema (see `get_ingredient`)."""
    ingredients = list(session.scalars(select(Ingredient).where(condition).options(*full_record_options())))
    hierarchy = allergens_service.load_hierarchy(session) if any(i.allergens for i in ingredients) else None
    for ingredient in ingredients:
        ingredient.allergen_flags = [
            AllergenFlag(code=a.code, name=a.name, groups=hierarchy.groups_of(a.code)) for a in ingredient.allergens
        ]
        ingredient.incompatibility_list = sorted(
            [IncompatibilityView(i.other_ingredient, i.reason) for i in ingredient.incompatibilities]
            + [IncompatibilityView(i.ingredient, i.reason) for i in ingredient.incompatibilities_declared_by_others],
            key=lambda view: view.ingredient.sort_name,
        )
    return ingredients
