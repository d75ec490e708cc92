"""No clinic sees or changes another clinic's data, on any route: the app's URL map is walked.

A route added later is covered without editing this test: every rule is clinic-scoped unless it
is listed as open below. A new path argument needs a clinic-A value in `path_values`.
"""

import json
import re
from datetime import UTC, datetime

import pytest

from catalog.audit.models import AuditEntry

# Readable by anyone: the catalogue, its pages, documentation, health, sign-in.
OPEN_PAGES = {
    "static",
    "health.healthz",
    "pages.home",
    "pages.favicon",
    "pages.about",
    "ingredients.browse",
    "ingredients.detail",
    "allergens.index",
    "allergens.picker",
    "allergens.detail",
    "products.index",
    "products.detail",
    "clinics.sign_in",
    "clinics.sign_out",
    # FHIR's CapabilityStatement and CDS Hooks discovery describe the server, not a clinic.
    "fhir.metadata",
    "cds_hooks.discovery",
}
# Routes that authenticate with a token: the JSON API, FHIR and CDS Hooks.
TOKEN_ROUTES = ("/api/", "/fhir/", "/cds-services")
# Routes whose path names no clinic's data (a CDS service): a stranger naming clinic A's data in the
# body is refused as invalid input (422), not as a missing path (404).
BODY_SCOPED = {"cds_hooks.call", "cds_hooks.feedback"}
OPEN_API_READS = {"Ingredients", "Allergens", "Products", "Curation", "api-docs"}
# The shared catalogue: any signed-in clinic reads it, only curators write it.
CURATOR_WRITES = {
    "Ingredients.Ingredients",
    "Ingredients.IngredientDetail",
    "Allergens.Allergens",
    "Allergens.AllergenDetail",
    "Products.Products",
    "Products.ProductDetail",
    "Ingredients.IngredientReview",
    "Allergens.AllergenReview",
    "Products.ProductReview",
}
# Pages that write the shared catalogue: a non-curator is refused (403), whatever the clinic.
CURATOR_PAGE_WRITES = {"curation.review"}
# Bodies that would be valid if the object were the caller's, so only ownership can refuse them.
VALID_BODIES = {
    ("Patients.Allergies", "POST"): {"allergen": "soy"},
    ("Cocktails.CocktailDetail", "PATCH"): {"description": "Changed by another clinic"},
    ("Cocktails.Versions", "POST"): {"revert_to": 1, "change_note": "Another clinic's change"},
    ("Cocktails.Clone", "POST"): {"name": "Stolen copy"},
    ("Checks.CheckOverride", "POST"): {"reason": "Another clinic's override"},
    ("Patients.PatientDetail", "PATCH"): {"display_name": "Renamed by another clinic"},
    ("Patients.AllergyDetail", "PATCH"): {"criticality": "high"},
    ("Patients.Weights", "POST"): {"kg": 70},
    ("Patients.ConditionRecords", "POST"): {"condition": "bleeding-disorder"},
    ("Patients.ConditionRecordDetail", "PATCH"): {"status": "resolved"},
}
# Query strings that would be valid, for routes that need some.
VALID_QUERIES = {"Cocktails.Diff": "?from=1&to=1"}
MARKERS = ("ISOLATION-A-REF", "Isolation Alpha", "Secret note of clinic A")


def is_open(endpoint: str, method: str) -> bool:
    if endpoint in OPEN_PAGES:
        return True
    return endpoint.split(".")[0] in OPEN_API_READS and method == "GET"


def clinic_scoped_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not is_open(rule.endpoint, method):
                yield rule, method


