"""One page of a list: the rows, how many there are in all, and the page's place."""

from dataclasses import dataclass

from marshmallow import Schema, fields
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def paginate(session: Session, statement: Select, *, page: int, page_size: int) -> Page:
    """Run an ordered select for one page, and count every row it would return."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = session.scalars(statement.limit(page_size).offset((page - 1) * page_size)).all()
    return Page(items=list(items), total=total, page=page, page_size=page_size)


class PageSchema(Schema):
    """A page as the API returns it; subclasses declare `items`."""

    total = fields.Integer(metadata={"description": "How many match, over all pages."})
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
    links = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "URLs of the `first`, `prev`, `next` and `last` pages (also in the `Link` header)."},
    )
