"""Flask extensions, created unbound; `create_app` binds them to an app."""

from apispec import BasePlugin
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow.validate import Range
from sqlalchemy import MetaData
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


db = SQLAlchemy(model_class=Model)
migrate = Migrate()
api = CatalogApi(spec_kwargs={"extra_plugins": [OperationIds()]})
login_manager = LoginManager()
csrf = CSRFProtect()
