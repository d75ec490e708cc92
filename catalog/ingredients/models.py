"""Ingredients: the catalogue's solution components, their citations, incompatibilities and stored documents."""

from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.db import TimestampMixin
from catalog.core.review import ReviewMixin
from catalog.extensions import db
from catalog.vocabularies.models import CatalogueData, Category, Purpose, Source


class Origin(StrEnum):
    """Where a component comes from; it decides which protein allergies can apply."""

    SYNTHETIC = "synthetic"
    FERMENTATION = "fermentation"
    PLANT = "plant"
    AVIAN = "avian"
    BOVINE = "bovine"
    OVINE = "ovine"
    PORCINE = "porcine"
    MARINE = "marine"
    RECOMBINANT = "recombinant"
    MINERAL = "mineral"


CONCENTRATION_UNITS = ("%", "mg/mL", "µg/mL", "IU/mL", "U/mL")


ingredient_purposes = Table(
    "ingredient_purposes",
    db.metadata,
    Column("ingredient_id", ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True),
    Column("purpose_code", ForeignKey("purposes.code"), primary_key=True, index=True),
)

ingredient_allergens = Table(
    "ingredient_allergens",
    db.metadata,
    Column("ingredient_id", ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True),
    Column("allergen_code", ForeignKey("allergens.code"), primary_key=True, index=True),
)

ingredient_cautions = Table(
    "ingredient_cautions",
    db.metadata,
    Column("ingredient_id", ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True),
    Column("condition_code", ForeignKey("conditions.code"), primary_key=True, index=True),
)

ingredient_contraindications = Table(
    "ingredient_contraindications",
    db.metadata,
    Column("ingredient_id", ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True),
    Column("condition_code", ForeignKey("conditions.code"), primary_key=True, index=True),
)


