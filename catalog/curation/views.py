"""Pages for curation: the review list, and the review a curator records from an entry's own page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from catalog.allergens import service as allergens_service
from catalog.clinics.auth import current_actor, role_required
from catalog.core.actors import Role
from catalog.curation import service
from catalog.curation.schemas import ReviewQuerySchema
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service
from catalog.products import service as products_service
from catalog.web.forms import load_query, on_refusal, reasons, refused

bp = Blueprint("curation", __name__, url_prefix="/curation")

# kind -> (records the review, the entry's page endpoint and its argument)
REVIEWERS = {
    "ingredient": (
        lambda actor, key, sources: ingredients_service.review_ingredient(
            db.session, actor=actor, slug=key, sources=sources
        ),
        "ingredients.detail",
        "slug",
    ),
    "product": (
        lambda actor, key, sources: products_service.review_product(db.session, actor=actor, slug=key, sources=sources),
        "products.detail",
        "slug",
    ),
    "allergen": (
        lambda actor, key, sources: allergens_service.review_allergen(
            db.session, actor=actor, code=key, sources=sources
        ),
        "allergens.detail",
        "code",
    ),
}


def entry_page(kind: str, key: str) -> str:
    _review, endpoint, argument = REVIEWERS[kind]
    return url_for(endpoint, **{argument: key})


@bp.get("/reviews")
@role_required(Role.VIEWER)
def reviews():
    args, errors = load_query(ReviewQuerySchema(), request.args)
    results = None
    if not errors:
        results = service.entries_for_review(
            db.session, states=args.get("state"), kinds=args.get("kind"), page=args["page"], page_size=args["page_size"]
        )
    return render_template(
        "curation/reviews.html",
        results=results,
        counts=service.review_counts(db.session),
        args=args,
        errors=errors,
        entry_page=entry_page,
    ), 400 if errors else 200


def _not_reviewed(error, kind: str, key: str):
    return refused(f"Not reviewed. {reasons(error)}", entry_page(kind, key))


@bp.post("/<kind>/<key>/review")
@role_required(Role.PRACTITIONER)
@on_refusal(_not_reviewed)
def review(kind: str, key: str):
    """A curator marks the entry reviewed, as it is stored now, against the sources ticked on its page."""
    if kind not in REVIEWERS:
        abort(404)
    actor = current_actor()
    if not actor.is_curator:
        abort(403, description="Only a curator can review catalogue entries.")
    record_review = REVIEWERS[kind][0]
    record_review(actor, key, request.form.getlist("sources"))
    flash(_("Marked reviewed against the sources you ticked. An edit from now on shows as a change."), "success")
    return redirect(entry_page(kind, key), code=303)
