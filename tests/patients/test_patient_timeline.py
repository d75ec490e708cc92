"""The patient's timeline: allergy and condition records, checks, overrides and sessions, newest first, with links."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from catalog.checks import service as checks_service
from catalog.core.timeline import TimelineEvent, merge_timelines
from catalog.patients import service as patients_service
from catalog.patients import timeline

LIDOCAINE = {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}
PRIVATE_NOTE = "Reacted at the village fete"
PRIVATE_REASON = "Patch test negative last spring"


@pytest.fixture
def patient(api):
    return api.post("/api/v1/patients", json={"reference": "TL-1", "display_name": "Tess Timeline"}).json


def timeline_of(page: str) -> list[tuple[str, str]]:
    """The timeline as the page lists it: (kind, summary) for each event, top to bottom."""
    section = page[page.index('data-testid="timeline"') :]
    section = section[: section.index("</ol>")]
    pattern = r'data-kind="([a-z]+)">.*?class="timeline-summary"[^>]*>(.*?)</(?:a|span)>'
    return re.findall(pattern, section, flags=re.S)


def record_history(api, patient) -> dict:
    """An allergy recorded then changed, a condition recorded then resolved, a check and its override, in that order."""
    allergies = f"/api/v1/patients/{patient['id']}/allergies"
    first = {"allergen": "lidocaine", "criticality": "low", "verification_status": "unconfirmed", "note": PRIVATE_NOTE}
    allergy = api.post(allergies, json=first).json
    api.patch(f"{allergies}/{allergy['id']}", json={"criticality": "high", "verification_status": "confirmed"})
    conditions = f"/api/v1/patients/{patient['id']}/conditions"
    condition = api.post(conditions, json={"condition": "pregnancy", "onset_on": "2026-03-01"}).json
    api.patch(f"{conditions}/{condition['id']}", json={"status": "resolved", "resolved_on": "2026-11-20"})
    body = {"name": "Timeline mix", "technique": "point-injection", "components": [LIDOCAINE]}
    cocktail = api.post("/api/v1/cocktails", json=body).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    assert check["outcome"] == "contraindicated"
    assert api.post(f"/api/v1/checks/{check['id']}/override", json={"reason": PRIVATE_REASON}).status_code == 201
    return {"allergy": allergy, "condition": condition, "check": check}


def test_the_patient_page_lists_what_happened_newest_first_in_plain_words(practitioner_pages, api, patient):
    made = record_history(api, patient)
    page = practitioner_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
    assert timeline_of(page) == [
        ("override", "Override recorded for Timeline mix, version 1: going ahead despite the critical finding"),
        ("check", "Checked Timeline mix, version 1: contraindicated (a critical finding)"),
        ("condition", "Condition resolved: Pregnancy on 20 November 2026"),
        ("condition", "Condition recorded: Pregnancy (active, since 1 March 2026)"),
        ("allergy", "Allergy to Lidocaine changed: criticality low → high, verification unconfirmed → confirmed"),
        ("allergy", "Allergy to Lidocaine recorded (unconfirmed, criticality low)"),
    ]
    section = page[page.index('data-testid="timeline"') :]
    section = section[: section.index("</ol>")]
    assert PRIVATE_NOTE in page, "the note is on the patient's page, with its record"
    assert PRIVATE_NOTE not in section and PRIVATE_REASON not in section, "free text stays on the records' own pages"
    assert f'href="/checks/{made["check"]["id"]}"' in section
    assert f'href="/patients/{patient["id"]}/allergies/{made["allergy"]["id"]}/history"' in section
    anchor = f"condition-{made['condition']['id']}"
    assert f'href="/patients/{patient["id"]}#{anchor}"' in section and f'id="{anchor}"' in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+\+00:00">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', section)
    assert "by API token" in section, "each event says who did it"


def test_a_patient_with_nothing_recorded_has_an_empty_timeline(practitioner_pages, patient):
    page = practitioner_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
    assert "Nothing recorded for this patient yet." in page


def test_corrections_read_as_what_they_are(practitioner_pages, api, patient):
    allergies = f"/api/v1/patients/{patient['id']}/allergies"
    first = api.post(allergies, json={"allergen": "lidocaine", "criticality": "high"}).json
    api.patch(f"{allergies}/{first['id']}", json={"allergen": "procaine", "reaction": {"manifestation": "Hives"}})
    api.patch(f"{allergies}/{first['id']}", json={"verification_status": "entered-in-error"})
    free_text = api.post(allergies, json={"allergen_text": "Sticking plaster", "type": "intolerance"}).json
    assert free_text["type"] == "intolerance"
    page = practitioner_pages.get(f"/patients/{patient['id']}").get_data(as_text=True)
    summaries = [summary for kind, summary in timeline_of(page) if kind == "allergy"]
    assert summaries[:3] == [
        "Intolerance to Sticking plaster recorded (unconfirmed, criticality unable to assess)",
        "Allergy to Procaine marked entered in error",
        "Allergy to Procaine changed: was recorded as Lidocaine, reaction changed",
    ]
    assert "Hives" not in page[page.index('data-testid="timeline"') :]


def test_a_condition_carried_over_without_history_still_shows_when_it_was_recorded(db_session, api, clinic, patient):
    record = api.post(f"/api/v1/patients/{patient['id']}/conditions", json={"condition": "pregnancy"}).json
    stored = patients_service.get_patient(db_session, clinic_id=clinic.clinic.id, patient_id=patient["id"])
    (condition,) = [r for r in stored.condition_records if r.id == record["id"]]
    condition.history = []  # as migration 0008 carried the old list of conditions over
    db_session.flush()
    (event,) = timeline.condition_events(stored)
    assert (event.at, event.summary) == (condition.recorded_at, "Condition recorded: Pregnancy (active)")


def test_only_the_acting_clinic_s_records_are_on_the_timeline(
    db_session, api, pages, clinic, other_clinic, patient, practitioner_pages
):
    record_history(api, patient)
    assert checks_service.check_events(db_session, clinic_id=other_clinic.clinic.id, patient_id=patient["id"]) == []
    own = checks_service.check_events(db_session, clinic_id=clinic.clinic.id, patient_id=patient["id"])
    assert sorted(event.kind for event in own) == ["check", "override"]
    stranger = type(pages)(pages.client.application.test_client())
    stranger.sign_in(other_clinic.practitioner.email)
    assert stranger.get(f"/patients/{patient['id']}").status_code == 404


def test_the_check_events_are_the_newest_within_the_limit(db_session, api, clinic, patient):
    body = {"name": "Often checked", "technique": "point-injection", "components": [LIDOCAINE]}
    cocktail = api.post("/api/v1/cocktails", json=body).json
    ids = [api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json["id"]]
    ids += [api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json["id"]]
    events = checks_service.check_events(db_session, clinic_id=clinic.clinic.id, patient_id=patient["id"], limit=1)
    assert [event.url_values for event in events] == [{"check_id": ids[-1]}]
    assert events[0].summary.startswith("Checked Often checked, version 1: ")


def event(minutes: int, kind: str) -> TimelineEvent:
    return TimelineEvent(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes), kind, f"{kind} {minutes}")


def test_merging_any_number_of_event_lists_sorts_them_newest_first():
    allergies = [event(1, "allergy"), event(5, "allergy")]
    checks = [event(3, "check"), event(5, "check")]
    sessions = [event(4, "session")]  # a later domain adds its list the same way
    merged = merge_timelines([allergies, checks, sessions])
    assert [e.summary for e in merged] == ["allergy 5", "check 5", "session 4", "check 3", "allergy 1"]
    assert [e.summary for e in merge_timelines([allergies, checks, sessions], limit=2)] == ["allergy 5", "check 5"]
    assert merge_timelines([]) == []
