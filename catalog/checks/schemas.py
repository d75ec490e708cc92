"""The checks API's contract."""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from catalog.cocktails.schemas import MAX_COMPONENTS, ComponentInputSchema, each_ingredient_once
from catalog.core.db import MAX_ID
from catalog.core.fields import ActorSchema, Text
from catalog.core.paging import PageSchema
from catalog.safety import FindingKind, Outcome, Severity
from catalog.safety.types import GapKind, Grade, Relation


class CheckRequestSchema(Schema):
    patient = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    cocktail = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "A saved cocktail: the check is recorded."}
    )
    version = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Which version of `cocktail`; the current one if absent."},
    )
    components = fields.List(
        fields.Nested(ComponentInputSchema),
        validate=validate.Length(1, MAX_COMPONENTS),
        metadata={"description": "An unsaved composition (the composer's): checked, not recorded."},
    )

    @validates("components")
    def _each_ingredient_once(self, components, **kwargs):
        each_ingredient_once(components)

    @validates_schema
    def _cocktail_or_components(self, data, **kwargs):
        if ("cocktail" in data) == ("components" in data):
            raise ValidationError("Give either a saved cocktail or a list of components.", "cocktail")
        if "version" in data and "cocktail" not in data:
            raise ValidationError("A version belongs to a cocktail: give `cocktail` too.", "version")


class OverrideSchema(Schema):
    reason = Text(
        max=1000, required=True, metadata={"description": "Why the treatment goes ahead despite the finding."}
    )


class CheckQuerySchema(Schema):
    patient = fields.Integer(validate=validate.Range(1, MAX_ID))
    cocktail = fields.Integer(validate=validate.Range(1, MAX_ID))
    outcome = fields.String(validate=validate.OneOf([o.value for o in Outcome]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class TermSchema(Schema):
    code = fields.String()
    name = fields.String()


class FindingIngredientSchema(Schema):
    slug = fields.String()
    name = fields.String()


class FindingSchema(Schema):
    kind = fields.String(metadata={"enum": [k.value for k in FindingKind]})
    severity = fields.String(metadata={"enum": [s.value for s in Severity]})
    summary = fields.String(metadata={"description": "Under 140 characters, as a CDS Hooks card's."})
    detail = fields.String()
    ingredient = fields.Nested(FindingIngredientSchema, allow_none=True)
    allergen = fields.Nested(TermSchema, allow_none=True)
    path = fields.List(
        fields.Nested(TermSchema),
        metadata={"description": "From the ingredient through its allergen and groups to the patient's allergen."},
    )
    allergy_record = fields.Integer(allow_none=True, metadata={"description": "The record the explanation follows."})
    allergy_records = fields.List(
        fields.Integer(), metadata={"description": "Every allergy record behind this one cause, the strongest first."}
    )
    condition = fields.Nested(TermSchema, allow_none=True)
    other_ingredient = fields.Nested(FindingIngredientSchema, allow_none=True)
    product = fields.Nested(
        FindingIngredientSchema, allow_none=True, metadata={"description": "The product drawn from."}
    )
    relation = fields.String(
        allow_none=True,
        metadata={"enum": [r.value for r in Relation], "description": "How the allergy reaches the ingredient."},
    )
    grade = fields.String(allow_none=True, metadata={"enum": [g.value for g in Grade]})
    source = fields.Nested(TermSchema, allow_none=True, metadata={"description": "The source of a cross-reaction."})


class GapSchema(Schema):
    kind = fields.String(metadata={"enum": [k.value for k in GapKind]})
    ingredient = fields.Nested(FindingIngredientSchema, allow_none=True)
    product = fields.Nested(
        FindingIngredientSchema, allow_none=True, metadata={"description": "For `unreviewed-product`: the product."}
    )
    detail = fields.String()


class OverrideOutSchema(Schema):
    reason = fields.String()
    overridden_at = fields.DateTime()
    by = fields.Nested(ActorSchema)


class CheckResultSchema(Schema):
    outcome = fields.String(metadata={"enum": [o.value for o in Outcome]})
    findings = fields.List(fields.Nested(FindingSchema))
    unchecked = fields.List(
        fields.Nested(GapSchema),
        metadata={"description": "What could not be checked: `clear` means clear of the rest only."},
    )


class CheckSchema(CheckResultSchema):
    id = fields.Integer()
    patient = fields.Integer(attribute="patient_id")
    cocktail = fields.Integer(attribute="cocktail_id")
    version = fields.Integer(attribute="version_number")
    checked_at = fields.DateTime()
    checked_by = fields.Nested(ActorSchema)
    override = fields.Nested(OverrideOutSchema, allow_none=True)


class CheckPageSchema(PageSchema):
    items = fields.List(fields.Nested(CheckSchema))
