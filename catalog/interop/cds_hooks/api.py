"""CDS Hooks over HTTP at /cds-services: discovery is open; calls and feedback need a clinic's API token."""

from flask import Blueprint, current_app, request

from catalog.clinics.auth import authenticate_token
from catalog.extensions import db
from catalog.interop.cds_hooks import service

bp = Blueprint("cds_hooks", __name__, url_prefix="/cds-services")


@bp.get("")
def discovery():
    """The services, their hooks and what they want prefetched."""
    return service.discovery()


@bp.post("/<service_id>")
def call(service_id: str):
    """Check the draft orders against the patient's allergies; the answer is cards."""
    actor = authenticate_token(write=True)
    service.service_definition(service_id)
    allowed = frozenset(server.rstrip("/") for server in current_app.config["CDS_FHIR_SERVERS"])
    body = request.get_json(silent=True)
    return service.answer(db.session, actor=actor, service_id=service_id, body=body, allowed_servers=allowed)


@bp.post("/<service_id>/feedback")
def feedback(service_id: str):
    """Record whether each card was accepted or overridden, and why."""
    actor = authenticate_token(write=True)
    service.record_feedback(db.session, actor=actor, service_id=service_id, body=request.get_json(silent=True))
    return "", 200
