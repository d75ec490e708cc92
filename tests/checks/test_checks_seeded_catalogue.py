"""The examples of the check's "why", against the seeded catalogue: each gives the finding a pharmacist expects.

These read the real seed (allergen graph, cross-reactions, products, dose limits), so they fail
when a data change would make the check miss one of them again.
"""

import pytest


def patient_with(api, reference, **allergy):
    body = api.post("/api/v1/patients", json={"reference": reference, "display_name": "Seeded case"}).json
    record = {"criticality": "high", "verification_status": "confirmed", **allergy}
    assert api.post(f"/api/v1/patients/{body['id']}/allergies", json=record).status_code == 201
    return body


def findings(api, patient, components):
    answer = api.post("/api/v1/checks", json={"patient": patient["id"], "components": components})
    assert answer.status_code == 200, answer.json
    return answer.json


def allergy_findings(result):
    return [f for f in result["findings"] if f["kind"] == "allergy"]


def ingredient(slug, concentration=1.0, unit="mg/mL", **values):
    return {"ingredient": slug, "concentration": concentration, "unit": unit, **values}


@pytest.mark.parametrize(
    ("allergen", "component", "at_least"),
    [
        ("bee-venom", ingredient("hyaluronidase-bovine", 150, "U/mL"), "critical"),
        ("paba", ingredient("procaine-hydrochloride", 10), "critical"),
        ("chamomile", ingredient("arnica-montana-extract", 1, "%"), "critical"),
        ("alpha-gal", ingredient("hydrolyzed-collagen-bovine", 1), "critical"),
        ("polyethylene-glycol", ingredient("polysorbate-80", 1), "critical"),
        ("salmon", ingredient("hydrolyzed-collagen-fish", 1), "critical"),
        ("fish-collagen-gelatin", ingredient("pdrn-salmon", 1), "warning"),
        ("propylparaben", ingredient("methylparaben", 1), "warning"),
        ("parabens", {"product": "xylocaine-1-multi-dose", "volume_ml": 2}, "critical"),
        ("sulfites", {"product": "xylocaine-epinephrine-1-multi-dose", "volume_ml": 2}, "critical"),
        # The Synvisc label's precaution for egg and feather allergies: a reported cross-reaction, a warning.
        ("egg", ingredient("sodium-hyaluronate-avian", 1), "warning"),
        ("feathers", ingredient("sodium-hyaluronate-avian", 1), "warning"),
    ],
)
def test_an_allergy_reaches_what_the_catalogue_says_it_should(api, allergen, component, at_least):
    patient = patient_with(api, f"SEED-{allergen}", allergen=allergen)
    reached = allergy_findings(findings(api, patient, [component]))
    assert reached, f"{allergen} should reach {component}"
    allowed = {"critical"} if at_least == "critical" else {"critical", "warning"}
    assert reached[0]["severity"] in allowed


def test_lidocaine_ten_percent_times_ten_ml_is_above_its_dose_limit(api):
    body = api.post("/api/v1/patients", json={"reference": "SEED-DOSE", "display_name": "Dose case"}).json
    result = findings(api, body, [ingredient("lidocaine-hydrochloride", 10, "%", volume_ml=10)])
    assert ("dose-above-limit", "critical") in {(f["kind"], f["severity"]) for f in result["findings"]}


def test_a_free_text_allergy_to_lidocaine_with_anaphylaxis_is_critical(api):
    patient = patient_with(
        api,
        "SEED-TEXT",
        allergen_text="lidocaine",
        criticality="unable-to-assess",
        reaction={"manifestation": "anaphylaxis"},
    )
    (finding,) = allergy_findings(findings(api, patient, [ingredient("lidocaine-hydrochloride", 5)]))
    assert (finding["severity"], finding["relation"]) == ("critical", "named")
