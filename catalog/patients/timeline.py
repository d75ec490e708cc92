"""A patient's allergy and condition records as timeline events: each state they were recorded in, in plain words.

Summaries name coded values and catalogue names only; notes and reactions are said to have
changed, never quoted, so that an event can be shown or passed on without carrying clinical prose.
"""

from datetime import UTC, date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.core.timeline import TimelineEvent
from catalog.i18n import code_name, format_day
from catalog.patients.models import AllergyRecord, AllergyRecordRevision, ConditionRecord, Patient
from catalog.products import service as products_service

ENTERED_IN_ERROR = "entered-in-error"
# The coded fields of an allergy record, as a change names them (in the order a summary lists them).
CODED_CHANGES = {
    "criticality": _l("criticality"),
    "clinical_status": _l("clinical status"),
    "verification_status": _l("verification"),
    "reaction_severity": _l("reaction severity"),
}
# Free-text fields: a summary says they changed, never what they say.
PROSE_CHANGES = {"reaction_manifestation": _l("reaction changed"), "note": _l("note changed")}
ALLERGEN_FIELDS = ("allergen", "allergen_text", "product")
# A condition record carried over by migration 0008 started in this state, with no history written.
CARRIED_OVER_STATE = {"status": "active", "onset_on": None, "resolved_on": None}


def _words(code: str | None) -> str:
    """A coded value in the request's language; English spells it without hyphens."""
    if not code:
        return gettext("none")
    named = code_name(code)
    return code.replace("-", " ") if named == code else named


class _AllergenLabels:
    """What a revision's allergen was called: the catalogue's name for a code or product, else the text as recorded."""

    def __init__(self, session: Session, records: list[AllergyRecord], revisions: list[AllergyRecordRevision]):
        self.allergens = {r.allergen_code: r.allergen.name for r in records if r.allergen is not None}
        self.products = {r.product.slug: r.product.name for r in records if r.product is not None}
        codes = {rev.values.get("allergen") for rev in revisions} - set(self.allergens) - {None}
        slugs = {rev.values.get("product") for rev in revisions} - set(self.products) - {None}
        # Only a record whose allergen was changed names one the records no longer hold: read the rest then.
        if codes:
            hierarchy = allergens_service.load_hierarchy(session)
            self.allergens |= {code: hierarchy.get(code).name for code in codes if hierarchy.get(code)}
        if slugs:
            found = products_service.products_by_slug(session, slugs=sorted(slugs))
            self.products |= {slug: product.name for slug, product in found.items()}

    def __call__(self, values: dict) -> str:
        if values.get("allergen"):
            return self.allergens.get(values["allergen"], values["allergen"])
        if values.get("product"):
            return self.products.get(values["product"], values["product"])
        return values.get("allergen_text") or gettext("an unnamed allergen")


def _allergy_summary(revision: AllergyRecordRevision, before: dict | None, label: _AllergenLabels) -> str:
    after = revision.values
    intolerance = after.get("type") == "intolerance"
    subject = (gettext("Intolerance to %(allergen)s") if intolerance else gettext("Allergy to %(allergen)s")) % {
        "allergen": label(after)
    }
    if before is None:
        return gettext(
            "%(subject)s recorded (%(verification)s, criticality %(criticality)s)",
            subject=subject,
            verification=_words(after.get("verification_status")),
            criticality=_words(after.get("criticality")),
        )
    if after.get("verification_status") == ENTERED_IN_ERROR != before.get("verification_status"):
        return gettext("%(subject)s marked entered in error", subject=subject)
    changes = []
    if any(before.get(name) != after.get(name) for name in ALLERGEN_FIELDS):
        changes.append(gettext("was recorded as %(allergen)s", allergen=label(before)))
    if before.get("type") != after.get("type"):
        changes.append(gettext("now an intolerance") if intolerance else gettext("now an allergy"))
    for name, words in CODED_CHANGES.items():
        if before.get(name) != after.get(name):
            changes.append(f"{words} {_words(before.get(name))} → {_words(after.get(name))}")
    changes.extend(str(words) for name, words in PROSE_CHANGES.items() if before.get(name) != after.get(name))
    if not changes:
        return gettext("%(subject)s saved again, unchanged", subject=subject)
    return gettext("%(subject)s changed: %(changes)s", subject=subject, changes=", ".join(changes))


