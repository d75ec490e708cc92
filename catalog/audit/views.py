"""The audit trail page, for clinic admins."""

from flask import Blueprint, render_template, request

from catalog.audit import service
from catalog.audit.schemas import OBJECT_TYPES, AuditPageQuerySchema
from catalog.clinics import service as clinics_service
from catalog.clinics.auth import current_actor, role_required
from catalog.core.actors import Role
from catalog.extensions import db
from catalog.web.forms import load_query

bp = Blueprint("audit", __name__)
query_schema = AuditPageQuerySchema()


@bp.get("/settings/audit")
@role_required(Role.ADMIN)
def index():
    """Newest first; filter by object, person and days (both days included)."""
    query, errors = load_query(query_schema, request.args)
    clinic_id = current_actor().clinic_id
    entries = None if errors else service.list_entries(db.session, clinic_id=clinic_id, **query)
    return render_template(
        "audit/index.html",
        entries=entries,
        errors=errors,
        args=request.args,
        filters={key: value for key, value in request.args.items() if key != "page" and value},
        object_types=OBJECT_TYPES,
        practitioners=clinics_service.list_practitioners(db.session, clinic_id=clinic_id),
        tokens=clinics_service.list_tokens(db.session, clinic_id=clinic_id),
    ), 400 if errors else 200
