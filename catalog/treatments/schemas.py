"""What the treatments API reads and returns: lots, sessions, recalls."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.cocktails.models import Technique
from catalog.core.db import MAX_ID
from catalog.core.fields import ActorSchema, Limit, Text, enum_field, slug_validator
from catalog.core.paging import PageSchema
from catalog.core.refs import (
    CheckRefSchema,
    CocktailRefSchema,
    CocktailVersionRefSchema,
    IngredientRefSchema,
    PatientRefSchema,
    ProductRefSchema,
    Reference,
    SessionRefSchema,
    version_ref,
)
from catalog.core.words import N_
from catalog.treatments.areas import TREATMENT_AREAS

ID = validate.Range(1, MAX_ID)
LOT_NUMBER = validate.Length(1, 64, error="A lot number has 1 to 64 characters.")
NOTE = Limit(2000, message=N_("Up to %(max)s characters; this note has %(length)s."))


class AwareDateTime(fields.AwareDateTime):
    """A date and time with its zone (an offset or Z), as an unambiguous record of when."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)


# --- Lots -----------------------------------------------------------------------------------------


class LotCreateSchema(Schema):
    product = fields.String(validate=slug_validator(), metadata={"description": "The product's slug."})
    ingredient = fields.String(
        validate=slug_validator(), metadata={"description": "For a plain ingredient's solution: its slug."}
    )
    number = Text(max=64, required=True, metadata={"description": "The lot (batch) number on the label."})
    expires_on = fields.Date(required=True)
    received_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _one_item(self, data, **_):
        if bool(data.get("product")) == bool(data.get("ingredient")):
            raise ValidationError("Give either a product or an ingredient.", field_name="product")


class LotSchema(Schema):
    id = fields.Integer()
    product = fields.Nested(ProductRefSchema, allow_none=True, metadata={"description": "A product's lot."})
    ingredient = fields.Nested(
        IngredientRefSchema, allow_none=True, metadata={"description": "A plain ingredient's solution's lot."}
    )
    number = fields.String()
    expires_on = fields.Date()
    received_on = fields.Date(allow_none=True)
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(ActorSchema)


class LotQuerySchema(Schema):
    product = fields.String(validate=slug_validator())
    ingredient = fields.String(validate=slug_validator())
    number = fields.String(validate=LOT_NUMBER, metadata={"description": "Case, spaces and hyphens ignored."})
    usable_on = fields.Date(metadata={"description": "Leave out lots expired by this date."})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class LotPageSchema(PageSchema):
    items = fields.List(fields.Nested(LotSchema))


# --- Sessions -------------------------------------------------------------------------------------


class AreaSchema(Schema):
    area = fields.String(required=True, validate=validate.OneOf(list(TREATMENT_AREAS)))
    volume_ml = fields.Float(
        required=True,
        validate=validate.Range(0, 100, min_inclusive=False, error="A volume is more than 0 and at most 100 mL."),
    )


class LotPickSchema(Schema):
    position = fields.Integer(
        required=True, validate=validate.Range(0, 100), metadata={"description": "The component's position."}
    )
    lot = fields.Integer(required=True, validate=ID, metadata={"description": "A lot id from your clinic's stock."})


class ConsentSchema(Schema):
    at = AwareDateTime(required=True, metadata={"description": "When the patient consented."})
    information = Text(max=2000, required=True, metadata={"description": "What the patient was told."})


