"""Mesocat: a reference catalogue of mesotherapy solution components, as a Flask app."""

import logging
import sqlite3
import traceback
from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from catalog import i18n
from catalog.config import API_SETTINGS, REPOSITORY_ROOT, settings_from_environment
from catalog.extensions import api, csrf, db, limiter, migrate
from catalog.web import assets, errors, paging, request_guard, security, transactions


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides what the environment says (tests use it)."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(REPOSITORY_ROOT / "templates"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(API_SETTINGS)
    app.config.update(settings_from_environment(app.instance_path))
    app.config.update(config or {})
    # Tests sign in far more often than people do; the tests of throttling turn it back on.
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING"))
    # Error messages and logs never repeat SQL parameters: they can hold patients' details.
    engine_options = {"hide_parameters": True}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine_options["pool_pre_ping"] = True
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)

    configure_logging(app)
    warn_of_weak_production_settings(app)
    request_guard.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    errors.register_error_handlers(app)
    register_commands(app)
    assets.init_app(app)
    security.init_app(app)
    if hops := app.config.get("PROXY_HOPS"):
        # Outermost: sign-in throttling counts the client's address, links use the client's scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app


def configure_logging(app: Flask) -> None:
    # Log lines carry methods, paths and error classes only: never request bodies or patient details.
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.log_exception = lambda exc_info: log_exception_safely(app, exc_info)


def warn_of_weak_production_settings(app: Flask) -> None:
    """Say at start what a production deployment runs with that it should not (it still runs)."""
    if app.config.get("MESOCAT_ENV") != "production":
        return
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        # Each worker then counts sign-in attempts alone: N workers allow N times the limit.
        app.logger.warning(
            "Sign-in attempts are counted per worker (memory://): set MESOCAT_RATELIMIT_STORAGE to a Redis URL "
            "so that every worker and server counts together."
        )


def log_exception_safely(app: Flask, exc_info) -> None:
    """Log an unhandled error by class, route and stack, without its message.

    Database errors quote the rows they refused (PostgreSQL's DETAIL), and other messages may
    quote input: either can hold a patient's details.
    """
    error_class, _error, trace = exc_info
    frames = "".join(traceback.format_tb(trace))
    app.logger.error(
        "Unhandled %s.%s on %s %s\n%s",
        error_class.__module__,
        error_class.__qualname__,
        request.method,
        security.escape_for_log(request.path),
        frames,
    )


def register_extensions(app: Flask) -> None:
    # Model modules must be imported before the metadata is used by migrations.
    from catalog.allergens import models as _allergens  # noqa: F401
    from catalog.audit import models as _audit  # noqa: F401
    from catalog.checks import models as _checks  # noqa: F401
    from catalog.clinics import auth
    from catalog.clinics import models as _clinics  # noqa: F401
    from catalog.cocktails import models as _cocktails  # noqa: F401
    from catalog.ingredients import models as _ingredients  # noqa: F401
    from catalog.interop import models as _interop  # noqa: F401
    from catalog.patients import models as _patients  # noqa: F401
    from catalog.products import models as _products  # noqa: F401
    from catalog.seeding import SeedEntry as _seed_entries  # noqa: F401
    from catalog.treatments import models as _treatments  # noqa: F401
    from catalog.vocabularies import models as _vocabularies  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPOSITORY_ROOT / "migrations"))
    api.init_app(app)
    # Forms are checked for their CSRF token by `transactions.protect_forms`, on unsafe methods only:
    # Flask-WTF's own hook would look up every GET's exemptions to then let it pass.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    limiter.init_app(app)
    # The limiter's own before_request hook looks for application-wide limits on every request; we
    # have none (only the decorated sign-in route is limited, checked by its decorator), and the look
    # cost a fifth of an ingredient read. See bench/README.md.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # absent when the limiter is disabled (tests)
        hooks.remove(limiter._check_request_limit)
    auth.init_app(app)
    i18n.init_app(app)
    transactions.init_app(app)
    # Registered after the transaction hook, so it runs before it (Flask runs these in reverse).
    paging.init_app(app)


def register_blueprints(app: Flask) -> None:
    from catalog.allergens import api as allergens_api
    from catalog.allergens import views as allergens_views
    from catalog.audit import api as audit_api
    from catalog.audit import views as audit_views
    from catalog.checks import api as checks_api
    from catalog.checks import views as checks_views
    from catalog.clinics import views as clinics_views
    from catalog.cocktails import api as cocktails_api
    from catalog.cocktails import views as cocktails_views
    from catalog.curation import api as curation_api
    from catalog.curation import views as curation_views
    from catalog.ingredients import api as ingredients_api
    from catalog.ingredients import views as ingredients_views
    from catalog.interop.cds_hooks import api as cds_hooks_api
    from catalog.interop.fhir import api as fhir_api
    from catalog.patients import api as patients_api
    from catalog.patients import views as patients_views
    from catalog.products import api as products_api
    from catalog.products import views as products_views
    from catalog.treatments import api as treatments_api
    from catalog.treatments import views as treatments_views
    from catalog.web import health, pages

    for blueprint in (
        ingredients_api.bp,
        allergens_api.bp,
        products_api.bp,
        patients_api.bp,
        cocktails_api.bp,
        checks_api.bp,
        audit_api.bp,
        curation_api.bp,
        treatments_api.bp,
    ):
        api.register_blueprint(blueprint)
        # The API authenticates with bearer tokens, never cookies, so there is no cross-site request to forge.
        csrf.exempt(blueprint)
    # FHIR and CDS Hooks speak their own JSON, outside the OpenAPI document; bearer tokens again.
    for blueprint in (fhir_api.bp, cds_hooks_api.bp):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(ingredients_views.bp)
    app.register_blueprint(allergens_views.bp)
    app.register_blueprint(products_views.bp)
    app.register_blueprint(clinics_views.bp)
    app.register_blueprint(patients_views.bp)
    app.register_blueprint(cocktails_views.bp)
    app.register_blueprint(checks_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(curation_views.bp)
    app.register_blueprint(treatments_views.bp)


def register_commands(app: Flask) -> None:
    from catalog import demo, seeding
    from catalog.clinics import cli as clinics_cli

    seeding.init_app(app)
    clinics_cli.init_app(app)
    demo.init_app(app)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """Make SQLite enforce foreign keys and let SQLAlchemy own transactions (savepoints work)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    """A request that may write takes SQLite's write lock at once (BEGIN IMMEDIATE); one marked
    `reads_first` begins as a read, and takes the lock only once it says it writes.

    Concurrent writers then wait their turn (busy_timeout) and each sees what the one before
    committed, instead of failing on a stale snapshot; reads stay concurrent.
    """
    if connection.dialect.name == "sqlite":
        writing = has_request_context() and transactions.request_writes()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
