"""A composition as plain data: checked against the catalogue, written as a version's rows, read back, compared."""

from collections.abc import Container, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cocktails.models import CocktailComponent, CocktailVersion, Technique
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Invalid
from catalog.core.words import N_, phrase
from catalog.ingredients.models import Ingredient
from catalog.products import service as products_service
from catalog.products.models import Product
from catalog.safety import units_fit


def refuse_unusable(
    components: list[dict],
    *,
    ingredients: Mapping[str, tuple[str, str | None]],
    products: Container[str],
    check_units: bool = True,
) -> None:
    """A 422 naming each component that cannot be used: an unknown ingredient or product, or a unit
    that cannot be compared with the ingredient's (`ingredients`: slug → its name and unit).

    Errors name the component by its index, as marshmallow does: {"components": {"2": {"unit": [...]}}}.
    """
    errors: dict[int, dict[str, list[str]]] = {}
    for index, component in enumerate(components):
        if component.get("product"):
            if component["product"] not in products:
                errors[index] = {"product": [phrase("No product has the slug %(slug)r.", slug=component["product"])]}
            continue
        found = ingredients.get(component["ingredient"])
        if found is None:
            errors[index] = {
                "ingredient": [phrase("No ingredient has the slug %(slug)r.", slug=component["ingredient"])]
            }
        elif check_units and not units_fit(component["unit"], found[1]):
            name, unit = found
            errors[index] = {
                "unit": [
                    phrase(
                        "%(name)s is measured in %(unit)s; %(given)s cannot be compared with it.",
                        name=name,
                        unit=unit,
                        given=component["unit"],
                    )
                ]
            }
    if errors:
        raise Invalid(N_("Some components cannot be used."), errors={"components": errors})


def resolve_components(
    session: Session, components: list[dict], *, check_units: bool = True
) -> list[tuple[Ingredient | Product, dict]]:
    """Each component with its catalogue ingredient or product; unknown ones and ill-fitting units are 422s.

    A saved version is read with `check_units=False`: the catalogue may have changed since, and the
    check reports a unit that no longer fits instead of refusing the version.
    """
    slugs = [c["ingredient"] for c in components if c.get("ingredient")]
    found = {i.slug: i for i in session.scalars(select(Ingredient).where(Ingredient.slug.in_(slugs)))}
    products = products_service.products_by_slug(session, slugs=[c["product"] for c in components if c.get("product")])
    refuse_unusable(
        components,
        ingredients={slug: (i.name, i.concentration_unit) for slug, i in found.items()},
        products=products,
        check_units=check_units,
    )
    return [(products[c["product"]] if c.get("product") else found[c["ingredient"]], c) for c in components]


def _version_values(data: dict) -> dict:
    protocol = data.get("protocol") or {}
    return {
        "technique": Technique(data["technique"]),
        "indication": data.get("indication", ""),
        "sessions": protocol.get("sessions"),
        "weeks_between_sessions": protocol.get("weeks_between_sessions"),
        "notes": data.get("notes", ""),
    }


def new_version(
    session: Session,
    *,
    cocktail_id: int,
    number: int,
    data: dict,
    resolved: list[tuple[Ingredient | Product, dict]],
    actor: Actor,
    change_note: str,
    **extra,
) -> CocktailVersion:
    """Add version `number` holding the composition `data`, its components as `resolve_components` found them."""
    version = CocktailVersion(
        cocktail_id=cocktail_id,
        number=number,
        change_note=change_note,
        **actor_columns("author", actor),
        created_at=utcnow(),
        components=[
            CocktailComponent(
                position=position,
                ingredient=item if isinstance(item, Ingredient) else None,
                product=item if isinstance(item, Product) else None,
                concentration=component.get("concentration") if isinstance(item, Ingredient) else None,
                unit=component.get("unit") if isinstance(item, Ingredient) else None,
                volume_ml=component.get("volume_ml"),
            )
            for position, (item, component) in enumerate(resolved)
        ],
        **_version_values(data),
        **extra,
    )
    session.add(version)
    return version


def composition_of(version: CocktailVersion) -> dict:
    """A saved version as CompositionSchema input: what revert, clone and re-basing copy."""
    return {
        "components": [_component_input(c) for c in version.components],
        "technique": version.technique.value,
        "indication": version.indication,
        "protocol": version.protocol,
        "notes": version.notes,
    }


def _component_input(component: CocktailComponent) -> dict:
    if component.product is not None:
        return {"product": component.product.slug, "volume_ml": component.volume_ml}
    return {
        "ingredient": component.ingredient.slug,
        "concentration": component.concentration,
        "unit": component.unit,
        "volume_ml": component.volume_ml,
    }


def _comparable(composition: dict) -> dict:
    protocol = composition.get("protocol") or {}
    return {
        "components": [
            (
                c.get("ingredient"),
                c.get("product"),
                None if c.get("concentration") is None else float(c["concentration"]),
                c.get("unit"),
                c.get("volume_ml"),
            )
            for c in composition["components"]
        ],
        "technique": str(composition["technique"]),
        "indication": composition.get("indication", ""),
        "sessions": protocol.get("sessions"),
        "weeks_between_sessions": protocol.get("weeks_between_sessions"),
        "notes": composition.get("notes", ""),
    }


def same_composition(saved: dict, submitted: dict) -> bool:
    """Whether two compositions hold the same components, in the same order, and the same other fields."""
    return _comparable(saved) == _comparable(submitted)
