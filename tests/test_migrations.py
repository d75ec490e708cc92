"""Migrations applied from empty give exactly the models' schema (on the database under test), and carry data."""

from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from catalog.clinics.models import Clinic
from catalog.extensions import db
from catalog.products.models import Product
from catalog.seeding import load_seed
from tests.conftest import SEED_DIRECTORY, make_test_app


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


def test_lots_stocked_twice_under_two_spellings_stop_the_upgrade_until_merged(fresh_database_url):
    app = make_test_app(fresh_database_url())
    with app.app_context():
        upgrade(revision="0016_languages")
        load_seed(db.session, SEED_DIRECTORY)
        clinic = Clinic(slug="c", name="C")
        db.session.add(clinic)
        db.session.flush()
        product = db.session.scalars(select(Product)).first()
        for number in ("XL-2291-A", "xl 2291 a"):
            db.session.execute(
                text(
                    "INSERT INTO lots (clinic_id, product_id, item_key, number, number_key, expires_on,"
                    " recorded_by_label, recorded_at) VALUES (:clinic, :product, :item, :number, 'xl2291a',"
                    " :expires, 'Someone', :expires)"
                ),
                {
                    "clinic": clinic.id,
                    "product": product.id,
                    "item": f"product:{product.id}",
                    "number": number,
                    "expires": date(2030, 1, 1),
                },
            )
        db.session.commit()
        # Through alembic itself: Flask-Migrate's own command logs the reason and exits.
        config = current_app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="merge each pair"):
            command.upgrade(config, "head")
        db.session.rollback()
        db.session.execute(text("DELETE FROM lots WHERE number = 'xl 2291 a'"))
        db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
