"""Coded terms, sources and conditions as seed files give them and the API returns them."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.core.fields import code_field


class CodedTermSchema(Schema):
    """A term of a coded list, as read from seed files and returned by the API."""

    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class SourceSchema(Schema):
    """A publication, label or database the catalogue cites."""

    code = code_field(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 1000))
    publisher = fields.String(load_default="", validate=validate.Length(max=300))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1800, 2100))
    url = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})


class ConditionSchema(CodedTermSchema):
    caution = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "What any treatment calls for with this condition, whatever the ingredients."},
    )
    caution_source = code_field(load_default=None, allow_none=True, metadata={"description": "The source saying so."})
    contraindication = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "What rules out any injection treatment with this condition."},
    )
    contraindication_source = code_field(
        load_default=None, allow_none=True, metadata={"description": "The source saying so."}
    )

    @validates_schema
    def _cautions_cite_their_source(self, data, **kwargs):
        if data.get("caution") and not data.get("caution_source"):
            raise ValidationError("A caution must cite its source.", "caution_source")
        if data.get("contraindication") and not data.get("contraindication_source"):
            raise ValidationError("A contraindication must cite its source.", "contraindication_source")
