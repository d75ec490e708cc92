"""Allergens: a graph of groups (an allergen may sit in several), groups whose members cross-react,
and cross-reactivity links between allergens, each graded and sourced."""

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.core.db import enum_type
from catalog.core.review import ReviewMixin
from catalog.extensions import db
from catalog.safety.types import Grade
from catalog.vocabularies.models import CatalogueData, CodedTermMixin

# Groups an allergen belongs to besides its parent (polysorbate 80: under polysorbates, and PEG).
allergen_groups = Table(
    "allergen_groups",
    db.metadata,
    Column("allergen_code", ForeignKey("allergens.code", ondelete="CASCADE"), primary_key=True),
    Column("group_code", ForeignKey("allergens.code", ondelete="CASCADE"), primary_key=True, index=True),
)


class Allergen(ReviewMixin, CodedTermMixin, db.Model):
    __tablename__ = "allergens"

    # The group it is shown under; `allergen_groups` holds any others it also belongs to.
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("allergens.code", ondelete="RESTRICT"), index=True)
    # Words people record the allergy with ("bee sting", "Tween"), for suggestions.
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    # For a group: whether its members cross-react with each other, and the source saying so.
    members_cross_react: Mapped[Grade | None] = mapped_column(enum_type(Grade, name="allergen_cross_react_grade"))
    cross_reactivity_source: Mapped[str | None] = mapped_column(String(64), ForeignKey("sources.code"))

    def __repr__(self) -> str:
        return f"<Allergen {self.code}>"


class CrossReaction(CatalogueData, db.Model):
    """Two allergens (or groups) that cross-react, with how well that is known and the source saying so."""

    __tablename__ = "allergen_cross_reactions"
    __table_args__ = (UniqueConstraint("first_code", "second_code", name="uq_allergen_cross_reactions_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_code: Mapped[str] = mapped_column(ForeignKey("allergens.code", ondelete="CASCADE"), index=True)
    second_code: Mapped[str] = mapped_column(ForeignKey("allergens.code", ondelete="CASCADE"), index=True)
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, name="cross_reaction_grade"))
    source_code: Mapped[str] = mapped_column(String(64), ForeignKey("sources.code"))
    supports: Mapped[str] = mapped_column(Text, default="")
