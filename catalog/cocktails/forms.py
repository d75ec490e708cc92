"""The cocktail pages' forms taken apart for the API's schemas, and compositions put back into form fields.

Component rows in the composer are named `components-<key>-<field>`; their order on the page is
their order in the version. Numbers are left as typed: the schemas say what is wrong with them.
"""

import re
import secrets

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from catalog.cocktails.models import Technique
from catalog.core.db import MAX_ID
from catalog.core.text import typed_decimal
from catalog.core.words import N_

ROW_FIELD = re.compile(r"^components-([a-z0-9]{1,16})-(ingredient|product|concentration|unit|volume_ml)$")
SETTINGS = ("name", "description", "status")
TECHNIQUES = [
    (Technique.POINT_INJECTION.value, _l("Point injection")),
    (Technique.NEEDLE_FREE.value, _l("Needle-free (high-pressure device)")),
    (Technique.MICRONEEDLING_COMBINATION.value, _l("Micro-needling combination")),
]
# A typed whole number, given to the schema (whose integers are strict) as one; anything else it refuses as typed.
WHOLE_NUMBER = re.compile(r"[0-9]{1,5}")
# The composer's box acknowledging a critical finding for the chosen patient; its value names what was seen.
ACKNOWLEDGEMENT = "acknowledge_critical"
NO_SUCH_PATIENT = N_("Choose one of the clinic's patients, or none.")


class FormNumbersSchema(Schema):
    """The numbers the composer and the history send beside a composition."""

    class Meta:
        unknown = EXCLUDE

    # The version the form was opened on; 0 names none, and is answered as stale, as the API answers W/"0".
    based_on = fields.Integer(validate=validate.Range(0, 100_000))
    patient = fields.Integer(
        validate=validate.Range(1, MAX_ID, error=NO_SUCH_PATIENT), error_messages={"invalid": NO_SUCH_PATIENT}
    )


def component_rows(form) -> list[dict]:
    """The component rows as submitted, in page order, each with its key and raw values."""
    rows: dict[str, dict] = {}
    for name, value in form.items(multi=True):
        if match := ROW_FIELD.match(name):
            rows.setdefault(match.group(1), {"key": match.group(1)})[match.group(2)] = value.strip()
    return list(rows.values())


def new_row(ingredient) -> dict:
    """A new, empty row for an ingredient, its unit preset to the catalogue's."""
    return {"key": secrets.token_hex(4), "ingredient": ingredient.slug, "unit": ingredient.concentration_unit or "%"}


def new_product_row(product) -> dict:
    """A new, empty row drawing a volume from a product."""
    return {"key": secrets.token_hex(4), "product": product.slug}


def composition_input(form, rows: list[dict]) -> dict:
    """The form as CompositionSchema input (numbers left as typed: the schema says what is wrong)."""

    def whole(value: str | None):
        value = (value or "").strip()
        return int(value) if WHOLE_NUMBER.fullmatch(value) else (value or None)

    protocol = {
        "sessions": whole(form.get("sessions")),
        "weeks_between_sessions": whole(form.get("weeks_between_sessions")),
    }

    def component(row: dict) -> dict:
        if row.get("product"):
            return {"product": row["product"], "volume_ml": typed_decimal(row.get("volume_ml"))}
        return {
            "ingredient": row.get("ingredient", ""),
            "concentration": typed_decimal(row.get("concentration")),
            "unit": row.get("unit", ""),
            "volume_ml": typed_decimal(row.get("volume_ml")),
        }

    return {
        "components": [component(row) for row in rows],
        "technique": form.get("technique", ""),
        "indication": form.get("indication", "").strip(),
        "protocol": {key: value for key, value in protocol.items() if value is not None},
        "notes": form.get("notes", "").strip(),
    }


def cocktail_input(form) -> dict:
    """The new-cocktail form as CocktailCreateSchema input."""
    composition = composition_input(form, component_rows(form))
    return {**composition, "name": form.get("name", ""), "description": form.get("description", "")}


