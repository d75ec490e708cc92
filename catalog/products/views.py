"""Pages for products: the list, and one page per product with its composition and label."""

from flask import Blueprint, render_template, request

from catalog.extensions import db
from catalog.products import service
from catalog.products.schemas import ProductQuerySchema
from catalog.web.forms import load_query

bp = Blueprint("products", __name__)


@bp.get("/products")
def index():
    args, errors = load_query(ProductQuerySchema(), request.args)
    results = None if errors else service.search_products(db.session, **args)
    return render_template("products/index.html", results=results, args=args, errors=errors), 400 if errors else 200


@bp.get("/products/<slug>")
def detail(slug):
    return render_template("products/detail.html", product=service.get_product(db.session, slug=slug))
