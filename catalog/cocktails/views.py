"""Pages for cocktails: the list, the composer with its live check, history, diff and versions.

Each view reads its form through the API's schemas (`catalog.cocktails.forms` takes the composer's
rows apart), calls one service and renders; a refused form is answered by the function its
`on_refusal` names, written just above it.
"""

from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError

from catalog.checks import service as checks_service
from catalog.clinics.auth import current_actor, role_required
from catalog.cocktails import forms, rebase, schemas, service, versions
from catalog.cocktails.compositions import composition_of
from catalog.cocktails.models import Technique
from catalog.core.actors import Role
from catalog.core.errors import DomainError, Invalid
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.models import Ingredient
from catalog.patients import service as patients_service
from catalog.products import service as products_service
from catalog.safety import UNITS
from catalog.web.forms import (
    REFUSALS,
    ask_to_confirm,
    confirmed,
    flatten,
    load_query,
    on_refusal,
    reasons,
    refuse_back_to,
    refused,
)
from catalog.web.transactions import reads_first

bp = Blueprint("cocktails", __name__, url_prefix="/cocktails")


def with_cocktail(view):
    """Give the view the clinic's cocktail its URL names, before any form is read: another clinic's is not found."""

    @wraps(view)
    def wrapper(cocktail_id: int, **kwargs):
        return view(_get(cocktail_id), **kwargs)

    return wrapper


def _get(cocktail_id: int):
    return service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)


# --- Reading forms and refusals ---------------------------------------------------------------


def _valid_fields(schema: type[Schema], args, *names: str) -> dict:
    """`args` through `schema` one field at a time: a field that is not valid counts as not sent."""
    values = {}
    for name in names:
        values.update(load_query(schema(only=(name,), unknown=EXCLUDE), args)[0])
    return values


def _form_number(name: str) -> int | None:
    return _valid_fields(forms.FormNumbersSchema, request.form, name).get(name)


def _row_errors(error: ValidationError | DomainError, rows: list[dict]) -> tuple[dict, dict]:
    """A refusal as the composer shows it: the form's own fields, and each component row's by its key."""
    messages = error.messages if isinstance(error, ValidationError) else (error.errors or {"_general": [error.message]})
    general, by_row = forms.row_errors(messages, rows)
    return flatten(general), {key: flatten(problems) for key, problems in by_row.items()}


def _ingredients_of(rows: list[dict]) -> dict[str, Ingredient]:
    slugs = [row["ingredient"] for row in rows if row.get("ingredient")]
    return {i.slug: i for i in ingredients_service.ingredients_by_slug(db.session, slugs=slugs)} if slugs else {}


def _products_of(rows: list[dict]) -> dict:
    return products_service.products_by_slug(db.session, slugs=[row["product"] for row in rows if row.get("product")])


def _patients() -> list:
    """The clinic's patients, for the choice of whom to check for."""
    return patients_service.search_patients(db.session, clinic_id=current_actor().clinic_id, page_size=100).items


def _can_write() -> bool:
    return current_actor().allows(Role.PRACTITIONER)


def _save_version(cocktail, data: dict):
    """A new version from loaded VersionCreateSchema data, made from the version the form names in `based_on`."""
    return versions.save_version(
        db.session, actor=current_actor(), cocktail_id=cocktail.id, based_on=_form_number("based_on"), data=data
    )


# --- Saving over a critical finding ---------------------------------------------------------------


class CriticalNotAcknowledged(Invalid):
    """Saved while the check shows a critical finding for the chosen patient, without ticking that it was seen."""

    def __init__(self, live: checks_service.LiveCheck, *, ticked: bool):
        name = live.patient.display_name
        if ticked:
            message = _(
                "The critical findings for %(name)s changed since you ticked this box: read them, then tick it.",
                name=name,
            )
        else:
            message = _("Tick this box to save: the check shows a critical finding for %(name)s.", name=name)
        super().__init__(message, errors={forms.ACKNOWLEDGEMENT: [message]})
        self.live = live


def _chosen_patient() -> int | None:
    """The patient chosen for the live check, if any; a value naming nobody is refused beside the choice."""
    sent = request.form.get("patient", "").strip()
    return forms.FormNumbersSchema(only=("patient",)).load({"patient": sent})["patient"] if sent else None


