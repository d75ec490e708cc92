"""The audit trail page, for clinic admins."""

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, render_template, request

from catalog.audit import service
from catalog.clinics import service as clinics_service
from catalog.clinics.auth import current_actor, role_required
from catalog.core.actors import Role
from catalog.extensions import db

bp = Blueprint("audit", __name__)

OBJECT_TYPES = ["patient", "allergy", "cocktail", "check", "practitioner", "token", "clinic", "ingredient", "allergen"]


def _day(value: str | None, errors: dict, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = ["Use a date such as 2026-11-25."]
        return None


@bp.get("/settings/audit")
@role_required(Role.ADMIN)
def index():
    """Newest first; filter by object, person and days (both days included)."""
    args, errors = request.args, {}
    since, until = _day(args.get("since"), errors, "since"), _day(args.get("until"), errors, "until")
    object_type = args.get("object_type") or None
    if object_type and object_type not in OBJECT_TYPES:
        errors["object_type"] = ["Unknown kind of object."]
    actor = args.get("actor", "")
    actor_type, _, actor_id = actor.partition(":")
    page = args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    entries = None
    if not errors:
        entries = service.list_entries(
            db.session,
            clinic_id=current_actor().clinic_id,
            object_type=object_type,
            object_id=args.get("object_id") or None,
            actor_type=actor_type or None,
            actor_id=int(actor_id) if actor_id.isdigit() else None,
            since=datetime.combine(since, datetime.min.time(), UTC) if since else None,
            until=datetime.combine(until, datetime.min.time(), UTC) + timedelta(days=1) if until else None,
            page=page,
        )
    clinic_id = current_actor().clinic_id
    return render_template(
        "audit/index.html",
        entries=entries,
        errors=errors,
        args=args,
        filters={key: value for key, value in args.items() if key != "page" and value},
        object_types=OBJECT_TYPES,
        practitioners=clinics_service.list_practitioners(db.session, clinic_id=clinic_id),
        tokens=clinics_service.list_tokens(db.session, clinic_id=clinic_id),
    ), 400 if errors else 200
