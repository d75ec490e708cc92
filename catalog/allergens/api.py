"""JSON API for the allergen hierarchy (read-only, open to anyone)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.allergens import service
from catalog.allergens.detail import allergen_detail
from catalog.allergens.schemas import AllergenDetailSchema, AllergenTreeSchema
from catalog.extensions import db

bp = Blueprint(
    "Allergens",
    __name__,
    url_prefix="/api/v1/allergens",
    description="Coded allergens in a hierarchy: an allergy to a group covers its members.",
)


@bp.route("")
class Allergens(MethodView):
    @bp.etag
    @bp.response(200, AllergenTreeSchema(many=True))
    def get(self):
        """The allergen hierarchy

        The top-level groups, each with its `members` nested to any depth.
        """
        return service.load_hierarchy(db.session).roots


@bp.route("/<code>")
class AllergenDetail(MethodView):
    @bp.etag
    @bp.response(200, AllergenDetailSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No allergen has this code.")
    def get(self, code):
        """One allergen, its groups, its members and the ingredients it flags

        `ingredients` lists those flagged with this allergen directly or through
        any narrower allergen below it.
        """
        return allergen_detail(db.session, code=code)
