"""The coded list of patient conditions (pregnancy, anticoagulant therapy, …)."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.extensions import db
from catalog.vocabulary import CodedTermMixin


class Condition(CodedTermMixin, db.Model):
    __tablename__ = "conditions"

    # What any mesotherapy treatment calls for with this condition, whatever the ingredients,
    # with the source that says so; empty when no source says anything.
    caution: Mapped[str] = mapped_column(Text, default="")
    caution_source: Mapped[str | None] = mapped_column(String(64), ForeignKey("sources.code"))
