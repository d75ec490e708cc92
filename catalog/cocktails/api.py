"""JSON API for a clinic's cocktails and their versions (bearer token required)."""

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.etag import ETAG_HEADER

from catalog.clinics.auth import current_actor, token_required
from catalog.cocktails import service, versions
from catalog.cocktails.schemas import (
    CloneSchema,
    CocktailCreateSchema,
    CocktailDetailSchema,
    CocktailPageSchema,
    CocktailQuerySchema,
    CocktailUpdateSchema,
    DiffQuerySchema,
    DiffSchema,
    VersionCreateSchema,
    VersionSchema,
    VersionSummarySchema,
)
from catalog.extensions import db
from catalog.web.errors import json_error
from catalog.web.preconditions import expected_revision, revision_etag

bp = Blueprint(
    "Cocktails",
    __name__,
    url_prefix="/api/v1/cocktails",
    description="A clinic's cocktails. Every change of composition is a new, immutable, numbered version; "
    "saving one needs `If-Match` with the version it was based on, so no update is lost.",
)

NOT_FOUND = {"response": "DEFAULT_ERROR", "description": "No such cocktail (or version) in your clinic."}
INVALID = {
    "response": "DEFAULT_ERROR",
    "description": "Invalid input; `errors` names each field, and each component by its index. Nothing written.",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": 'The ETag of the version the change was made from, e.g. W/"3".',
    "schema": {"type": "string"},
}


@bp.errorhandler(versions.StaleVersion)
def _stale_version(error: versions.StaleVersion):
    """412, naming the header that was stale and the tag to send instead."""
    based_on = expected_revision()
    message = error.message
    if based_on is not None and based_on < 1:
        message = (
            f"If-Match names no version of this cocktail: send {revision_etag(error.current)}, the current version."
        )
    return json_error(error.status, message, {"headers": {"If-Match": [f"The current version is {error.current}."]}})


@bp.errorhandler(versions.BaseVersionRequired)
def _base_version_required(error: versions.BaseVersionRequired):
    """428, naming the header that was missing and the tag of the current version."""
    message = (
        f"Send If-Match with the ETag of the version you changed (the current one is {revision_etag(error.current)})."
    )
    return json_error(error.status, message, {"headers": {"If-Match": ["Required."]}})


def _detail(cocktail):
    return service.cocktail_view(db.session, cocktail)


def _headers(cocktail) -> dict:
    return {"ETag": revision_etag(cocktail.current_version)}


@bp.route("")
class Cocktails(MethodView):
    @token_required(bp)
    @bp.arguments(CocktailQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, CocktailPageSchema)
    def get(self, q=None, status=None, page=1, page_size=20):
        """List the clinic's cocktails (active first, by name)"""
        return service.search_cocktails(
            db.session, clinic_id=current_actor().clinic_id, q=q, status=status, page=page, page_size=page_size
        )

    @token_required(bp, write=True)
    @bp.arguments(CocktailCreateSchema())
    @bp.response(201, CocktailDetailSchema, headers={"ETag": ETAG_HEADER})
    @bp.alt_response(422, **INVALID)
    def post(self, data):
        """Compose a new cocktail: its name and its version 1

        Components: 1 to 30, each a catalogue ingredient (by slug) once, with a
        positive concentration in a unit that fits the ingredient's.
        """
        cocktail = service.create_cocktail(db.session, actor=current_actor(), data=data)
        headers = {**_headers(cocktail), "Location": url_for("Cocktails.CocktailDetail", cocktail_id=cocktail.id)}
        return _detail(cocktail), 201, headers


@bp.route("/<int:cocktail_id>")
class CocktailDetail(MethodView):
    @token_required(bp)
    @bp.response(200, CocktailDetailSchema, headers={"ETag": ETAG_HEADER})
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, cocktail_id):
        """Read a cocktail and its current version (the ETag names that version)"""
        view = service.get_cocktail_view(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
        return view, 200, _headers(view.cocktail)

    @token_required(bp, write=True)
    @bp.arguments(CocktailUpdateSchema())
    @bp.response(200, CocktailDetailSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def patch(self, data, cocktail_id):
        """Rename, describe, archive or restore a cocktail

        The composition changes only through a new version.
        """
        cocktail = service.update_cocktail(db.session, actor=current_actor(), cocktail_id=cocktail_id, changes=data)
        return _detail(cocktail), 200, _headers(cocktail)


@bp.route("/<int:cocktail_id>/versions")
class Versions(MethodView):
    @token_required(bp)
    @bp.response(200, VersionSummarySchema(many=True))
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, cocktail_id):
        """The version history, newest first"""
        cocktail = service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
        return service.list_versions(db.session, cocktail=cocktail)

    @token_required(bp, write=True)
    @bp.arguments(VersionCreateSchema())
    @bp.response(201, VersionSchema, headers={"ETag": ETAG_HEADER})
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(412, response="DEFAULT_ERROR", description="Stale: someone saved a newer version first.")
    @bp.alt_response(422, **INVALID)
    @bp.alt_response(428, response="DEFAULT_ERROR", description="`If-Match` is missing.")
    @bp.doc(parameters=[IF_MATCH])
    def post(self, data, cocktail_id):
        """Save a new version (or revert to an earlier one)

        Send `If-Match` with the ETag of the version you changed. When someone
        else saved first, the answer is `412` naming the current version: read it,
        re-base your change, and send it again. Send only the fields that change
        (`components`, `technique`, `indication`, `protocol`, `notes`) with a
        `change_note`: the others are copied from the version you name in `If-Match`,
        so the diff shows just your change. `{"revert_to": n, "change_note": …}`
        makes a new version equal to version n.
        """
        based_on = expected_revision()
        if request.if_match.star_tag:
            # `If-Match: *` asks for no check: the change is made on whatever version is current.
            based_on = service.get_cocktail(
                db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id
            ).current_version
        version = versions.save_version(
            db.session, actor=current_actor(), cocktail_id=cocktail_id, based_on=based_on, data=data
        )
        location = url_for("Cocktails.VersionDetail", cocktail_id=cocktail_id, number=version.number)
        return version, 201, {"ETag": revision_etag(version.number), "Location": location}


@bp.route("/<int:cocktail_id>/versions/<int:number>")
class VersionDetail(MethodView):
    @token_required(bp)
    @bp.response(200, VersionSchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, cocktail_id, number):
        """Read any version by its number"""
        cocktail = service.get_cocktail(db.session, clinic_id=current_actor().clinic_id, cocktail_id=cocktail_id)
        return service.get_version(db.session, cocktail=cocktail, number=number)


@bp.route("/<int:cocktail_id>/diff")
class Diff(MethodView):
    @token_required(bp)
    @bp.arguments(DiffQuerySchema(), location="query")
    @bp.response(200, DiffSchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, query, cocktail_id):
        """Compare two versions: components added, removed and changed, and other fields changed"""
        return service.diff_versions(
            db.session,
            clinic_id=current_actor().clinic_id,
            cocktail_id=cocktail_id,
            from_=query["from_"],
            to=query["to"],
        )


@bp.route("/<int:cocktail_id>/clone")
class Clone(MethodView):
    @token_required(bp, write=True)
    @bp.arguments(CloneSchema())
    @bp.response(201, CocktailDetailSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def post(self, data, cocktail_id):
        """Start a new cocktail from this one's current version"""
        cocktail = service.clone_cocktail(db.session, actor=current_actor(), cocktail_id=cocktail_id, name=data["name"])
        headers = {**_headers(cocktail), "Location": url_for("Cocktails.CocktailDetail", cocktail_id=cocktail.id)}
        return _detail(cocktail), 201, headers
