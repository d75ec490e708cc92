"""A condition as the seed file gives it."""

from marshmallow import ValidationError, fields, validate, validates_schema

from catalog.vocabulary import CodedTermSchema, code_field


class ConditionSchema(CodedTermSchema):
    caution = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "What any treatment calls for with this condition, whatever the ingredients."},
    )
    caution_source = code_field(load_default=None, allow_none=True, metadata={"description": "The source saying so."})

    @validates_schema
    def _caution_cites_its_source(self, data, **kwargs):
        if data.get("caution") and not data.get("caution_source"):
            raise ValidationError("A caution must cite its source.", "caution_source")
