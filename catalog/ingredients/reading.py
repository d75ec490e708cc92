"""Reading one ingredient, or the ingredients an allergen flags."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy
from catalog.core.errors import NotFound
from catalog.ingredients import documents, records
from catalog.ingredients.models import (
    Ingredient,
    ingredient_allergens,
)


def get_ingredient(session: Session, *, slug: str) -> records.IngredientRecord:
    """The whole record, with allergen flags resolved to their groups and incompatibilities from both sides."""
    ingredients = records.load_full_records(session, Ingredient.slug == slug)
    if not ingredients:
        raise NotFound(f"No ingredient has the slug {slug!r}.")
    return ingredients[0]


def get_ingredient_document(session: Session, *, slug: str) -> tuple[str, str]:
    """(ETag, JSON body) of one ingredient's whole record, as stored when the catalogue last changed."""
    return documents.get_document(session, slug=slug)


def ingredients_by_slug(session: Session, *, slugs: list[str]) -> list[Ingredient]:
    """The ingredients (columns only, no collections) with these slugs."""
    return list(session.scalars(select(Ingredient).where(Ingredient.slug.in_(slugs))))


def allergen_detail(session: Session, *, code: str) -> dict:
    """One allergen with its groups, members and the ingredients it flags (the API's and the page's view).

    Which ingredients an allergen flags is known here, above the allergens domain.
    """
    hierarchy = allergens_service.load_hierarchy(session)
    node = allergens_service.get_node(hierarchy, code=code)
    return {
        "code": node.code,
        "name": node.name,
        "description": node.description,
        "parent_code": node.parent_code,
        "children": node.children,
        # The page's breadcrumb: the groups it is shown under, broadest first.
        "groups": hierarchy.groups_of(code),
        "parents": node.parents,
        "ancestors": hierarchy.ancestors_of(code),
        **allergens_service.relations_of(session, code=code),
        "ingredients": ingredients_flagged_with(session, hierarchy=hierarchy, code=code),
    }


def ingredients_flagged_with(session: Session, *, hierarchy: AllergenHierarchy, code: str) -> list[dict]:
    """Ingredients flagged with `code` or any allergen below it, each with the flags that matched."""
    codes = hierarchy.with_members([code])
    rows = session.execute(
        select(Ingredient.slug, Ingredient.name, ingredient_allergens.c.allergen_code)
        .join(ingredient_allergens, ingredient_allergens.c.ingredient_id == Ingredient.id)
        .where(ingredient_allergens.c.allergen_code.in_(codes))
        .order_by(Ingredient.sort_name, ingredient_allergens.c.allergen_code)
    )
    flagged: dict[str, dict] = {}
    for slug, name, allergen_code in rows:
        entry = flagged.setdefault(slug, {"slug": slug, "name": name, "flagged_with": []})
        node = hierarchy.get(allergen_code)
        entry["flagged_with"].append({"code": node.code, "name": node.name})
    return list(flagged.values())
