"""The cocktails API's contract: compositions sent in, cocktails, versions and diffs sent back."""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from catalog.cocktails.models import CocktailStatus, Technique
from catalog.core.fields import ActorSchema, Between, Limit, ListLength, PatchSchema, Text, enum_field, slug_validator
from catalog.core.paging import PageSchema
from catalog.core.refs import (
    CocktailRefSchema,
    CocktailVersionRefSchema,
    IngredientRefSchema,
    ProductRefSchema,
    Reference,
    version_ref,
)
from catalog.core.words import N_
from catalog.safety import UNITS

MAX_COMPONENTS = 30
SLUG = slug_validator("Use an ingredient slug (lower case and hyphens).")


MAX_CONCENTRATION = 1_000_000
# In the clinic's words, with the limit and how long the text is: a long text is refused, never cut.
NAME = {
    "max": 120,
    "blank": N_("Give the cocktail a name."),
    "too_long": N_("Up to %(max)s characters; this name has %(length)s."),
}
DESCRIPTION = Limit(2000, message=N_("Up to %(max)s characters; this description has %(length)s."))
NOTES = Limit(4000, message=N_("Up to %(max)s characters; these notes have %(length)s."))


def component_key(component: dict) -> str | None:
    """What identifies a row within a composition: its ingredient's slug, or `product:` and the product's."""
    if component.get("ingredient"):
        return component["ingredient"]
    return f"product:{component['product']}" if component.get("product") else None


def each_ingredient_once(components: list[dict]) -> None:
    """Refuse a composition that lists an ingredient (or a product) twice, naming the later row (rows count from 1)."""
    seen: dict[str, int] = {}
    errors = {}
    for index, component in enumerate(components):
        key = component_key(component) if isinstance(component, dict) else None
        if key is None:
            continue
        if key in seen:
            field, what = ("product", "product") if key.startswith("product:") else ("ingredient", "ingredient")
            errors[index] = {field: [f"Already in row {seen[key] + 1}: list each {what} once."]}
        seen.setdefault(key, index)
    if errors:
        raise ValidationError(errors)


class ComponentInputSchema(Schema):
    """An ingredient at a concentration (and optionally its volume), or a volume drawn from a product."""

    ingredient = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(1, 120), SLUG],
        metadata={"pattern": SLUG.regex.pattern, "description": "An ingredient's slug (or give `product`)."},
    )
    product = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(1, 120), SLUG],
        metadata={
            "pattern": SLUG.regex.pattern,
            "description": "A product's slug, instead of an ingredient: its every ingredient, excipients "
            "included, is then in the mix at the product's strength. Needs `volume_ml`; takes no concentration.",
        },
    )
    concentration = fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=[
            validate.Range(min=0, min_inclusive=False, error=N_("Must be more than 0.")),
            Between(max=MAX_CONCENTRATION, error=N_("Must be at most %(max)s.")),
        ],
        metadata={"description": "Of an ingredient row: the concentration of what is drawn."},
    )
    unit = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(UNITS)))
    volume_ml = fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(
            min=0, min_inclusive=False, max=1000, error=N_("Must be more than 0 and at most 1000 mL.")
        ),
        metadata={"description": "The volume drawn; with every volume given, the check totals each dose."},
    )

    @validates_schema
    def _an_ingredient_or_a_product(self, data, **kwargs):
        if data.get("product") is not None:
            if data.get("ingredient") is not None:
                raise ValidationError("Give an ingredient or a product, not both.", "product")
            errors = {
                field: ["A product's strengths come from its label."]
                for field in ("concentration", "unit")
                if data.get(field) is not None
            }
            if data.get("volume_ml") is None:
                errors["volume_ml"] = ["Give the volume drawn from the product."]
            if errors:
                raise ValidationError(errors)
            return
        missing = {
            field: ["Missing data for required field."]
            for field in ("ingredient", "concentration", "unit")
            if data.get(field) is None
        }
        if missing:
            raise ValidationError(missing)
        if data.get("unit") == "%" and data.get("concentration", 0) > 100:
            raise ValidationError("A percentage cannot be more than 100.", "concentration")


class ProtocolSchema(Schema):
    sessions = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 50))
    weeks_between_sessions = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 52)
    )


