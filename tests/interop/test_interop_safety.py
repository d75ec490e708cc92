"""Imports and CDS calls that must never lose or misplace clinical meaning (found in review)."""

import copy

from catalog.patients.models import Patient
from tests.interop.test_cds_hooks_api import PATIENT_ID, allergy, call, hook_request, searchset
from tests.interop.test_fhir_api import ALLERGY_IDS, ehr_bundle, imported_patient

SNOMED = "http://snomed.info/sct"


def nka(verification: str = "confirmed", clinical: str = "active", patient_ref: str = "urn:uuid:p1") -> dict:
    return {
        "resourceType": "AllergyIntolerance",
        "identifier": [{"system": ALLERGY_IDS, "value": "nka-1"}],
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical}
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": verification,
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": "716186003"}]},
        "patient": {"reference": patient_ref},
    }


def test_an_allergy_naming_a_refused_patient_entry_is_refused_not_given_to_patient_n(api, db_session):
    other = api.post("/api/v1/patients", json={"reference": "BYSTANDER", "display_name": "Bystander"}).json
    bundle = ehr_bundle("batch")
    patient_entry = bundle["entry"][0]
    patient_entry["resource"]["id"] = str(other["id"])
    del patient_entry["resource"]["name"]  # the Patient entry is refused
    bundle["entry"][1]["resource"]["patient"] = {"reference": f"Patient/{other['id']}"}
    statuses = [e["response"]["status"] for e in api.post("/fhir/R4", json=bundle).json["entry"]]
    assert statuses[0].startswith("400") and statuses[1].startswith("400")
    assert db_session.get(Patient, other["id"]).allergies == []


def test_a_bundle_cannot_name_a_mesocat_patient_by_a_bare_number(api, db_session):
    other = api.post("/api/v1/patients", json={"reference": "BYSTANDER", "display_name": "Bystander"}).json
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [ehr_bundle()["entry"][1]]}
    bundle["entry"][0]["resource"]["patient"] = {"reference": f"Patient/{other['id']}"}
    assert api.post("/fhir/R4", json=bundle).json["entry"][0]["response"]["status"].startswith("400")
    assert db_session.get(Patient, other["id"]).allergies == []


def test_an_unknown_product_code_falls_back_to_the_text(api, clinic, db_session):
    bundle = ehr_bundle()
    bundle["entry"][3]["resource"]["code"] = {
        "coding": [{"system": "urn:mesocat:product", "code": "no-such-vial"}],
        "text": "Lidocaine vial",
    }
    assert api.post("/fhir/R4", json=bundle).status_code == 200
    keys = {r.allergen_key for r in imported_patient(db_session, clinic).allergies}
    assert "text:lidocaine vial" in keys


def test_a_withdrawn_no_known_allergy_withdraws_the_assertion(api, db_session):
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:x", "value": "N-9"}], "name": [{"text": "N"}]}
    first = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"fullUrl": "urn:uuid:p1", "resource": patient}, {"resource": nka()}],
    }
    api.post("/fhir/R4", json=first)
    record = db_session.query(Patient).filter_by(reference="N-9").one()
    assert record.allergy_status.value == "no-known-allergies"
    withdrawn = copy.deepcopy(first)
    withdrawn["entry"][1]["resource"] = nka(verification="entered-in-error")
    answer = api.post("/fhir/R4", json=withdrawn).json
    assert "location" not in answer["entry"][1]["response"]
    db_session.expire_all()
    assert db_session.query(Patient).filter_by(reference="N-9").one().allergy_status.value == "unknown"


def test_a_reaction_sent_as_codes_alone_keeps_its_severity(api, clinic, db_session):
    bundle = ehr_bundle()
    bundle["entry"][1]["resource"]["reaction"] = [
        {"manifestation": [{"coding": [{"system": SNOMED, "code": "39579001"}]}], "severity": "severe"}
    ]
    api.post("/fhir/R4", json=bundle)
    lidocaine = next(r for r in imported_patient(db_session, clinic).allergies if r.allergen_code == "lidocaine")
    assert (lidocaine.reaction_severity.value, lidocaine.reaction_manifestation) == ("severe", "SNOMED CT 39579001")


