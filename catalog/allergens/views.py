"""Pages for the allergen hierarchy: the whole tree, and one page per allergen."""

from flask import Blueprint, render_template, request

from catalog.allergens import service
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service

bp = Blueprint("allergens", __name__)


@bp.get("/allergens")
def index():
    return render_template("allergens/index.html", roots=service.load_hierarchy(db.session).roots)


@bp.get("/allergens/picker")
def picker():
    """Options for the allergen picker in the allergy form, searched as the practitioner types."""
    hierarchy = service.load_hierarchy(db.session)
    query = request.args.get("allergen_search", "")[:100]
    selected = hierarchy.get(request.args.get("allergen", ""))
    matches = [node for node in hierarchy.search(query) if selected is None or node.code != selected.code]
    return render_template(
        "allergens/_picker.html", matches=matches, selected=selected, hierarchy=hierarchy, query=query
    )


@bp.get("/allergens/<code>")
def detail(code):
    return render_template("allergens/detail.html", allergen=ingredients_service.allergen_detail(db.session, code=code))
