"""Helpers shared by the pages' forms, which are validated by the API's marshmallow schemas."""

from flask import flash, redirect
from marshmallow import ValidationError

from catalog.core.errors import DomainError
from catalog.web.transactions import discard_writes


def refused(message: str, url: str):
    """Go back to `url` saying why the action was refused; nothing the request wrote is kept."""
    discard_writes()
    flash(message, "error")
    return redirect(url, code=303)


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
            flat[field] = value if isinstance(value, list) else [str(value)]
    return flat
