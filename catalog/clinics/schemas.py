"""What an admin may say of their clinic: name, contact for patients' sheets, time zone, second-check rule."""

from zoneinfo import available_timezones

from marshmallow import Schema, fields, pre_load, validate, validates

from catalog.core.fields import Text

TIME_ZONES = sorted(available_timezones())


class ClinicDetailsSchema(Schema):
    name = Text(max=200, required=True)
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()./\s-]{0,40}$", error="Digits, spaces and + ( ) . - only, up to 40."),
        metadata={"description": "The number patients call after a treatment; printed on their sheet."},
    )
    email = fields.String(load_default="", validate=validate.Length(max=254))
    address = fields.String(load_default="", validate=validate.Length(max=500))
    emergency_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9+ ]{2,20}$", error="Digits, spaces and + only (112, 15, 999, 911…)."),
    )
    time_zone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(TIME_ZONES, error="Choose a time zone from the list (for example Europe/Paris)."),
    )
    requires_second_check = fields.Boolean(load_default=False)
    idle_timeout_minutes = fields.Integer(
        load_default=30,
        strict=False,
        validate=validate.Range(5, 720, error="From 5 minutes to 12 hours (720 minutes)."),
        metadata={"description": "A signed-in session unused this long ends; at most 12 hours whatever the use."},
        error_messages={"invalid": "A whole number of minutes, from 5 to 720."},
    )

    @validates("email")
    def _email(self, value: str, **_):
        if value:  # optional: blank, or an address
            validate.Email(error="Not an email address.")(value)

    @pre_load
    def _trimmed(self, data, **_):
        cleaned = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
        if cleaned.get("time_zone") == "":
            cleaned["time_zone"] = None
        return cleaned
