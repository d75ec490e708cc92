"""JSON API for lots, treatment sessions, the patient's sheet (PDF) and recalls; clinic-scoped like the rest."""

import csv
import io

from flask import Response, current_app, render_template, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog import i18n
from catalog.checks.advice import load_advice
from catalog.clinics.auth import current_actor, token_required
from catalog.extensions import db
from catalog.treatments import service
from catalog.treatments.schemas import (
    LotCreateSchema,
    LotPageSchema,
    LotQuerySchema,
    LotSchema,
    RecallQuerySchema,
    RecallSchema,
    SessionAmendSchema,
    SessionCreateSchema,
    SessionPageSchema,
    SessionQuerySchema,
    SessionSchema,
)
from catalog.treatments.sheet import patient_sheet, render_pdf

INVALID = {"response": "DEFAULT_ERROR", "description": "Refused; `errors` names each field and why. Nothing written."}
NOT_FOUND = {"response": "DEFAULT_ERROR", "description": "No such record in your clinic."}

bp = Blueprint(
    "Treatments",
    __name__,
    url_prefix="/api/v1",
    description="Treatment sessions (a checked version given to a patient, with the lots drawn), the clinic's "
    "lots, the patient's sheet, and recalls by lot number.",
)


def _time_zone() -> str:
    return current_app.config["TIME_ZONE"]


@bp.route("/lots")
class Lots(MethodView):
    @token_required(bp)
    @bp.arguments(LotQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, LotPageSchema)
    def get(self, **query):
        """List the clinic's lots, soonest expiry first"""
        return service.list_lots(db.session, clinic_id=current_actor().clinic_id, **query)

    @token_required(bp, write=True)
    @bp.arguments(LotCreateSchema())
    @bp.response(201, LotSchema)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="This lot number is already in stock for the item.")
    @bp.alt_response(422, **INVALID)
    def post(self, data):
        """Add a lot to the clinic's stock

        A lot of a product (its slug), or of a plain ingredient's solution. Audited.
        """
        lot = service.create_lot(db.session, actor=current_actor(), data=data)
        return lot, 201, {"Location": url_for("Treatments.LotDetail", lot_id=lot.id)}


@bp.route("/lots/<int:lot_id>")
class LotDetail(MethodView):
    @token_required(bp)
    @bp.response(200, LotSchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, lot_id):
        """Read one lot"""
        return service.get_lot(db.session, clinic_id=current_actor().clinic_id, lot_id=lot_id)


@bp.route("/sessions")
class Sessions(MethodView):
    @token_required(bp)
    @bp.arguments(SessionQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, SessionPageSchema)
    def get(self, patient=None, cocktail=None, include_amended=False, page=1, page_size=20):
        """List treatment sessions, newest first (by default only the records that count)"""
        return service.list_sessions(
            db.session,
            clinic_id=current_actor().clinic_id,
            patient_id=patient,
            cocktail_id=cocktail,
            include_amended=include_amended,
            page=page,
            page_size=page_size,
        )

    @token_required(bp, write=True)
    @bp.arguments(SessionCreateSchema())
    @bp.response(201, SessionSchema)
    @bp.alt_response(422, **INVALID)
    def post(self, data):
        """Record a treatment session

        Refused, with the reason and nothing written, when the check is of another patient,
        version or day (in the clinic's time zone), when it is contraindicated and not
        overridden, when the patient's records changed since it (run it again), when a lot is
        expired, of another item or missing for a component, when the areas add up to more than
        the version's components, or when the clinic requires a second person's check and none
        is named. A recorded session never changes: correct it with an amendment.
        """
        treatment = service.record_session(db.session, actor=current_actor(), data=data, time_zone=_time_zone())
        return treatment, 201, {"Location": url_for("Treatments.SessionDetail", session_id=treatment.id)}


@bp.route("/sessions/<int:session_id>")
class SessionDetail(MethodView):
    @token_required(bp)
    @bp.response(200, SessionSchema)
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, session_id):
        """Read one treatment session, as recorded"""
        return service.get_session(db.session, clinic_id=current_actor().clinic_id, session_id=session_id)


