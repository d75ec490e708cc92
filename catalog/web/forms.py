"""Helpers shared by the pages' forms, which are validated by the API's marshmallow schemas."""

from collections.abc import Callable
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from catalog.core.errors import Conflict, DomainError, Invalid
from catalog.web.transactions import discard_writes
from catalog.web.words import in_page_language, in_page_words


def refused(message: str, url: str):
    """Go back to `url` saying why the action was refused; nothing the request wrote is kept."""
    discard_writes()
    flash(message, "error")
    return redirect(url, code=303)


def confirmed() -> bool:
    """Whether the form was sent again with `confirmed=1`: by the confirmation page, or by app.js after asking."""
    return request.form.get("confirmed") == "1"


def ask_to_confirm(what: str, *, button: str, back: str):
    """The confirmation page: it restates `what` will happen and re-posts the same fields (CSRF included) confirmed.

    Irreversible and clinical actions ask first without JavaScript too; with it, app.js asks in a dialog instead.
    """
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != "confirmed"]
    return render_template("confirm.html", what=what, button=button, back=back, action=request.path, fields=fields)


def reasons(error: ValidationError | DomainError) -> str:
    """A refusal's field messages as one sentence, for a flash message."""
    messages = error.messages if isinstance(error, ValidationError) else (error.errors or {})
    return " ".join(" ".join(problems) for problems in flatten(messages).values())


def flatten(messages: dict) -> dict[str, list[str]]:
    """Schema errors keyed by form field: nested `reaction.manifestation` becomes `reaction_manifestation`."""
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        if isinstance(value, dict):
            for inner, reasons in flatten(value).items():
                flat[f"{field}_{inner}"] = reasons
        else:
            flat[field] = [in_page_words(message) for message in value] if isinstance(value, list) else [str(value)]
    return flat


# What a form's input can be refused with: the schema's own errors, or a service's verdict on it.
# NotFound and the rest are not refusals of the input: they reach the app's error handlers.
REFUSALS = (ValidationError, Invalid, Conflict)


def on_refusal(answer: Callable[..., ResponseReturnValue]):
    """Decorate a view so that refused input is answered by `answer(error, **view_args)`, keeping nothing written.

    The view itself then reads straight through: parse, call one service, redirect or render.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except REFUSALS as error:
                discard_writes()
                return answer(in_page_language(error), **kwargs)

        return wrapper

    return decorator


def refuse_back_to(endpoint: str, prefix: str = ""):
    """`on_refusal` that goes back to `endpoint` (with the view's arguments), saying why in a flash message."""

    def answer(error, **view_args):
        return refused(f"{prefix} {reasons(error)}".strip(), url_for(endpoint, **view_args))

    return on_refusal(answer)


def load_query(schema: Schema, args) -> tuple[dict, dict]:
    """A page's query string through the API's query schema: (values, field errors). Blank fields mean "any"."""
    submitted = MultiDict((key, value) for key, value in args.items(multi=True) if value.strip())
    try:
        return schema.load(MultiDictProxy(submitted, schema)), {}
    except ValidationError as error:
        # A repeated parameter's errors are keyed by position; the form shows them on the field.
        return {}, {field: _all_messages(problems) for field, problems in error.messages.items()}


def _all_messages(problems) -> list[str]:
    if isinstance(problems, dict):
        return [message for inner in problems.values() for message in _all_messages(inner)]
    return [in_page_words(message) for message in problems] if isinstance(problems, list) else [str(problems)]