def _require_acknowledgement(components: list[dict]) -> checks_service.LiveCheck | None:
    """Saving over a critical finding for the chosen patient needs its box ticked; the live check it was, if so.

    The check is run again here rather than trusted from the page: it then holds without
    JavaScript, and for what is saved now. A composition is a recipe, not a use, so it may be
    saved once the finding is acknowledged; using it still takes a recorded check.
    """
    patient_id = _chosen_patient()
    if patient_id is None:
        return None
    live = checks_service.check_while_composing(
        db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id, components=components
    )
    key = checks_service.acknowledgement_key(live)
    if key is None:
        return None
    sent = request.form.get(forms.ACKNOWLEDGEMENT, "")
    if sent != key:
        raise CriticalNotAcknowledged(live, ticked=bool(sent))
    return live


def _acknowledgement(live: checks_service.LiveCheck | None) -> dict | None:
    """The box the composer shows beside saving while the check is critical for the chosen patient, else None.

    It stays ticked only if the form sent the key of these very findings for this patient.
    """
    key = checks_service.acknowledgement_key(live) if live is not None else None
    if key is None:
        return None
    return {"patient": live.patient, "key": key, "ticked": request.form.get(forms.ACKNOWLEDGEMENT) == key}


def _saved_over(live: checks_service.LiveCheck | None) -> str:
    """What the message after saving adds when a critical finding was acknowledged."""
    if live is None:
        return ""
    return " " + _(
        "The check for %(name)s shows a critical finding: check the saved version before any use.",
        name=live.patient.display_name,
    )


def _live_check_of_form() -> checks_service.LiveCheck | None:
    """The live check of the composer as sent, to show again with a refused form; None while it cannot run."""
    try:
        components = schemas.CompositionSchema(only=["components"]).load(forms.components_input(request.form))
        return checks_service.check_while_composing(
            db.session,
            clinic_id=current_actor().clinic_id,
            patient_id=_form_number("patient"),
            components=components["components"],
        )
    except REFUSALS:
        return None


# --- The list ------------------------------------------------------------------------------


@bp.get("")
@role_required(Role.VIEWER)
def index():
    query = _valid_fields(schemas.CocktailQuerySchema, request.args, "q", "status", "page")
    results = service.search_cocktails(db.session, clinic_id=current_actor().clinic_id, **query)
    return render_template("cocktails/index.html", results=results, q=query.get("q", ""), status=query.get("status"))


# --- Composing --------------------------------------------------------------------------------


def _composer(*, rows: list[dict] | None = None, status: int = 200, **given):
    """The composer page; `given` names the cocktail, base version, values, errors and conflict there are."""
    context = {"cocktail": None, "base": None, "values": {}, "errors": {}, "row_problems": {}, "conflict": None}
    # The live check as the server ran it (a refused form): shown at once, and then the page need not ask for it.
    context |= {"live": None, "acknowledgement": None}
    context |= {key: value for key, value in given.items() if value is not None}
    rows = rows or []
    page = render_template(
        "cocktails/composer.html",
        **context,
        rows=rows,
        ingredients=_ingredients_of(rows),
        products=_products_of(rows),
        techniques=forms.TECHNIQUES,
        units=list(UNITS),
        patients=_patients(),
    )
    return page, status


def _composer_refused(error, cocktail_id: int | None = None):
    """The composer again with the form as sent, each problem beside its field or row.

    When someone saved a version meanwhile, the form is re-based on it instead.
    """
    if isinstance(error, versions.StaleVersion):
        return _rebased(cocktail_id)
    rows = forms.component_rows(request.form)
    errors, problems = _row_errors(error, rows)
    live = error.live if isinstance(error, CriticalNotAcknowledged) else _live_check_of_form()
    return _composer(
        cocktail=_get(cocktail_id) if cocktail_id else None,
        base=_form_number("based_on"),
        rows=rows,
        values=request.form,
        errors=errors,
        row_problems=problems,
        live=live,
        acknowledgement=_acknowledgement(live),
        status=error.status if isinstance(error, DomainError) else 422,
    )


def _rebased(cocktail_id: int):
    """Take what only the other save changed, keep what only this form changed, and name what both changed."""
    # The form was loaded once already: only then could the save find its version stale.
    mine = schemas.VersionCreateSchema().load(forms.version_input(request.form))
    rebased = rebase.rebase_on_conflict(
        db.session,
        clinic_id=current_actor().clinic_id,
        cocktail_id=cocktail_id,
        based_on=_form_number("based_on"),
        mine=mine,
    )
    return _composer(
        cocktail=rebased.cocktail,
        base=rebased.current,
        rows=forms.rows_from_composition(rebased.composition),
        values={**request.form, **forms.values_from_composition(rebased.composition)},
        conflict=rebased,
        status=412,
    )


@bp.get("/new")
@role_required(Role.PRACTITIONER)
def new():
    return _composer(values={"technique": Technique.POINT_INJECTION.value})


