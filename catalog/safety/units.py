"""Concentration units: which can be compared, and how to convert between them (pint does the arithmetic).

`%` is weight per volume, as on injection labels: 1 % = 1 g/100 mL = 10 mg/mL. Activity units
convert into neither mass nor each other: international units (IU) and USP units (`U/mL`, as on
US hyaluronidase labels) measure the same enzymes by different assays. The table of factors is
built once, by pint, when the module is imported; a check then costs a dictionary lookup, not a
units parse.
"""

import pint

_registry = pint.UnitRegistry()
_registry.define("percent_weight_per_volume = 10 * milligram / milliliter")
_registry.define("usp_unit = [usp_activity]")
_registry.define("international_unit = [international_activity]")

# The catalogue's spellings, as pint reads them.
SPELLINGS = {
    "%": "percent_weight_per_volume",
    "mg/mL": "milligram / milliliter",
    "µg/mL": "microgram / milliliter",
    "IU/mL": "international_unit / milliliter",
    "U/mL": "usp_unit / milliliter",
}


def _in_base_units(spelling: str) -> tuple[str, float]:
    quantity = _registry.Quantity(1.0, SPELLINGS[spelling]).to_base_units()
    return str(quantity.dimensionality), float(quantity.magnitude)


# unit -> (dimensionality, factor to pint's base units)
UNITS: dict[str, tuple[str, float]] = {spelling: _in_base_units(spelling) for spelling in SPELLINGS}
MASS_PER_VOLUME = UNITS["mg/mL"][0]


def units_fit(unit: str, reference_unit: str | None) -> bool:
    """Whether a concentration in `unit` can be compared with one in `reference_unit` (None: anything fits)."""
    if unit not in UNITS:
        return False
    return reference_unit is None or UNITS[unit][0] == UNITS.get(reference_unit, (None,))[0]


def convert(value: float, unit: str, to_unit: str) -> float | None:
    """`value` expressed in `to_unit`, or None when the units cannot be compared."""
    if unit == to_unit:
        return value
    source, target = UNITS.get(unit), UNITS.get(to_unit)
    if source is None or target is None or source[0] != target[0]:
        return None
    return value * source[1] / target[1]


def milligrams(concentration: float, unit: str, volume_ml: float) -> float | None:
    """The mass in `volume_ml` of a solution at `concentration`, or None for activity units."""
    per_ml = convert(concentration, unit, "mg/mL")
    return None if per_ml is None else per_ml * volume_ml
