"""The check pages' forms, read as a schema takes them."""

from marshmallow import EXCLUDE, Schema, fields, validate

from catalog.core.db import MAX_ID


class CheckFormSchema(Schema):
    """The form on a cocktail's page that checks one of its saved versions for a patient."""

    class Meta:
        unknown = EXCLUDE

    cocktail = fields.Integer(validate=validate.Range(1, MAX_ID))
    version = fields.Integer(validate=validate.Range(1, MAX_ID))
    patient = fields.Integer(
        required=True,
        validate=validate.Range(1, MAX_ID),
        error_messages={"required": "Choose a patient to check the cocktail for."},
    )
    # The page the form is on, to go back to when the check is refused: the cocktail's, or the version's.
    back_to = fields.String(validate=validate.OneOf(("cocktail", "version")), load_default="cocktail")


def filled(form) -> dict:
    """The form's fields that are not blank: a blank one counts as not sent."""
    return {key: value for key, value in form.items() if value.strip()}
