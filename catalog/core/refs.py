"""References from one API answer to another resource: one shape, its identifier fields and `href`.

Every answer that names another resource (a check's cocktail, a finding's ingredient, a lot's
product) gives an object with the identifier fields a request would send (`id`, `slug`, `code`,
a version's `number`), a `name` where the resource has one, and `href`, the resource's URL in the
API. Coded terms without a resource of their own (categories, purposes, conditions, sources) are
`{code, name}` (`CodedTermRefSchema` in catalog.core.fields). People are actors, not references.
"""

from collections.abc import Mapping
from functools import cached_property
from string import Formatter
from typing import ClassVar

from marshmallow import Schema, fields, pre_dump
from marshmallow.utils import missing

API_ROOT = "/api/v1"


def read(obj, name: str):
    """An attribute of a model or dataclass, or a key of a dict (None when absent)."""
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


class RefSchema(Schema):
    """The shape every reference shares; a subclass declares its identifier fields and its `path`.

    `path` is a format string over the attributes of the object dumped (a model, a dataclass or a
    dict): the identifier fields, and any other attribute the URL needs (a version's cocktail id).
    """

    path: ClassVar[str]

    href = fields.String(metadata={"description": "Its URL in the API."})

    @cached_property
    def _read_names(self) -> tuple[str, ...]:
        """What to read from the object dumped: the identifier fields and the URL's placeholders."""
        placeholders = {name for _, name, _, _ in Formatter().parse(self.path) if name}
        fields_read = {field.attribute or key for key, field in self.dump_fields.items() if key != "href"}
        return tuple(fields_read | placeholders)

    @pre_dump
    def _with_href(self, obj, **kwargs):
        values = {name: read(obj, name) for name in self._read_names}
        return {**values, "href": API_ROOT + self.path.format(**values)}


class Reference(fields.Nested):
    """A nested reference built from the object being dumped by `of` (a check's version from its two ids).

    Without `of` it reads its attribute as `fields.Nested` does. `of` may return None (no reference).
    """

    def __init__(self, nested, *, of=None, **kwargs):
        super().__init__(nested, **kwargs)
        self.of = of

    def get_value(self, obj, attr, accessor=None, default=missing):
        if self.of is None:
            return super().get_value(obj, attr, accessor=accessor, default=default)
        return self.of(obj)


class PatientRefSchema(RefSchema):
    """A patient, by id only: names stay in the answers about the patient."""

    path = "/patients/{id}"
    id = fields.Integer()


class AllergyRecordRefSchema(RefSchema):
    """An allergy record of a patient."""

    path = "/patients/{patient_id}/allergies/{id}"
    id = fields.Integer()


class CocktailRefSchema(RefSchema):
    path = "/cocktails/{id}"
    id = fields.Integer()
    name = fields.String()


class CocktailVersionRefSchema(RefSchema):
    """A version of a cocktail, by its number (the cocktail is in the `href`, and beside it)."""

    path = "/cocktails/{cocktail_id}/versions/{number}"
    number = fields.Integer()


class CheckRefSchema(RefSchema):
    path = "/checks/{id}"
    id = fields.Integer()


class SessionRefSchema(RefSchema):
    """A treatment session record."""

    path = "/sessions/{id}"
    id = fields.Integer()


class IngredientRefSchema(RefSchema):
    path = "/ingredients/{slug}"
    slug = fields.String()
    name = fields.String()


class ProductRefSchema(RefSchema):
    path = "/products/{slug}"
    slug = fields.String()
    name = fields.String()


class AllergenRefSchema(RefSchema):
    path = "/allergens/{code}"
    code = fields.String()
    name = fields.String()


def version_ref(cocktail_id: int | None, number: int | None) -> dict | None:
    """What CocktailVersionRefSchema dumps, for a version named by its cocktail's id and its number."""
    if cocktail_id is None or number is None:
        return None
    return {"cocktail_id": cocktail_id, "number": number}
