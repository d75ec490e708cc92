"""Concentration units: which can be compared, and how to convert between them.

Mass per volume units convert (1 % w/v = 10 mg/mL); activity units (IU, USP/enzyme units) do not
convert into mass, nor into each other.
"""

# unit -> (family, factor to the family's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "%": ("mass", 10.0),
    "mg/mL": ("mass", 1.0),
    "µg/mL": ("mass", 0.001),
    "IU/mL": ("international-units", 1.0),
    "U/mL": ("units", 1.0),
}


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