class CompositionSchema(Schema):
    """What a version holds."""

    components = fields.List(
        fields.Nested(ComponentInputSchema),
        required=True,
        validate=ListLength(1, MAX_COMPONENTS, error=N_("A cocktail has 1 to %(max)s components.")),
    )
    technique = enum_field(Technique, required=True)
    indication = fields.String(load_default="", validate=validate.Length(max=200))
    protocol = fields.Nested(ProtocolSchema, load_default=lambda: {"sessions": None, "weeks_between_sessions": None})
    notes = fields.String(load_default="", validate=NOTES)

    @validates("components")
    def _each_ingredient_once(self, components, **kwargs):
        each_ingredient_once(components)


COMPOSITION_FIELDS = ("components", "technique", "indication", "protocol", "notes")


class VersionCreateSchema(CompositionSchema):
    """A new version: the fields that change (the rest is copied from the version it is based on),
    or `revert_to` an earlier number."""

    # No defaults here: with a revert, a composition field sent would be silently ignored, so it is refused.
    indication = fields.String(validate=validate.Length(max=200))
    protocol = fields.Nested(ProtocolSchema)
    notes = fields.String(validate=NOTES)

    components = fields.List(
        fields.Nested(ComponentInputSchema),
        validate=ListLength(1, MAX_COMPONENTS, error=N_("A cocktail has 1 to %(max)s components.")),
    )
    technique = enum_field(Technique)
    revert_to = fields.Integer(
        validate=validate.Range(1), metadata={"description": "Make the new version equal to this one."}
    )
    change_note = Text(
        max=500,
        required=True,
        blank=N_("Say what changed and why."),
        too_long=N_("Up to %(max)s characters; this note has %(length)s."),
        metadata={"description": "What changed and why."},
    )

    @validates_schema
    def _composition_or_revert(self, data, **kwargs):
        if "revert_to" in data:
            extra = [key for key in COMPOSITION_FIELDS if key in data]
            if extra:
                raise ValidationError("Send either revert_to or a composition, not both.", extra[0])
        elif not any(key in data for key in COMPOSITION_FIELDS):
            raise ValidationError(
                "Send the fields that change (components, technique, indication, protocol, notes), or revert_to.",
                "components",
            )


class CocktailCreateSchema(CompositionSchema):
    name = Text(**NAME, required=True)
    description = fields.String(load_default="", validate=DESCRIPTION)
    change_note = fields.String(load_default="First version.", validate=validate.Length(max=500))


class CocktailUpdateSchema(PatchSchema):
    name = Text(**NAME)
    description = fields.String(validate=DESCRIPTION)
    status = enum_field(CocktailStatus)


class CloneSchema(Schema):
    name = Text(**NAME, required=True, metadata={"description": "The new cocktail's name."})


class CocktailQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200))
    status = enum_field(CocktailStatus)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class DiffQuerySchema(Schema):
    from_ = fields.Integer(required=True, data_key="from", validate=validate.Range(1, 100_000))
    to = fields.Integer(required=True, validate=validate.Range(1, 100_000))


# --- What the API returns ------------------------------------------------------------------


class ConcentrationRangeSchema(Schema):
    unit = fields.String(allow_none=True)
    usual_min = fields.Float(allow_none=True)
    usual_max = fields.Float(allow_none=True)
    maximum = fields.Float(allow_none=True)


PRODUCT_ROW_NULL = {"description": "Null for a product row."}


class ComponentSchema(Schema):
    ingredient = fields.Nested(IngredientRefSchema, allow_none=True, metadata=PRODUCT_ROW_NULL)
    product = fields.Nested(
        ProductRefSchema, allow_none=True, metadata={"description": "The product drawn from, for a product row."}
    )
    concentration = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    volume_ml = fields.Float(allow_none=True)
    usual = fields.Function(
        lambda c: c.ingredient.concentration if c.ingredient is not None else None,
        metadata={"description": "The ingredient's usual range and maximum, from the catalogue."},
    )


class IngredientAmountSchema(Schema):
    ingredient = fields.Nested(IngredientRefSchema)
    role = fields.String(metadata={"enum": ["active", "excipient"]})
    products = fields.List(fields.Nested(ProductRefSchema), metadata={"description": "The products it comes from."})
    amount = fields.Float(
        allow_none=True, metadata={"description": "In all, in `amount_unit`; null when a volume is missing."}
    )
    amount_unit = fields.String(allow_none=True, metadata={"enum": ["mg", "IU", "U"]})
    concentration_in_mix = fields.Float(
        allow_none=True, metadata={"description": "amount / total volume, per mL; null when a volume is missing."}
    )


