"""Pages for cocktails: the list, the composer with its live check, history, diff and versions.

Forms are validated by the API's schemas. Component rows in the composer are named
`components-<key>-<field>`; their order on the page is their order in the version.
"""

import re
import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from catalog.checks import service as checks_service
from catalog.clinics.auth import current_actor, role_required
from catalog.cocktails import rebase, service, versions
from catalog.cocktails.compositions import composition_of
from catalog.cocktails.diffing import diff as version_diff
from catalog.cocktails.models import CocktailStatus, Technique
from catalog.cocktails.schemas import (
    CloneSchema,
    CocktailCreateSchema,
    CocktailUpdateSchema,
    CompositionSchema,
    VersionCreateSchema,
)
from catalog.core.actors import Role
from catalog.core.errors import DomainError
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.models import Ingredient
from catalog.patients import service as patients_service
from catalog.safety import UNITS
from catalog.web.forms import flatten, reasons, refused

bp = Blueprint("cocktails", __name__, url_prefix="/cocktails")

ROW_FIELD = re.compile(r"^components-([a-z0-9]{1,16})-(ingredient|concentration|unit|volume_ml)$")
TECHNIQUES = [
    (Technique.POINT_INJECTION.value, "Point injection"),
    (Technique.NEEDLE_FREE.value, "Needle-free (high-pressure device)"),
    (Technique.MICRONEEDLING_COMBINATION.value, "Micro-needling combination"),
]


# --- Reading the composer's form --------------------------------------------------------


def component_rows(form) -> list[dict]:
    """The component rows as submitted, in page order, each with its key and raw values."""
    rows: dict[str, dict] = {}
    for name, value in form.items(multi=True):
        if match := ROW_FIELD.match(name):
            rows.setdefault(match.group(1), {"key": match.group(1)})[match.group(2)] = value.strip()
    return list(rows.values())


def composition_input(form, rows: list[dict]) -> dict:
    """The form as CompositionSchema input (numbers left as typed: the schema says what is wrong)."""

    def number(value: str | None):
        return value if value not in (None, "") else None

    def whole(value: str | None):
        value = (value or "").strip()
        return int(value) if value.isdigit() and len(value) < 6 else (value or None)

    protocol = {
        "sessions": whole(form.get("sessions")),
        "weeks_between_sessions": whole(form.get("weeks_between_sessions")),
    }
    return {
        "components": [
            {
                "ingredient": row.get("ingredient", ""),
                "concentration": number(row.get("concentration")),
                "unit": row.get("unit", ""),
                "volume_ml": number(row.get("volume_ml")),
            }
            for row in rows
        ],
        "technique": form.get("technique", ""),
        "indication": form.get("indication", "").strip(),
        "protocol": {key: value for key, value in protocol.items() if value is not None},
        "notes": form.get("notes", "").strip(),
    }


def row_errors(messages: dict, rows: list[dict]) -> tuple[dict, dict]:
    """Split schema errors into the form's own fields and each component row's, by row key."""
    by_row: dict[str, dict] = {}
    components = messages.get("components")
    general = {key: value for key, value in messages.items() if key != "components"}
    if isinstance(components, dict):
        for index, problems in components.items():
            if str(index).isdigit() and int(index) < len(rows):
                by_row[rows[int(index)]["key"]] = flatten(problems) if isinstance(problems, dict) else {"_": problems}
            else:
                general.setdefault("components", []).extend(problems if isinstance(problems, list) else [str(problems)])
    elif components:
        general["components"] = components
    return flatten(general), by_row


def _ingredients_of(rows: list[dict]) -> dict[str, Ingredient]:
    slugs = [row.get("ingredient") for row in rows if row.get("ingredient")]
    if not slugs:
        return {}
    return {i.slug: i for i in ingredients_service.ingredients_by_slug(db.session, slugs=slugs)}


def _rows_from_version(version) -> list[dict]:
    return _rows_from_composition(composition_of(version))


def _rows_from_composition(composition: dict) -> list[dict]:
    return [
        {
            "key": secrets.token_hex(4),
            "ingredient": c["ingredient"],
            "concentration": f"{c['concentration']:g}",
            "unit": c["unit"],
            "volume_ml": f"{c['volume_ml']:g}" if c.get("volume_ml") is not None else "",
        }
        for c in composition["components"]
    ]


