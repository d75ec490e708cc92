"""Pages that belong to no single domain: the home page and the about page."""

from flask import Blueprint, current_app, redirect, render_template, url_for

from catalog.extensions import db
from catalog.vocabularies import service as vocabularies_service

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return redirect(url_for("ingredients.browse"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this path on every page, the API docs included."""
    return redirect(current_app.jinja_env.globals["asset_url"]("favicon.svg"), code=301)


@bp.get("/about")
def about():
    """What the catalogue is, what it is not, and every source it cites."""
    return render_template("pages/about.html", sources=vocabularies_service.list_sources(db.session))
