"""Migrations applied from empty give exactly the models' schema (on the database under test)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from catalog.extensions import db
from tests.conftest import make_test_app


def test_migrations_from_empty_match_the_models(fresh_database_url):
    app = make_test_app(fresh_database_url())
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(db.inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
