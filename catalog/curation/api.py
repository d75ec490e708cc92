"""JSON API for curation: what waits for a curator's review (open to read, like the catalogue)."""

from dataclasses import asdict

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.curation import service
from catalog.curation.schemas import ReviewPageSchema, ReviewQuerySchema
from catalog.extensions import db

bp = Blueprint(
    "Curation",
    __name__,
    url_prefix="/api/v1/reviews",
    description="Catalogue entries by review state: unreviewed, changed since review, reviewed.",
)

DETAIL_ENDPOINTS = {
    "ingredient": ("Ingredients.IngredientDetail", "slug"),
    "product": ("Products.ProductDetail", "slug"),
    "allergen": ("Allergens.AllergenDetail", "code"),
}


def entry_url(kind: str, key: str) -> str:
    endpoint, argument = DETAIL_ENDPOINTS[kind]
    return url_for(endpoint, **{argument: key})


@bp.route("")
class Reviews(MethodView):
    @bp.arguments(ReviewQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, ReviewPageSchema)
    def get(self, state=None, kind=None, page=1, page_size=50):
        """List catalogue entries waiting for review

        By default the entries changed since their review (first) and those never reviewed.
        A check lists the components resting on such entries among what it could not check.
        """
        results = service.entries_for_review(db.session, states=state, kinds=kind, page=page, page_size=page_size)
        return {
            "items": [{**asdict(item), "href": entry_url(item.kind, item.key)} for item in results.items],
            "total": results.total,
            "page": results.page,
            "page_size": results.page_size,
            "pages": results.pages,
            "counts": service.review_counts(db.session),
        }
