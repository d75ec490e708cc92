"""Cocktail (a clinic's named formulation) and its immutable, numbered versions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.cocktails.amounts import ingredient_amounts
from catalog.core.actors import recorded_actor
from catalog.core.db import UTCDateTime, enum_type, utcnow
from catalog.extensions import db


class CocktailStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Technique(StrEnum):
    """The delivery variations the seed article describes."""

    POINT_INJECTION = "point-injection"
    NEEDLE_FREE = "needle-free"
    MICRONEEDLING_COMBINATION = "microneedling-combination"


class ImmutableVersionError(RuntimeError):
    """A saved cocktail version (or one of its components) cannot be changed or deleted."""


class Cocktail(recorded_actor("created_by"), db.Model):
    __tablename__ = "cocktails"
    __table_args__ = (
        UniqueConstraint("clinic_id", "name_key", name="uq_cocktails_clinic_name"),
        UniqueConstraint("clinic_id", "slug", name="uq_cocktails_clinic_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Folded name: unique within the clinic whatever the case or accents. Text, since folding
    # can lengthen a name (ß → ss; some characters unfold into several).
    name_key: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CocktailStatus] = mapped_column(enum_type(CocktailStatus, name="cocktail_status"))
    # The number of the newest version; a new version is claimed by moving it on atomically.
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    cloned_from_id: Mapped[int | None] = mapped_column(ForeignKey("cocktails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cloned_from: Mapped["Cocktail | None"] = relationship(remote_side=[id])


class CocktailVersion(recorded_actor("author"), db.Model):
    """One composition of a cocktail, numbered 1, 2, 3…; written once, never changed."""

    __tablename__ = "cocktail_versions"
    __table_args__ = (UniqueConstraint("cocktail_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cocktail_id: Mapped[int] = mapped_column(ForeignKey("cocktails.id"), index=True)
    number: Mapped[int]
    # The version this one was made from (None for the first); a revert names the one it restores.
    based_on: Mapped[int | None]
    reverted_from: Mapped[int | None]
    technique: Mapped[Technique] = mapped_column(enum_type(Technique, name="technique", length=30))
    indication: Mapped[str] = mapped_column(String(200), default="")
    sessions: Mapped[int | None] = mapped_column(SmallInteger)
    weeks_between_sessions: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list["CocktailComponent"]] = relationship(order_by="CocktailComponent.position", lazy="selectin")

    @property
    def protocol(self) -> dict:
        return {"sessions": self.sessions, "weeks_between_sessions": self.weeks_between_sessions}

    @property
    def ingredients(self) -> list[dict]:
        """Per ingredient (excipients of its products too): the amount in all and the concentration in the mix."""
        return ingredient_amounts(self.components)


class CocktailComponent(db.Model):
    """One row of a version: an ingredient at a concentration, or a volume drawn from a product."""

    __tablename__ = "cocktail_components"
    __table_args__ = (
        UniqueConstraint("version_id", "ingredient_id"),
        UniqueConstraint("version_id", "product_id", name="uq_cocktail_components_version_id_product"),
        CheckConstraint(
            "(ingredient_id IS NOT NULL AND product_id IS NULL AND concentration IS NOT NULL AND unit IS NOT NULL)"
            " OR (product_id IS NOT NULL AND ingredient_id IS NULL AND volume_ml IS NOT NULL)",
            name="ingredient_or_product",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("cocktail_versions.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    ingredient_id: Mapped[int | None] = mapped_column(ForeignKey("ingredients.id"))
    # A product drawn into the mix: its composition (actives and excipients) comes from the catalogue.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    concentration: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(10))
    volume_ml: Mapped[float | None] = mapped_column(Float)

    ingredient: Mapped["Ingredient | None"] = relationship(lazy="joined")  # noqa: F821
    product: Mapped["Product | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def key(self) -> str:
        """What identifies the row within a version: the ingredient's slug, or `product:` and the product's."""
        return self.ingredient.slug if self.ingredient is not None else f"product:{self.product.slug}"


@event.listens_for(CocktailVersion, "before_update")
@event.listens_for(CocktailVersion, "before_delete")
@event.listens_for(CocktailComponent, "before_update")
@event.listens_for(CocktailComponent, "before_delete")
def _refuse_changes(_mapper, _connection, target) -> None:
    raise ImmutableVersionError(
        f"{type(target).__name__} {target.id} is part of a saved version: make a new version instead"
    )