def test_a_re_import_that_leaves_out_criticality_does_not_downgrade_it(api, clinic, db_session):
    api.post("/fhir/R4", json=ehr_bundle())
    again = ehr_bundle()
    for field in ("criticality", "verificationStatus", "reaction"):
        del again["entry"][1]["resource"][field]
    api.post("/fhir/R4", json=again)
    db_session.expire_all()
    lidocaine = next(r for r in imported_patient(db_session, clinic).allergies if r.allergen_code == "lidocaine")
    assert (lidocaine.criticality.value, lidocaine.verification_status.value) == ("high", "confirmed")
    assert lidocaine.reaction_severity.value == "severe"


def test_a_put_changes_only_the_record_in_its_address(api, clinic, db_session):
    api.post("/fhir/R4", json=ehr_bundle())
    records = {r.allergen_key: r for r in imported_patient(db_session, clinic).allergies}
    a, b = records["lidocaine"], records["mepivacaine"]
    body = api.get(f"/fhir/R4/AllergyIntolerance/{a.id}").json
    body["identifier"] = [{"system": ALLERGY_IDS, "value": "a2"}]  # b's identifier
    body["note"] = [{"text": "Meant for a"}]
    answer = api.put(f"/fhir/R4/AllergyIntolerance/{a.id}", json=body, headers={"If-Match": 'W/"1"'})
    assert answer.status_code == 400
    db_session.expire_all()
    assert "Meant for a" not in (b.note + a.note)


def test_malformed_resources_are_refused_not_a_server_error(api, clinic, db_session):
    api.post("/fhir/R4", json=ehr_bundle())
    patient = imported_patient(db_session, clinic)
    bad = {"resourceType": "Patient", "id": str(patient.id), "name": "x", "birthDate": "abcd"}
    response = api.put(f"/fhir/R4/Patient/{patient.id}", json=bad, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 400 and response.json["resourceType"] == "OperationOutcome"
    cds = hook_request(allergies=[{**allergy("387480006"), "code": "penicillin"}])
    answer = call(api, "mesocat-order-select", cds)
    assert answer.status_code == 200
    assert any(
        card["indicator"] == "warning" and "could not be read" in card["detail"] for card in answer.json["cards"]
    )


def test_cds_a_withdrawn_no_known_allergy_leaves_allergies_unknown(api):
    withdrawn = nka(verification="entered-in-error", patient_ref=f"Patient/{PATIENT_ID}")
    cards = call(api, "mesocat-order-select", hook_request(allergies=[withdrawn])).json["cards"]
    assert any(card["indicator"] == "warning" and "allerg" in card["summary"].lower() for card in cards)


def test_cds_another_patient_s_allergies_and_a_partial_page_are_said(api):
    stranger = {**allergy("387480006"), "patient": {"reference": "Patient/someone-else"}}
    body = hook_request(allergies=[stranger])
    body["prefetch"]["allergies"] = {**searchset(stranger), "link": [{"relation": "next", "url": "http://ehr/next"}]}
    cards = call(api, "mesocat-order-select", body).json["cards"]
    unread = next(c for c in cards if c["summary"].startswith("Some of the patient's allergy data"))
    assert "not this patient's" in unread["detail"] and "first page" in unread["detail"]
    assert not any(c["indicator"] == "critical" for c in cards)


def test_paging_a_patient_s_allergies_with_no_known_allergies_skips_no_record(api, db_session):
    patient = api.post("/api/v1/patients", json={"reference": "PG-1", "display_name": "Paged"}).json
    api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    for code in ("lidocaine", "soy", "egg"):
        body = {"allergen": code, "clinical_status": "resolved"}
        assert api.post(f"/api/v1/patients/{patient['id']}/allergies", json=body).status_code == 201
    seen, url = [], f"/fhir/R4/AllergyIntolerance?patient={patient['id']}&_count=2"
    while url:
        page = api.get(url).json
        seen += [entry["resource"]["id"] for entry in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == 4 and f"nka-{patient['id']}" in seen
