"""Pages for the allergen hierarchy: the whole tree, and one page per allergen."""

from flask import Blueprint, render_template

from catalog.allergens import service
from catalog.allergens.detail import allergen_detail
from catalog.extensions import db

bp = Blueprint("allergens", __name__)


@bp.get("/allergens")
def index():
    return render_template("allergens/index.html", roots=service.load_hierarchy(db.session).roots)


@bp.get("/allergens/<code>")
def detail(code):
    return render_template("allergens/detail.html", allergen=allergen_detail(db.session, code=code))
