"""The pre-use safety check of a composition against a patient: pure Python, no Flask, no database.

Callers turn rows into the plain types below; `check_composition` returns an outcome and findings
graded as CDS Hooks cards are (info, warning, critical). Same input, same output, same order:
findings are sorted by severity, kind, then names, never by the order components were given.
"""

from catalog.safety.check import check_composition
from catalog.safety.types import (
    AllergenFlag,
    AllergyFacts,
    CheckResult,
    Component,
    Finding,
    FindingKind,
    IngredientFacts,
    Outcome,
    PatientProfile,
    Severity,
    Term,
)
from catalog.safety.units import UNITS, convert, units_fit

__all__ = [
    "UNITS",
    "AllergenFlag",
    "AllergyFacts",
    "CheckResult",
    "Component",
    "Finding",
    "FindingKind",
    "IngredientFacts",
    "Outcome",
    "PatientProfile",
    "Severity",
    "Term",
    "check_composition",
    "convert",
    "units_fit",
]
