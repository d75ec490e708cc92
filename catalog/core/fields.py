"""Schema fields and small schemas every domain's API shares: codes, slugs, trimmed text, references, actors."""

from enum import StrEnum

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.core.words import N_, Count, phrase

CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE = validate.Regexp(CODE_PATTERN, error="Use lower-case letters, digits and single hyphens.")
# Slugs and codes share one shape: lower-case words joined by single hyphens.
SLUG_PATTERN = CODE_PATTERN


def slug_validator(error: str = "Use lower-case letters, digits and single hyphens.") -> validate.Regexp:
    return validate.Regexp(SLUG_PATTERN, error=error)


def enum_field(enum: type[StrEnum], **kwargs) -> fields.String:
    """A string field accepting one of an enum's values, listing them when it refuses."""
    return fields.String(validate=validate.OneOf([member.value for member in enum]), **kwargs)


def code_field(**kwargs) -> fields.String:
    metadata = {"pattern": CODE_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=[validate.Length(1, 64), CODE], metadata=metadata, **kwargs)


def _figure(value):
    # Whole numbers as integers ("1900", not "1900.0"), grouped from five digits ("1,000,000"); a page
    # writes them, and decimals, its own way.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return Count(value) if isinstance(value, int) and abs(value) >= 10_000 else value


class Between(validate.Range):
    """A Range whose refusal keeps its template (`%(min)s`, `%(max)s`, marked with N_) for the page's language."""

    def _format_error(self, value, message: str) -> str:
        return phrase(self.error or message, min=_figure(self.min), max=_figure(self.max))


class ListLength(validate.Length):
    """A Length of a list whose refusal keeps its template (`%(min)s`, `%(max)s`) for the page's language."""

    def _format_error(self, value, message: str) -> str:
        return phrase(self.error or message, min=self.min, max=self.max)


TOO_LONG = N_("Up to %(max)s characters; this text has %(length)s.")


class Limit(validate.Length):
    """At most `max` characters, saying how many the text has: a long text is refused, never cut.

    `message` (marked with N_) names the limit `%(max)s` and the length `%(length)s`: the API reads them
    grouped by thousands, a page in its language. A Length still, so that the OpenAPI document states
    the limits (minLength, maxLength).
    """

    def __init__(self, max: int, *, min: int | None = None, message: str = TOO_LONG):
        super().__init__(min=min, max=max)
        self.message = message

    def __call__(self, value):
        if value is not None and len(value) > self.max:
            raise ValidationError(phrase(self.message, max=Count(self.max), length=Count(len(value))))
        return value


class Text(fields.String):
    """A trimmed string that may not be blank; `max` counts characters after trimming.

    `blank` says, in the clinic's words, what to write ("Give the cocktail a name."; it may name the limit,
    `%(max)s`); `too_long` is Limit's message. Both marked with N_.
    """

    def __init__(self, *, max: int, blank=None, too_long=None, **kwargs):
        self.blank = blank or N_("Fill this in: up to %(max)s characters.")
        self.max = max
        limit = Limit(max, min=1, message=too_long) if too_long else Limit(max, min=1)
        super().__init__(validate=limit, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError(phrase(self.blank, max=Count(self.max)))
        return text


class CodedTermRefSchema(Schema):
    """A short reference to a coded term inside another record."""

    code = fields.String()
    name = fields.String()


class ActorSchema(Schema):
    type = fields.String(metadata={"enum": ["practitioner", "token", "system"]})
    id = fields.Integer(allow_none=True)
    label = fields.String(metadata={"description": "The practitioner's name or the token's name."})


class ReviewSchema(Schema):
    """A catalogue entry's review by a curator."""

    state = fields.String(
        metadata={
            "enum": ["unreviewed", "reviewed", "changed-since-review"],
            "description": "`changed-since-review`: the entry was edited after its last review.",
        }
    )
    reviewed_by = fields.Nested(ActorSchema, allow_none=True, metadata={"description": "The curator."})
    reviewed_at = fields.DateTime(allow_none=True)
    sources = fields.List(
        fields.String(), metadata={"description": "Codes of the cited sources the entry was checked against."}
    )


class ReviewInputSchema(Schema):
    """A curator's review of an entry as it is stored now."""

    sources = fields.List(
        code_field(),
        required=True,
        validate=validate.Length(max=50),
        metadata={
            "description": "Codes of the sources you checked the entry against; each must be cited by the entry. "
            "May be empty only for an entry citing no source."
        },
    )


class PatchSchema(Schema):
    """A partial update: any subset of the fields, but at least one (an empty PATCH changes nothing)."""

    class Meta:
        # In the OpenAPI document: what the per-field schema cannot say.
        description = "Any subset of the fields, but at least one: a body changing nothing is refused (422)."

    @validates_schema
    def _something_to_change(self, data, **_):
        if not data:
            raise ValidationError("Send at least one field to change.")
