"""The audit trail as the API reads it."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.core.db import MAX_ID
from catalog.core.paging import PageSchema


class AuditQuerySchema(Schema):
    object_type = fields.String(
        validate=validate.Length(1, 40), metadata={"description": "e.g. patient, allergy, token, ingredient"}
    )
    object_id = fields.String(validate=validate.Length(1, 80))
    actor_type = fields.String(validate=validate.OneOf(["practitioner", "token", "system"]))
    actor_id = fields.Integer(validate=validate.Range(1, MAX_ID))
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
