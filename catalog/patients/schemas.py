"""The patients API's contract: what may be sent (validated here) and what is answered."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, pre_dump, pre_load, validate, validates_schema

from catalog.allergens.schemas import PlacedAllergenSchema
from catalog.core.fields import (
    ActorSchema,
    Between,
    CodedTermRefSchema,
    Limit,
    PatchSchema,
    Text,
    code_field,
    enum_field,
    slug_validator,
)
from catalog.core.languages import LANGUAGES
from catalog.core.paging import PageSchema
from catalog.core.refs import API_ROOT, PatientRefSchema, ProductRefSchema, Reference
from catalog.core.words import N_
from catalog.patients.models import (
    AllergyStatus,
    AllergyType,
    ClinicalStatus,
    ConditionStatus,
    Criticality,
    ReactionSeverity,
    VerificationStatus,
)

EARLIEST_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 200
# A long note is refused with the limit and its length, never cut.
NOTE = Limit(2000, message=N_("Up to %(max)s characters; this note has %(length)s."))


def birth_year_field(*, strict: bool = True):
    """A year of birth: JSON sends a number (`strict`); a page's form sends text."""
    return fields.Integer(
        allow_none=True,
        strict=strict,
        validate=Between(EARLIEST_BIRTH_YEAR, date.today().year, error=N_("Must be between %(min)s and %(max)s.")),
    )


def language_field(**kwargs) -> fields.String:
    """The language of what the patient is handed (their sheet): `en` or `fr`."""
    return fields.String(
        validate=validate.OneOf(list(LANGUAGES), error="Choose one of: en (English), fr (French)."),
        metadata={
            "description": "The language of the patient's sheet: `en` or `fr` (by default the language of "
            "the person who adds the patient, else `en`)."
        },
        **kwargs,
    )


class PatientCreateSchema(Schema):
    reference = Text(max=64, required=True, metadata={"description": "The clinic's own record number."})
    display_name = Text(max=MAX_NAME_LENGTH, required=True)
    birth_year = birth_year_field()
    conditions = fields.List(
        code_field(), load_default=list, metadata={"description": "Condition codes (see /api/v1/conditions)."}
    )
    language = language_field(load_default=None)


class PatientUpdateSchema(PatchSchema):
    reference = Text(max=64)
    display_name = Text(max=MAX_NAME_LENGTH)
    birth_year = birth_year_field()
    conditions = fields.List(code_field(), metadata={"description": "Replaces the patient's conditions."})
    language = language_field()
    allergy_status = fields.String(
        validate=validate.OneOf([AllergyStatus.NO_KNOWN_ALLERGIES.value, AllergyStatus.UNKNOWN.value]),
        metadata={
            "description": "'no-known-allergies' asserts that the patient has none (refused while an active "
            "allergy is recorded); 'unknown' withdraws that assertion."
        },
    )


class PatientQuerySchema(Schema):
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Reference prefix or part of the name."}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class NoKnownAllergiesSchema(Schema):
    asserted_by = fields.Nested(ActorSchema)
    asserted_at = fields.DateTime()


class ConditionRecordCreateSchema(Schema):
    condition = code_field(required=True, metadata={"description": "A condition code (see /api/v1/conditions)."})
    onset_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=NOTE)


class ConditionRecordUpdateSchema(PatchSchema):
    status = fields.String(validate=validate.OneOf(["active", "resolved"]))
    onset_on = fields.Date(allow_none=True)
    resolved_on = fields.Date(allow_none=True)
    note = fields.String(validate=NOTE)


class ConditionRecordSchema(Schema):
    id = fields.Integer()
    condition = fields.Nested(CodedTermRefSchema)
    status = fields.Enum(ConditionStatus, by_value=True)
    onset_on = fields.Date(allow_none=True)
    resolved_on = fields.Date(allow_none=True)
    note = fields.String()
    recorded_by = fields.Nested(ActorSchema)
    recorded_at = fields.DateTime()
    updated_at = fields.DateTime()
    revision = fields.Integer()
    history = fields.List(fields.Dict(), metadata={"description": "Every state the record was in, oldest first."})


