"""What every response carries to protect the pages and the clinics' data, and request text made safe to log.

The Content-Security-Policy allows only the app's own files: no inline script or style (the pages'
scripts live in static/js, Swagger UI is started from one too), no framing, no plugins. A template
that must inline a `<style>` (the patient's sheet, also rendered to PDF) asks for `csp_nonce()`.
"""

import secrets

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Pico CSS and Swagger UI draw their icons as data: SVGs.
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Two years, the preload list's figure; sent only in production, where the app is served over HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
CLINIC_PREFIXES = ("/fhir/", "/cds-services")

# C0 and C1 controls and DEL, as `\xNN`: a logged path or name can never start a forged log line.
LOG_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]}


def escape_for_log(text: str) -> str:
    return text.translate(LOG_ESCAPES)


def csp_nonce() -> str:
    """A nonce for this response's inline `<style>` or `<script>`; the policy names it only when one was asked for."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str | None = None) -> str:
    policy = dict(CONTENT_SECURITY_POLICY)
    if nonce:
        for directive in ("script-src", "style-src"):
            policy[directive] += f" 'nonce-{nonce}'"
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


def _clinic_scoped(response: Response) -> bool:
    """Whether the answer may hold a clinic's data, so no cache, shared or the browser's, may keep it."""
    if request.path.startswith(CLINIC_PREFIXES) or request.authorization is not None or g.get("actor"):
        return True
    # Only a request with a session cookie can be signed in; asking of the others would open a session.
    if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) and current_user.is_authenticated:
        return True
    # A token route answered without a token: the refusal is not open catalogue reading either.
    return request.path.startswith("/api/") and response.status_code in {401, 403}


def protect(response: Response) -> Response:
    """The response's own policy (naming its nonce) and caching; the fixed headers are added below."""
    nonce = g.pop("csp_nonce", None)
    if nonce:
        response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    if _clinic_scoped(response):
        response.headers["Cache-Control"] = "no-store"
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without the cookie (every API call) gets an
    empty session without a signer being built for it."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def fixed_headers(app: Flask) -> dict[str, str]:
    headers = {"Content-Security-Policy": content_security_policy(), **HEADERS}
    if app.config["MESOCAT_ENV"] == "production":
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def _headers_on_every_response(wsgi_app, headers: dict[str, str]):
    """Add the fixed headers a response lacks: the app's own, and the static files whitenoise answers."""

    def application(environ, start_response):
        def start(status, response_headers, exc_info=None):
            present = {name.lower() for name, _ in response_headers}
            response_headers.extend((name, value) for name, value in headers.items() if name.lower() not in present)
            return start_response(status, response_headers, exc_info)

        return wsgi_app(environ, start)

    return application


def init_app(app: Flask) -> None:
    """Register after the static files (assets.init_app): the headers wrap whitenoise's answers too."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.session_interface = CookieSessions()
    app.after_request(protect)
    app.wsgi_app = _headers_on_every_response(app.wsgi_app, fixed_headers(app))
