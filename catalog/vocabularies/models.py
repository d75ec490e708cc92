"""The coded lists' tables: categories, purposes, sources and patient conditions."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.core.db import TimestampMixin
from catalog.extensions import db


class CodedTermMixin(TimestampMixin):
    """A term of a coded list: a stable code, a name, a description, and its place in the list."""

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Category(CodedTermMixin, db.Model):
    __tablename__ = "categories"


class Purpose(CodedTermMixin, db.Model):
    __tablename__ = "purposes"


class Source(TimestampMixin, db.Model):
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
