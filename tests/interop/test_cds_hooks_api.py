"""The CDS Hooks service: discovery, order-select and order-sign calls answered with cards, and feedback.

Requests and answers follow the shapes of the CDS Hooks 2.0 specification's examples (order-select
context with selections and draftOrders; cards with uuid, summary, indicator, source, overrideReasons;
feedback with card, outcome, overrideReason and outcomeTimestamp)."""

import uuid

import pytest
from fhir.resources.R4B import get_fhir_model_class

from catalog.audit.models import AuditEntry
from catalog.interop.models import CdsFeedback, CdsInvocation

PATIENT_ID = "1288992"
SNOMED = "http://snomed.info/sct"


def allergy(code: str | None = None, text: str | None = None, criticality: str = "high", rid: str = "al-1") -> dict:
    concept = {}
    if code:
        concept["coding"] = [{"system": SNOMED, "code": code}]
    if text:
        concept["text"] = text
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": rid,
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}
            ]
        },
        "verificationStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}
            ]
        },
        "criticality": criticality,
        "code": concept,
        "patient": {"reference": f"Patient/{PATIENT_ID}"},
    }
    get_fhir_model_class("AllergyIntolerance").model_validate(resource)
    return resource


def searchset(*resources) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def ingredients_order(order_id: str = "ORDER-123") -> dict:
    """A draft MedicationRequest of catalogue ingredients at their strengths, in a contained Medication."""
    request = {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "mix",
                "code": {"text": "Lidocaine and vitamin C"},
                "ingredient": [
                    {
                        "itemCodeableConcept": {
                            "coding": [{"system": "urn:mesocat:ingredient", "code": "lidocaine-hydrochloride"}]
                        },
                        "strength": {
                            "numerator": {"value": 1, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"},
                            "denominator": {
                                "value": 100,
                                "unit": "mL",
                                "system": "http://unitsofmeasure.org",
                                "code": "mL",
                            },
                        },
                    },
                    {
                        "itemCodeableConcept": {
                            "coding": [{"system": "urn:mesocat:ingredient", "code": "ascorbic-acid"}]
                        },
                        "strength": {
                            "numerator": {
                                "value": 10,
                                "unit": "mg",
                                "system": "http://unitsofmeasure.org",
                                "code": "mg",
                            },
                            "denominator": {
                                "value": 1,
                                "unit": "mL",
                                "system": "http://unitsofmeasure.org",
                                "code": "mL",
                            },
                        },
                    },
                ],
            }
        ],
        "medicationReference": {"reference": "#mix"},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }
    get_fhir_model_class("MedicationRequest").model_validate(request)
    return request


def hook_request(hook: str = "order-select", *, orders=None, allergies=None, prefetch=True, birth="1980-01-01") -> dict:
    orders = orders if orders is not None else [ingredients_order()]
    body = {
        "hookInstance": str(uuid.uuid4()),
        "hook": hook,
        "context": {
            "userId": "Practitioner/123",
            "patientId": PATIENT_ID,
            "encounterId": "89284",
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order} for order in orders]},
        },
    }
    if hook == "order-select":
        body["context"]["selections"] = [f"MedicationRequest/{orders[0]['id']}"]
    if prefetch:
        body["prefetch"] = {
            "patient": {"resourceType": "Patient", "id": PATIENT_ID, "birthDate": birth},
            "allergies": searchset(*(allergies or [])),
        }
    return body


def call(api, service: str, body: dict):
    return api.post(f"/cds-services/{service}", json=body)


def assert_cards_follow_the_specification(cards: list[dict]) -> None:
    for card in cards:
        uuid.UUID(card["uuid"])
        assert 0 < len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"]
        for reason in card.get("overrideReasons", []):
            assert reason["code"] and reason["display"]


