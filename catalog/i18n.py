"""The languages of the pages and the API: which one a request speaks, and its words (Flask-Babel).

English is the source language; French is complete (translations/fr). The language is the signed-in
person's setting, else the one chosen on the sign-in page (kept in the session), else the browser's
best match in `Accept-Language`, else English. A block of text in another language (the patient's
sheet) is written inside `speaking(code)`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, get_decimal_symbol
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, force_locale, format_date, get_locale, get_translations, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from catalog.config import REPOSITORY_ROOT
from catalog.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from catalog.safety.text import ENGLISH, Words

# The session key of the language chosen before signing in.
SESSION_KEY = "language"

babel = Babel()

# Coded values the pages show (FHIR statuses, severities, outcomes, kinds), in words; an unknown code shows as is.
CODE_NAMES = {
    "active": _l("active"),
    "inactive": _l("inactive"),
    "resolved": _l("resolved"),
    "archived": _l("archived"),
    "confirmed": _l("confirmed"),
    "unconfirmed": _l("unconfirmed"),
    "refuted": _l("refuted"),
    "entered-in-error": _l("entered-in-error"),
    "low": _l("low"),
    "high": _l("high"),
    "unable-to-assess": _l("unable-to-assess"),
    "mild": _l("mild"),
    "moderate": _l("moderate"),
    "severe": _l("severe"),
    "critical": _l("critical"),
    "warning": _l("warning"),
    "info": _l("info"),
    "allergy": _l("allergy"),
    "condition": _l("condition"),
    "check": _l("check"),
    "override": _l("override"),
    "session": _l("session"),
    "established": _l("established"),
    "reported": _l("reported"),
    # Catalogue data: an ingredient's origin, a product's form, a product component's role.
    "synthetic": _l("synthetic"),
    "fermentation": _l("fermentation"),
    "plant": _l("plant"),
    "avian": _l("avian"),
    "bovine": _l("bovine"),
    "ovine": _l("ovine"),
    "porcine": _l("porcine"),
    "marine": _l("marine"),
    "recombinant": _l("recombinant"),
    "mineral": _l("mineral"),
    "single-dose-vial": _l("single dose vial"),
    "multi-dose-vial": _l("multi dose vial"),
    "ampoule": _l("ampoule"),
    "prefilled-syringe": _l("prefilled syringe"),
    "excipient": _l("excipient"),
}
ROLE_NAMES = {"admin": _l("admin"), "practitioner": _l("practitioner"), "viewer": _l("viewer")}
# Each technique as a page names it once chosen (the composer's choices say a little more).
TECHNIQUE_NAMES = {
    "point-injection": _l("Point injection"),
    "needle-free": _l("Needle-free"),
    "microneedling-combination": _l("Micro-needling combination"),
}
# What an ingredient is to the product it comes in. Not CODE_NAMES' "active": an allergy is active
# ("active" in French), a substance is the product's active ingredient ("principe actif").
COMPONENT_ROLES = {"active": _l("active ingredient"), "excipient": _l("excipient")}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(REPOSITORY_ROOT / "translations"))
    babel.init_app(app, locale_selector=select_language)
    # Flask-Babel keeps the language on `g`, which outlives a request when an app context was already
    # pushed (tests, CLI): each request chooses again.
    # First of all hooks: the request guard's refusals (a too-long address) speak the request's language too.
    app.before_request_funcs.setdefault(None, []).insert(0, refresh)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        current_language=current_language,
        code_name=code_name,
        grade_name=code_name,
        role_name=role_name,
        technique_names=TECHNIQUE_NAMES,
        technique_name=technique_name,
        component_role=component_role,
        format_day=format_day,
        format_time=format_time,
        format_count=format_count,
        figure=figure,
        clinic_zone=clinic_zone,
    )


def select_language() -> str:
    """The request's language: the person's setting, else the session's choice, else the browser's, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    forced = g.get("language")
    if forced in LANGUAGES:
        return forced
    if current_user and current_user.is_authenticated and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The two-letter code the request speaks (for `<html lang>` and the language switch)."""
    return str(get_locale() or DEFAULT_LANGUAGE)


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Write what is inside in `language` (e.g. the patient's sheet in the patient's language)."""
    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        yield


def words() -> Words:
    """The translation functions the safety check's sentences are written with, in the request's language."""
    if not has_request_context() or current_language() == DEFAULT_LANGUAGE:
        return ENGLISH
    translations = get_translations()
    locale = get_locale()
    return Words(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        number=lambda value: figure(value, locale=locale),
    )


def code_name(code) -> str:
    """A coded value (a status, a severity…) in the request's language."""
    return str(CODE_NAMES.get(str(code), code))


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def technique_name(technique) -> str:
    return str(TECHNIQUE_NAMES.get(str(technique), technique))


def component_role(role: str) -> str:
    return str(COMPONENT_ROLES.get(role, role))


def figure(value, digits: int = 6, *, locale=None) -> str:
    """A measured figure to `digits` significant digits, as '%g' writes it, with the language's decimal mark.

    Not rounded to a fixed number of decimals: a concentration of 0.0005 % must not read "0 %".
    """
    text = f"{value:.{digits}g}"
    if "e" in text:  # never "1.5e-06": a reader, or a form sent back, would not take it
        text = f"{float(text):.{digits + 12}f}".rstrip("0").rstrip(".")
    return text.replace(".", get_decimal_symbol(locale or get_locale() or DEFAULT_LANGUAGE))


def format_count(number) -> str:
    """A number in the page's language, grouped by thousands ("2,000"; "2 000" in French)."""
    return format_decimal(number, locale=get_locale() or DEFAULT_LANGUAGE)


def format_day(moment) -> str:
    """A day in the page's language ("7 December 2026", "7 décembre 2026"); a moment is read on the clinic's clock."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = in_clinic_zone(moment).date()
    return format_date(moment, "d MMMM y")


def clinic_zone() -> ZoneInfo:
    """The signed-in person's clinic's time zone, else the server's (MESOCAT_TIME_ZONE, else UTC).

    Nothing to cache: the clinic comes with the signed-in person, and ZoneInfo keeps each zone it has read.
    """
    clinic = getattr(current_user, "clinic", None) if has_request_context() else None
    return ZoneInfo(getattr(clinic, "time_zone", None) or current_app.config.get("TIME_ZONE") or "UTC")


def in_clinic_zone(moment: datetime) -> datetime:
    """`moment` on the clinic's clock; a naive datetime is taken as UTC, as the database stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(clinic_zone())


def format_time(moment, *, seconds: bool = False, zone: bool = True) -> str:
    """A moment as every page shows it: in the clinic's time zone, with its abbreviation ("2026-01-15 13:00 CET").

    Digits only, the same in every language; `zone=False` where the page names the zone once (a heading, a header).
    """
    if moment is None:
        return ""
    local = in_clinic_zone(moment)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {local.tzname()}" if zone else text
