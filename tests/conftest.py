"""Shared fixtures: one migrated and seeded throw-away database per run, one rolled-back transaction per test.

Set DATABASE_URL to a PostgreSQL server to run the suite there: a fresh
database is created on that server for the run and dropped afterwards.
"""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from catalog import create_app
from catalog.clinics.passwords import use_cheap_hashing_for_tests
from catalog.config import REPOSITORY_ROOT, normalise_database_url
from catalog.extensions import db, limiter
from catalog.seeding import load_seed
from tests.factories import ApiClient, ClinicFactory, IngredientFactory, PageClient

use_cheap_hashing_for_tests()
SEED_DIRECTORY = Path(os.environ.get("SEED_DIRECTORY", REPOSITORY_ROOT / "seed"))


@contextmanager
def fresh_database(tmp_dir: Path):
    """A new, empty database on the server DATABASE_URL names (or a new SQLite file), dropped afterwards."""
    base_url = os.environ.get("DATABASE_URL")
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
        return
    url = sa.engine.make_url(normalise_database_url(base_url))
    name = f"mesocat_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_test_app(database_url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret"})


def migrate_and_seed(app) -> None:
    with app.app_context():
        upgrade()
        load_seed(db.session, SEED_DIRECTORY)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory):
    """A factory of fresh empty databases for tests that need their own (migrations, seed loading)."""
    with_stack = []

    def make() -> str:
        context = fresh_database(tmp_path_factory.mktemp("db"))
        with_stack.append(context)
        return context.__enter__()

    yield make
    for context in reversed(with_stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def app(fresh_database_url):
    """The app on a database migrated from empty and loaded with the real seed."""
    application = make_test_app(fresh_database_url())
    migrate_and_seed(application)
    yield application
    with application.app_context():
        db.engine.dispose()


class TransactionSession(FlaskSession):
    """Always use the test's connection, whose outer transaction is rolled back after the test."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@pytest.fixture
def db_session(app):
    """The test runs inside a transaction rolled back at its end; commits become savepoints.

    `client` and `make_ingredient` use it, so whatever a test writes through them vanishes.
    """
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": TransactionSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def sign_in_throttling_stays_off():
    """Throttling is off for the suite (tests sign in far more often than people do).

    The one Limiter takes its switch from the last app made: a test that makes its own app
    (create_app(), a throttled app) would otherwise leave it on for every test after it.
    """
    yield
    limiter.enabled = False


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_ingredient(db_session):
    """Create an ingredient from valid defaults and overrides, as a curator would."""
    return IngredientFactory(db_session)


@pytest.fixture
def clinics(db_session):
    """Builds clinics, practitioners and tokens inside the test's transaction."""
    return ClinicFactory(db_session)


@pytest.fixture
def clinic(clinics):
    """A clinic with an admin, a practitioner, a viewer, a read-write and a read token."""
    return clinics.setup("Clinic A")


@pytest.fixture
def other_clinic(clinics):
    return clinics.setup("Clinic B")


@pytest.fixture
def api(client, clinic):
    """The API as clinic A's read-write token sees it."""
    return ApiClient(client, clinic.write_token)


@pytest.fixture
def auditor(client, clinic):
    """The API as clinic A's token allowed to read the audit trail (read scope)."""
    return ApiClient(client, clinic.audit_token)


@pytest.fixture
def api_as():
    """`api_as(client, token)`: the API with any token (or none)."""
    return ApiClient


@pytest.fixture
def pages(app, db_session):
    """A browser-like client with its own cookies; call `.sign_in(email)` first for clinic pages."""
    return PageClient(app.test_client())


@pytest.fixture
def practitioner_pages(pages, clinic):
    pages.sign_in(clinic.practitioner.email)
    return pages