def test_discovery_lists_both_hooks_with_their_prefetch(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = {s["hook"]: s for s in response.json["services"]}
    assert set(services) == {"order-select", "order-sign"}
    for service in services.values():
        assert service["id"] and service["description"]
        assert service["prefetch"]["allergies"] == "AllergyIntolerance?patient={{context.patientId}}"


def test_a_lidocaine_allergy_against_a_lidocaine_order_is_a_critical_card(api, db_session):
    body = hook_request(allergies=[allergy("387480006", "Lidocaine")])
    response = call(api, "mesocat-order-select", body)
    assert response.status_code == 200, response.json
    cards = response.json["cards"]
    assert_cards_follow_the_specification(cards)
    critical = cards[0]
    assert critical["indicator"] == "critical"
    assert "AllergyIntolerance/al-1" in critical["detail"]
    assert "Lidocaine" in critical["detail"]
    assert {r["code"] for r in critical["overrideReasons"]} >= {"benefit-outweighs-risk"}
    # What the EHR did not send is said, never taken as clear.
    (gaps,) = [c for c in cards if c["summary"].startswith("Not everything")]
    assert "Conditions" in gaps["detail"] and "weight" in gaps["detail"]
    invocation = db_session.query(CdsInvocation).filter_by(hook_instance=body["hookInstance"]).one()
    assert (invocation.outcome, invocation.fhir_patient) == ("contraindicated", PATIENT_ID)


def test_a_bee_venom_allergy_by_snomed_code_reaches_bovine_hyaluronidase_through_a_cited_link(api):
    order = ingredients_order()
    order["contained"][0]["ingredient"] = [
        {
            "itemCodeableConcept": {"coding": [{"system": "urn:mesocat:ingredient", "code": "hyaluronidase-bovine"}]},
            "strength": {
                "numerator": {
                    "value": 150,
                    "unit": "[USP'U]",
                    "system": "http://unitsofmeasure.org",
                    "code": "[USP'U]",
                },
                "denominator": {"value": 1, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"},
            },
        }
    ]
    body = hook_request(orders=[order], allergies=[allergy("288328004", "Bee sting")])
    cards = call(api, "mesocat-order-select", body).json["cards"]
    assert_cards_follow_the_specification(cards)
    card = next(c for c in cards if "hyaluronidase" in c["summary"].lower())
    assert card["indicator"] in ("warning", "critical")
    assert "Path:" in card["detail"] and "Bee venom" in card["detail"]
    # The card names the source of the cross-reaction, not only Mesocat.
    assert not card["source"]["label"].startswith("Mesocat")


def test_without_allergies_sent_the_check_says_they_are_unknown(api):
    response = call(api, "mesocat-order-sign", hook_request("order-sign", prefetch=False))
    assert response.status_code == 200
    cards = response.json["cards"]
    assert any(c["indicator"] == "warning" and "allerg" in c["summary"].lower() for c in cards)
    unread = next(c for c in cards if c["summary"].startswith("Some of the patient's allergy data"))
    assert unread["indicator"] == "warning" and "allergies were not sent" in unread["detail"]


def test_a_free_text_allergy_nothing_maps_is_still_read(api):
    cards = call(
        api, "mesocat-order-select", hook_request(allergies=[allergy(text="lidocaine", criticality="high")])
    ).json["cards"]
    assert any("Lidocaine" in c["summary"] and c["indicator"] in ("warning", "critical") for c in cards)


def test_a_caller_s_fhir_server_is_not_fetched_unless_the_deployment_lists_it(api, monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("fetched an address nobody allowed")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    body = hook_request(prefetch=False)
    body["fhirServer"] = "http://127.0.0.1:6379"
    cards = call(api, "mesocat-order-select", body).json["cards"]
    assert any("could not be fetched" in c["detail"] for c in cards)


@pytest.fixture
def cocktail(api):
    return api.post(
        "/api/v1/cocktails",
        json={
            "name": "Scar mix",
            "technique": "point-injection",
            "components": [{"ingredient": "lidocaine-hydrochloride", "concentration": 1, "unit": "%"}],
        },
    ).json


def test_an_order_may_name_a_cocktail_version_as_a_medication(api, cocktail):
    order = {
        "resourceType": "MedicationRequest",
        "id": "o-9",
        "status": "draft",
        "intent": "order",
        "medicationReference": {"reference": f"Medication/cocktail-{cocktail['id']}-v1"},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }
    response = call(
        api, "mesocat-order-sign", hook_request("order-sign", orders=[order], allergies=[allergy("387480006")])
    )
    assert response.status_code == 200, response.json
    critical = response.json["cards"][0]
    assert critical["indicator"] == "critical" and "Scar mix, version 1" in critical["detail"]


def test_another_clinic_s_cocktail_cannot_be_named(api_as, client, other_clinic, cocktail):
    order = {
        "resourceType": "MedicationRequest",
        "id": "o-9",
        "status": "draft",
        "intent": "order",
        "medicationReference": {"reference": f"Medication/cocktail-{cocktail['id']}-v1"},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }
    other = api_as(client, other_clinic.write_token)
    response = call(other, "mesocat-order-sign", hook_request("order-sign", orders=[order]))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hook="patient-view"), "hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (lambda b: b["context"].update(selections=[]), "context.selections"),
        (
            lambda b: b["context"]["draftOrders"]["entry"][0]["resource"]["contained"][0]["ingredient"][0].pop(
                "strength"
            ),
            "strength",
        ),
    ],
)
def test_a_malformed_call_is_a_422_naming_the_field(api, change, field):
    body = hook_request()
    change(body)
    response = call(api, "mesocat-order-select", body)
    assert response.status_code == 422
    assert any(field in name for name in response.json["errors"]["json"])


