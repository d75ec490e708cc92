"""The session form's fields as the API's schema input: local times in the clinic's zone, one field per area and lot."""

from datetime import datetime
from zoneinfo import ZoneInfo

from catalog.core.text import typed_decimal
from catalog.treatments.areas import TREATMENT_AREAS

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def local_input(value: datetime, zone: ZoneInfo) -> str:
    """A stored time as a datetime-local input's value in the clinic's zone."""
    return value.astimezone(zone).strftime(LOCAL_FORMAT)


def _aware(text: str, zone: ZoneInfo) -> str | None:
    """A datetime-local value (the clinic's wall clock) as an ISO time with its offset; as typed when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_FORMAT).replace(tzinfo=zone).isoformat()
    except ValueError:
        return text  # the schema says what is wrong with it


def _number(text: str):
    text = typed_decimal(text)
    if text is None:
        return None
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def session_input(form, zone: ZoneInfo, *, positions: list[int]) -> dict:
    """SessionCreateSchema input from the session form (blank optional fields left out)."""
    areas = []
    for code in TREATMENT_AREAS:
        volume = _number(form.get(f"area-{code}", ""))
        if volume is not None:
            areas.append({"area": code, "volume_ml": volume})
    lots = [
        {"position": position, "lot": _number(form.get(f"lot-{position}", ""))}
        for position in positions
        if form.get(f"lot-{position}", "").strip()
    ]
    data = {
        "patient": _number(form.get("patient", "")),
        "cocktail": _number(form.get("cocktail", "")),
        "version": _number(form.get("version", "")),
        "check": _number(form.get("check", "")),
        "performed_at": _aware(form.get("performed_at", ""), zone),
        "technique": form.get("technique") or None,
        "areas": areas,
        "lots": lots,
        "prepared_by": _number(form.get("prepared_by", "")),
        "administered_by": _number(form.get("administered_by", "")),
        "second_checked_by": _number(form.get("second_checked_by", "")),
        "consent": {
            "at": _aware(form.get("consent_at", ""), zone),
            "information": form.get("consent_information", ""),
        },
        "observations": form.get("observations", ""),
        "immediate_reactions": form.get("immediate_reactions", ""),
    }
    if form.get("reason") is not None:
        data["reason"] = form.get("reason", "")
    return {key: value for key, value in data.items() if value is not None}
