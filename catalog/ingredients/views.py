"""Pages for browsing ingredients: the search page and one page per ingredient."""

from flask import Blueprint, render_template, request, url_for

from catalog.allergens import service as allergens_service
from catalog.extensions import db
from catalog.ingredients import service
from catalog.ingredients.schemas import ORIGINS, IngredientQuerySchema
from catalog.vocabularies import service as vocabularies_service
from catalog.web.forms import load_query, on_refusal

bp = Blueprint("ingredients", __name__)
query_schema = IngredientQuerySchema()


def _refused_codes(error, **_):
    """The service refuses unknown codes (a stale bookmark, a hand-edited URL): show them on the form."""
    return _browse_page(args={}, errors=(error.errors or {}).get("query", {}), results=None)


@bp.get("/ingredients")
@on_refusal(_refused_codes)
def browse():
    """Search with filters; the URL holds the whole state, and htmx asks for just the results."""
    args, errors = load_query(query_schema, request.args)
    if errors:
        return _browse_page(args={}, errors=errors, results=None)
    results = service.search_ingredients(
        db.session,
        q=args.get("q"),
        categories=args.get("category"),
        purposes=args.get("purpose"),
        origins=args.get("origin"),
        free_of=args.get("free_of"),
        sort=args.get("sort"),
        page=args["page"],
        page_size=args["page_size"],
    )
    # Why each row of this page matched, beyond its name: one query for the page.
    slugs = [record["slug"] for record in results.records]
    matches = service.match_reasons(db.session, slugs=slugs, q=args.get("q"))
    return _browse_page(args=args, errors={}, results=results, matches=matches)


def _browse_page(*, args: dict, errors: dict, results, matches=None):
    status = 400 if errors else 200
    context = {
        "args": args or _raw_args(),
        "errors": errors,
        "results": results,
        "matches": matches or {},
        "page_url": _page_url,
    }
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        response = render_template("ingredients/_results.html", **context)
    else:
        response = render_template(
            "ingredients/browse.html",
            categories=vocabularies_service.list_categories(db.session),
            purposes=vocabularies_service.list_purposes(db.session),
            origins=ORIGINS,
            allergen_groups=allergens_service.load_hierarchy(db.session).roots,
            **context,
        )
    return response, status, {"Vary": "HX-Request"}


def _page_url(page: int) -> str:
    """The current search on another page, keeping repeated filters."""
    args = request.args.to_dict(flat=False)
    args["page"] = [page]
    return url_for("ingredients.browse", **args)


def _raw_args() -> dict:
    """What the user typed, to show back in the form when it did not validate."""
    return {
        "q": request.args.get("q", ""),
        **{key: request.args.getlist(key) for key in ("category", "purpose", "origin", "free_of")},
        "sort": request.args.get("sort"),
        "page": 1,
        "page_size": 20,
    }


@bp.get("/ingredients/<slug>")
def detail(slug):
    return render_template("ingredients/detail.html", ingredient=service.get_ingredient(db.session, slug=slug))
