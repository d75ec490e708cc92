"""What a version holds per ingredient, actives and excipients alike: amounts in all and in the mix."""

from catalog.safety.units import milligrams


def ingredient_amounts(components) -> list[dict]:
    """Per ingredient, actives and excipients alike: its amount in all and its concentration in the mix.

    Amounts need every volume: without one, amount and concentration are None (the check says so).
    Mass units give mg; activity units give IU or U, which never add to each other or to mass.
    """
    volumes = [c.volume_ml for c in components]
    total_volume = sum(volumes) if None not in volumes else None
    rows: dict[str, dict] = {}
    for component in components:
        parts = (
            [(c.ingredient, c.role.value, c.strength, c.unit) for c in component.product.components]
            if component.product is not None
            else [(component.ingredient, "active", component.concentration, component.unit)]
        )
        for ingredient, role, strength, unit in parts:
            row = rows.setdefault(
                ingredient.slug,
                {
                    "ingredient": {"slug": ingredient.slug, "name": ingredient.name},
                    "role": role,
                    "products": [],
                    "amount": 0.0,
                    "amount_unit": AMOUNT_UNITS.get(unit),
                },
            )
            if role == "active":
                row["role"] = "active"
            product = component.product
            if product is not None and all(p["slug"] != product.slug for p in row["products"]):
                row["products"].append({"slug": product.slug, "name": product.name})
            amount = _amount(strength, unit, component.volume_ml)
            if amount is None or row["amount"] is None or row["amount_unit"] != AMOUNT_UNITS.get(unit):
                row["amount"] = None
            else:
                row["amount"] += amount
    for row in rows.values():
        known = row["amount"] is not None and total_volume
        row["concentration_in_mix"] = row["amount"] / total_volume if known else None
    return list(rows.values())


# What an amount is counted in, by the concentration's unit family.
AMOUNT_UNITS = {"%": "mg", "mg/mL": "mg", "µg/mL": "mg", "IU/mL": "IU", "U/mL": "U"}


def _amount(strength: float, unit: str, volume_ml: float | None) -> float | None:
    if volume_ml is None:
        return None
    if AMOUNT_UNITS.get(unit) == "mg":
        return milligrams(strength, unit, volume_ml)
    return strength * volume_ml