@bp.post("/new")
@role_required(Role.PRACTITIONER)
@on_refusal(_composer_refused)
def create():
    data = schemas.CocktailCreateSchema().load(forms.cocktail_input(request.form))
    acknowledged = _require_acknowledgement(data["components"])
    cocktail = service.create_cocktail(db.session, actor=current_actor(), data=data)
    flash(_("Cocktail “%(name)s” saved as version 1.", name=cocktail.name) + _saved_over(acknowledged), "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id))


@bp.get("/<int:cocktail_id>/compose")
@role_required(Role.PRACTITIONER)
@with_cocktail
def compose(cocktail):
    """Change the composition, starting from the current version."""
    view = service.cocktail_view(db.session, cocktail)
    composition = composition_of(view.current)
    return _composer(
        cocktail=cocktail,
        base=view.current.number,
        rows=forms.rows_from_composition(composition),
        values={"name": cocktail.name, **forms.values_from_composition(composition)},
    )


@bp.post("/<int:cocktail_id>/compose")
@role_required(Role.PRACTITIONER)
@on_refusal(_composer_refused)
@with_cocktail
def save(cocktail):
    """Saved as a new version made from the version the form was opened on."""
    data = schemas.VersionCreateSchema().load(forms.version_input(request.form))
    acknowledged = _require_acknowledgement(data.get("components", []))
    version = _save_version(cocktail, data)
    flash(_("Saved as version %(number)s.", number=version.number) + _saved_over(acknowledged), "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id))


@bp.get("/composer/ingredients")
@role_required(Role.PRACTITIONER)
def ingredient_options():
    """Catalogue matches for the composer's search, each with a button adding it as a row."""
    query = request.args.get("ingredient_search", "")[:200]
    results = ingredients_service.search_ingredients(db.session, q=query, page_size=12) if query.strip() else None
    products = products_service.search_products(db.session, q=query, page_size=6).items if query.strip() else []
    return render_template("cocktails/_ingredient_options.html", results=results, products=products, query=query)


@bp.get("/composer/row")
@role_required(Role.PRACTITIONER)
def component_row():
    """A new component row: an ingredient (its unit preset to the catalogue's), or a volume of a product."""
    if "product" in request.args:
        product = products_service.get_product(db.session, slug=request.args["product"])
        row, ingredient = forms.new_product_row(product), None
    else:
        ingredient = ingredients_service.get_ingredient(db.session, slug=request.args.get("ingredient", ""))
        row, product = forms.new_row(ingredient), None
    return render_template(
        "cocktails/_row.html", row=row, ingredient=ingredient, product=product, units=list(UNITS), problems={}
    )


def _live_check_refused(error):
    """While typing, rows are often incomplete: say what stands in the way; the check runs once it is valid.

    The acknowledgement box is left as it is: whether it still fits is known once the check runs again.
    """
    rows = forms.component_rows(request.form)
    general, by_row = _row_errors(error, rows)
    problems = forms.live_problems(by_row, rows, _ingredients_of(rows), _products_of(rows))
    return render_template(
        "cocktails/_live_check.html", result=None, patient=None, rows=rows, problems=problems, general=general
    )


@bp.post("/composer/check")
@reads_first
@role_required(Role.PRACTITIONER)
@on_refusal(_live_check_refused)
def live_check():
    """The check as the practitioner composes: against the chosen patient, else the composition alone.

    The answer also replaces, out of band, the acknowledgement box beside the save button.
    """
    components = schemas.CompositionSchema(only=["components"]).load(forms.components_input(request.form))["components"]
    live = checks_service.check_while_composing(
        db.session, clinic_id=current_actor().clinic_id, patient_id=_form_number("patient"), components=components
    )
    rows = forms.component_rows(request.form)
    return render_template(
        "cocktails/_live_check.html",
        result=live.result,
        patient=live.patient,
        rows=rows,
        acknowledgement=_acknowledgement(live),
        out_of_band=True,
    )


# --- One cocktail ----------------------------------------------------------------------------------


@bp.get("/<int:cocktail_id>")
@role_required(Role.VIEWER)
@with_cocktail
def detail(cocktail):
    view = service.cocktail_view(db.session, cocktail)
    clinic_id = cocktail.clinic_id
    checks = checks_service.list_checks(db.session, clinic_id=clinic_id, cocktail_id=cocktail.id, page_size=10).items
    names = patients_service.names(db.session, clinic_id=clinic_id, ids={check.patient_id for check in checks})
    return render_template(
        "cocktails/detail.html",
        cocktail=cocktail,
        version=view.current,
        can_write=_can_write(),
        patients=_patients(),
        checks=checks,
        patient_names=names,
    )


@bp.get("/<int:cocktail_id>/versions")
@role_required(Role.VIEWER)
@with_cocktail
def history(cocktail):
    saved = service.list_versions(db.session, cocktail=cocktail)
    return render_template("cocktails/history.html", cocktail=cocktail, versions=saved, can_write=_can_write())


@bp.get("/<int:cocktail_id>/versions/<int:number>")
@role_required(Role.VIEWER)
@with_cocktail
def version(cocktail, number: int):
    """One saved version, current or not, with the form that checks it for a patient."""
    can_write = _can_write()
    return render_template(
        "cocktails/version.html",
        cocktail=cocktail,
        version=service.get_version(db.session, cocktail=cocktail, number=number),
        can_write=can_write,
        patients=_patients() if can_write else [],
    )


@bp.get("/<int:cocktail_id>/diff")
@role_required(Role.VIEWER)
@with_cocktail
def diff(cocktail):
    query, errors = load_query(schemas.DiffQuerySchema(unknown=EXCLUDE), request.args)
    if errors:
        flash(_("Choose two versions to compare."), "error")
        return redirect(url_for("cocktails.history", cocktail_id=cocktail.id))
    low, high = sorted((query["from_"], query["to"]))
    changes = service.diff_versions(
        db.session, clinic_id=cocktail.clinic_id, cocktail_id=cocktail.id, from_=low, to=high
    )
    return render_template("cocktails/diff.html", cocktail=cocktail, diff=changes)


def _revert_refused(error, cocktail_id: int):
    """Back to the history, saying why nothing was reverted."""
    if isinstance(error, ValidationError):
        message = _("Choose a version to revert to.")
    else:
        message = _("Not reverted. %(why)s", why=f"{error.message} {reasons(error)}".strip())
    return refused(message, url_for("cocktails.history", cocktail_id=cocktail_id))


@bp.post("/<int:cocktail_id>/revert")
@role_required(Role.PRACTITIONER)
@on_refusal(_revert_refused)
@with_cocktail
def revert(cocktail):
    data = schemas.VersionCreateSchema().load(forms.revert_input(request.form))
    if not confirmed():
        return ask_to_confirm(
            _(
                "Revert “%(name)s” to version %(number)s: a new version is saved with that version's composition.",
                name=cocktail.name,
                number=data["revert_to"],
            ),
            button=_("Revert to version %(number)s", number=data["revert_to"]),
            back=url_for("cocktails.history", cocktail_id=cocktail.id),
        )
    version = _save_version(cocktail, data)
    flash(
        _("Version %(number)s restores version %(restored)s.", number=version.number, restored=version.reverted_from),
        "success",
    )
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id), code=303)