@pytest.fixture
def clinic_a_data(api, db_session, clinic):
    patient = api.post(
        "/api/v1/patients", json={"reference": "ISOLATION-A-REF", "display_name": "Isolation Alpha"}
    ).json
    allergy = api.post(
        f"/api/v1/patients/{patient['id']}/allergies", json={"allergen": "lidocaine", "note": "Secret note of clinic A"}
    ).json
    condition = api.post(f"/api/v1/patients/{patient['id']}/conditions", json={"condition": "pregnancy"}).json
    cocktail = api.post(
        "/api/v1/cocktails",
        json={
            "name": "Isolation Alpha Mix",
            "technique": "point-injection",
            "components": [
                {"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%", "volume_ml": 2}
            ],
        },
    ).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    api.post(f"/api/v1/checks/{check['id']}/override", json={"reason": "Isolation test override"})
    lot = api.post(
        "/api/v1/lots", json={"ingredient": "lidocaine-hydrochloride", "number": "ISO-A-1", "expires_on": "2099-01-01"}
    ).json
    now = datetime.now(UTC).isoformat()
    session_body = {
        "patient": patient["id"],
        "cocktail": cocktail["id"],
        "version": 1,
        "check": check["id"],
        "performed_at": now,
        "areas": [{"area": "cheeks", "volume_ml": 1}],
        "lots": [{"position": 0, "lot": lot["id"]}],
        "prepared_by": clinic.practitioner.id,
        "administered_by": clinic.practitioner.id,
        "consent": {"at": now, "information": "Risks and aftercare explained."},
    }
    treatment = api.post("/api/v1/sessions", json=session_body)
    assert treatment.status_code == 201, treatment.json
    return {
        "patient": patient,
        "allergy": allergy,
        "cocktail": cocktail,
        "check": check,
        "condition": condition,
        "lot": lot,
        "session": treatment.json,
        "bodies": {
            ("Treatments.SessionAmendments", "POST"): {**session_body, "reason": "Another clinic's change"},
            ("fhir.post_bundle", "POST"): {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "AllergyIntolerance",
                            "identifier": [{"system": "urn:x", "value": "stolen"}],
                            "code": {"text": "Peanut"},
                            "patient": {"reference": f"Patient/{patient['id']}"},
                        }
                    }
                ],
            },
            ("cds_hooks.call", "POST"): {
                "hook": "order-select",
                "hookInstance": "isolation",
                "context": {
                    "patientId": "x",
                    "selections": ["MedicationRequest/o"],
                    "draftOrders": {
                        "resourceType": "Bundle",
                        "entry": [
                            {
                                "resource": {
                                    "resourceType": "MedicationRequest",
                                    "id": "o",
                                    "medicationReference": {"reference": f"Medication/cocktail-{cocktail['id']}-v1"},
                                }
                            }
                        ],
                    },
                },
            },
        },
    }


@pytest.fixture
def path_values(clinic, clinic_a_data, db_session):
    from catalog.clinics.models import ApiToken

    token = db_session.query(ApiToken).filter_by(clinic_id=clinic.clinic.id).first()
    return {
        "patient_id": clinic_a_data["patient"]["id"],
        "allergy_id": clinic_a_data["allergy"]["id"],
        "practitioner_id": clinic.practitioner.id,
        "token_id": token.id,
        "cocktail_id": clinic_a_data["cocktail"]["id"],
        "number": 1,
        "check_id": clinic_a_data["check"]["id"],
        "record_id": clinic_a_data["condition"]["id"],
        "lot_id": clinic_a_data["lot"]["id"],
        "session_id": clinic_a_data["session"]["id"],
        # Shared catalogue entries, for the curator-only writes.
        "slug": "ascorbic-acid",
        "code": "soy",
        "kind": "ingredient",
        "key": "ascorbic-acid",
        # FHIR ids: the allergy record, its version, the cocktail version and the check's finding.
        "resource_id": str(clinic_a_data["allergy"]["id"]),
        "version": "1",
        "service_id": "mesocat-order-select",
        "by_endpoint": {
            "fhir.read_medication": {"resource_id": f"cocktail-{clinic_a_data['cocktail']['id']}-v1"},
            "fhir.read_detected_issue": {"resource_id": f"check-{clinic_a_data['check']['id']}-1"},
        },
    }


def build_url(rule, values: dict) -> str:
    values = {**values, **values.get("by_endpoint", {}).get(rule.endpoint, {})}
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"Teach the isolation test a clinic-A value for {missing} (route {rule.rule})"
    path = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
    return path + VALID_QUERIES.get(rule.endpoint, "")


def audit_count(db_session, clinic) -> int:
    return db_session.query(AuditEntry).filter_by(clinic_id=clinic.clinic.id).count()


def assert_no_markers(response, route):
    assert_no_markers_in(response.get_data(as_text=True), route)


def assert_no_markers_in(text: str, route: str = "") -> None:
    for marker in MARKERS:
        assert marker not in text, f"{route} shows clinic A's {marker!r} to clinic B"


def test_the_walk_covers_the_clinic_routes(app):
    walked = {(rule.endpoint, method) for rule, method in clinic_scoped_routes(app)}
    expected = {
        ("Patients.Patients", "GET"),
        ("Patients.AllergyHistory", "GET"),
        ("Audit.AuditTrail", "GET"),
        ("patients.detail", "GET"),
        ("patients.edit_allergy", "POST"),
        ("clinics.revoke_token", "POST"),
        ("audit.index", "GET"),
    }
    assert expected <= walked