def allergy_events(session: Session, *, patient: Patient) -> list[TimelineEvent]:
    """Each state the patient's allergy records were written in (recorded, changed), oldest first."""
    records = list(patient.allergies)
    if not records:
        return []
    revisions = list(
        session.scalars(
            select(AllergyRecordRevision)
            .where(AllergyRecordRevision.allergy_id.in_([record.id for record in records]))
            .order_by(AllergyRecordRevision.allergy_id, AllergyRecordRevision.revision)
        )
    )
    label = _AllergenLabels(session, records, revisions)
    events, before = [], {}
    for revision in revisions:
        previous = before.get(revision.allergy_id)
        events.append(
            TimelineEvent(
                at=revision.changed_at,
                kind="allergy",
                summary=_allergy_summary(revision, previous, label),
                url_endpoint="patients.allergy_history",
                url_values={"patient_id": patient.id, "allergy_id": revision.allergy_id},
                by=revision.changed_by["label"] if revision.changed_by else None,
            )
        )
        before[revision.allergy_id] = revision.values
    return events


def _condition_summary(name: str, state: dict, before: dict | None) -> str:
    if before is None:
        if state.get("onset_on"):
            return gettext(
                "Condition recorded: %(name)s (active, since %(day)s)", name=name, day=_day(state["onset_on"])
            )
        return gettext("Condition recorded: %(name)s (active)", name=name)
    if state["status"] != before["status"]:
        if state["status"] == "resolved" and state.get("resolved_on"):
            return gettext("Condition resolved: %(name)s on %(day)s", name=name, day=_day(state["resolved_on"]))
        if state["status"] == "resolved":
            return gettext("Condition resolved: %(name)s", name=name)
        return gettext("Condition active again: %(name)s", name=name)
    none = gettext("none")
    dates = [
        f"{words} {_day(before.get(field)) or none} → {_day(state.get(field)) or none}"
        for field, words in (("onset_on", gettext("onset")), ("resolved_on", gettext("resolved")))
        if before.get(field) != state.get(field)
    ]
    # Otherwise only the note changed, which the history does not keep.
    if dates:
        return gettext("Condition re-dated: %(name)s (%(dates)s)", name=name, dates=", ".join(dates))
    return gettext("Condition record updated: %(name)s", name=name)


def _day(iso: str | None) -> str | None:
    """A day the history keeps as ISO text, as the page writes days ("1 March 2026", "1 mars 2026")."""
    return format_day(date.fromisoformat(iso)) if iso else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _condition_events(patient: Patient, record: ConditionRecord) -> list[TimelineEvent]:
    link = {"patient_id": patient.id, "_anchor": f"condition-{record.id}"}
    name = record.condition.name

    def event(at: datetime, summary: str, by: str | None) -> TimelineEvent:
        return TimelineEvent(_aware(at), "condition", summary, "patients.detail", link, by)

    history = list(record.history or [])
    events, before = [], None
    if not history or history[0].get("revision", 1) > 1:
        # Carried over from the old list of conditions: recorded when the patient was last changed.
        label = record.recorded_by["label"] if record.recorded_by else None
        events.append(event(record.recorded_at, gettext("Condition recorded: %(name)s (active)", name=name), label))
        before = CARRIED_OVER_STATE
    for state in history:
        at = datetime.fromisoformat(state["at"])
        events.append(event(at, _condition_summary(name, state, before), state.get("by")))
        before = state
    return events


def condition_events(patient: Patient) -> list[TimelineEvent]:
    """Each state the patient's condition records were in (recorded, resolved, re-dated), oldest first."""
    return [event for record in patient.condition_records for event in _condition_events(patient, record)]
