"""JSON API for ingredients, categories and purposes (read-only, open to anyone)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.extensions import db
from catalog.ingredients import service
from catalog.ingredients.schemas import IngredientPageSchema, IngredientQuerySchema, IngredientSchema
from catalog.vocabulary import CodedTermSchema

bp = Blueprint(
    "ingredients_api",
    __name__,
    url_prefix="/api/v1",
    description="Solution components, searchable and filterable, and the coded lists that describe them.",
)


@bp.route("/ingredients")
class Ingredients(MethodView):
    @bp.arguments(IngredientQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, IngredientPageSchema)
    def get(self, q=None, category=None, purpose=None, origin=None, free_of=None, sort=None, page=1, page_size=20):
        """Search and filter ingredients

        Filters combine with AND; repeated values of one filter combine with OR.
        Unknown codes are answered 422, naming the parameter.
        """
        return service.search_ingredients(
            db.session,
            q=q,
            categories=category,
            purposes=purpose,
            origins=origin,
            free_of=free_of,
            sort=sort,
            page=page,
            page_size=page_size,
        )


@bp.route("/ingredients/<slug>")
class IngredientDetail(MethodView):
    @bp.etag
    @bp.response(200, IngredientSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No ingredient has this slug.")
    def get(self, slug):
        """Read one ingredient's whole record

        Allergen flags carry the path of groups above them. Send the `ETag` back
        in `If-None-Match` to get `304 Not Modified` while the record is unchanged.
        """
        return service.get_ingredient(db.session, slug=slug)


@bp.route("/categories")
class Categories(MethodView):
    @bp.etag
    @bp.response(200, CodedTermSchema(many=True))
    def get(self):
        """List the ingredient categories"""
        return service.list_categories(db.session)


@bp.route("/purposes")
class Purposes(MethodView):
    @bp.etag
    @bp.response(200, CodedTermSchema(many=True))
    def get(self):
        """List the purposes an ingredient can serve"""
        return service.list_purposes(db.session)
