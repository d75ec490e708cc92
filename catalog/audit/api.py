"""JSON API for reading a clinic's audit trail (bearer token required)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from catalog.audit import service
from catalog.audit.schemas import AuditPageSchema, AuditQuerySchema
from catalog.clinics.auth import current_actor, token_required
from catalog.extensions import db

bp = Blueprint(
    "Audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Who changed what in the clinic's records and when. Append-only; never holds clinical free text.",
)


@bp.route("")
class AuditTrail(MethodView):
    @token_required(bp, audit=True)
    @bp.arguments(AuditQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, AuditPageSchema)
    def get(self, **filters):
        """Read the clinic's audit trail, newest first

        Needs a token created with the right to read it (`--audit`, or the box
        in the settings page), as only admins read it in the pages.
        Filter by object (`object_type`, `object_id`), by actor (`actor_type`,
        `actor_id`) and by time (`since` inclusive, `until` exclusive).
        """
        return service.list_entries(db.session, clinic_id=current_actor().clinic_id, **filters)
