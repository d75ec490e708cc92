"""The ingredients domain's service: what the HTTP layer, the seed loader and other domains call.

The work is done in `reading`, `listing` and `writing`; this module is their one front door.
"""

from catalog.ingredients.listing import IngredientPage, search_ingredients
from catalog.ingredients.matching import MatchReason, match_reasons
from catalog.ingredients.reading import (
    allergen_detail,
    get_ingredient,
    get_ingredient_document,
    ingredients_by_slug,
    ingredients_flagged_with,
)
from catalog.ingredients.writing import (
    as_input,
    comparable,
    current_inputs,
    review_ingredient,
    save_ingredient,
    upsert_ingredients,
)

__all__ = [
    "IngredientPage",
    "MatchReason",
    "allergen_detail",
    "as_input",
    "comparable",
    "current_inputs",
    "get_ingredient",
    "get_ingredient_document",
    "ingredients_by_slug",
    "ingredients_flagged_with",
    "match_reasons",
    "review_ingredient",
    "save_ingredient",
    "search_ingredients",
    "upsert_ingredients",
]
