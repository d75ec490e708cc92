"""The products API contract, and what the seed loader and curators send."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from catalog.core.fields import ReviewSchema, code_field, enum_field, slug_validator
from catalog.core.paging import PageSchema
from catalog.core.refs import IngredientRefSchema
from catalog.products.models import ComponentRole, ProductForm
from catalog.safety import UNITS
from catalog.vocabularies.schemas import SourceSchema

SLUG = slug_validator()


class ProductComponentInputSchema(Schema):
    ingredient = fields.String(required=True, validate=SLUG, metadata={"description": "An ingredient's slug."})
    role = enum_field(ComponentRole, required=True)
    strength = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String(required=True, validate=validate.OneOf(list(UNITS)))


class ProductCreateSchema(Schema):
    """A product as seed/products.yaml or a curator writes it: its composition per mL, from its label."""

    slug = fields.String(required=True, validate=[validate.Length(1, 120), SLUG])
    name = fields.String(required=True, validate=validate.Length(1, 200))
    form = enum_field(ProductForm, required=True)
    synonyms = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    label = code_field(required=True, metadata={"description": "The source (label, SmPC) of its composition."})
    label_supports = fields.String(required=True, validate=validate.Length(1, 1000))
    components = fields.List(fields.Nested(ProductComponentInputSchema), required=True, validate=validate.Length(1, 30))

    @validates("components")
    def _one_row_per_ingredient(self, values, **kwargs):
        slugs = [v["ingredient"] for v in values if isinstance(v, dict) and "ingredient" in v]
        if len(set(slugs)) != len(slugs):
            raise ValidationError("List each ingredient once.")
        if not any(v.get("role") == ComponentRole.ACTIVE.value for v in values if isinstance(v, dict)):
            raise ValidationError("A product has at least one active ingredient.")


class ProductReplaceSchema(ProductCreateSchema):
    """A whole product record sent to its own URL; the slug comes from the URL."""

    slug = fields.String(
        load_default=None, validate=[validate.Length(1, 120), SLUG], metadata={"description": "Must equal the URL's."}
    )


class ProductComponentSchema(Schema):
    ingredient = fields.Nested(IngredientRefSchema)
    role = fields.String(metadata={"enum": [role.value for role in ComponentRole]})
    strength = fields.Float()
    unit = fields.String()


class ProductSummarySchema(Schema):
    slug = fields.String()
    name = fields.String()
    form = fields.String(metadata={"enum": [form.value for form in ProductForm]})


class ProductSchema(ProductSummarySchema):
    synonyms = fields.List(fields.String())
    description = fields.String()
    label = fields.Nested(SourceSchema)
    label_supports = fields.String()
    components = fields.List(fields.Nested(ProductComponentSchema))
    review = fields.Nested(ReviewSchema)


class ProductQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Part of a name or synonym."})
    ingredient = fields.String(validate=SLUG, metadata={"description": "Products holding this ingredient."})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ProductPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProductSummarySchema))
