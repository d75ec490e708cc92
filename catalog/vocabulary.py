"""Schemas shared by every coded list (categories, purposes, conditions) and by sources."""

from marshmallow import Schema, fields, validate

CODE = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lower-case letters, digits and single hyphens.")


def code_field(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(1, 64), CODE], **kwargs)


class CodedTermSchema(Schema):
    """A term of a coded list, as read from seed files and returned by the API."""

    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class CodedTermRefSchema(Schema):
    """A short reference to a coded term inside another record."""

    code = fields.String()
    name = fields.String()


class SourceSchema(Schema):
    """A publication, label or database the catalogue cites."""

    code = code_field(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 1000))
    publisher = fields.String(load_default="", validate=validate.Length(max=300))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1800, 2100))
    url = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})