@bp.route("/sessions/<int:session_id>/amendments")
class SessionAmendments(MethodView):
    @token_required(bp, write=True)
    @bp.arguments(SessionAmendSchema())
    @bp.response(201, SessionSchema)
    @bp.alt_response(404, **NOT_FOUND)
    @bp.alt_response(409, response="DEFAULT_ERROR", description="This session was already amended: amend the newer.")
    @bp.alt_response(422, **INVALID)
    def post(self, data, session_id):
        """Correct a session by an amending record

        Send the whole corrected session and a `reason`; the same rules apply as when
        recording one. The original stays as it was, and the amendment points to it.
        """
        reason = data.pop("reason")
        treatment = service.amend_session(
            db.session, actor=current_actor(), session_id=session_id, data=data, reason=reason, time_zone=_time_zone()
        )
        return treatment, 201, {"Location": url_for("Treatments.SessionDetail", session_id=treatment.id)}


@bp.route("/sessions/<int:session_id>/sheet.pdf")
class SessionSheet(MethodView):
    @token_required(bp)
    @bp.response(200, description="The patient's sheet as a PDF.", content_type="application/pdf")
    @bp.alt_response(404, **NOT_FOUND)
    def get(self, session_id):
        """The patient's sheet of a session, as a PDF"""
        return Response(sheet_pdf(session_id), mimetype="application/pdf", headers=_pdf_headers(session_id))


def sheet_pdf(session_id: int) -> bytes:
    """The patient's sheet rendered and made into a PDF (shared by the API and the pages)."""
    record = service.get_session_record(db.session, clinic_id=current_actor().clinic_id, session_id=session_id)
    with i18n.speaking(record.patient.language):
        advice = load_advice(current_app.config["SEED_DIRECTORY"])
        sheet = patient_sheet(record, advice=advice, default_zone=_time_zone())
        html = render_template("treatments/sheet.html", sheet=sheet, pdf=True, session_id=session_id)
    return render_pdf(html, base_url=request.url_root)


def _pdf_headers(session_id: int) -> dict:
    return {"Content-Disposition": f'inline; filename="session-{session_id}.pdf"', "Cache-Control": "no-store"}


@bp.route("/recalls")
class Recalls(MethodView):
    @token_required(bp)
    @bp.arguments(RecallQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, RecallSchema)
    def get(self, lot, product=None):
        """Every session and patient that received a lot

        The lot number is matched ignoring case, spaces and hyphens. Amended records are
        included (flagged `amended`): what was given stays given.
        """
        hits = service.recall(db.session, clinic_id=current_actor().clinic_id, number=lot, product=product)
        return {"lot": lot, "hits": hits, "patients": len({hit.patient.id for hit in hits})}


@bp.route("/recalls.csv")
class RecallsCsv(MethodView):
    @token_required(bp)
    @bp.arguments(RecallQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, description="The recall as CSV, one row per session.", content_type="text/csv")
    def get(self, lot, product=None):
        """A recall as CSV (for a spreadsheet or a regulator's form)"""
        hits = service.recall(db.session, clinic_id=current_actor().clinic_id, number=lot, product=product)
        return recall_csv_response(hits, lot)


def recall_csv_response(hits, lot: str) -> Response:
    """The recall as a CSV download (the API's and the pages' answer)."""
    headers = {"Content-Disposition": f'attachment; filename="recall-{_safe(lot)}.csv"', "Cache-Control": "no-store"}
    return Response(recall_csv(hits), mimetype="text/csv", headers=headers)


def recall_csv(hits) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "session",
            "performed_at",
            "patient_id",
            "patient_reference",
            "patient_name",
            "item",
            "lot",
            "expires_on",
            "amended",
        ]
    )
    for hit in hits:
        writer.writerow(
            [
                hit.session.id,
                hit.session.performed_at.isoformat(),
                hit.patient.id,
                _cell(hit.patient.reference),
                _cell(hit.patient.display_name),
                _cell(hit.lot.item_name),
                _cell(hit.lot.number),
                hit.lot.expires_on.isoformat(),
                "yes" if hit.amended else "no",
            ]
        )
    return out.getvalue()


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list): = + - @, tab and CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # Quoted as text: a patient's name or a lot number is never run as a formula.
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def _safe(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in value)[:64]
