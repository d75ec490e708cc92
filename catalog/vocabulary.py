"""What every coded list (categories, purposes, conditions, allergens) shares: columns, schemas, upsert."""

from enum import StrEnum

from marshmallow import Schema, fields, validate
from sqlalchemy import Enum, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.timestamps import TimestampMixin

CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE = validate.Regexp(CODE_PATTERN, error="Use lower-case letters, digits and single hyphens.")


def enum_type(enum: type[StrEnum], *, name: str, length: int = 20) -> Enum:
    """A portable enum column: a checked VARCHAR holding the members' values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def enum_field(enum: type[StrEnum], **kwargs) -> fields.String:
    """A string field accepting one of an enum's values, listing them when it refuses."""
    return fields.String(validate=validate.OneOf([member.value for member in enum]), **kwargs)


def code_field(**kwargs) -> fields.String:
    metadata = {"pattern": CODE_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=[validate.Length(1, 64), CODE], metadata=metadata, **kwargs)


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


def upsert_by_code(session: Session, *, model: type, entries: list[dict], whole_list: bool = True) -> dict[str, int]:
    """Create or update rows keyed by `code`.

    With `whole_list` (a seed file), the entries' order becomes the list order; otherwise
    (one curator's edit) existing rows keep their place and new ones go last.
    A row whose values are unchanged is not touched, so loading the same data twice changes nothing.
    """
    existing = {row.code: row for row in session.scalars(select(model))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    next_position = (
        max((row.position for row in existing.values()), default=-1) + 1 if hasattr(model, "position") else 0
    )
    for index, entry in enumerate(entries):
        values = {key: value for key, value in entry.items() if key != "code"}
        if hasattr(model, "position"):
            if whole_list:
                values["position"] = index
            elif entry["code"] not in existing:
                values["position"] = next_position
                next_position += 1
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
