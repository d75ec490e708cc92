"""The allergen API contract, and the input the seed loader and curators send."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.core.fields import CodedTermRefSchema, ReviewSchema, code_field
from catalog.core.refs import AllergenRefSchema, IngredientRefSchema
from catalog.safety.types import Grade

GRADES = [grade.value for grade in Grade]


class AllergenCreateSchema(Schema):
    """An allergen as a seed file or a curator writes it."""

    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    parent = code_field(load_default=None, allow_none=True, metadata={"description": "Code of the broader group."})
    also_in = fields.List(
        code_field(),
        load_default=list,
        metadata={"description": "Other groups this allergen belongs to (polysorbate 80: polysorbates and PEG)."},
    )
    synonyms = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        load_default=list,
        metadata={"description": 'Words an allergy to it is often recorded with ("bee sting", "Tween").'},
    )
    members_cross_react = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(GRADES),
        metadata={"description": "For a group: whether its members cross-react with each other (needs a source)."},
    )
    cross_reactivity_source = code_field(
        load_default=None, allow_none=True, metadata={"description": "The source saying the members cross-react."}
    )

    @validates_schema
    def _cross_reactivity_cites_its_source(self, data, **kwargs):
        if data.get("members_cross_react") and not data.get("cross_reactivity_source"):
            raise ValidationError("Say which source shows the members cross-react.", "cross_reactivity_source")
        if data.get("parent") and data["parent"] in (data.get("also_in") or []):
            raise ValidationError("The parent group is listed once, as `parent`.", "also_in")


class CrossReactionInputSchema(Schema):
    """A cross-reactivity link as seed/cross_reactions.yaml gives it."""

    between = fields.List(code_field(), required=True, validate=validate.Length(2, 2))
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    source = code_field(required=True)
    supports = fields.String(required=True, validate=validate.Length(1, 1000))

    @validates_schema
    def _two_different_allergens(self, data, **kwargs):
        between = data.get("between") or []
        if len(between) == 2 and between[0] == between[1]:
            raise ValidationError("An allergen cannot cross-react with itself.", "between")


class CrossReactionSchema(Schema):
    """A cross-reaction as an allergen's record shows it."""

    allergen = fields.Nested(AllergenRefSchema, metadata={"description": "The allergen (or group) on the other side."})
    grade = fields.String(metadata={"enum": GRADES})
    source = fields.Nested(CodedTermRefSchema, metadata={"description": "Its `name` is the source's title."})
    supports = fields.String()


class AllergenReplaceSchema(AllergenCreateSchema):
    """An allergen sent to its own URL; the code comes from the URL."""

    code = code_field(load_default=None, metadata={"description": "Must equal the URL's."})


# The one vocabulary of the allergen graph in every answer: `parents` (the groups an allergen sits
# in directly), `ancestors` (every group above it through any parent, broadest first), `members`.
PARENTS = {"description": "Every group it sits in directly: the group it is shown under first, then its others."}
ANCESTORS = {"description": "Every group above it through any of its parents, broadest first; [] for a top group."}


class PlacedAllergenSchema(AllergenRefSchema):
    """An allergen with its place in the graph: its groups, and every group above them."""

    parents = fields.List(fields.Nested(AllergenRefSchema), metadata=PARENTS)
    ancestors = fields.List(fields.Nested(AllergenRefSchema), metadata=ANCESTORS)


class AllergenTreeSchema(AllergenRefSchema):
    """An allergen with the members shown below it, recursively; `parents` also names its other groups."""

    description = fields.String()
    parents = fields.List(fields.Nested(AllergenRefSchema), metadata=PARENTS)
    members = fields.List(
        fields.Nested(lambda: AllergenTreeSchema()),
        attribute="children",
        metadata={"description": "The allergens shown under it (an allergen is shown under its first parent)."},
    )


class FlaggedIngredientSchema(IngredientRefSchema):
    flagged_with = fields.List(
        fields.Nested(AllergenRefSchema),
        metadata={"description": "The allergen codes on the ingredient that fall under this allergen."},
    )


class AllergenDetailSchema(AllergenTreeSchema):
    ancestors = fields.List(fields.Nested(AllergenRefSchema), metadata=ANCESTORS)
    synonyms = fields.List(fields.String())
    members_cross_react = fields.String(allow_none=True, metadata={"enum": GRADES})
    cross_reactivity_source = fields.Nested(
        CodedTermRefSchema, allow_none=True, metadata={"description": "The source saying the members cross-react."}
    )
    cross_reactions = fields.List(fields.Nested(CrossReactionSchema))
    review = fields.Nested(ReviewSchema)
    ingredients = fields.List(
        fields.Nested(FlaggedIngredientSchema),
        metadata={"description": "Ingredients flagged with this allergen or with one below it."},
    )


class SuggestionQuerySchema(Schema):
    text = fields.String(
        required=True, validate=validate.Length(1, 200), metadata={"description": "The allergy in words."}
    )


class SuggestionSchema(AllergenRefSchema):
    matched = fields.String(metadata={"description": "The name or synonym found in the text."})
