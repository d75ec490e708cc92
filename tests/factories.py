"""Small builders of valid catalogue data for tests."""

import html
import itertools
import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from catalog.clinics import service as clinics_service
from catalog.clinics.models import Clinic, Practitioner
from catalog.core.actors import Actor
from catalog.extensions import db
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.models import Ingredient
from catalog.ingredients.schemas import IngredientCreateSchema

_numbers = itertools.count(1)


def ingredient_entry(**overrides) -> dict:
    """A valid IngredientCreateSchema input; codes come from the real seed vocabulary."""
    number = next(_numbers)
    entry = {
        "slug": f"test-ingredient-{number}",
        "name": f"Test ingredient {number}",
        "category": "vitamin",
        "origin": "synthetic",
        "purposes": ["antioxidant"],
        "description": "An ingredient made up for a test.",
        "references": [{"source": "cosing", "supports": "test"}],
    }
    entry.update(overrides)
    return entry


class IngredientFactory:
    def __init__(self, session):
        self.session = session

    def __call__(self, **overrides) -> Ingredient:
        entry = IngredientCreateSchema().load(ingredient_entry(**overrides))
        ingredients_service.upsert_ingredients(self.session, entries=[entry])
        # Committed (to the test's savepoint), so a request that fails and rolls back keeps it.
        self.session.commit()
        return ingredients_service.get_ingredient(self.session, slug=entry["slug"])


PASSWORD = "correct horse battery"


@dataclass
class ClinicSetup:
    """A clinic with one person of each role and a token of each scope."""

    clinic: Clinic
    admin: Practitioner
    practitioner: Practitioner
    viewer: Practitioner
    write_token: str
    read_token: str
    audit_token: str


class ClinicFactory:
    """Builds clinics, people and tokens through the same services the CLI uses."""

    def __init__(self, session):
        self.session = session

    # Each builder commits (to the test's savepoint), so a request that fails and rolls back keeps it.

    def clinic(self, name: str | None = None) -> Clinic:
        clinic = clinics_service.create_clinic(self.session, name=name or f"Test clinic {next(_numbers)}")
        self.session.commit()
        return clinic

    def practitioner(self, clinic: Clinic, *, role: str = "practitioner", curator: bool = False, **overrides):
        number = next(_numbers)
        values = {"email": f"person{number}@{clinic.slug}.test", "name": f"Person {number}", "password": PASSWORD}
        values.update(overrides)
        practitioner = clinics_service.create_practitioner(
            self.session, clinic_id=clinic.id, role=role, is_curator=curator, actor=Actor.operator(clinic.id), **values
        )
        self.session.commit()
        return practitioner

    def token(
        self,
        clinic: Clinic,
        *,
        scope: str = "read-write",
        curator: bool = False,
        audit: bool = False,
        name: str | None = None,
    ) -> str:
        new = clinics_service.create_token(
            self.session,
            clinic_id=clinic.id,
            name=name or f"token {next(_numbers)}",
            scope=scope,
            is_curator=curator,
            can_read_audit=audit,
            actor=Actor.operator(clinic.id),
        )
        self.session.commit()
        return new.secret

    def setup(self, name: str | None = None) -> ClinicSetup:
        clinic = self.clinic(name)
        setup = ClinicSetup(
            clinic=clinic,
            admin=self.practitioner(clinic, role="admin"),
            practitioner=self.practitioner(clinic),
            viewer=self.practitioner(clinic, role="viewer"),
            write_token=self.token(clinic, scope="read-write"),
            read_token=self.token(clinic, scope="read"),
            audit_token=self.token(clinic, scope="read", audit=True),
        )
        return setup


class ApiClient:
    """The test client, sending a bearer token with every request."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(headers or {})}

    def get(self, url, headers=None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, json=None, headers=None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, url, json=None, headers=None, **kwargs):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kwargs)

    def put(self, url, json=None, headers=None, **kwargs):
        return self.client.put(url, json=json, headers=self._headers(headers), **kwargs)

    def open(self, url, method, **kwargs):
        return self.client.open(url, method=method, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


class PageClient:
    """The test client as a signed-in practitioner's browser: forms carry the page's CSRF token."""

    CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

    def __init__(self, client):
        self.client = client

    def csrf_token(self) -> str:
        page = self.client.get("/about")
        return self.CSRF.search(page.get_data(as_text=True)).group(1)

    def sign_in(self, email: str, password: str = PASSWORD):
        return self.post("/sign-in", {"email": email, "password": password})

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')

    def confirm(self, response):
        """Send the confirmation page's form as a browser without JavaScript would: its own fields, its own token."""
        page = response.get_data(as_text=True)
        form = page[page.index('<form method="post" action="', page.index('data-testid="confirmation"')) :]
        form = form[: form.index("</form>")]
        action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
        fields = [(html.unescape(name), html.unescape(value)) for name, value in self.HIDDEN.findall(form)]
        return self.client.post(action, data=MultiDict(fields))

    def open(self, url, method, **kwargs):
        data = {"csrf_token": self.csrf_token()} if method not in {"GET", "HEAD", "OPTIONS"} else None
        return self.client.open(url, method=method, data=data, **kwargs)


def committed_clinic_token(app, clinic_name: str) -> str:
    """A clinic and a read-write token, committed for real: for tests whose requests race."""
    with app.app_context():
        clinic = clinics_service.create_clinic(db.session, name=clinic_name)
        secret = clinics_service.create_token(
            db.session, clinic_id=clinic.id, name="racer", scope="read-write", actor=Actor.operator(clinic.id)
        ).secret
        db.session.commit()
        db.session.remove()
    return secret