def _values_from_composition(composition: dict) -> dict:
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


def _composer(
    *, cocktail=None, base=None, rows=None, values=None, errors=None, row_problems=None, conflict=None, status=200
):
    rows = rows or []
    clinic_id = current_actor().clinic_id
    return (
        render_template(
            "cocktails/composer.html",
            cocktail=cocktail,
            base=base,
            rows=rows,
            ingredients=_ingredients_of(rows),
            values=values or {},
            errors=errors or {},
            row_problems=row_problems or {},
            conflict=conflict,
            techniques=TECHNIQUES,
            units=list(UNITS),
            patients=patients_service.search_patients(db.session, clinic_id=clinic_id, page_size=100).items,
        ),
        status,
    )


def _values_from_version(cocktail, version) -> dict:
    return {
        "name": cocktail.name if cocktail else "",
        "technique": version.technique.value,
        "indication": version.indication,
        "sessions": version.sessions or "",
        "weeks_between_sessions": version.weeks_between_sessions if version.weeks_between_sessions is not None else "",
        "notes": version.notes,
    }


# --- The list ------------------------------------------------------------------------------


@bp.get("")
@role_required(Role.VIEWER)
def index():
    status = request.args.get("status") or None
    status = status if status in {s.value for s in CocktailStatus} else None
    query = request.args.get("q", "")[:200]
    page = request.args.get("page", "1")
    results = service.search_cocktails(
        db.session,
        clinic_id=current_actor().clinic_id,
        q=query,
        status=status,
        page=int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1,
    )
    return render_template("cocktails/index.html", results=results, q=query, status=status)


