"""FHIR R4 at /fhir/R4: reads, searches, history and versioned updates, Bundle import and export, checked
against the fhir.resources R4B models (the R4-compatible release that library ships)."""

import copy

import pytest
from fhir.resources.R4B import get_fhir_model_class

from catalog.audit.models import AuditEntry
from catalog.patients.models import AllergyRecord, AllergyRecordRevision, Patient

EHR = "https://ehr.example.org/fhir"
MRN = "https://ehr.example.org/mrn"
ALLERGY_IDS = "https://ehr.example.org/allergy-ids"


def valid(resource: dict) -> dict:
    """The resource, after checking it against the FHIR model of its type (raises if it does not conform)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def ehr_bundle(kind: str = "transaction") -> dict:
    """What an EHR sends: a patient, a coded lidocaine allergy (SNOMED), a coded one by UNII, and one nothing maps."""
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {
                "fullUrl": "urn:uuid:6b1ab1d6-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": MRN, "value": "MRN-4411"}],
                    "name": [{"given": ["Ada"], "family": "Martin"}],
                    "birthDate": "1984-05-02",
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": f"{EHR}/AllergyIntolerance/a1",
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "identifier": [{"system": ALLERGY_IDS, "value": "a1"}],
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                "code": "active",
                            }
                        ]
                    },
                    "verificationStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                                "code": "confirmed",
                            }
                        ]
                    },
                    "type": "allergy",
                    "criticality": "high",
                    "code": {
                        "coding": [{"system": "http://snomed.info/sct", "code": "387480006"}],
                        "text": "Lidocaine",
                    },
                    "patient": {"reference": "urn:uuid:6b1ab1d6-0000-4000-8000-000000000001"},
                    "reaction": [
                        {"manifestation": [{"text": "Anaphylaxis"}], "severity": "severe"},
                        {"manifestation": [{"text": "Urticaria"}], "severity": "moderate"},
                    ],
                    "note": [{"text": "After dental block, 2019."}],
                },
                "request": {"method": "POST", "url": "AllergyIntolerance"},
            },
            {
                "fullUrl": f"{EHR}/AllergyIntolerance/a2",
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "identifier": [{"system": ALLERGY_IDS, "value": "a2"}],
                    "code": {"coding": [{"system": "http://fdasis.nlm.nih.gov", "code": "4VFX2L7EM5"}]},
                    "patient": {"reference": "urn:uuid:6b1ab1d6-0000-4000-8000-000000000001"},
                },
                "request": {"method": "POST", "url": "AllergyIntolerance"},
            },
            {
                "fullUrl": f"{EHR}/AllergyIntolerance/a3",
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "code": {
                        "coding": [{"system": "http://example.org/local-codes", "code": "X-77", "display": "Kiwi"}],
                        "text": "Kiwi fruit",
                    },
                    "criticality": "low",
                    "patient": {"reference": "urn:uuid:6b1ab1d6-0000-4000-8000-000000000001"},
                },
                "request": {"method": "POST", "url": "AllergyIntolerance"},
            },
        ],
    }


def fhir_post(api, url, body, **kwargs):
    return api.post(url, json=body, **kwargs)


def imported_patient(db_session, clinic) -> Patient:
    return db_session.query(Patient).filter_by(clinic_id=clinic.clinic.id, reference="MRN-4411").one()


def test_the_capability_statement_is_public_valid_fhir_and_names_what_is_served(client):
    response = client.get("/fhir/R4/metadata")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    statement = valid(response.json)
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: {i["code"] for i in r["interaction"]} for r in statement["rest"][0]["resource"]}
    assert served["AllergyIntolerance"] >= {"read", "vread", "update", "history-instance", "search-type"}
    assert {"Patient", "Medication", "DetectedIssue"} <= set(served)
    params = {
        p["name"]
        for r in statement["rest"][0]["resource"]
        if r["type"] == "AllergyIntolerance"
        for p in r["searchParam"]
    }
    assert {"patient", "clinical-status", "_lastUpdated"} <= params


def test_every_other_route_needs_a_token_and_answers_an_operation_outcome(client):
    response = client.get("/fhir/R4/Patient")
    assert response.status_code == 401
    assert response.mimetype == "application/fhir+json"
    outcome = valid(response.json)
    assert outcome["issue"][0]["code"] == "login"


def test_a_transaction_bundle_imports_patients_and_allergies_with_codes_mapped(api, clinic, db_session):
    response = fhir_post(api, "/fhir/R4", ehr_bundle())
    assert response.status_code == 200, response.json
    valid(response.json)
    assert response.json["type"] == "transaction-response"
    assert [e["response"]["status"] for e in response.json["entry"]] == ["201 Created"] * 4
    patient = imported_patient(db_session, clinic)
    assert (patient.display_name, patient.birth_year) == ("Ada Martin", 1984)
    by_key = {record.allergen_key: record for record in patient.allergies}
    lidocaine = by_key["lidocaine"]
    assert (lidocaine.criticality.value, lidocaine.verification_status.value) == ("high", "confirmed")
    # Both reactions kept; the worse severity stands for them.
    assert lidocaine.reaction_manifestation == "Anaphylaxis; Urticaria"
    assert lidocaine.reaction_severity.value == "severe"
    assert lidocaine.note == "After dental block, 2019."
    # The UNII of mepivacaine hydrochloride maps to the catalogue's mepivacaine.
    assert "mepivacaine" in by_key
    # Nothing maps a local kiwi code: the text is kept, as a free-text record the check reads.
    kiwi = by_key["text:kiwi fruit"]
    assert (kiwi.allergen_code, kiwi.allergen_text, kiwi.verification_status.value) == (
        None,
        "Kiwi fruit",
        "unconfirmed",
    )


def test_importing_the_same_bundle_twice_changes_nothing(api, clinic, db_session):
    assert fhir_post(api, "/fhir/R4", ehr_bundle()).status_code == 200
    counts = (
        db_session.query(AllergyRecordRevision).count(),
        db_session.query(AuditEntry).count(),
        db_session.query(AllergyRecord).count(),
    )
    again = fhir_post(api, "/fhir/R4", ehr_bundle())
    assert again.status_code == 200
    assert [e["response"]["status"] for e in again.json["entry"]] == ["200 OK"] * 4
    db_session.expire_all()
    assert (
        db_session.query(AllergyRecordRevision).count(),
        db_session.query(AuditEntry).count(),
        db_session.query(AllergyRecord).count(),
    ) == counts


def test_a_transaction_with_a_refused_entry_writes_nothing_and_says_why_per_entry(api, clinic, db_session):
    bundle = ehr_bundle()
    bundle["entry"][2]["resource"]["patient"] = {"reference": "Patient/999999"}  # not this clinic's
    del bundle["entry"][3]["resource"]["code"]  # nothing names the allergen
    response = fhir_post(api, "/fhir/R4", bundle)
    assert response.status_code == 422
    outcome = valid(response.json)
    expressions = sorted(issue["expression"][0] for issue in outcome["issue"])
    assert expressions[0].startswith("Bundle.entry[2]")
    assert expressions[1].startswith("Bundle.entry[3]")
    assert db_session.query(Patient).filter_by(reference="MRN-4411").count() == 0


def test_a_batch_keeps_the_entries_it_could_import(api, clinic, db_session):
    bundle = ehr_bundle("batch")
    del bundle["entry"][3]["resource"]["code"]
    response = fhir_post(api, "/fhir/R4", bundle)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses[:3] == ["201 Created"] * 3 and statuses[3].startswith("400")
    assert response.json["entry"][3]["response"]["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[3].resource.code"
    ]
    assert len(imported_patient(db_session, clinic).allergies) == 2


@pytest.mark.parametrize(
    ("change", "expression", "why"),
    [
        (
            {"name": [{"text": "   "}, {"given": ["Ada"], "family": "Martin"}]},
            None,
            None,
        ),  # a blank text is passed over
        ({"name": [{"text": " "}]}, "Bundle.entry[0].resource.name", "needs a name"),
        ({"name": [{"text": "A" * 201}]}, "Bundle.entry[0].resource.name", "not cut"),
        ({"birthDate": "1850-01-01"}, "Bundle.entry[0].resource.birthDate", "between 1900 and today"),
        ({"birthDate": "2999-01-01"}, "Bundle.entry[0].resource.birthDate", "between 1900 and today"),
    ],
    ids=["blank text then given and family", "only a blank name", "a name too long", "born 1850", "born in 2999"],
)
def test_an_imported_patient_is_held_to_what_the_patient_form_allows(api, clinic, db_session, change, expression, why):
    bundle = ehr_bundle("batch")
    bundle["entry"][0]["resource"].update(change)
    entry = fhir_post(api, "/fhir/R4", bundle).json["entry"][0]["response"]
    if expression is None:
        assert entry["status"] == "201 Created"
        assert imported_patient(db_session, clinic).display_name == "Ada Martin"
        return
    assert entry["status"].startswith("400")
    issue = entry["outcome"]["issue"][0]
    assert issue["expression"] == [expression] and why in issue["diagnostics"]
    assert db_session.query(Patient).filter_by(clinic_id=clinic.clinic.id, reference="MRN-4411").count() == 0


def test_an_invalid_resource_is_refused_with_the_model_s_reasons(api):
    bundle = ehr_bundle()
    bundle["entry"][1]["resource"]["reaction"] = [{"severity": "severe"}]  # manifestation is required
    response = fhir_post(api, "/fhir/R4", bundle)
    assert response.status_code == 422
    assert any("reaction" in issue["expression"][0] for issue in response.json["issue"])


def test_no_known_allergy_is_carried_over_and_narrower_ones_are_not(api, clinic, db_session):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:p1",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": MRN, "value": "N-1"}],
                    "name": [{"text": "No Allergy"}],
                },
            },
            {
                "fullUrl": "urn:uuid:p2",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": MRN, "value": "N-2"}],
                    "name": [{"text": "No Drug Allergy"}],
                },
            },
            {
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "716186003"}]},
                    "patient": {"reference": "urn:uuid:p1"},
                }
            },
            {
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "409137002"}]},
                    "patient": {"reference": "urn:uuid:p2"},
                }
            },
        ],
    }
    response = fhir_post(api, "/fhir/R4", bundle)
    assert response.status_code == 200, response.json
    warning = response.json["entry"][3]["response"]["outcome"]["issue"][0]
    assert warning["severity"] == "warning" and "No known drug allergy" in warning["diagnostics"]
    statuses = {
        p.reference: p.allergy_status.value
        for p in db_session.query(Patient).filter(Patient.reference.in_(["N-1", "N-2"]))
    }
    assert statuses == {"N-1": "no-known-allergies", "N-2": "unknown"}
    p1 = next(p for p in db_session.query(Patient).filter_by(reference="N-1"))
    found = api.get(f"/fhir/R4/AllergyIntolerance?patient={p1.id}").json
    (nka,) = [valid(e["resource"]) for e in found["entry"]]
    assert nka["code"]["coding"][0]["code"] == "716186003"


def test_read_gives_version_and_etag_and_history_keeps_each_version(api, clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    record = next(r for r in patient.allergies if r.allergen_code == "lidocaine")
    url = f"/fhir/R4/AllergyIntolerance/{record.id}"
    first = api.get(url)
    assert first.headers["ETag"] == 'W/"1"'
    resource = valid(first.json)
    assert resource["meta"]["versionId"] == "1"
    codings = {(c["system"], c["code"]) for c in resource["code"]["coding"]}
    assert ("http://snomed.info/sct", "387480006") in codings and ("urn:mesocat:allergen", "lidocaine") in codings
    assert resource["patient"]["reference"] == f"Patient/{patient.id}"

    changed = copy.deepcopy(resource)
    changed["clinicalStatus"]["coding"][0]["code"] = "resolved"
    assert api.put(url, json=changed).status_code == 428  # no If-Match: could overwrite an unseen change
    assert api.put(url, json=changed, headers={"If-Match": 'W/"7"'}).status_code == 412
    updated = api.put(url, json=changed, headers={"If-Match": 'W/"1"'})
    assert updated.status_code == 200, updated.json
    assert updated.headers["ETag"] == 'W/"2"'
    assert updated.json["clinicalStatus"]["coding"][0]["code"] == "resolved"
    stale = api.put(url, json=changed, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and valid(stale.json)["resourceType"] == "OperationOutcome"

    history = valid(api.get(f"{url}/_history").json)
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    old = api.get(f"{url}/_history/1")
    assert old.json["clinicalStatus"]["coding"][0]["code"] == "active"
    assert api.get(f"{url}/_history/9").status_code == 404


def test_patients_are_read_searched_and_updated_by_version(api, clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    url = f"/fhir/R4/Patient/{patient.id}"
    resource = valid(api.get(url).json)
    assert resource["birthDate"] == "1984"
    assert {"system": MRN, "value": "MRN-4411"} in resource["identifier"]
    found = valid(api.get(f"/fhir/R4/Patient?identifier={MRN}|MRN-4411").json)
    assert [e["resource"]["id"] for e in found["entry"]] == [str(patient.id)]
    assert api.get("/fhir/R4/Patient?identifier=nobody").json.get("entry", []) == []
    renamed = {**resource, "name": [{"text": "Ada Martin-Leroy"}]}
    answer = api.put(url, json=renamed, headers={"If-Match": 'W/"1"'})
    assert answer.status_code == 200, answer.json
    assert answer.json["name"][0]["text"] == "Ada Martin-Leroy" and answer.headers["ETag"] == 'W/"2"'
    history = api.get(f"{url}/_history").json
    assert [e["resource"]["name"][0]["text"] for e in history["entry"]] == ["Ada Martin-Leroy", "Ada Martin"]


def test_allergy_search_filters_by_patient_status_and_last_update(api, clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    everything = valid(api.get(f"/fhir/R4/AllergyIntolerance?patient=Patient/{patient.id}").json)
    assert len(everything["entry"]) == 3
    assert (
        api.get(f"/fhir/R4/AllergyIntolerance?patient={patient.id}&clinical-status=resolved").json.get("entry", [])
        == []
    )
    assert (
        len(api.get(f"/fhir/R4/AllergyIntolerance?patient={patient.id}&_lastUpdated=ge2020-01-01").json["entry"]) == 3
    )
    assert (
        api.get(f"/fhir/R4/AllergyIntolerance?patient={patient.id}&_lastUpdated=lt2020-01-01").json.get("entry", [])
        == []
    )
    paged = api.get(f"/fhir/R4/AllergyIntolerance?patient={patient.id}&_count=2").json
    assert len(paged["entry"]) == 2 and any(link["relation"] == "next" for link in paged["link"])


def test_an_unknown_search_parameter_is_refused_not_ignored(api):
    # A typo'd `patient` ignored would answer every patient's allergies.
    response = api.get("/fhir/R4/AllergyIntolerance?patinet=1")
    assert response.status_code == 400
    assert valid(response.json)["issue"][1]["expression"] == ["patinet"]
    assert api.get("/fhir/R4/AllergyIntolerance?_lastUpdated=yesterday").status_code == 400


def test_another_clinic_s_records_do_not_exist_here(api, api_as, client, clinic, other_clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    record = patient.allergies[0]
    other = api_as(client, other_clinic.write_token)
    assert other.get(f"/fhir/R4/Patient/{patient.id}").status_code == 404
    assert other.get(f"/fhir/R4/AllergyIntolerance/{record.id}").status_code == 404
    assert other.get(f"/fhir/R4/AllergyIntolerance?patient={patient.id}").status_code == 404
    assert other.get("/fhir/R4/Patient").json.get("entry", []) == []


def test_a_read_token_cannot_import(api_as, client, clinic):
    response = api_as(client, clinic.read_token).post("/fhir/R4", json=ehr_bundle())
    assert response.status_code == 403


def test_export_then_import_gives_the_same_records(api, api_as, client, clinic, other_clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    exported = valid(api.get(f"/fhir/R4/Patient/{patient.id}/$everything").json)
    resources = [entry["resource"] for entry in exported["entry"]]
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": f"http://mesocat.test/fhir/R4/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
            if r["resourceType"] in ("Patient", "AllergyIntolerance")
        ],
    }
    other = api_as(client, other_clinic.write_token)
    response = other.post("/fhir/R4", json=transaction)
    assert response.status_code == 200, response.json

    def records(clinic_id):
        copy_of = db_session.query(Patient).filter_by(clinic_id=clinic_id, reference="MRN-4411").one()
        return (
            copy_of.display_name,
            copy_of.birth_year,
            sorted(
                (
                    r.allergen_key,
                    r.allergen_text,
                    r.type.value,
                    r.criticality.value,
                    r.clinical_status.value,
                    r.verification_status.value,
                    r.reaction_manifestation,
                    r.reaction_severity and r.reaction_severity.value,
                    r.note,
                )
                for r in copy_of.allergies
            ),
        )

    assert records(other_clinic.clinic.id) == records(clinic.clinic.id)
    # And a second import of the export changes nothing.
    again = other.post("/fhir/R4", json=transaction)
    assert {e["response"]["status"] for e in again.json["entry"]} == {"200 OK"}


SAMPLE_COMPONENTS = [
    {"ingredient": "lidocaine-hydrochloride", "concentration": 1, "unit": "%", "volume_ml": 2},
    {"product": "xylocaine-1-multi-dose", "volume_ml": 1},
]


@pytest.fixture
def checked(api, clinic, db_session):
    fhir_post(api, "/fhir/R4", ehr_bundle())
    patient = imported_patient(db_session, clinic)
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Numbing", "technique": "point-injection", "components": SAMPLE_COMPONENTS}
    ).json
    check = api.post("/api/v1/checks", json={"patient": patient.id, "cocktail": cocktail["id"]})
    assert check.status_code == 201, check.json
    return patient, cocktail, check.json


def test_a_cocktail_version_is_a_medication_with_strengths_and_its_products_contained(api, checked):
    _patient, cocktail, _check = checked
    medication = valid(api.get(f"/fhir/R4/Medication/cocktail-{cocktail['id']}-v1").json)
    first, second = medication["ingredient"]
    assert first["itemCodeableConcept"]["coding"][0]["code"] == "lidocaine-hydrochloride"
    # 1 % is 1 g per 100 mL, in UCUM.
    assert first["strength"]["numerator"] == {
        "value": 1,
        "unit": "g",
        "system": "http://unitsofmeasure.org",
        "code": "g",
    }
    assert first["strength"]["denominator"]["value"] == 100
    product = medication["contained"][0]
    assert second["itemReference"]["reference"] == f"#{product['id']}"
    # The vial's excipients are listed too, as inactive ingredients.
    assert any(item["isActive"] is False for item in product["ingredient"])
    assert api.get("/fhir/R4/Medication/cocktail-x").status_code == 404


def test_recorded_checks_are_detected_issues(api, checked):
    patient, cocktail, _check = checked
    found = valid(api.get(f"/fhir/R4/DetectedIssue?patient={patient.id}").json)
    issues = [valid(entry["resource"]) for entry in found["entry"]]
    allergy = next(i for i in issues if i["code"]["text"] == "allergy")
    assert allergy["severity"] == "high"
    assert allergy["implicated"] == [{"reference": f"Medication/cocktail-{cocktail['id']}-v1"}]
    assert any("reference" in item for item in allergy["evidence"][0]["detail"])
    assert api.get(f"/fhir/R4/DetectedIssue/{allergy['id']}").json == allergy


def test_detected_issues_are_paged_by_check_with_links_and_never_repeated(api, checked):
    patient, cocktail, _check = checked
    for _ in range(2):  # three checks in all
        assert api.post("/api/v1/checks", json={"patient": patient.id, "cocktail": cocktail["id"]}).status_code == 201
    first = valid(api.get(f"/fhir/R4/DetectedIssue?patient={patient.id}&_count=2").json)
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "next" in links and "previous" not in links
    second = valid(api.get("/fhir/R4" + links["next"].split("/fhir/R4", 1)[1]).json)
    later = {link["relation"] for link in second["link"]}
    assert "previous" in later and "next" not in later

    ids = [entry["resource"]["id"] for bundle in (first, second) for entry in bundle["entry"]]
    assert len(ids) == len(set(ids))  # no finding on two pages
    everything = api.get(f"/fhir/R4/DetectedIssue?patient={patient.id}&_count=50").json
    assert sorted(ids) == sorted(entry["resource"]["id"] for entry in everything["entry"])