def _version_of_same_cocktail(attribute: str, description: str) -> Reference:
    """Another version of the version's own cocktail, named by the number in `attribute`."""
    return Reference(
        CocktailVersionRefSchema,
        of=lambda version: version_ref(version.cocktail_id, getattr(version, attribute)),
        allow_none=True,
        metadata={"description": description},
    )


class VersionSchema(Schema):
    number = fields.Integer()
    based_on = _version_of_same_cocktail("based_on", "The version this one was made from; null for version 1.")
    reverted_from = _version_of_same_cocktail("reverted_from", "For a revert: the version it equals.")
    components = fields.List(fields.Nested(ComponentSchema))
    ingredients = fields.List(
        fields.Nested(IngredientAmountSchema),
        metadata={
            "description": "Per ingredient, actives and excipients alike: the amount and the concentration in the mix."
        },
    )
    technique = fields.Enum(Technique, by_value=True)
    indication = fields.String()
    protocol = fields.Nested(ProtocolSchema)
    notes = fields.String()
    change_note = fields.String()
    author = fields.Nested(ActorSchema)
    created_at = fields.DateTime()


class VersionSummarySchema(Schema):
    number = fields.Integer()
    based_on = _version_of_same_cocktail("based_on", "The version this one was made from; null for version 1.")
    reverted_from = _version_of_same_cocktail("reverted_from", "For a revert: the version it equals.")
    change_note = fields.String()
    author = fields.Nested(ActorSchema)
    created_at = fields.DateTime()
    components = fields.Function(lambda v: len(v.components), metadata={"description": "How many components."})


class CocktailSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String()
    status = fields.Enum(CocktailStatus, by_value=True)
    current_version = fields.Integer(metadata={"description": "Also the ETag: send it in If-Match to save a version."})
    cloned_from = fields.Nested(
        CocktailRefSchema, allow_none=True, metadata={"description": "The cocktail this one was cloned from."}
    )
    created_by = fields.Nested(ActorSchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CocktailDetailSchema(CocktailSchema):
    """Dumps a CocktailView: the cocktail's own fields, and its current version."""

    version = fields.Nested(VersionSchema, attribute="current", metadata={"description": "The current version."})

    def get_attribute(self, obj, attr, default):
        return super().get_attribute(obj if attr == "current" else obj.cocktail, attr, default)


class CocktailPageSchema(PageSchema):
    items = fields.List(fields.Nested(CocktailSchema))


class FieldChangeSchema(Schema):
    field = fields.String()
    from_ = fields.Raw(data_key="from", attribute="from", allow_none=True)
    to = fields.Raw(allow_none=True)


class DiffComponentSchema(Schema):
    """A component as the diff shows it."""

    ingredient = fields.Nested(IngredientRefSchema, allow_none=True, metadata=PRODUCT_ROW_NULL)
    product = fields.Nested(ProductRefSchema, metadata={"description": "For a product row only."})
    concentration = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    volume_ml = fields.Float(allow_none=True)


class ComponentChangeSchema(Schema):
    ingredient = fields.Nested(IngredientRefSchema, allow_none=True, metadata=PRODUCT_ROW_NULL)
    product = fields.Nested(
        ProductRefSchema, metadata={"description": "For a product row: the product (then `ingredient` is null)."}
    )
    unit = fields.String(metadata={"description": "The component's unit in `to`."})
    changes = fields.List(fields.Nested(FieldChangeSchema))


class DiffSchema(Schema):
    from_ = Reference(
        CocktailVersionRefSchema, data_key="from", of=lambda diff: version_ref(diff["cocktail_id"], diff["from_"])
    )
    to = Reference(CocktailVersionRefSchema, of=lambda diff: version_ref(diff["cocktail_id"], diff["to"]))
    added = fields.List(fields.Nested(DiffComponentSchema), metadata={"description": "Components only in `to`."})
    removed = fields.List(fields.Nested(DiffComponentSchema), metadata={"description": "Components only in `from`."})
    changed = fields.List(fields.Nested(ComponentChangeSchema))
    fields_changed = fields.List(fields.Nested(FieldChangeSchema), data_key="fields")
