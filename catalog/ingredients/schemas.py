"""The ingredient API contract: what the API returns and what the seed loader (and curators) send."""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from catalog.allergens.schemas import PlacedAllergenSchema
from catalog.core.fields import CodedTermRefSchema, Limit, ReviewSchema, code_field, slug_validator
from catalog.core.refs import AllergenRefSchema, IngredientRefSchema
from catalog.core.words import N_
from catalog.ingredients.models import CONCENTRATION_UNITS, Origin
from catalog.vocabularies.schemas import SourceSchema

SLUG = slug_validator()
CAS_FORMAT = re.compile(r"^\d{2,7}-\d{2}-\d$")
ORIGINS = [o.value for o in Origin]
SORTS = ("relevance", "name", "-name", "updated", "-updated")


def cas_check_digit_ok(cas_number: str) -> bool:
    """The CAS check digit: other digits times their position from the right, modulo 10."""
    digits = cas_number.replace("-", "")
    body, check = digits[:-1], int(digits[-1])
    return sum(position * int(d) for position, d in enumerate(reversed(body), start=1)) % 10 == check


def validate_cas_number(value: str) -> None:
    if not CAS_FORMAT.match(value):
        raise ValidationError("A CAS number looks like 50-81-7: 2-7 digits, 2 digits, 1 check digit.")
    if not cas_check_digit_ok(value):
        raise ValidationError(f"{value} fails the CAS check digit; check the number.")


class ConcentrationSchema(Schema):
    """Usual range and maximum, all in one unit."""

    unit = fields.String(required=True, validate=validate.OneOf(CONCENTRATION_UNITS))
    usual_min = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    usual_max = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    maximum = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False))
    context = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Where the figures apply: intradermal, product strength, topical maximum…"},
    )

    @validates_schema
    def check_order(self, data, **kwargs):
        low, high, top = data.get("usual_min"), data.get("usual_max"), data.get("maximum")
        if low is not None and high is not None and low > high:
            raise ValidationError("usual_min is above usual_max.", "usual_min")
        if top is not None and any(v is not None and v > top for v in (low, high)):
            raise ValidationError("The usual range goes above the maximum.", "maximum")
        if low is None and high is None and top is None:
            raise ValidationError("Give at least one of usual_min, usual_max, maximum.", "unit")


class DoseLimitSchema(Schema):
    """The most one session may give, per kg of body weight and/or in all, in mg, from a source."""

    per_kg_mg = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False))
    max_mg = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False))
    with_ingredient = fields.String(
        load_default=None, allow_none=True, validate=SLUG, metadata={"description": "Applies only with it in the mix."}
    )
    without_ingredient = fields.String(
        load_default=None, allow_none=True, validate=SLUG, metadata={"description": "Applies only without it."}
    )
    source = code_field(required=True)
    supports = fields.String(required=True, validate=validate.Length(1, 1000))

    @validates_schema
    def _a_limit_and_one_condition(self, data, **kwargs):
        if data.get("per_kg_mg") is None and data.get("max_mg") is None:
            raise ValidationError("Give per_kg_mg, max_mg or both.", "per_kg_mg")
        if data.get("with_ingredient") and data.get("without_ingredient"):
            raise ValidationError("A limit applies with one ingredient or without one, not both.", "with_ingredient")


class IncompatibilityInputSchema(Schema):
    ingredient = fields.String(required=True, validate=SLUG)
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class ReferenceInputSchema(Schema):
    source = code_field(required=True)
    supports = fields.String(load_default="", validate=validate.Length(max=1000))


class IngredientCreateSchema(Schema):
    """An ingredient as a seed file or a curator writes it; codes refer to the coded lists."""

    slug = fields.String(required=True, validate=[validate.Length(1, 120), SLUG])
    name = fields.String(required=True, validate=validate.Length(1, 200))
    inci_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 300))
    synonyms = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    cas_number = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate_cas_number,
        metadata={"pattern": CAS_FORMAT.pattern, "description": "With a valid check digit (the last one)."},
    )
    category = code_field(required=True)
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    purposes = fields.List(code_field(), required=True, validate=validate.Length(min=1))
    allergens = fields.List(code_field(), load_default=list)
    description = fields.String(required=True, validate=validate.Length(1, 4000))
    concentration = fields.Nested(ConcentrationSchema, load_default=None, allow_none=True)
    contraindications = fields.List(code_field(), load_default=list)
    cautions = fields.List(
        code_field(), load_default=list, metadata={"description": "Conditions calling for caution with it (a warning)."}
    )
    dose_limits = fields.List(fields.Nested(DoseLimitSchema), load_default=list)
    incompatibilities = fields.List(fields.Nested(IncompatibilityInputSchema), load_default=list)
    references = fields.List(fields.Nested(ReferenceInputSchema), required=True, validate=validate.Length(min=1))

    @validates("synonyms", "purposes", "allergens", "contraindications", "cautions")
    def no_repeats(self, values, data_key, **kwargs):
        folded = [v.casefold() for v in values]
        if len(set(folded)) != len(folded):
            raise ValidationError("Each value may appear only once.")

    @validates("incompatibilities")
    def one_reason_per_pair(self, values, data_key, **kwargs):
        slugs = [v["ingredient"] for v in values if isinstance(v, dict) and "ingredient" in v]
        if len(set(slugs)) != len(slugs):
            raise ValidationError("List each incompatible ingredient once.")