def test_another_clinics_token_finds_nothing_and_changes_nothing(
    app, client, api_as, other_clinic, path_values, clinic, db_session, clinic_a_data
):
    before = audit_count(db_session, clinic)
    stranger = api_as(client, other_clinic.write_token)
    for rule, method in clinic_scoped_routes(app):
        if not rule.rule.startswith(TOKEN_ROUTES):
            continue
        route = f"{method} {rule.rule}"
        url = build_url(rule, path_values)
        body = {**VALID_BODIES, **clinic_a_data["bodies"]}.get((rule.endpoint, method), {})
        response = stranger.open(url, method, json=body if method != "GET" else None)
        if rule.endpoint in CURATOR_WRITES and method != "GET":
            assert response.status_code == 403, route
        elif rule.endpoint in BODY_SCOPED:
            assert response.status_code == 422, (route, response.status_code, response.get_json())
        elif rule.arguments:
            assert response.status_code == 404, (route, response.status_code, response.get_json())
            if rule.rule.startswith("/fhir/"):
                assert response.json["resourceType"] == "OperationOutcome", route
            else:
                assert set(response.json) <= {"code", "status", "message", "errors"}, route
        assert_no_markers(response, route)
    assert audit_count(db_session, clinic) == before


def test_every_clinic_api_route_needs_a_token(app, client, path_values):
    for rule, method in clinic_scoped_routes(app):
        if rule.rule.startswith(TOKEN_ROUTES):
            response = client.open(build_url(rule, path_values), method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule}"


def test_another_clinics_practitioner_finds_nothing_and_changes_nothing(
    app, pages, other_clinic, path_values, clinic, db_session
):
    before = audit_count(db_session, clinic)
    # The admin of clinic B holds every role, so no refusal here is just a missing permission.
    pages.sign_in(other_clinic.admin.email)
    for rule, method in clinic_scoped_routes(app):
        if rule.rule.startswith(TOKEN_ROUTES):
            continue
        route = f"{method} {rule.rule}"
        response = pages.open(build_url(rule, path_values), method)
        if rule.endpoint in CURATOR_PAGE_WRITES:
            assert response.status_code == 403, (route, response.status_code)
        elif rule.arguments:
            assert response.status_code == 404, (route, response.status_code)
        else:
            assert response.status_code < 500, route
        assert_no_markers(response, route)
    assert audit_count(db_session, clinic) == before


def test_every_clinic_page_needs_a_signed_in_practitioner(app, pages, path_values):
    for rule, method in clinic_scoped_routes(app):
        if rule.rule.startswith(TOKEN_ROUTES) or method != "GET":
            continue
        response = pages.get(build_url(rule, path_values))
        assert response.status_code == 302, f"{method} {rule.rule}"
        assert "/sign-in" in response.headers["Location"]


def test_the_audit_api_shows_only_the_callers_clinic(client, api_as, other_clinic, clinic_a_data):
    entries = api_as(client, other_clinic.audit_token).get("/api/v1/audit?page_size=200").json["items"]
    assert entries, "clinic B has its own entries (its people and tokens were created)"
    assert not [e for e in entries if e["object_type"] in {"patient", "allergy"}]
    assert_no_markers_in(json.dumps(entries))


def test_tokens_and_people_of_another_clinic_are_not_listed(pages, other_clinic, clinic):
    pages.sign_in(other_clinic.admin.email)
    settings = pages.get("/settings").get_data(as_text=True)
    assert clinic.practitioner.email not in settings
    assert not re.search(re.escape(clinic.clinic.name) + r"\b", settings)


def test_another_clinics_patient_or_cocktail_cannot_be_checked(
    client, api_as, other_clinic, clinic_a_data, db_session, clinic
):
    before = audit_count(db_session, clinic)
    stranger = api_as(client, other_clinic.write_token)
    mine = stranger.post(
        "/api/v1/cocktails",
        json={
            "name": "B mix",
            "technique": "needle-free",
            "components": [{"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}],
        },
    ).json
    own_patient = stranger.post("/api/v1/patients", json={"reference": "B-1", "display_name": "B patient"}).json
    for body in (
        {"patient": clinic_a_data["patient"]["id"], "cocktail": mine["id"]},
        {"patient": own_patient["id"], "cocktail": clinic_a_data["cocktail"]["id"]},
        {
            "patient": clinic_a_data["patient"]["id"],
            "components": [{"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}],
        },
    ):
        response = stranger.post("/api/v1/checks", json=body)
        assert response.status_code == 422, (body, response.json)
        assert_no_markers(response, "POST /api/v1/checks")
    assert stranger.get("/api/v1/checks").json["total"] == 0
    assert audit_count(db_session, clinic) == before