# --- Composing --------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def new():
    if request.method == "GET":
        return _composer(values={"technique": Technique.POINT_INJECTION.value})
    rows = component_rows(request.form)
    data = {
        **composition_input(request.form, rows),
        "name": request.form.get("name", ""),
        "description": request.form.get("description", ""),
    }
    try:
        cocktail = service.create_cocktail(db.session, actor=current_actor(), data=CocktailCreateSchema().load(data))
    except ValidationError as error:
        errors, problems = row_errors(error.messages, rows)
        return _composer(rows=rows, values=request.form, errors=errors, row_problems=problems, status=422)
    except DomainError as error:
        errors, problems = row_errors(error.errors or {}, rows)
        return _composer(rows=rows, values=request.form, errors=errors, row_problems=problems, status=error.status)
    flash(f"Cocktail “{cocktail.name}” saved as version 1.", "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id))


@bp.route("/<int:cocktail_id>/compose", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def compose(cocktail_id: int):
    """Change the composition: saved as a new version made from the version the form was opened on."""
    cocktail = service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
    if request.method == "GET":
        version = service.get_version(db.session, cocktail=cocktail, number=cocktail.current_version)
        return _composer(
            cocktail=cocktail,
            base=version.number,
            rows=_rows_from_version(version),
            values=_values_from_version(cocktail, version),
        )
    rows = component_rows(request.form)
    base = request.form.get("based_on", "")
    based_on = int(base) if base.isdigit() and int(base) <= 100_000 else None
    data = {**composition_input(request.form, rows), "change_note": request.form.get("change_note", "")}
    try:
        loaded = VersionCreateSchema().load(data)
        version = versions.save_version(
            db.session, actor=current_actor(), cocktail_id=cocktail.id, based_on=based_on, data=loaded
        )
    except ValidationError as error:
        errors, problems = row_errors(error.messages, rows)
        return _composer(
            cocktail=cocktail,
            base=based_on,
            rows=rows,
            values=request.form,
            errors=errors,
            row_problems=problems,
            status=422,
        )
    except versions.StaleVersion as error:
        # Re-base: take what only the other save changed, keep what only this one changed,
        # and name where both changed the same thing, for the practitioner to decide.
        db.session.rollback()
        cocktail = service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
        start = based_on if based_on and based_on <= error.current else error.current
        base_version = service.get_version(db.session, cocktail=cocktail, number=start)
        their_version = service.get_version(db.session, cocktail=cocktail, number=error.current)
        merged, clashes = rebase.rebase(
            base=composition_of(base_version), theirs=composition_of(their_version), mine=loaded
        )
        conflict = {
            "current": error.current,
            "based_on": start,
            "diff": version_diff(base_version, their_version),
            "clashes": clashes,
        }
        merged_rows = _rows_from_composition(merged)
        values = {**request.form, **_values_from_composition(merged)}
        return _composer(
            cocktail=cocktail, base=error.current, rows=merged_rows, values=values, conflict=conflict, status=412
        )
    except DomainError as error:
        if error.status == 404:
            raise
        errors, problems = row_errors(error.errors or {}, rows)
        return _composer(
            cocktail=cocktail,
            base=based_on,
            rows=rows,
            values=request.form,
            errors=errors,
            row_problems=problems,
            status=error.status,
        )
    flash(f"Saved as version {version.number}.", "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id))


@bp.get("/composer/ingredients")
@role_required(Role.PRACTITIONER)
def ingredient_options():
    """Catalogue matches for the composer's search, each with a button adding it as a row."""
    query = request.args.get("ingredient_search", "")[:200]
    results = ingredients_service.search_ingredients(db.session, q=query, page_size=12) if query.strip() else None
    return render_template("cocktails/_ingredient_options.html", results=results, query=query)


@bp.get("/composer/row")
@role_required(Role.PRACTITIONER)
def component_row():
    """A new component row for an ingredient, its unit preset to the catalogue's."""
    ingredient = ingredients_service.get_ingredient(db.session, slug=request.args.get("ingredient", ""))
    row = {"key": secrets.token_hex(4), "ingredient": ingredient.slug, "unit": ingredient.concentration_unit or "%"}
    return render_template("cocktails/_row.html", row=row, ingredient=ingredient, units=list(UNITS), problems={})


@bp.post("/composer/check")
@role_required(Role.PRACTITIONER)
def live_check():
    """The check as the practitioner composes: against the chosen patient, else the composition alone."""
    rows = component_rows(request.form)
    patient_id = request.form.get("patient", "")
    patient = None
    try:
        components = CompositionSchema(only=["components"]).load(
            {"components": composition_input(request.form, rows)["components"]}
        )["components"]
        if patient_id.isdigit():
            patient = patients_service.get_patient(
                db.session, clinic_id=current_actor().clinic_id, patient_id=int(patient_id)
            )
            result = checks_service.run_check(db.session, patient=patient, components=components)
        else:
            result = checks_service.check_composition_alone(db.session, components=components)
    except (ValidationError, DomainError) as error:
        # While typing, rows are often incomplete: say what stands in the way, and check once it is valid.
        messages = error.messages if isinstance(error, ValidationError) else (error.errors or {"_": [error.message]})
        general, by_row = row_errors(messages, rows)
        for row in rows:
            # A row still being typed has no concentration yet: say so, rather than "may not be null".
            if row["key"] in by_row and not row.get("concentration"):
                by_row[row["key"]]["concentration"] = ["enter its concentration."]
        names = _ingredients_of(rows)
        problems = [
            (names[row["ingredient"]].name if row.get("ingredient") in names else "A component", by_row[row["key"]])
            for row in rows
            if row["key"] in by_row
        ]
        return render_template(
            "cocktails/_live_check.html", result=None, patient=patient, rows=rows, problems=problems, general=general
        )
    return render_template("cocktails/_live_check.html", result=result, patient=patient, rows=rows)


# --- One cocktail ----------------------------------------------------------------------------------


def _get(cocktail_id: int):
    return service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)


@bp.get("/<int:cocktail_id>")
@role_required(Role.VIEWER)
def detail(cocktail_id: int):
    cocktail = _get(cocktail_id)
    version = service.get_version(db.session, cocktail=cocktail, number=cocktail.current_version)
    clinic_id = current_actor().clinic_id
    checks = checks_service.list_checks(db.session, clinic_id=clinic_id, cocktail_id=cocktail.id, page_size=10).items
    return render_template(
        "cocktails/detail.html",
        cocktail=cocktail,
        version=version,
        can_write=current_actor().allows(Role.PRACTITIONER),
        patients=patients_service.search_patients(db.session, clinic_id=clinic_id, page_size=100).items,
        checks=checks,
        patient_names=patients_service.names(db.session, clinic_id=clinic_id, ids={c.patient_id for c in checks}),
    )


@bp.get("/<int:cocktail_id>/versions")
@role_required(Role.VIEWER)
def history(cocktail_id: int):
    cocktail = _get(cocktail_id)
    return render_template(
        "cocktails/history.html",
        cocktail=cocktail,
        versions=service.list_versions(db.session, cocktail=cocktail),
        can_write=current_actor().allows(Role.PRACTITIONER),
    )


@bp.get("/<int:cocktail_id>/versions/<int:number>")
@role_required(Role.VIEWER)
def version(cocktail_id: int, number: int):
    cocktail = _get(cocktail_id)
    return render_template(
        "cocktails/version.html",
        cocktail=cocktail,
        version=service.get_version(db.session, cocktail=cocktail, number=number),
    )


@bp.get("/<int:cocktail_id>/diff")
@role_required(Role.VIEWER)
def diff(cocktail_id: int):
    cocktail = _get(cocktail_id)
    numbers = [request.args.get("from", ""), request.args.get("to", "")]
    if not all(n.isdigit() and 0 < int(n) <= 100_000 for n in numbers):
        flash("Choose two versions to compare.", "error")
        return redirect(url_for("cocktails.history", cocktail_id=cocktail.id))
    low, high = sorted(int(n) for n in numbers)
    changes = service.diff_versions(
        db.session, clinic_id=cocktail.clinic_id, cocktail_id=cocktail.id, from_=low, to=high
    )
    return render_template("cocktails/diff.html", cocktail=cocktail, diff=changes)


@bp.post("/<int:cocktail_id>/revert")
@role_required(Role.PRACTITIONER)
def revert(cocktail_id: int):
    cocktail = _get(cocktail_id)
    history = url_for("cocktails.history", cocktail_id=cocktail.id)
    target, base = request.form.get("revert_to", ""), request.form.get("based_on", "")
    try:
        data = VersionCreateSchema().load(
            {"revert_to": target, "change_note": request.form.get("change_note") or f"Reverted to version {target}."}
        )
        version = versions.save_version(
            db.session,
            actor=current_actor(),
            cocktail_id=cocktail.id,
            based_on=int(base) if base.isdigit() and int(base) <= 100_000 else None,
            data=data,
        )
    except ValidationError:
        return refused("Choose a version to revert to.", history)
    except DomainError as error:
        if error.status == 404:
            raise
        return refused(f"Not reverted. {error.message} {reasons(error)}".strip(), history)
    flash(f"Version {version.number} restores version {target}.", "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id), code=303)


@bp.post("/<int:cocktail_id>/clone")
@role_required(Role.PRACTITIONER)
def clone(cocktail_id: int):
    source = _get(cocktail_id)
    try:
        data = CloneSchema().load({"name": request.form.get("name", "")})
        cocktail = service.clone_cocktail(db.session, actor=current_actor(), cocktail_id=source.id, name=data["name"])
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        return refused(f"Not cloned: {reasons(error)}", url_for("cocktails.detail", cocktail_id=source.id))
    flash(f"“{cocktail.name}” starts as a copy of “{source.name}”.", "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id), code=303)


@bp.post("/<int:cocktail_id>/settings")
@role_required(Role.PRACTITIONER)
def settings(cocktail_id: int):
    """Rename, describe, archive or restore: only what this form changed, and not over someone else's change."""
    cocktail = _get(cocktail_id)
    page = url_for("cocktails.detail", cocktail_id=cocktail.id)
    stored = {"name": cocktail.name, "description": cocktail.description, "status": cocktail.status.value}
    submitted = {}
    for field in ("name", "description", "status"):
        if field not in request.form:
            continue
        original = request.form.get(f"original_{field}", stored[field])
        if request.form[field] == original:
            continue
        if stored[field] != original:
            return refused(
                f"Someone else changed the {field} meanwhile (it is now “{stored[field]}”). Look, then try again.", page
            )
        submitted[field] = request.form[field]
    if not submitted:
        flash("Nothing to change.", "info")
        return redirect(page, code=303)
    try:
        service.update_cocktail(
            db.session, actor=current_actor(), cocktail_id=cocktail.id, changes=CocktailUpdateSchema().load(submitted)
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        return refused(f"Not saved: {reasons(error)}", page)
    flash("Cocktail updated.", "success")
    return redirect(page, code=303)
