"""What every coded list (categories, purposes, conditions, allergens) shares: columns, schemas, upsert."""

from marshmallow import Schema, fields, validate
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.timestamps import TimestampMixin

CODE = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lower-case letters, digits and single hyphens.")


def code_field(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(1, 64), CODE], **kwargs)


class CodedTermSchema(Schema):
    """A term of a coded list, as read from seed files and returned by the API."""

    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class CodedTermRefSchema(Schema):
    """A short reference to a coded term inside another record."""

    code = fields.String()
    name = fields.String()


class SourceSchema(Schema):
    """A publication, label or database the catalogue cites."""

    code = code_field(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 1000))
    publisher = fields.String(load_default="", validate=validate.Length(max=300))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1800, 2100))
    url = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})


class CodedTermMixin(TimestampMixin):
    """A term of a coded list: a stable code, a name, a description, and its place in the list."""

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


def upsert_by_code(session: Session, *, model: type, entries: list[dict]) -> dict[str, int]:
    """Create or update rows keyed by `code`, keeping the list order when the model has a position.

    A row whose values are unchanged is not touched, so loading the same data twice changes nothing.
    """
    existing = {row.code: row for row in session.scalars(select(model))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for position, entry in enumerate(entries):
        values = {key: value for key, value in entry.items() if key != "code"}
        if hasattr(model, "position"):
            values["position"] = position
        row = existing.get(entry["code"])
        if row is None:
            session.add(model(code=entry["code"], **values))
            counts["created"] += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    return counts
