"""How domain errors and HTTP errors become responses.

Under `/api` every error is JSON (`code`, `status`, `message`, `errors`);
elsewhere it is an HTML page.
"""

import json

from flask import Flask, Response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from catalog.core.errors import DomainError
from catalog.web.words import in_page_words


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith(("/api/", "/fhir/", "/cds-services"))


def wants_fhir() -> bool:
    return request.path.startswith("/fhir/")


# HTTP statuses as FHIR OperationOutcome issue codes.
FHIR_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-long",
    414: "too-long",
    415: "not-supported",
    422: "processing",
    428: "required",
}


def fhir_error(status: int, message: str, errors: dict | None = None, headers: dict | None = None):
    """An error under /fhir: an OperationOutcome, one issue for the message and one per field named."""
    code = FHIR_ISSUE_CODES.get(status, "exception")
    issues = [{"severity": "error", "code": code, "diagnostics": message}]
    for location, fields in (errors or {}).items():
        items = fields.items() if isinstance(fields, dict) else [(location, fields)]
        for name, reasons in items:
            text = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
            issues.append({"severity": "error", "code": code, "diagnostics": text, "expression": [str(name)]})
    body = json.dumps({"resourceType": "OperationOutcome", "issue": issues})
    return Response(body, status, headers=headers or {}, mimetype="application/fhir+json")


def json_error(status: int, message: str, errors: dict | None = None, headers: dict | None = None):
    """The one JSON error shape of the API (an OperationOutcome under /fhir)."""
    if wants_fhir():
        return fhir_error(status, message, errors, headers)
    payload = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Unknown"), "message": message}
    if errors:
        payload["errors"] = _with_string_keys(errors)
    return payload, status, headers or {}


def _with_string_keys(errors):
    """Errors keyed as JSON keys them: marshmallow keys a list's rows by index beside `_schema` for the whole list."""
    if isinstance(errors, dict):
        return {str(key): _with_string_keys(value) for key, value in errors.items()}
    return errors


# The error page's titles, and werkzeug's default descriptions, in the page's language (a specific
# description, given where the error is raised, is shown as written).
# Titles in the clinic's words, not HTTP's reason phrases (the status code is on the page too).
PAGE_TITLES = {
    400: _l("This request cannot be read"),
    401: _l("Sign in first"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not possible here"),
    409: _l("Not possible as things stand"),
    410: _l("No longer here"),
    412: _l("Changed since you read it"),
    413: _l("Too large"),
    414: _l("Address too long"),
    415: _l("Format not accepted"),
    422: _l("Please correct this"),
    428: _l("Say which version you started from"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Unavailable for a moment"),
}
PAGE_DESCRIPTIONS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    403: _l(
        "You don't have the permission to access the requested resource. "
        "It is either read-protected or not readable by the server."
    ),
    404: _l(
        "The requested URL was not found on the server. "
        "If you entered the URL manually please check your spelling and try again."
    ),
    405: _l("The method is not allowed for the requested URL."),
    413: _l("The data value transmitted exceeds the capacity limit."),
    429: _l("This user has exceeded an allotted request count. Try again later."),
    500: _l(
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application."
    ),
}


def error_page(error: HTTPException, status: int):
    """The HTML error page, its title and description in the page's language."""
    title = PAGE_TITLES.get(status, error.name)
    description = error.description
    if description == type(error).description and status in PAGE_DESCRIPTIONS:
        description = PAGE_DESCRIPTIONS[status]
    return render_template("errors/error.html", error=error, title=str(title), description=str(description)), status


def handle_http_exception(error: HTTPException):
    if error.code == 304:
        # Not an error: an empty answer that repeats the tag the client already holds.
        tags = request.if_none_match.as_set()
        return "", 304, {"ETag": f'"{next(iter(tags))}"'} if len(tags) == 1 else {}
    if wants_json():
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message") or _first_line(error.description)
        if errors and "message" not in data:
            message = "The request's parameters are not valid."
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return json_error(error.code or 500, message, errors, headers)
    return error_page(error, error.code or 500)


LOCATIONS = {"json", "query", "path", "headers", "form"}


def handle_domain_error(error: DomainError):
    if wants_json():
        errors = error.errors
        # Services name fields; the API names where they were sent too, as webargs' own 422s do.
        if errors and not set(errors) <= LOCATIONS:
            errors = {"json" if request.method in {"POST", "PUT", "PATCH"} else "query": errors}
        return json_error(error.status, error.message, errors)
    exception = default_exceptions.get(error.status, InternalServerError)(in_page_words(error.message))
    return error_page(exception, error.status)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text else ""


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
