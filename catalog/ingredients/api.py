"""JSON API for ingredients and the coded lists: reading is open to anyone, writing is for curators."""

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.etag import ETAG_HEADER, IF_NONE_MATCH_HEADER
from flask_smorest.exceptions import NotModified

from catalog.clinics.auth import current_actor, token_required
from catalog.core.errors import Invalid
from catalog.core.fields import ReviewInputSchema
from catalog.extensions import db
from catalog.ingredients import service
from catalog.ingredients.schemas import (
    IngredientCreateSchema,
    IngredientPageSchema,
    IngredientQuerySchema,
    IngredientReplaceSchema,
    IngredientSchema,
)
from catalog.vocabularies import service as vocabularies_service
from catalog.vocabularies.schemas import CodedTermSchema
from catalog.web import paging

INVALID = {"response": "DEFAULT_ERROR", "description": "Invalid record; `errors` names each field. Nothing written."}


def _document_response(slug: str, status: int) -> Response:
    etag, body = service.get_ingredient_document(db.session, slug=slug)
    headers = {"ETag": f'"{etag}"', "Location": url_for("Ingredients.IngredientDetail", slug=slug)}
    return Response(body, status=status, mimetype="application/json", headers=headers)


bp = Blueprint(
    "Ingredients",
    __name__,
    url_prefix="/api/v1",
    description="Solution components, searchable and filterable, and the coded lists that describe them.",
)


@bp.route("/ingredients")
class Ingredients(MethodView):
    @bp.arguments(IngredientQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, IngredientPageSchema)
    def get(self, q=None, category=None, purpose=None, origin=None, free_of=None, sort=None, page=1, page_size=20):
        """Search and filter ingredients

        Filters combine with AND; repeated values of one filter combine with OR.
        Unknown codes are answered 422, naming the parameter. `total` is exact up to
        200 matches past the page's first; beyond, `total_exact` is false and more
        than `total` ingredients match (`pages` then counts the pages known so far).
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
        # Items are stored IngredientSummarySchema dumps (catalog.ingredients.documents), assembled
        # with their links here rather than parsed and dumped again by the generic pager.
        links = paging.page_links(results.page, results.pages)
        return Response(
            results.to_json(links), mimetype="application/json", headers={"Link": paging.link_header(links)}
        )

    @token_required(bp, write=True, curator=True)
    @bp.arguments(IngredientCreateSchema())
    @bp.response(201, IngredientSchema)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="The slug is taken.")
    @bp.alt_response(422, **INVALID)
    def post(self, entry):
        """Add an ingredient (curators)

        Validated exactly as the seed files are; the edit is audited.
        """
        ingredient = service.save_ingredient(db.session, actor=current_actor(), entry=entry, create=True)
        return _document_response(ingredient.slug, 201)


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
        etag, body = service.get_ingredient_document(db.session, slug=slug)
        if request.if_none_match.contains_weak(etag):
            raise NotModified
        return Response(body, mimetype="application/json", headers={"ETag": f'"{etag}"'})

    @token_required(bp, write=True, curator=True)
    @bp.arguments(IngredientReplaceSchema())
    @bp.response(200, IngredientSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No ingredient has this slug.")
    @bp.alt_response(422, **INVALID)
    def put(self, entry, slug):
        """Replace an ingredient's whole record (curators)

        Send the full record, as for creating it; the slug cannot change. Audited.
        """
        if entry.get("slug") not in (None, slug):
            raise Invalid("The slug cannot change.", errors={"json": {"slug": ["Must equal the URL's slug."]}})
        service.save_ingredient(db.session, actor=current_actor(), entry={**entry, "slug": slug}, create=False)
        return _document_response(slug, 200)


@bp.route("/ingredients/<slug>/review")
class IngredientReview(MethodView):
    @token_required(bp, write=True, curator=True)
    @bp.arguments(ReviewInputSchema())
    @bp.response(200, IngredientSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No ingredient has this slug.")
    @bp.alt_response(422, **INVALID)
    def post(self, review, slug):
        """Review an ingredient against its sources (curators)

        Marks the record as stored now reviewed by the token's curator, against the sources
        named (each cited by the record). A later edit makes it `changed-since-review`. Audited.
        """
        service.review_ingredient(db.session, actor=current_actor(), slug=slug, sources=review["sources"])
        return _document_response(slug, 200)


@bp.route("/categories")
class Categories(MethodView):
    @bp.etag
    @bp.response(200, CodedTermSchema(many=True))
    def get(self):
        """List the ingredient categories"""
        return vocabularies_service.list_categories(db.session)


@bp.route("/conditions")
class Conditions(MethodView):
    @bp.etag
    @bp.response(200, CodedTermSchema(many=True))
    def get(self):
        """List the patient conditions an ingredient can be contraindicated in"""
        return vocabularies_service.list_conditions(db.session)


@bp.route("/purposes")
class Purposes(MethodView):
    @bp.etag
    @bp.response(200, CodedTermSchema(many=True))
    def get(self):
        """List the purposes an ingredient can serve"""
        return vocabularies_service.list_purposes(db.session)
