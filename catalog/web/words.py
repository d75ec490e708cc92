"""What services and marshmallow say, written again in the page's language when a page shows it.

The JSON API keeps their English; pages pass refusals through `in_page_language` (the error pages,
`on_refusal` and the views that catch a refusal themselves) and field messages through
`in_page_words`. A message with no French yet stays English rather than disappear.
"""

from flask_babel import gettext
from marshmallow import ValidationError

from catalog.core.errors import DomainError
from catalog.core.words import N_, Count, Phrase
from catalog.i18n import figure, format_count

# marshmallow's own messages, listed so that `make translations` extracts them: a page translates them as any other.
FRAMEWORK_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid list."),
    N_("Not a valid email address."),
    N_("Unknown field."),
)


def in_page_words(message):
    """One message in the page's language: a Phrase from its template, a plain one through the catalogue."""
    if isinstance(message, Phrase):
        return gettext(message.template, **{name: _in_page_value(value) for name, value in message.values.items()})
    return gettext(message) if isinstance(message, str) else message


def _in_page_value(value):
    if isinstance(value, Phrase):
        return in_page_words(value)
    if isinstance(value, Count):
        return format_count(int(value))
    return figure(value) if isinstance(value, float) else value


def in_page_messages(messages):
    """Field messages (nested dicts and lists of them, as services and schemas give them) in the page's language."""
    if isinstance(messages, dict):
        return {field: in_page_messages(value) for field, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [in_page_messages(value) for value in messages]
    return in_page_words(messages)


def in_page_language(error: DomainError | ValidationError):
    """The same refusal, its message and field messages in the page's language (for a page, never for the API)."""
    if isinstance(error, DomainError):
        error.message = in_page_words(error.message)
        error.errors = in_page_messages(error.errors) if error.errors else error.errors
    else:
        error.messages = in_page_messages(error.messages)
    return error
