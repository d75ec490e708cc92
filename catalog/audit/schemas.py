"""The audit trail as the API reads it, and its page's filters read the same way."""

from datetime import UTC, datetime, time, timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from catalog.core.db import MAX_ID
from catalog.core.paging import PageSchema


class AuditQuerySchema(Schema):
    object_type = fields.String(
        validate=validate.Length(1, 40), metadata={"description": "e.g. patient, allergy, token, ingredient"}
    )
    object_id = fields.String(validate=validate.Length(1, 80))
    actor_type = fields.String(validate=validate.OneOf(["practitioner", "token", "system"]))
    actor_id = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Only with actor_type practitioner or token (an id names one of them); else 422."},
    )
    since = fields.AwareDateTime(metadata={"description": "ISO 8601 with a zone; entries at or after."})
    until = fields.AwareDateTime(metadata={"description": "ISO 8601 with a zone; entries before."})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 200))

    @validates_schema
    def _consistent(self, data, **kwargs):
        if "actor_id" in data and data.get("actor_type") not in {"practitioner", "token"}:
            raise ValidationError("Give actor_type (practitioner or token) with actor_id.", "actor_id")
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("Must be later than since.", "until")


class AuditActorSchema(Schema):
    type = fields.String()
    id = fields.Integer(allow_none=True)
    label = fields.String()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Nested(AuditActorSchema)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    changes = fields.List(
        fields.Dict(), metadata={"description": "[{field, from, to}]: coded values only; free text by name."}
    )


class AuditPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))


# The kinds of object the audit page offers to filter by.
OBJECT_TYPES = ["patient", "allergy", "cocktail", "check", "practitioner", "token", "clinic", "ingredient", "allergen"]


class Day(fields.Date):
    """A day from a date box, read as the instant it starts (UTC); with `end`, as the instant it ends."""

    def __init__(self, *, end: bool = False, **kwargs):
        super().__init__(error_messages={"invalid": "Use a date such as 2026-11-25."}, **kwargs)
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        start = datetime.combine(super()._deserialize(value, attr, data, **kwargs), time.min, UTC)
        return start + timedelta(days=1) if self.end else start


class AuditPageQuerySchema(AuditQuerySchema):
    """The audit page's filters as the API's: whole days (both included), one "who" menu, the kinds it lists.

    Pages hold 50 entries; parameters the page does not send are ignored, as a page's address may carry others.
    """

    class Meta:
        unknown = EXCLUDE
        exclude = ("page_size",)

    object_type = fields.String(validate=validate.OneOf(OBJECT_TYPES, error="Unknown kind of object."))
    since = Day()
    until = Day(end=True)

    @pre_load
    def _who(self, data, **kwargs):
        """The menu's one value (`practitioner:3`, `token:2` or `system`) as the API's actor_type and actor_id."""
        values = {key: data[key] for key in data}  # a query string's proxy, whose .get() does not default
        actor_type, _, actor_id = values.pop("actor", "").partition(":")
        who = {"actor_type": actor_type, "actor_id": actor_id}
        return {**values, **{key: value for key, value in who.items() if value}}
