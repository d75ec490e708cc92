"""The review list's query and answer."""

from marshmallow import Schema, fields, validate

from catalog.core.paging import PageSchema
from catalog.core.review import ReviewState
from catalog.curation.service import KINDS

STATES = [state.value for state in ReviewState]


class ReviewQuerySchema(Schema):
    state = fields.List(
        fields.String(validate=validate.OneOf(STATES)),
        metadata={"description": "Review state; repeat for several. Default: changed-since-review and unreviewed."},
    )
    kind = fields.List(
        fields.String(validate=validate.OneOf(list(KINDS))),
        metadata={"description": "ingredient, product or allergen; repeat for several. Default: all."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ReviewItemSchema(Schema):
    kind = fields.String(metadata={"enum": list(KINDS)})
    key = fields.String(metadata={"description": "The entry's slug (ingredients, products) or code (allergens)."})
    name = fields.String()
    state = fields.String(metadata={"enum": STATES})
    updated_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True, metadata={"description": "The curator's name at the review."})
    href = fields.String(metadata={"description": "The entry's URL in the API; POST to its `/review` to review it."})


class ReviewPageSchema(PageSchema):
    items = fields.List(fields.Nested(ReviewItemSchema))
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={"description": "For each kind, how many entries are in each review state."},
    )