class WeightCreateSchema(Schema):
    kg = fields.Float(
        required=True,
        allow_nan=False,
        validate=Between(0.5, 500, error=N_("A body weight is between %(min)s and %(max)s kg.")),
        metadata={"description": "Body weight in kg."},
    )
    measured_on = fields.Date(
        load_default=lambda: date.today(), metadata={"description": "The day it was measured (default: today)."}
    )


class WeightSchema(Schema):
    kg = fields.Float()
    measured_on = fields.Date()
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(ActorSchema)


class PatientSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    display_name = fields.String()
    birth_year = fields.Integer(allow_none=True)
    language = fields.String(metadata={"enum": list(LANGUAGES), "description": "The language of the patient's sheet."})
    conditions = fields.List(fields.Nested(CodedTermRefSchema), metadata={"description": "The active conditions."})
    weight = fields.Nested(
        WeightSchema, allow_none=True, metadata={"description": "The newest weight recorded; doses per kg use it."}
    )
    allergy_status = fields.Enum(AllergyStatus, by_value=True)
    no_known_allergies = fields.Nested(
        NoKnownAllergiesSchema,
        allow_none=True,
        metadata={"description": "Who asserted 'no known allergies' and when, while that is the status."},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PatientPageSchema(PageSchema):
    items = fields.List(fields.Nested(PatientSchema))


class ReactionSchema(Schema):
    manifestation = Text(max=500, required=True, metadata={"description": "What happened."})
    severity = enum_field(ReactionSeverity, allow_none=True, load_default=None)


# What an allergy record names: exactly one of these.
ALLERGEN_FIELDS = ("allergen", "allergen_text", "product")


class AllergyWriteSchema(Schema):
    """Fields shared by creating and changing a record."""

    allergen = code_field(allow_none=True, metadata={"description": "An allergen code from /api/v1/allergens."})
    allergen_text = Text(
        max=200, allow_none=True, metadata={"description": "The substance in words, when no allergen code fits."}
    )
    product = fields.String(
        allow_none=True,
        validate=[validate.Length(1, 120), slug_validator()],
        metadata={"description": "A product's slug (/api/v1/products): the record covers every ingredient it holds."},
    )
    type = enum_field(AllergyType)
    criticality = enum_field(Criticality)
    clinical_status = enum_field(ClinicalStatus)
    verification_status = enum_field(VerificationStatus)
    reaction = fields.Nested(ReactionSchema, allow_none=True)
    note = fields.String(validate=NOTE)

    @pre_load
    def _trim_note(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("note"), str):
            data = {**data, "note": data["note"].strip()}
        return data

    # A new record must name its allergen; a change need not touch it.
    allergen_required = True
    # Said on `allergen` when both or neither are given (the pages say it in the form's words).
    one_allergen_message = "Give exactly one of an allergen code, a product, or (when neither fits) allergen_text."

    @validates_schema
    def _one_allergen(self, data, **kwargs):
        named = [field for field in ALLERGEN_FIELDS if data.get(field)]
        if (any(field in data for field in ALLERGEN_FIELDS) or self.allergen_required) and len(named) != 1:
            raise ValidationError(self.one_allergen_message, "allergen")


class AllergyCreateSchema(AllergyWriteSchema):
    type = enum_field(AllergyType, load_default=AllergyType.ALLERGY.value)
    criticality = enum_field(Criticality, load_default=Criticality.UNABLE_TO_ASSESS.value)
    clinical_status = enum_field(ClinicalStatus, load_default=ClinicalStatus.ACTIVE.value)
    verification_status = enum_field(
        VerificationStatus,
        load_default=VerificationStatus.UNCONFIRMED.value,
        metadata={"description": "A suspected allergy is recorded 'unconfirmed' rather than left out."},
    )
    note = fields.String(load_default="", validate=NOTE)


class AllergyUpdateSchema(PatchSchema, AllergyWriteSchema):
    """Any subset of the fields; the allergen, when changed, still needs exactly one of code or text."""

    allergen_required = False

    @post_load
    def _fill_allergen_pair(self, data, **kwargs):
        if any(field in data for field in ALLERGEN_FIELDS):
            for field in ALLERGEN_FIELDS:
                data.setdefault(field, None)
        return data


class ReactionOutSchema(Schema):
    manifestation = fields.String()
    severity = fields.Enum(ReactionSeverity, by_value=True, allow_none=True)


class RecordSuggestionSchema(Schema):
    kind = fields.String(metadata={"enum": ["allergen", "product"]})
    code = fields.String(metadata={"description": "The allergen's code or the product's slug."})
    name = fields.String()
    href = fields.String(metadata={"description": "The allergen's or the product's URL in the API."})
    matched = fields.String(metadata={"description": "The name or synonym found in the text."})

    @pre_dump
    def _with_href(self, suggestion: dict, **kwargs) -> dict:
        collection = "allergens" if suggestion["kind"] == "allergen" else "products"
        return {**suggestion, "href": f"{API_ROOT}/{collection}/{suggestion['code']}"}


class AllergySchema(Schema):
    """Dumps a `reading.Allergy`: the record's own fields, and its allergen as placed in the hierarchy."""

    id = fields.Integer()
    patient = Reference(PatientRefSchema, of=lambda allergy: {"id": allergy.record.patient_id})
    allergen = fields.Nested(
        PlacedAllergenSchema, allow_none=True, metadata={"description": "The coded allergen, placed in the graph."}
    )
    allergen_text = fields.String(allow_none=True)
    product = Reference(
        ProductRefSchema,
        of=lambda allergy: allergy.record.product,
        allow_none=True,
        metadata={"description": "The product the allergy is recorded against, if any."},
    )
    suggestions = fields.List(
        fields.Nested(RecordSuggestionSchema),
        metadata={
            "description": "For free text: coded allergens and products it probably means. Code the record "
            "by one of them (PATCH `allergen` or `product`): the check can then reason about it."
        },
    )
    type = fields.Enum(AllergyType, by_value=True)
    criticality = fields.Enum(Criticality, by_value=True)
    clinical_status = fields.Enum(
        ClinicalStatus, by_value=True, allow_none=True, metadata={"description": "Absent when entered-in-error."}
    )
    verification_status = fields.Enum(VerificationStatus, by_value=True)
    reaction = fields.Nested(ReactionOutSchema, allow_none=True)
    note = fields.String()
    recorded_by = fields.Nested(ActorSchema)
    recorded_at = fields.DateTime()
    updated_at = fields.DateTime()
    revision = fields.Integer(metadata={"description": "Increases with every change; sent as the weak ETag."})

    def get_attribute(self, obj, attr, default):
        on_reading = attr in ("allergen", "suggestions")
        return super().get_attribute(obj if on_reading else obj.record, attr, default)


class PatientDetailSchema(PatientSchema):
    """Dumps a `reading.PatientFile`: the patient's own fields, and every allergy record placed."""

    allergies = fields.List(fields.Nested(AllergySchema))
    condition_records = fields.List(
        fields.Nested(ConditionRecordSchema), metadata={"description": "Every condition recorded, active or resolved."}
    )

    def get_attribute(self, obj, attr, default):
        return super().get_attribute(obj if attr == "allergies" else obj.patient, attr, default)


class AllergyRevisionSchema(Schema):
    revision = fields.Integer()
    changed_at = fields.DateTime()
    changed_by = fields.Nested(ActorSchema)
    changed_fields = fields.List(fields.String())
    values = fields.Dict(metadata={"description": "The record's fields as they stood after this change."})