@bp.post("/<int:cocktail_id>/clone")
@role_required(Role.PRACTITIONER)
@refuse_back_to("cocktails.detail", _l("Not cloned:"))
@with_cocktail
def clone(source):
    data = schemas.CloneSchema().load({"name": request.form.get("name", "")})
    cocktail = service.clone_cocktail(db.session, actor=current_actor(), cocktail_id=source.id, name=data["name"])
    flash(_("“%(name)s” starts as a copy of “%(source)s”.", name=cocktail.name, source=source.name), "success")
    return redirect(url_for("cocktails.detail", cocktail_id=cocktail.id), code=303)


def _settings_refused(error, cocktail_id: int):
    """Back to the cocktail: a change someone else made meanwhile is named as it is, other refusals field by field."""
    message = (
        error.message if isinstance(error, service.ChangedMeanwhile) else _("Not saved: %(why)s", why=reasons(error))
    )
    return refused(message, url_for("cocktails.detail", cocktail_id=cocktail_id))


@bp.post("/<int:cocktail_id>/settings")
@role_required(Role.PRACTITIONER)
@on_refusal(_settings_refused)
@with_cocktail
def settings(cocktail):
    """Rename, describe, archive or restore: only what this form changed, and not over someone else's change."""
    page = url_for("cocktails.detail", cocktail_id=cocktail.id)
    changes, seen = forms.settings_input(request.form)
    if not changes:
        flash(_("Nothing to change."), "info")
        return redirect(page, code=303)
    changes = schemas.CocktailUpdateSchema().load(changes)
    if changes.get("status") == "archived" and not confirmed():
        return ask_to_confirm(
            _(
                "Archive “%(name)s”: it is hidden from the active list and can no longer be checked for a patient "
                "until it is restored.",
                name=cocktail.name,
            ),
            button=_("Archive the cocktail"),
            back=page,
        )
    service.update_cocktail(db.session, actor=current_actor(), cocktail_id=cocktail.id, changes=changes, seen=seen)
    flash(_("Cocktail updated."), "success")
    return redirect(page, code=303)
