"""JSON API for products: reading is open to anyone, writing is for curators."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.clinics.auth import current_actor, token_required
from catalog.core.errors import Invalid
from catalog.core.fields import ReviewInputSchema
from catalog.extensions import db
from catalog.products import service
from catalog.products.schemas import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductReplaceSchema,
    ProductSchema,
)

INVALID = {"response": "DEFAULT_ERROR", "description": "Invalid product; `errors` names each field. Nothing written."}

bp = Blueprint(
    "Products",
    __name__,
    url_prefix="/api/v1/products",
    description="Real presentations (vials, ampoules, syringes): each ingredient per mL, actives and excipients.",
)


@bp.route("")
class Products(MethodView):
    @bp.arguments(ProductQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, ProductPageSchema)
    def get(self, q=None, ingredient=None, page=1, page_size=20):
        """Search products by name, or list those holding an ingredient"""
        return service.search_products(db.session, q=q, ingredient=ingredient, page=page, page_size=page_size)

    @token_required(bp, write=True, curator=True)
    @bp.arguments(ProductCreateSchema())
    @bp.response(201, ProductSchema)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="The slug is taken.")
    @bp.alt_response(422, **INVALID)
    def post(self, entry):
        """Add a product (curators)

        Its composition per mL, from its label; validated like the seed files; audited.
        """
        product = service.save_product(db.session, actor=current_actor(), entry=entry, create=True)
        return product, 201, {"Location": url_for("Products.ProductDetail", slug=product.slug)}


@bp.route("/<slug>")
class ProductDetail(MethodView):
    @bp.etag
    @bp.response(200, ProductSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No product has this slug.")
    def get(self, slug):
        """Read one product: its form, label and every ingredient per mL"""
        return service.get_product(db.session, slug=slug)

    @token_required(bp, write=True, curator=True)
    @bp.arguments(ProductReplaceSchema())
    @bp.response(200, ProductSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No product has this slug.")
    @bp.alt_response(422, **INVALID)
    def put(self, entry, slug):
        """Replace a product's whole record (curators); the slug cannot change. Audited."""
        if entry.get("slug") not in (None, slug):
            raise Invalid("The slug cannot change.", errors={"json": {"slug": ["Must equal the URL's slug."]}})
        return service.save_product(db.session, actor=current_actor(), entry={**entry, "slug": slug}, create=False)


@bp.route("/<slug>/review")
class ProductReview(MethodView):
    @token_required(bp, write=True, curator=True)
    @bp.arguments(ReviewInputSchema())
    @bp.response(200, ProductSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No product has this slug.")
    @bp.alt_response(422, **INVALID)
    def post(self, review, slug):
        """Review a product against its label (curators)

        Marks the product as stored now reviewed by the token's curator; `sources` is its label's
        code. A later edit makes it `changed-since-review`. Audited.
        """
        return service.review_product(db.session, actor=current_actor(), slug=slug, sources=review["sources"])
