"""Reading the coded list of patient conditions."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.conditions.models import Condition


def list_conditions(session: Session) -> list[Condition]:
    return list(session.scalars(select(Condition).order_by(Condition.position)))
