"""The allergen table: each allergen may belong to a broader group (its parent)."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.extensions import db
from catalog.timestamps import TimestampMixin


class Allergen(TimestampMixin, db.Model):
    __tablename__ = "allergens"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("allergens.code", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Allergen {self.code}>"