class Ingredient(CatalogueData, ReviewMixin, TimestampMixin, db.Model):
    __tablename__ = "ingredients"
    # Each filter's index hands rows over in the list's order, so a page stops once it is full.
    __table_args__ = (
        Index("ix_ingredients_category_sort", "category_code", "sort_name", "id"),
        Index("ix_ingredients_origin_sort", "origin", "sort_name", "id"),
        Index("ix_ingredients_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Case- and accent-folded name: one ordering on every database.
    sort_name: Mapped[str] = mapped_column(String(200), index=True)
    inci_name: Mapped[str | None] = mapped_column(String(300))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    cas_number: Mapped[str | None] = mapped_column(String(16))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    origin: Mapped[Origin] = mapped_column(
        Enum(
            Origin, native_enum=False, create_constraint=True, length=20, values_callable=lambda e: [m.value for m in e]
        ),
    )
    description: Mapped[str] = mapped_column(Text)
    concentration_unit: Mapped[str | None] = mapped_column(String(16))
    usual_min: Mapped[float | None] = mapped_column(Float)
    usual_max: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    # Where the usual range and maximum apply: "intradermal", "product strength", "topical maximum"…
    concentration_context: Mapped[str] = mapped_column(String(200), default="")

    category: Mapped[Category] = relationship(lazy="raise")
    purposes: Mapped[list[Purpose]] = relationship(
        secondary=ingredient_purposes, order_by="Purpose.position", lazy="raise"
    )
    allergens: Mapped[list["Allergen"]] = relationship(  # noqa: F821 - allergens domain
        secondary=ingredient_allergens, order_by="Allergen.code", lazy="raise"
    )
    contraindications: Mapped[list["Condition"]] = relationship(  # noqa: F821 - conditions domain
        secondary=ingredient_contraindications, order_by="Condition.position", lazy="raise"
    )
    cautions: Mapped[list["Condition"]] = relationship(  # noqa: F821 - vocabularies
        secondary=ingredient_cautions, order_by="Condition.position", lazy="raise"
    )
    dose_limits: Mapped[list["DoseLimit"]] = relationship(
        order_by="DoseLimit.position", cascade="all, delete-orphan", lazy="raise"
    )
    references: Mapped[list["IngredientReference"]] = relationship(
        back_populates="ingredient",
        order_by="IngredientReference.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )
    incompatibilities: Mapped[list["Incompatibility"]] = relationship(
        foreign_keys="Incompatibility.ingredient_id",
        back_populates="ingredient",
        cascade="all, delete-orphan",
        lazy="raise",
    )
    incompatibilities_declared_by_others: Mapped[list["Incompatibility"]] = relationship(
        foreign_keys="Incompatibility.other_ingredient_id",
        back_populates="other_ingredient",
        viewonly=True,
        lazy="raise",
    )

    @property
    def concentration(self) -> dict | None:
        """Usual range and maximum in one unit, or None when the catalogue gives none."""
        if self.concentration_unit is None:
            return None
        return {
            "unit": self.concentration_unit,
            "usual_min": self.usual_min,
            "usual_max": self.usual_max,
            "maximum": self.maximum,
            "context": self.concentration_context or "",
        }

    def __repr__(self) -> str:
        return f"<Ingredient {self.slug}>"


class IngredientReference(CatalogueData, db.Model):
    """A citation of `source` for some of an ingredient's facts."""

    __tablename__ = "ingredient_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id", ondelete="CASCADE"), index=True)
    source_code: Mapped[str] = mapped_column(ForeignKey("sources.code"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    supports: Mapped[str] = mapped_column(Text, default="")

    ingredient: Mapped[Ingredient] = relationship(back_populates="references")
    source: Mapped[Source] = relationship(lazy="joined")


class DoseLimit(CatalogueData, db.Model):
    """The most of an ingredient one session may give, per kg and/or in all, from a source.

    `with_ingredient` / `without_ingredient` (slugs): the limit applies only when that ingredient
    is, or is not, in the same mix (lidocaine: 7 mg/kg with epinephrine, 4.5 mg/kg without).
    """

    __tablename__ = "ingredient_dose_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    per_kg_mg: Mapped[float | None] = mapped_column(Float)
    max_mg: Mapped[float | None] = mapped_column(Float)
    with_ingredient: Mapped[str | None] = mapped_column(String(120))
    without_ingredient: Mapped[str | None] = mapped_column(String(120))
    source_code: Mapped[str] = mapped_column(ForeignKey("sources.code"), index=True)
    supports: Mapped[str] = mapped_column(Text, default="")

    source: Mapped[Source] = relationship(lazy="joined")


class Incompatibility(CatalogueData, db.Model):
    """Two ingredients that should not be mixed, declared on one of them, shown on both."""

    __tablename__ = "ingredient_incompatibilities"
    __table_args__ = (UniqueConstraint("ingredient_id", "other_ingredient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id", ondelete="CASCADE"))
    other_ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)

    ingredient: Mapped[Ingredient] = relationship(foreign_keys=[ingredient_id], back_populates="incompatibilities")
    other_ingredient: Mapped[Ingredient] = relationship(
        foreign_keys=[other_ingredient_id], back_populates="incompatibilities_declared_by_others"
    )


class IngredientDocument(db.Model):
    """The ingredient's API representations, written whenever the ingredient or its coded lists change.

    Reading and listing ingredients are the hottest paths of the API; serving
    this stored JSON costs one indexed read and stays consistent across app servers.
    """

    __tablename__ = "ingredient_documents"

    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # IngredientSchema
    summary: Mapped[str] = mapped_column(Text)  # IngredientSummarySchema, for lists


class SearchTerm(db.Model):
    """A term a query word can equal, for one ingredient, with the weight of its best field.

    See `catalog.ingredients.search.weighted_terms`: name words are stored with
    their prefixes, so every query word is one exact lookup. The lookup index
    lists an ingredient's matches in relevance order (weight, then name), so
    a search reads no table and a page stops after a few index entries.
    """

    __tablename__ = "ingredient_search_terms"
    __table_args__ = (Index("ix_ingredient_search_terms_ingredient_id", "ingredient_id"),)

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger)
    # The ingredient's sort_name, copied so ranking by name needs no join.
    sort_name: Mapped[str] = mapped_column(String(200))


Index(
    "ix_ingredient_search_terms_lookup",
    SearchTerm.term,
    SearchTerm.weight.desc(),
    SearchTerm.sort_name,
    SearchTerm.ingredient_id,
)