def test_calls_need_a_write_token_and_a_known_service(api, api_as, client, clinic):
    assert api_as(client, None).post("/cds-services/mesocat-order-select", json=hook_request()).status_code == 401
    assert call(api, "no-such-service", hook_request()).status_code == 404


def test_feedback_records_an_override_with_its_reason_once(api, db_session):
    cards = call(api, "mesocat-order-select", hook_request(allergies=[allergy("387480006")])).json["cards"]
    critical = cards[0]
    reason = critical["overrideReasons"][0]
    feedback = {
        "feedback": [
            {
                "card": critical["uuid"],
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"code": reason["code"], "system": reason["system"]},
                    "userComment": "Patch test negative in 2024.",
                },
                "outcomeTimestamp": "2026-12-03T10:00:00Z",
            }
        ]
    }
    assert api.post("/cds-services/mesocat-order-select/feedback", json=feedback).status_code == 200
    assert api.post("/cds-services/mesocat-order-select/feedback", json=feedback).status_code == 200
    (kept,) = db_session.query(CdsFeedback).all()
    assert (kept.outcome, kept.reason_code, kept.user_comment) == (
        "overridden",
        reason["code"],
        "Patch test negative in 2024.",
    )
    actions = [e.action for e in db_session.query(AuditEntry).filter(AuditEntry.action.like("cds.%"))]
    assert actions.count("cds.card_overridden") == 1


def test_a_critical_card_is_not_overridden_without_a_reason_nor_with_one_it_did_not_offer(api):
    cards = call(api, "mesocat-order-select", hook_request(allergies=[allergy("387480006")])).json["cards"]
    base = {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-03T10:00:00Z"}
    assert api.post("/cds-services/mesocat-order-select/feedback", json={"feedback": [base]}).status_code == 422
    made_up = {**base, "overrideReason": {"reason": {"code": "because", "system": "urn:x"}}}
    assert api.post("/cds-services/mesocat-order-select/feedback", json={"feedback": [made_up]}).status_code == 422
    unknown = {**base, "card": str(uuid.uuid4()), "outcome": "accepted"}
    assert api.post("/cds-services/mesocat-order-select/feedback", json={"feedback": [unknown]}).status_code == 422


def test_another_clinic_cannot_send_feedback_on_these_cards(api, api_as, client, other_clinic):
    cards = call(api, "mesocat-order-select", hook_request(allergies=[allergy("387480006")])).json["cards"]
    item = {"card": cards[0]["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-12-03T10:00:00Z"}
    other = api_as(client, other_clinic.write_token)
    assert other.post("/cds-services/mesocat-order-select/feedback", json={"feedback": [item]}).status_code == 422


def test_allergies_are_fetched_from_a_listed_fhir_server_when_not_prefetched(api, app, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = {}

    class FhirServer(BaseHTTPRequestHandler):
        def do_GET(self):
            seen["path"], seen["authorization"] = self.path, self.headers.get("Authorization")
            body = json.dumps(searchset(allergy("387480006", "Lidocaine"))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), FhirServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/fhir"
    monkeypatch.setitem(app.config, "CDS_FHIR_SERVERS", [base])
    try:
        body = hook_request(prefetch=False)
        body["fhirServer"] = base
        body["fhirAuthorization"] = {"access_token": "ehr-token", "token_type": "Bearer", "scope": "patient/*.read"}
        cards = call(api, "mesocat-order-select", body).json["cards"]
    finally:
        server.shutdown()
    assert seen == {"path": f"/fhir/AllergyIntolerance?patient={PATIENT_ID}", "authorization": "Bearer ehr-token"}
    assert cards[0]["indicator"] == "critical"
