"""JSON API for the allergen hierarchy: reading is open to anyone, writing is for curators."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.allergens import service
from catalog.allergens.schemas import (
    AllergenCreateSchema,
    AllergenDetailSchema,
    AllergenReplaceSchema,
    AllergenTreeSchema,
    SuggestionQuerySchema,
    SuggestionSchema,
)
from catalog.clinics.auth import current_actor, token_required
from catalog.core.errors import Invalid
from catalog.core.fields import ReviewInputSchema
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service

INVALID = {"response": "DEFAULT_ERROR", "description": "Invalid allergen; `errors` names each field. Nothing written."}

bp = Blueprint(
    "Allergens",
    __name__,
    url_prefix="/api/v1/allergens",
    description="Coded allergens in a hierarchy: an allergy to a group covers its members.",
)


@bp.route("")
class Allergens(MethodView):
    @bp.etag
    @bp.response(200, AllergenTreeSchema(many=True))
    def get(self):
        """The allergen hierarchy

        The top-level groups, each with its `members` nested to any depth.
        """
        return service.load_hierarchy(db.session).roots

    @token_required(bp, write=True, curator=True)
    @bp.arguments(AllergenCreateSchema())
    @bp.response(201, AllergenDetailSchema)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="The code is taken.")
    @bp.alt_response(422, **INVALID)
    def post(self, entry):
        """Add an allergen to the hierarchy (curators)

        Give `parent` to place it under a group. Audited.
        """
        allergen = service.save_allergen(db.session, actor=current_actor(), entry=entry, create=True)
        location = url_for("Allergens.AllergenDetail", code=allergen.code)
        return ingredients_service.allergen_detail(db.session, code=allergen.code), 201, {"Location": location}


@bp.route("/suggestions")
class Suggestions(MethodView):
    @bp.arguments(SuggestionQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, SuggestionSchema(many=True))
    def get(self, text):
        """Coded allergens a free-text allergy probably means

        Matches whole names and synonyms ("bee sting" → bee venom, "Tween" → polysorbate 80,
        "sulfa" → sulfonamide antibiotics, never sulfites), best first. Record the allergy
        against the code when one fits: the check can then reason about it.
        """
        return service.suggest(db.session, text=text)


@bp.route("/<code>")
class AllergenDetail(MethodView):
    @bp.etag
    @bp.response(200, AllergenDetailSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No allergen has this code.")
    def get(self, code):
        """One allergen, its groups, its members and the ingredients it flags

        `ingredients` lists those flagged with this allergen directly or through
        any narrower allergen below it.
        """
        return ingredients_service.allergen_detail(db.session, code=code)

    @token_required(bp, write=True, curator=True)
    @bp.arguments(AllergenReplaceSchema())
    @bp.response(200, AllergenDetailSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No allergen has this code.")
    @bp.alt_response(422, **INVALID)
    def put(self, entry, code):
        """Replace an allergen's name, description and group (curators)

        The code cannot change; a group cannot move below its own members. Audited.
        """
        if entry.get("code") not in (None, code):
            raise Invalid("The code cannot change.", errors={"json": {"code": ["Must equal the URL's code."]}})
        service.save_allergen(db.session, actor=current_actor(), entry={**entry, "code": code}, create=False)
        return ingredients_service.allergen_detail(db.session, code=code)


@bp.route("/<code>/review")
class AllergenReview(MethodView):
    @token_required(bp, write=True, curator=True)
    @bp.arguments(ReviewInputSchema())
    @bp.response(200, AllergenDetailSchema)
    @bp.alt_response(404, response="DEFAULT_ERROR", description="No allergen has this code.")
    @bp.alt_response(422, **INVALID)
    def post(self, review, code):
        """Review an allergen against its sources (curators)

        Marks the allergen as stored now (its groups, synonyms, whether its members cross-react)
        reviewed by the token's curator, against sources it or its cross-reactivity links cite.
        A later edit makes it `changed-since-review`. Audited.
        """
        service.review_allergen(db.session, actor=current_actor(), code=code, sources=review["sources"])
        return ingredients_service.allergen_detail(db.session, code=code)
