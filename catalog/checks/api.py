"""JSON API for checking cocktails against patients, and for recorded checks and overrides."""

from flask import jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import Forbidden

from catalog.checks import service
from catalog.checks.schemas import (
    CheckPageSchema,
    CheckQuerySchema,
    CheckRequestSchema,
    CheckResultSchema,
    CheckSchema,
    OverrideOutSchema,
    OverrideSchema,
)
from catalog.clinics.auth import current_actor, token_required
from catalog.core.actors import Role
from catalog.extensions import db
from catalog.web.transactions import begin_writing, reads_first

# One instance for every answer: building a schema and its nested ones costs as much as dumping.
UNSAVED_RESULT = CheckResultSchema()

bp = Blueprint(
    "Checks",
    __name__,
    url_prefix="/api/v1/checks",
    description="The safety check of a cocktail against a patient's allergies and conditions, before use. "
    "Reference information to support a practitioner's judgement, not medical advice.",
)

INVALID = {"response": "DEFAULT_ERROR", "description": "Invalid input; `errors` names each field. Nothing written."}


@bp.route("")
class Checks(MethodView):
    @token_required(bp)
    @bp.arguments(CheckQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, CheckPageSchema)
    def get(self, patient=None, cocktail=None, outcome=None, page=1, page_size=20):
        """List recorded checks, newest first, by patient, cocktail and outcome"""
        return service.list_checks(
            db.session,
            clinic_id=current_actor().clinic_id,
            patient_id=patient,
            cocktail_id=cocktail,
            outcome=outcome,
            page=page,
            page_size=page_size,
        )

    @reads_first
    @token_required(bp)
    @bp.alt_response(403, response="DEFAULT_ERROR", description="A read token cannot record a check.")
    @bp.arguments(CheckRequestSchema())
    @bp.response(201, CheckSchema, description="A saved version was checked; the check is recorded.")
    @bp.alt_response(200, schema=CheckResultSchema, description="Unsaved components were checked; nothing recorded.")
    @bp.alt_response(422, **INVALID)
    def post(self, data):
        """Check a cocktail against a patient

        Give `patient` and either a saved `cocktail` (and `version`, else the
        current one), which is recorded (a read-write token is needed), or an
        unsaved list of `components`, which any token may check. The
        `outcome` is `contraindicated` if any finding is critical, `caution` if any
        is a warning, else `clear`. Each finding explains itself, with the path
        through the allergen hierarchy that links the ingredient to the allergy.
        """
        actor = current_actor()
        if "cocktail" in data and not actor.allows(Role.PRACTITIONER):
            raise Forbidden("This token's scope is 'read': it cannot record a check.")
        if "components" in data:
            result = service.check_unsaved(
                db.session, actor=actor, patient_id=data["patient"], components=data["components"]
            )
            # Not a recorded check: answered as it is, without the recorded check's fields.
            return jsonify(UNSAVED_RESULT.dump({**result.to_dict(), "patient_id": data["patient"]}))
        begin_writing()
        check = service.check_version(
            db.session,
            actor=actor,
            patient_id=data["patient"],
            cocktail_id=data["cocktail"],
            version=data.get("version"),
        )
        return check, 201, {"Location": url_for("Checks.CheckDetail", check_id=check.id)}


@bp.route("/<int:check_id>")
class CheckDetail(MethodView):
    @token_required(bp)
    @bp.response(200, CheckSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No such check in your clinic.")
    def get(self, check_id):
        """Read a recorded check, its findings as they were, and any override"""
        return service.get_check(db.session, clinic_id=current_actor().clinic_id, check_id=check_id)


@bp.route("/<int:check_id>/override")
class CheckOverride(MethodView):
    @token_required(bp, write=True)
    @bp.arguments(OverrideSchema())
    @bp.response(201, OverrideOutSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No such check in your clinic.")
    @bp.alt_response(409, response="DEFAULT_ERROR", description="Nothing to override, or already overridden.")
    @bp.alt_response(422, **INVALID)
    def post(self, data, check_id):
        """Go ahead despite a critical finding, giving the reason

        Recorded with who and when, and audited. Only a `contraindicated` check
        can be overridden, once.
        """
        return service.override_check(db.session, actor=current_actor(), check_id=check_id, reason=data["reason"])
