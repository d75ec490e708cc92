"""Small builders of valid catalogue data for tests."""

import itertools

from catalog.ingredients import service as ingredients_service
from catalog.ingredients.models import Ingredient
from catalog.ingredients.schemas import IngredientCreateSchema

_numbers = itertools.count(1)


def ingredient_entry(**overrides) -> dict:
    """A valid IngredientCreateSchema input; codes come from the real seed vocabulary."""
    number = next(_numbers)
    entry = {
        "slug": f"test-ingredient-{number}",
        "name": f"Test ingredient {number}",
        "category": "vitamin",
        "origin": "synthetic",
        "purposes": ["antioxidant"],
        "description": "An ingredient made up for a test.",
        "references": [{"source": "cosing", "supports": "test"}],
    }
    entry.update(overrides)
    return entry


class IngredientFactory:
    def __init__(self, session):
        self.session = session

    def __call__(self, **overrides) -> Ingredient:
        entry = IngredientCreateSchema().load(ingredient_entry(**overrides))
        ingredients_service.upsert_ingredients(self.session, entries=[entry])
        return ingredients_service.get_ingredient(self.session, slug=entry["slug"])
