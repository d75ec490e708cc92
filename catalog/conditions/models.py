"""The coded list of patient conditions (pregnancy, anticoagulant therapy, …)."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.extensions import db
from catalog.timestamps import TimestampMixin


class Condition(TimestampMixin, db.Model):
    __tablename__ = "conditions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
