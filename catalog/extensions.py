"""Flask extensions, created unbound; `create_app` binds them to an app."""

from apispec import BasePlugin
from flask import g, has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow.validate import Range
from sqlalchemy import MetaData
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations reproducible on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CatalogApi(Api):
    """flask-smorest's Api, leaving error handling to `catalog.web.errors`.

    smorest registers a JSON handler for every HTTP error of the app; pages
    outside `/api` need HTML error pages, so `catalog.web.errors` dispatches.
    """

    def _register_error_handlers(self):
        pass

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(exclusive_bounds)
        self.ma_plugin.converter.add_attribute_function(null_or_the_object)


def null_or_the_object(self, field, ret, **kwargs) -> dict:
    """A nullable nested object is null or that object: apispec's OpenAPI 3.0 idiom offers any object instead.

    It writes `anyOf: [{type: object, nullable: true}, {$ref}]`, whose first branch accepts every object.
    """
    for branch in ret.get("anyOf", []):
        if branch == {"type": "object", "nullable": True}:
            branch.clear()
            branch.update({"nullable": True, "enum": [None]})
    return {}


def exclusive_bounds(self, field, **kwargs) -> dict:
    """apispec writes a Range's bounds as inclusive; say so when a bound is excluded (0 < concentration)."""
    bounds = {}
    for validator in getattr(field, "validators", []):
        if isinstance(validator, Range):
            if validator.min is not None and not validator.min_inclusive:
                bounds["exclusiveMinimum"] = True
            if validator.max is not None and not validator.max_inclusive:
                bounds["exclusiveMaximum"] = True
    return bounds


class OperationIds(BasePlugin):
    """Names every operation after its view and method (`getIngredientDetail`, `postSessions`).

    Clients generated from the OpenAPI document then get stable method names; the names follow
    the views, so they change only when a view is renamed.
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or operations is None:
            return
        view = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            operation.setdefault("operationId", f"{method}{view}")


class Bookkeeping:
    """Writes that only keep records (a token's last use, a session's last activity), run after the
    request's own transaction, in one of their own.

    A read must not write: on SQLite, a read's transaction cannot take the write lock while another
    request writes ("database is locked"). These statements wait their turn instead, and are dropped
    if they cannot have it: losing a last-use time is better than failing the read.
    """

    def later(self, statement) -> None:
        if has_request_context():
            g.setdefault("bookkeeping", []).append(statement)

    # On SQLite, how long bookkeeping waits for the write lock before giving up (ms), and the usual wait.
    SQLITE_WAIT_MS = 200
    SQLITE_BUSY_TIMEOUT_MS = 5000

    def run(self, session) -> None:
        statements = g.pop("bookkeeping", [])
        if not statements:
            return
        sqlite = session.get_bind().dialect.name == "sqlite"
        try:
            if sqlite:
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={self.SQLITE_WAIT_MS}")
            for statement in statements:
                session.execute(statement)
            session.commit()
        except OperationalError:
            session.rollback()
        finally:
            if sqlite:
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={self.SQLITE_BUSY_TIMEOUT_MS}")
                session.commit()


bookkeeping = Bookkeeping()
db = SQLAlchemy(model_class=Model)
migrate = Migrate()
api = CatalogApi(spec_kwargs={"extra_plugins": [OperationIds()]})
login_manager = LoginManager()
# Limits are named where they apply (sign-in); the store is shared by every worker (RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
csrf = CSRFProtect()
