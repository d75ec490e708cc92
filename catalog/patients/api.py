"""JSON API for a clinic's patients and their allergy records (bearer token required)."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.clinics.auth import current_actor, token_required
from catalog.extensions import db
from catalog.patients import allergies, reading, service, weights
from catalog.patients.schemas import (
    AllergyCreateSchema,
    AllergyRevisionSchema,
    AllergySchema,
    AllergyUpdateSchema,
    ConditionRecordCreateSchema,
    ConditionRecordSchema,
    ConditionRecordUpdateSchema,
    PatientCreateSchema,
    PatientDetailSchema,
    PatientPageSchema,
    PatientQuerySchema,
    PatientUpdateSchema,
    WeightCreateSchema,
    WeightSchema,
)
from catalog.web.errors import json_error
from catalog.web.preconditions import expected_revision, revision_etag

bp = Blueprint(
    "Patients",
    __name__,
    url_prefix="/api/v1/patients",
    description="A clinic's patients, their conditions and allergy records (FHIR AllergyIntolerance-like). "
    "Another clinic's patient is answered 404.",
)

NOT_FOUND = {"response": "DEFAULT_ERROR", "description": "No such patient (or record) in your clinic."}
INVALID = {"response": "DEFAULT_ERROR", "description": "Invalid input; `errors` names each field. Nothing written."}


@bp.errorhandler(allergies.StaleRevision)
def _stale_revision(error: allergies.StaleRevision):
    """412, naming the header that was stale and the revision to send instead."""
    return json_error(
        error.status, error.message, {"headers": {"If-Match": [f"The current revision is {error.current}."]}}
    )


@bp.route("")
class Patients(MethodView):
    @token_required(bp)
    @bp.arguments(PatientQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, PatientPageSchema)
    def get(self, q=None, page=1, page_size=20):
        """Search the clinic's patients

        `q` matches the start of the clinic's reference or any part of the name,
        ignoring case and accents. Sorted by name.
        """
        return service.search_patients(
            db.session, clinic_id=current_actor().clinic_id, q=q, page=page, page_size=page_size
        )

    @token_required(bp, write=True)
    @bp.arguments(PatientCreateSchema())
    @bp.response(201, PatientDetailSchema)
    @bp.alt_response(422, **INVALID)
    def post(self, data):
        """Add a patient

        The allergy status starts `unknown` (never asked), which is not the same
        as 'no known allergies'.
        """
        patient = service.create_patient(db.session, actor=current_actor(), **data)
        location = url_for("Patients.PatientDetail", patient_id=patient.id)
        return reading.patient_file(db.session, patient), 201, {"Location": location}


@bp.route("/<int:patient_id>")
class PatientDetail(MethodView):
    @token_required(bp)
    @bp.response(200, PatientDetailSchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id):
        """Read a patient, with conditions, allergy status and every allergy record"""
        return reading.read_patient(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)

    @token_required(bp, write=True)
    @bp.arguments(PatientUpdateSchema())
    @bp.response(200, PatientDetailSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="'no known allergies' refused: active allergies.")
    @bp.alt_response(422, **INVALID)
    def patch(self, data, patient_id):
        """Change a patient, or assert 'no known allergies'

        Send only the fields to change. `conditions` replaces the list.
        """
        patient = service.update_patient(db.session, actor=current_actor(), patient_id=patient_id, changes=data)
        return reading.patient_file(db.session, patient)


@bp.route("/<int:patient_id>/conditions")
class ConditionRecords(MethodView):
    @token_required(bp)
    @bp.response(200, ConditionRecordSchema(many=True))
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id):
        """Every condition recorded for the patient, active or resolved"""
        return service.list_conditions(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)

    @token_required(bp, write=True)
    @bp.arguments(ConditionRecordCreateSchema())
    @bp.response(201, ConditionRecordSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def post(self, data, patient_id):
        """Record an active condition

        The check reasons about active conditions only: a contraindication of an ingredient, a
        caution, or (for some conditions) any injection ruled out.
        """
        return service.record_condition(db.session, actor=current_actor(), patient_id=patient_id, data=data)


@bp.route("/<int:patient_id>/conditions/<int:record_id>")
class ConditionRecordDetail(MethodView):
    @token_required(bp, write=True)
    @bp.arguments(ConditionRecordUpdateSchema())
    @bp.response(200, ConditionRecordSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def patch(self, data, patient_id, record_id):
        """Resolve, reactivate or re-date a condition record; every earlier state stays in its `history`"""
        return service.update_condition(
            db.session, actor=current_actor(), patient_id=patient_id, record_id=record_id, changes=data
        )


@bp.route("/<int:patient_id>/weights")
class Weights(MethodView):
    @token_required(bp)
    @bp.response(200, WeightSchema(many=True))
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id):
        """Every weight recorded for the patient, the newest measurement first"""
        return weights.list_weights(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)

    @token_required(bp, write=True)
    @bp.arguments(WeightCreateSchema())
    @bp.response(201, WeightSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def post(self, data, patient_id):
        """Record a weight

        The check totals each dose-limited ingredient and compares it with its per-kg limit using
        the newest weight; without one it says the dose could not be checked.
        """
        return weights.record_weight(db.session, actor=current_actor(), patient_id=patient_id, **data)


@bp.route("/<int:patient_id>/allergies")
class Allergies(MethodView):
    @token_required(bp)
    @bp.response(200, AllergySchema(many=True))
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id):
        """List a patient's allergy records, refuted and entered-in-error ones included"""
        return reading.list_allergies(db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id)

    @token_required(bp, write=True)
    @bp.arguments(AllergyCreateSchema())
    @bp.response(201, AllergySchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(422, **INVALID)
    def post(self, data, patient_id):
        """Record an allergy or intolerance

        Give `allergen` (a code from the hierarchy) or, when no code fits,
        `allergen_text`. A second active record for the same allergen is refused.
        An active record replaces a 'no known allergies' assertion.
        """
        record = allergies.record_allergy(db.session, actor=current_actor(), patient_id=patient_id, data=data)
        location = url_for("Patients.AllergyDetail", patient_id=patient_id, allergy_id=record.id)
        return reading.place(db.session, record), 201, {"Location": location, "ETag": revision_etag(record.revision)}


@bp.route("/<int:patient_id>/allergies/<int:allergy_id>")
class AllergyDetail(MethodView):
    @token_required(bp)
    @bp.response(200, AllergySchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id, allergy_id):
        """Read one allergy record (its `ETag` is its revision)"""
        allergy = reading.read_allergy(
            db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id, allergy_id=allergy_id
        )
        return allergy, 200, {"ETag": revision_etag(allergy.record.revision)}

    @token_required(bp, write=True)
    @bp.arguments(AllergyUpdateSchema())
    @bp.response(200, AllergySchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="The record is entered-in-error and read-only.")
    @bp.alt_response(412, response="DEFAULT_ERROR", description="`If-Match` names an older revision.")
    @bp.alt_response(422, **INVALID)
    def patch(self, data, patient_id, allergy_id):
        """Change an allergy record

        Every change is kept in the record's history. Mark a mistake
        `verification_status: entered-in-error`: records are never deleted, and an
        entered-in-error record is read-only. Send `If-Match` with the ETag you
        read to be told (412) when someone changed the record meanwhile.
        """
        record = allergies.update_allergy(
            db.session,
            actor=current_actor(),
            patient_id=patient_id,
            allergy_id=allergy_id,
            data=data,
            expected_revision=expected_revision(),
        )
        return reading.place(db.session, record), 200, {"ETag": revision_etag(record.revision)}


@bp.route("/<int:patient_id>/allergies/<int:allergy_id>/history")
class AllergyHistory(MethodView):
    @token_required(bp)
    @bp.response(200, AllergyRevisionSchema(many=True))
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, patient_id, allergy_id):
        """Read every state an allergy record has been in, oldest first"""
        return allergies.allergy_history(
            db.session, clinic_id=current_actor().clinic_id, patient_id=patient_id, allergy_id=allergy_id
        )