def version_input(form) -> dict:
    """The composer of a saved cocktail as VersionCreateSchema input: a composition and its change note."""
    return {**composition_input(form, component_rows(form)), "change_note": form.get("change_note", "")}


def components_input(form) -> dict:
    """Just the rows, as CompositionSchema(only=["components"]) input: what the live check needs."""
    return {"components": composition_input(form, component_rows(form))["components"]}


def revert_input(form) -> dict:
    """The history's revert button as VersionCreateSchema input."""
    target = form.get("revert_to", "")
    return {"revert_to": target, "change_note": form.get("change_note") or f"Reverted to version {target}."}


def settings_input(form) -> tuple[dict, dict]:
    """What the settings form changes, and for those fields the values it showed (`original_<field>`).

    A field the form sends as it showed it is left alone: this form did not change it.
    """
    changes, seen = {}, {}
    for field in SETTINGS:
        if field not in form:
            continue
        shown = form.get(f"original_{field}")
        if form[field] == shown:
            continue
        changes[field] = form[field]
        if shown is not None:
            seen[field] = shown
    return changes, seen


def row_errors(messages: dict, rows: list[dict]) -> tuple[dict, dict]:
    """Split schema errors into the form's own fields and each component row's, by row key (not yet flattened)."""
    by_row: dict[str, dict] = {}
    components = messages.get("components")
    general = {key: value for key, value in messages.items() if key != "components"}
    if isinstance(components, dict):
        for index, problems in components.items():
            if isinstance(index, int) and index < len(rows):
                by_row[rows[index]["key"]] = problems if isinstance(problems, dict) else {"_": problems}
            else:
                general.setdefault("components", []).extend(problems if isinstance(problems, list) else [str(problems)])
    elif components:
        general["components"] = components
    return general, by_row


def live_problems(
    by_row: dict[str, dict], rows: list[dict], ingredients: dict, products: dict | None = None
) -> list[tuple[str, dict]]:
    """Each row that stands in the way of the live check, named by its ingredient or product, with its problems."""
    problems = []
    for row in rows:
        if row["key"] not in by_row:
            continue
        reasons = by_row[row["key"]]
        if row.get("product"):
            if not row.get("volume_ml"):
                reasons["volume_ml"] = [_l("enter the volume drawn.")]
            product = (products or {}).get(row["product"])
            problems.append((product.name if product else _l("A product"), reasons))
            continue
        if not row.get("concentration"):
            # A row still being typed has no concentration yet: say so, rather than "may not be null".
            reasons["concentration"] = [_l("enter its concentration.")]
        ingredient = ingredients.get(row.get("ingredient"))
        problems.append((ingredient.name if ingredient else _l("A component"), reasons))
    return problems


def rows_from_composition(composition: dict) -> list[dict]:
    """A composition's components as the composer's rows, each with a new key."""

    # Figures stay numbers: the page writes them its language's way (a French page "0,5"), and takes them back.
    def row(c: dict) -> dict:
        volume = c["volume_ml"] if c.get("volume_ml") is not None else ""
        if c.get("product"):
            return {"key": secrets.token_hex(4), "product": c["product"], "volume_ml": volume}
        return {
            "key": secrets.token_hex(4),
            "ingredient": c["ingredient"],
            "concentration": c["concentration"],
            "unit": c["unit"],
            "volume_ml": volume,
        }

    return [row(c) for c in composition["components"]]


def values_from_composition(composition: dict) -> dict:
    """A composition's other fields as the composer's form values."""
    protocol = composition.get("protocol") or {}
    technique = composition.get("technique")
    return {
        "technique": technique.value if isinstance(technique, Technique) else technique,
        "indication": composition.get("indication") or "",
        "sessions": protocol.get("sessions") or "",
        "weeks_between_sessions": ""
        if protocol.get("weeks_between_sessions") is None
        else protocol["weeks_between_sessions"],
        "notes": composition.get("notes") or "",
    }