class SessionCreateSchema(Schema):
    patient = fields.Integer(required=True, validate=ID)
    cocktail = fields.Integer(required=True, validate=ID)
    version = fields.Integer(required=True, validate=ID)
    check = fields.Integer(
        required=True,
        validate=ID,
        metadata={"description": "The recorded check of this patient and version, run the same day."},
    )
    performed_at = AwareDateTime(required=True)
    technique = enum_field(Technique, load_default=None, metadata={"description": "Default: the version's."})
    areas = fields.List(fields.Nested(AreaSchema), required=True, validate=validate.Length(1, 20))
    lots = fields.List(
        fields.Nested(LotPickSchema),
        required=True,
        validate=validate.Length(1, 50),
        metadata={"description": "For each component of the version, the lot it was drawn from."},
    )
    prepared_by = fields.Integer(required=True, validate=ID, metadata={"description": "A practitioner's id."})
    administered_by = fields.Integer(required=True, validate=ID)
    second_checked_by = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ID,
        metadata={"description": "Required when the clinic asks for a second person's check."},
    )
    consent = fields.Nested(ConsentSchema, required=True)
    observations = fields.String(
        load_default="", validate=NOTE, metadata={"description": "What the practitioner saw; may be blank."}
    )
    immediate_reactions = fields.String(load_default="", validate=NOTE, metadata={"description": "May be blank."})

    @validates_schema
    def _unique_positions(self, data, **_):
        positions = [pick["position"] for pick in data.get("lots", [])]
        if len(set(positions)) != len(positions):
            raise ValidationError("One lot per component position.", field_name="lots")


class SessionAmendSchema(SessionCreateSchema):
    reason = Text(max=1000, required=True, metadata={"description": "Why the record is corrected."})


class SessionLotSchema(Schema):
    position = fields.Integer()
    lot = fields.Nested(LotSchema)


class PersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SessionSchema(Schema):
    id = fields.Integer()
    patient = Reference(PatientRefSchema, of=lambda session: {"id": session.patient_id})
    cocktail = fields.Nested(CocktailRefSchema)
    version = Reference(
        CocktailVersionRefSchema, of=lambda session: version_ref(session.cocktail_id, session.version_number)
    )
    check = Reference(CheckRefSchema, of=lambda session: {"id": session.check_id})
    performed_at = fields.DateTime()
    technique = fields.String(attribute="technique.value")
    areas = fields.List(fields.Nested(AreaSchema))
    total_volume_ml = fields.Float()
    lots = fields.List(fields.Nested(SessionLotSchema))
    prepared_by = fields.Nested(PersonSchema)
    administered_by = fields.Nested(PersonSchema)
    second_checked_by = fields.Nested(PersonSchema, allow_none=True)
    consent = fields.Method("_consent")
    observations = fields.String()
    immediate_reactions = fields.String()
    session_number = fields.Integer()
    sessions_planned = fields.Integer(allow_none=True)
    next_due_on = fields.Date(allow_none=True)
    amends = Reference(
        SessionRefSchema,
        of=lambda session: {"id": session.amends_id} if session.amends_id is not None else None,
        allow_none=True,
        metadata={"description": "The record this one corrects."},
    )
    amendment_reason = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(ActorSchema)

    def _consent(self, session):
        return {"at": session.consent_at.isoformat(), "information": session.consent_information}


class SessionQuerySchema(Schema):
    patient = fields.Integer(validate=ID)
    cocktail = fields.Integer(validate=ID)
    include_amended = fields.Boolean(
        load_default=False, metadata={"description": "Also the records later amended (the history)."}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class SessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(SessionSchema))


class RecallQuerySchema(Schema):
    lot = fields.String(required=True, validate=LOT_NUMBER, metadata={"description": "The recalled lot number."})
    product = fields.String(validate=slug_validator(), metadata={"description": "Only lots of this product."})


class RecalledPatientSchema(PatientRefSchema):
    """A patient to contact about a recall: the reference and name are what the call needs."""

    reference = fields.String()
    display_name = fields.String()


class RecallHitSchema(Schema):
    session = Reference(SessionRefSchema, of=lambda hit: hit.session)
    performed_at = fields.DateTime(attribute="session.performed_at")
    patient = fields.Nested(RecalledPatientSchema)
    lot = fields.Nested(LotSchema)
    amended = fields.Boolean(metadata={"description": "This record was later amended (it was still given)."})


class RecallSchema(Schema):
    lot = fields.String()
    hits = fields.List(fields.Nested(RecallHitSchema))
    patients = fields.Integer(metadata={"description": "How many patients received it."})
