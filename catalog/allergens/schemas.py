"""The allergen API contract, and the input the seed loader and curators send."""

from marshmallow import Schema, fields, validate

from catalog.core.fields import CodedTermRefSchema, code_field


class AllergenCreateSchema(Schema):
    """An allergen as a seed file or a curator writes it."""

    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    parent = code_field(load_default=None, allow_none=True, metadata={"description": "Code of the broader group."})


class AllergenReplaceSchema(AllergenCreateSchema):
    """An allergen sent to its own URL; the code comes from the URL."""

    code = code_field(load_default=None, metadata={"description": "Must equal the URL's."})


class AllergenTreeSchema(Schema):
    """An allergen with the members below it, recursively."""

    code = fields.String()
    name = fields.String()
    description = fields.String()
    parent = fields.String(attribute="parent_code", allow_none=True)
    members = fields.List(fields.Nested(lambda: AllergenTreeSchema()), attribute="children")


class FlaggedIngredientSchema(Schema):
    slug = fields.String()
    name = fields.String()
    flagged_with = fields.List(
        fields.Nested(CodedTermRefSchema),
        metadata={"description": "The allergen codes on the ingredient that fall under this allergen."},
    )


class AllergenDetailSchema(AllergenTreeSchema):
    groups = fields.List(
        fields.Nested(CodedTermRefSchema),
        metadata={"description": "The groups above this allergen, broadest first."},
    )
    ingredients = fields.List(
        fields.Nested(FlaggedIngredientSchema),
        metadata={"description": "Ingredients flagged with this allergen or with one below it."},
    )