class IngredientReplaceSchema(IngredientCreateSchema):
    """A whole ingredient record sent to its own URL; the slug comes from the URL."""

    slug = fields.String(
        load_default=None, validate=[validate.Length(1, 120), SLUG], metadata={"description": "Must equal the URL's."}
    )


# --- What the API returns -------------------------------------------------


class DoseLimitOutSchema(Schema):
    per_kg_mg = fields.Float(allow_none=True)
    max_mg = fields.Float(allow_none=True)
    with_ingredient = fields.Nested(
        IngredientRefSchema, allow_none=True, metadata={"description": "Applies only with it in the mix."}
    )
    without_ingredient = fields.Nested(
        IngredientRefSchema, allow_none=True, metadata={"description": "Applies only without it."}
    )
    source = fields.Nested(SourceSchema)
    supports = fields.String()


class IncompatibilitySchema(Schema):
    ingredient = fields.Nested(IngredientRefSchema)
    reason = fields.String()


class ReferenceSchema(Schema):
    source = fields.Nested(SourceSchema)
    supports = fields.String(metadata={"description": "Which facts of this entry the source supports."})


class IngredientSummarySchema(Schema):
    """An ingredient in a list: enough to choose one."""

    slug = fields.String()
    name = fields.String()
    inci_name = fields.String(allow_none=True)
    category = fields.Nested(CodedTermRefSchema)
    origin = fields.String(metadata={"enum": ORIGINS})
    purposes = fields.List(fields.Nested(CodedTermRefSchema))
    allergens = fields.List(fields.Nested(AllergenRefSchema), metadata={"description": "Allergen flags."})
    concentration = fields.Nested(ConcentrationSchema, allow_none=True)
    review_state = fields.String(
        metadata={
            "enum": ["unreviewed", "reviewed", "changed-since-review"],
            "description": "Whether a curator has reviewed the entry against its sources (`review` in the record).",
        }
    )


class IngredientSchema(IngredientSummarySchema):
    """The whole record of an ingredient."""

    synonyms = fields.List(fields.String())
    cas_number = fields.String(allow_none=True)
    description = fields.String()
    allergens = fields.List(
        fields.Nested(PlacedAllergenSchema),
        metadata={"description": "Allergen flags, each with its `parents` and `ancestors` in the allergen graph."},
    )
    contraindications = fields.List(fields.Nested(CodedTermRefSchema))
    cautions = fields.List(fields.Nested(CodedTermRefSchema))
    dose_limits = fields.List(fields.Nested(DoseLimitOutSchema))
    incompatibilities = fields.List(
        fields.Nested(IncompatibilitySchema),
        metadata={"description": "Ingredients this one should not be mixed with, declared on either side."},
    )
    references = fields.List(fields.Nested(ReferenceSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    review = fields.Nested(ReviewSchema)


# The longest search, in characters: the search box's maxlength says the same.
MAX_QUERY_LENGTH = 200


class IngredientQuerySchema(Schema):
    """Search and filter parameters of the ingredient list."""

    q = fields.String(
        validate=Limit(
            MAX_QUERY_LENGTH, message=N_("This search is too long: up to %(max)s characters; it has %(length)s.")
        ),
        metadata={
            "description": "Words to find, case- and accent-insensitive; an ingredient must match every word. "
            "A word matches the start of a word of the name, INCI name or synonyms (as you type), or a "
            "whole word of the description; words under three letters match whole words only. "
            "With `q`, results are ranked: name matches first."
        },
    )
    category = fields.List(code_field(), metadata={"description": "Category code; repeat for any of several."})
    purpose = fields.List(code_field(), metadata={"description": "Purpose code; repeat for any of several."})
    origin = fields.List(
        fields.String(validate=validate.OneOf(ORIGINS)),
        metadata={"description": "Origin; repeat for any of several."},
    )
    free_of = fields.List(
        code_field(),
        metadata={
            "description": "Allergen code; leaves out every ingredient flagged with it or with any "
            "allergen below it in the hierarchy. Repeat for several."
        },
    )
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "Order of results; `relevance` (the default with `q`) or `name` (the default without)."
        },
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class IngredientPageSchema(Schema):
    items = fields.List(fields.Nested(IngredientSummarySchema))
    total = fields.Integer(
        metadata={
            "description": "How many ingredients match, over all pages: exact when `total_exact`, else a lower "
            "bound (matches are counted up to 200 past the first of this page)."
        }
    )
    total_exact = fields.Boolean(
        metadata={"description": "False when more than `total` ingredients match (the count stopped there)."}
    )
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
    links = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "URLs of the `first`, `prev`, `next` and `last` pages (also in the `Link` header)."},
    )
