"""The allergen table: each allergen may belong to a broader group (its parent)."""

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from catalog.extensions import db
from catalog.vocabularies.models import CodedTermMixin


class Allergen(CodedTermMixin, db.Model):
    __tablename__ = "allergens"

    parent_code: Mapped[str | None] = mapped_column(ForeignKey("allergens.code", ondelete="RESTRICT"), index=True)

    def __repr__(self) -> str:
        return f"<Allergen {self.code}>"
