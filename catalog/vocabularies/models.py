"""The coded lists' tables: categories, purposes, sources and patient conditions; and the catalogue's version."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.core.db import TimestampMixin
from catalog.extensions import db


class CatalogueData:
    """Marks the tables the shared catalogue is made of: a change to any row gives the catalogue a new version."""

    catalogue_data = True


class CatalogueVersion(db.Model):
    """One row: a token that changes whenever the catalogue does, so that every worker's caches can tell.

    A random token rather than a counter: a change rolled back never comes back under the same
    token as a later, different change.
    """

    __tablename__ = "catalogue_versions"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class CodedTermMixin(CatalogueData, TimestampMixin):
    """A term of a coded list: a stable code, a name, a description, and its place in the list."""

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Category(CodedTermMixin, db.Model):
    __tablename__ = "categories"


class Purpose(CodedTermMixin, db.Model):
    __tablename__ = "purposes"


class Source(CatalogueData, TimestampMixin, db.Model):
    """A publication, label or database the catalogue cites."""

    __tablename__ = "sources"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(500))


class Condition(CodedTermMixin, db.Model):
    """A patient condition (pregnancy, anticoagulant therapy, …) an ingredient can be contraindicated in."""

    __tablename__ = "conditions"

    # What any mesotherapy treatment calls for with this condition, whatever the ingredients,
    # with the source that says so; empty when no source says anything.
    caution: Mapped[str] = mapped_column(Text, default="")
    caution_source: Mapped[str | None] = mapped_column(String(64), ForeignKey("sources.code"))
    # What rules out any injection treatment with this condition (a critical finding), with its source.
    contraindication: Mapped[str] = mapped_column(Text, default="")
    contraindication_source: Mapped[str | None] = mapped_column(String(64), ForeignKey("sources.code"))
