"""JSON API for ingredients, categories and purposes (read-only, open to anyone)."""

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.etag import ETAG_HEADER, IF_NONE_MATCH_HEADER

from catalog.extensions import db
from catalog.ingredients import documents, service
from catalog.ingredients.schemas import IngredientPageSchema, IngredientQuerySchema, IngredientSchema
from catalog.vocabulary import CodedTermSchema

bp = Blueprint(
    "Ingredients",
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
        results = service.search_ingredients(
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
        # Items are stored IngredientSummarySchema dumps; see catalog.ingredients.documents.
        return Response(results.to_json(), mimetype="application/json")


@bp.route("/ingredients/<slug>")
class IngredientDetail(MethodView):
    @bp.response(200, IngredientSchema, headers={"ETag": ETAG_HEADER})
    @bp.alt_response(304, description="Not modified: the `If-None-Match` tag is still current.")
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No ingredient has this slug.")
    @bp.doc(parameters=[IF_NONE_MATCH_HEADER])
    def get(self, slug):
        """Read one ingredient's whole record

        Allergen flags carry the path of groups above them. Send the `ETag` back
        in `If-None-Match` to get `304 Not Modified` while the record is unchanged.
        """
        # The stored document is the IngredientSchema dump, written when the catalogue changes.
        etag, body = documents.get_document(db.session, slug=slug)
        headers = {"ETag": f'"{etag}"'}
        if request.if_none_match.contains_weak(etag):
            return Response(status=304, headers=headers)
        return Response(body, mimetype="application/json", headers=headers)


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
