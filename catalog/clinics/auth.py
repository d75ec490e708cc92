"""How a request proves who it is: bearer tokens for the API, signed-in sessions for the pages.

Either way the view finds the acting clinic and person in `current_actor()`.
"""

from functools import wraps

from flask import Flask, abort, g
from flask import request as flask_request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from catalog.clinics import credentials
from catalog.core.actors import Actor, Role
from catalog.extensions import api, db, login_manager

BEARER = [{"bearerAuth": []}]


def current_actor() -> Actor:
    return g.actor


def _unauthorized(message: str, error: str | None = None) -> Unauthorized:
    challenge = WWWAuthenticate("bearer", {"realm": "mesocat"})
    if error:
        challenge["error"] = error
    return Unauthorized(message, www_authenticate=challenge)


def _actor_from_bearer(*, write: bool, curator: bool, audit: bool = False) -> Actor:
    authorization = flask_request.authorization
    if authorization is None or authorization.type != "bearer" or not authorization.token:
        raise _unauthorized("This route needs an API token: send 'Authorization: Bearer <token>'.")
    actor = _token_actor(authorization.token)
    if actor is None:
        raise _unauthorized("The API token is not valid or has been revoked.", "invalid_token")
    if write and not actor.allows(Role.PRACTITIONER):
        raise Forbidden("This token's scope is 'read': it cannot change data.")
    if curator and not actor.is_curator:
        raise Forbidden("Only a curator's token can edit the shared catalogue.")
    if audit and not actor.can_read_audit:
        raise Forbidden("This token may not read the audit trail: an admin grants that when creating a token.")
    return actor


def _token_actor(secret: str) -> Actor | None:
    """The actor of this bearer secret, looked up once per request (a write is authenticated before
    its body is read, then again by its view)."""
    known = g.get("bearer")
    if known is None or known[0] != secret:
        token = credentials.token_for_secret(db.session, secret=secret)
        known = g.bearer = (secret, Actor.for_token(token) if token is not None else None)
    return known[1]


def authenticate_token(*, write: bool = False) -> Actor:
    """For routes outside the OpenAPI document (FHIR, CDS Hooks): the bearer token's actor, on `g` too."""
    g.actor = _actor_from_bearer(write=write, curator=False)
    return g.actor


def token_required(bp, *, write: bool = False, curator: bool = False, audit: bool = False):
    """Decorate an API method: it runs only for a valid token (with write scope, or curator, when asked).

    Put it above the smorest decorators, so that a caller without a token hears 401, not 422.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.actor = _actor_from_bearer(write=write, curator=curator, audit=audit)
            return view(*args, **kwargs)

        wrapper = bp.alt_response(401, response="DEFAULT_ERROR", description="No token, or a bad or revoked one.")(
            wrapper
        )
        if write or curator or audit:
            wrapper = bp.alt_response(
                403, response="DEFAULT_ERROR", description="The token's scope does not allow this."
            )(wrapper)
        return bp.doc(security=BEARER)(wrapper)

    return decorator


def role_required(role: Role = Role.VIEWER):
    """Decorate a page view: it runs only for a signed-in practitioner holding at least `role`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            actor = Actor.for_practitioner(current_user)
            if not actor.allows(role):
                abort(403, description=f"This needs the {role.value} role.")
            g.actor = actor
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "clinics.sign_in"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    # A session cookie replayed from another address or browser is dropped (the session ends there).
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda user_id: credentials.load_signed_in(db.session, user_id))
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A clinic's API token, made by its admin or the CLI."},
    )
