"""The cocktails API's contract: compositions sent in, cocktails, versions and diffs sent back."""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from catalog.cocktails.models import CocktailStatus, Technique
from catalog.core.fields import ActorSchema, Text, enum_field, slug_validator
from catalog.core.paging import PageSchema
from catalog.safety import UNITS

MAX_COMPONENTS = 30
SLUG = slug_validator("Use an ingredient slug (lower case and hyphens).")


MAX_CONCENTRATION = 1_000_000


def each_ingredient_once(components: list[dict]) -> None:
    """Refuse a composition that lists an ingredient twice, naming the later row (rows count from 1)."""
    seen: dict[str, int] = {}
    errors = {}
    for index, component in enumerate(components):
        slug = component.get("ingredient") if isinstance(component, dict) else None
        if slug is None:
            continue
        if slug in seen:
            errors[index] = {"ingredient": [f"Already in row {seen[slug] + 1}: list each ingredient once."]}
        seen.setdefault(slug, index)
    if errors:
        raise ValidationError(errors)


class ComponentInputSchema(Schema):
    ingredient = fields.String(
        required=True, validate=[validate.Length(1, 120), SLUG], metadata={"pattern": SLUG.regex.pattern}
    )
    concentration = fields.Float(
        required=True,
        allow_nan=False,
        validate=[
            validate.Range(min=0, min_inclusive=False, error="Must be more than 0."),
            validate.Range(max=MAX_CONCENTRATION, error="Must be at most {max:,}."),
        ],
    )
    unit = fields.String(required=True, validate=validate.OneOf(list(UNITS)))
    volume_ml = fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=0, min_inclusive=False, max=1000, error="Must be more than 0 and at most 1000 mL."),
    )

    @validates_schema
    def _percent_at_most_100(self, data, **kwargs):
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
        validate=validate.Length(1, MAX_COMPONENTS, error="A cocktail has 1 to {max} components."),
    )
    technique = enum_field(Technique, required=True)
    indication = fields.String(load_default="", validate=validate.Length(max=200))
    protocol = fields.Nested(ProtocolSchema, load_default=lambda: {"sessions": None, "weeks_between_sessions": None})
    notes = fields.String(load_default="", validate=validate.Length(max=4000))

    @validates("components")
    def _each_ingredient_once(self, components, **kwargs):
        each_ingredient_once(components)


class VersionCreateSchema(CompositionSchema):
    """A new version: a whole composition, or `revert_to` an earlier number."""

    # No defaults here: with a revert, a composition field sent would be silently ignored, so it is refused.
    indication = fields.String(validate=validate.Length(max=200))
    protocol = fields.Nested(ProtocolSchema)
    notes = fields.String(validate=validate.Length(max=4000))

    components = fields.List(
        fields.Nested(ComponentInputSchema),
        validate=validate.Length(1, MAX_COMPONENTS, error="A cocktail has 1 to {max} components."),
    )
    technique = enum_field(Technique)
    revert_to = fields.Integer(
        validate=validate.Range(1), metadata={"description": "Make the new version equal to this one."}
    )
    change_note = Text(max=500, required=True, metadata={"description": "What changed and why."})

    @validates_schema
    def _composition_or_revert(self, data, **kwargs):
        if "revert_to" in data:
            extra = [key for key in ("components", "technique", "indication", "protocol", "notes") if key in data]
            if extra:
                raise ValidationError("Send either revert_to or a composition, not both.", extra[0])
        else:
            missing = {
                key: ["Missing data for required field."] for key in ("components", "technique") if key not in data
            }
            if missing:
                raise ValidationError(missing)


class CocktailCreateSchema(CompositionSchema):
    name = Text(max=120, required=True)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    change_note = fields.String(load_default="First version.", validate=validate.Length(max=500))


class CocktailUpdateSchema(Schema):
    name = Text(max=120)
    description = fields.String(validate=validate.Length(max=2000))
    status = enum_field(CocktailStatus)


class CloneSchema(Schema):
    name = Text(max=120, required=True, metadata={"description": "The new cocktail's name."})


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


class ComponentSchema(Schema):
    ingredient = fields.Function(lambda c: {"slug": c.ingredient.slug, "name": c.ingredient.name})
    concentration = fields.Float()
    unit = fields.String()
    volume_ml = fields.Float(allow_none=True)
    usual = fields.Function(
        lambda c: c.ingredient.concentration,
        metadata={"description": "The ingredient's usual range and maximum, from the catalogue."},
    )


class VersionSchema(Schema):
    number = fields.Integer()
    based_on = fields.Integer(allow_none=True)
    reverted_from = fields.Integer(allow_none=True)
    components = fields.List(fields.Nested(ComponentSchema))
    technique = fields.Enum(Technique, by_value=True)
    indication = fields.String()
    protocol = fields.Nested(ProtocolSchema)
    notes = fields.String()
    change_note = fields.String()
    author = fields.Nested(ActorSchema)
    created_at = fields.DateTime()


class VersionSummarySchema(Schema):
    number = fields.Integer()
    based_on = fields.Integer(allow_none=True)
    reverted_from = fields.Integer(allow_none=True)
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
    cloned_from = fields.Integer(attribute="cloned_from_id", allow_none=True)
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


class ComponentChangeSchema(Schema):
    ingredient = fields.Dict()
    unit = fields.String(metadata={"description": "The component's unit in `to`."})
    changes = fields.List(fields.Nested(FieldChangeSchema))


class DiffSchema(Schema):
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    added = fields.List(fields.Dict(), metadata={"description": "Components only in `to`."})
    removed = fields.List(fields.Dict(), metadata={"description": "Components only in `from`."})
    changed = fields.List(fields.Nested(ComponentChangeSchema))
    fields_changed = fields.List(fields.Nested(FieldChangeSchema), data_key="fields")
