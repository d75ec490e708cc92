"""A product is a real presentation: a form, the label it comes from, and what each mL holds."""

from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.core.db import TimestampMixin, enum_type
from catalog.core.review import ReviewMixin
from catalog.extensions import db
from catalog.vocabularies.models import CatalogueData


class ProductForm(StrEnum):
    SINGLE_DOSE_VIAL = "single-dose-vial"
    MULTI_DOSE_VIAL = "multi-dose-vial"
    AMPOULE = "ampoule"
    PREFILLED_SYRINGE = "prefilled-syringe"


class ComponentRole(StrEnum):
    ACTIVE = "active"
    EXCIPIENT = "excipient"


class Product(CatalogueData, ReviewMixin, TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[ProductForm] = mapped_column(enum_type(ProductForm, name="product_form"))
    # Brand names and other names the product is known by ("Xylocaine"), for allergy records.
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    # The label (DailyMed set id, SmPC…) its composition comes from.
    label_source: Mapped[str] = mapped_column(ForeignKey("sources.code"))
    label_supports: Mapped[str] = mapped_column(Text, default="")

    components: Mapped[list["ProductComponent"]] = relationship(
        # Loaded with the product: a product is read to be used whole (its composition).
        order_by="ProductComponent.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="product",
    )

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductComponent(CatalogueData, db.Model):
    """One ingredient of a product: active or excipient, at its strength per mL of the product."""

    __tablename__ = "product_components"
    __table_args__ = (UniqueConstraint("product_id", "ingredient_id", name="uq_product_components_ingredient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[ComponentRole] = mapped_column(enum_type(ComponentRole, name="product_component_role"))
    strength: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))

    product: Mapped[Product] = relationship(back_populates="components")
    ingredient: Mapped["Ingredient"] = relationship(lazy="joined")  # noqa: F821 - ingredients domain
