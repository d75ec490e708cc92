"""`/healthz`: is the app up and does the database answer?"""

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from catalog.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
PING = text("SELECT 1")  # built once, like every statement on a hot path


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(PING)
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("Health check: database unavailable (%s)", type(error).__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
