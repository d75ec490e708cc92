"""Curators' edits of the shared catalogue: validated like the seed files, audited, documents refreshed."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.models import Allergen
from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.errors import Conflict, NotFound
from catalog.ingredients import documents
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.models import Ingredient

# Values safe and useful in the audit trail; prose fields are listed by name.
CODED_INGREDIENT_FIELDS = {"category", "origin", "purposes", "allergens", "contraindications", "cas_number"}
CODED_ALLERGEN_FIELDS = {"parent"}


def save_ingredient(session: Session, *, actor: Actor, entry: dict, create: bool) -> Ingredient:
    """Create (`create=True`, the slug must be new) or replace an ingredient's whole record."""
    exists = session.scalar(select(Ingredient.id).where(Ingredient.slug == entry["slug"])) is not None
    if create and exists:
        raise Conflict("An ingredient with this slug exists; PUT to its URL to change it.", errors={"slug": ["Taken."]})
    if not create and not exists:
        raise NotFound(f"No ingredient has the slug {entry['slug']!r}.")
    before = (
        ingredients_service.as_input(ingredients_service.get_ingredient(session, slug=entry["slug"])) if exists else {}
    )
    ingredients_service.upsert_ingredients(session, entries=[entry])
    ingredient = ingredients_service.get_ingredient(session, slug=entry["slug"])
    changes = audit.change_list(before, ingredients_service.as_input(ingredient), coded=CODED_INGREDIENT_FIELDS)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="ingredient.created" if create else "ingredient.updated",
            object_type="ingredient",
            object_id=ingredient.slug,
            changes=changes,
        )
    return ingredient


def save_allergen(session: Session, *, actor: Actor, entry: dict, create: bool) -> Allergen:
    """Create or replace an allergen; ingredient records showing its name or groups are refreshed."""
    allergen = session.get(Allergen, entry["code"])
    if create and allergen is not None:
        raise Conflict("An allergen with this code exists; PUT to its URL to change it.", errors={"code": ["Taken."]})
    if not create and allergen is None:
        raise NotFound(f"No allergen has the code {entry['code']!r}.")
    before = _allergen_view(allergen) if allergen is not None else {}
    counts = allergens_service.upsert_allergens(session, entries=[entry], whole_list=False)
    session.expire_all()
    allergen = session.get(Allergen, entry["code"])
    if counts["updated"]:
        # Every ingredient document shows allergen names and group paths.
        documents.refresh_documents(session)
    changes = audit.change_list(before, _allergen_view(allergen), coded=CODED_ALLERGEN_FIELDS)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="allergen.created" if create else "allergen.updated",
            object_type="allergen",
            object_id=allergen.code,
            changes=changes,
        )
    return allergen


def _allergen_view(allergen: Allergen) -> dict:
    return {"name": allergen.name, "description": allergen.description, "parent": allergen.parent_code}
