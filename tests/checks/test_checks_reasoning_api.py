"""The check reasons like a pharmacist, through the API: products and their excipients, cross-reactions
through the catalogue's graph, doses, conditions, free text, and what could not be checked.

The catalogue data each test needs is made here, so the rules are tested whatever the seed holds.
"""

import pytest

from catalog.allergens import service as allergens_service
from catalog.products import service as products_service
from catalog.products.schemas import ProductCreateSchema


def allergen(code, parent=None, **values):
    return {"code": code, "name": code.replace("-", " ").title(), "description": "", "parent": parent, **values}


@pytest.fixture
def catalogue(db_session, make_ingredient):
    allergens_service.upsert_allergens(
        db_session,
        entries=[
            allergen("r-parabens", members_cross_react="established", cross_reactivity_source="cosing"),
            allergen("r-methylparaben", "r-parabens"),
            allergen("r-propylparaben", "r-parabens"),
            allergen("r-venoms"),
            allergen("r-bee-venom", "r-venoms"),
            allergen("r-animal-hyaluronidase"),
        ],
        whole_list=False,
    )
    allergens_service.upsert_cross_reactions(
        db_session,
        entries=[
            {
                "between": ["r-venoms", "r-animal-hyaluronidase"],
                "grade": "established",
                "source": "cosing",
                "supports": "t",
            }
        ],
    )
    anaesthetic = make_ingredient(
        slug="r-lidocaine",
        name="R lidocaine hydrochloride",
        synonyms=["Rlidocaine"],
        concentration={"unit": "mg/mL", "maximum": 20, "context": "product strength"},
        dose_limits=[{"per_kg_mg": 4.5, "max_mg": 300, "source": "cosing", "supports": "label maximum dose"}],
    )
    preservative = make_ingredient(slug="r-methylparaben", name="R methylparaben", allergens=["r-methylparaben"])
    hyaluronidase = make_ingredient(
        slug="r-hyaluronidase", name="R hyaluronidase (bovine)", allergens=["r-animal-hyaluronidase"]
    )
    products_service.upsert_products(
        db_session,
        entries=[
            ProductCreateSchema().load(
                {
                    "slug": "r-vial",
                    "name": "R lidocaine 1% multiple-dose vial",
                    "form": "multi-dose-vial",
                    "synonyms": ["Rcaine"],
                    "label": "cosing",
                    "label_supports": "composition",
                    "components": [
                        {"ingredient": "r-lidocaine", "role": "active", "strength": 10, "unit": "mg/mL"},
                        {"ingredient": "r-methylparaben", "role": "excipient", "strength": 1, "unit": "mg/mL"},
                    ],
                }
            )
        ],
    )
    db_session.commit()
    return anaesthetic, preservative, hyaluronidase


def new_patient(api, reference, *allergies, **values):
    body = api.post(
        "/api/v1/patients", json={"reference": reference, "display_name": "Reasoning patient", **values}
    ).json
    for allergy in allergies:
        answer = api.post(
            f"/api/v1/patients/{body['id']}/allergies", json={"verification_status": "confirmed", **allergy}
        )
        assert answer.status_code == 201, answer.json
    return body


def check(api, patient, components):
    answer = api.post("/api/v1/checks", json={"patient": patient["id"], "components": components})
    assert answer.status_code == 200, answer.json
    return answer.json


def allergy_findings(result):
    return [f for f in result["findings"] if f["kind"] in ("allergy", "past-allergy")]


VIAL = {"product": "r-vial", "volume_ml": 2}


def test_a_paraben_allergy_reaches_the_excipient_of_a_multi_dose_vial(api, catalogue):
    patient = new_patient(api, "R-1", {"allergen": "r-parabens", "criticality": "high"})
    result = check(api, patient, [VIAL])
    (finding,) = allergy_findings(result)
    assert (result["outcome"], finding["severity"], finding["ingredient"]["slug"]) == (
        "contraindicated",
        "critical",
        "r-methylparaben",
    )
    assert finding["product"] == {
        "slug": "r-vial",
        "name": "R lidocaine 1% multiple-dose vial",
        "href": "/api/v1/products/r-vial",
    }


def test_a_sibling_paraben_cross_reacts_and_the_finding_says_how(api, catalogue):
    patient = new_patient(api, "R-2", {"allergen": "r-propylparaben", "criticality": "high"})
    (finding,) = allergy_findings(check(api, patient, [VIAL]))
    assert (finding["relation"], finding["grade"], finding["source"]["code"]) == ("sibling", "established", "cosing")
    # Up from the flag to the group whose members cross-react, then down to the patient's allergen.
    assert [step["reached_by"] for step in finding["path"]] == ["flag", "group", "member"]
    assert finding["path"][-1]["code"] == "r-propylparaben"


def test_a_bee_venom_allergy_reaches_animal_hyaluronidase_through_the_link(api, catalogue):
    patient = new_patient(api, "R-3", {"allergen": "r-bee-venom", "criticality": "high"})
    hyal = {"ingredient": "r-hyaluronidase", "concentration": 150, "unit": "U/mL"}
    (finding,) = allergy_findings(check(api, patient, [hyal]))
    assert (finding["severity"], finding["relation"]) == ("critical", "link")
    assert [step["code"] for step in finding["path"]][-1] == "r-bee-venom"
    assert "cross-reaction" in [step["reached_by"] for step in finding["path"]]


def test_a_saved_version_with_a_product_is_checked_and_recorded_with_the_product(api, catalogue):
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Vial mix", "technique": "point-injection", "components": [VIAL]}
    ).json
    version = api.get(f"/api/v1/cocktails/{cocktail['id']}/versions/1").json
    amounts = {row["ingredient"]["slug"]: row for row in version["ingredients"]}
    assert amounts["r-lidocaine"]["amount"] == pytest.approx(20) and amounts["r-lidocaine"]["amount_unit"] == "mg"
    assert (amounts["r-methylparaben"]["role"], amounts["r-methylparaben"]["amount"]) == ("excipient", pytest.approx(2))
    assert amounts["r-methylparaben"]["concentration_in_mix"] == pytest.approx(1)
    assert [product["href"] for product in amounts["r-methylparaben"]["products"]] == ["/api/v1/products/r-vial"]
    patient = new_patient(api, "R-4", {"allergen": "r-methylparaben", "criticality": "high"})
    recorded = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert recorded.status_code == 201
    (finding,) = allergy_findings(recorded.json)
    assert finding["product"]["slug"] == "r-vial"
    assert api.get(f"/api/v1/checks?patient={patient['id']}").json["items"][0]["outcome"] == "contraindicated"


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ({"product": "r-vial"}, "volume_ml"),
        ({"product": "r-vial", "volume_ml": 1, "concentration": 1, "unit": "%"}, "concentration"),
        ({"product": "no-such-vial", "volume_ml": 1}, "product"),
        ({"product": "r-vial", "ingredient": "r-lidocaine", "volume_ml": 1}, "product"),
    ],
)
def test_a_product_row_needs_a_volume_and_nothing_else(api, catalogue, component, field):
    answer = api.post(
        "/api/v1/cocktails", json={"name": "Bad", "technique": "point-injection", "components": [component]}
    )
    assert answer.status_code == 422
    assert field in answer.json["errors"]["json"]["components"]["0"]


def test_a_dose_above_the_limit_is_critical_and_without_a_weight_it_says_it_could_not_check(api, catalogue):
    patient = new_patient(api, "R-5")
    big = [{"ingredient": "r-lidocaine", "concentration": 20, "unit": "mg/mL", "volume_ml": 20}]  # 400 mg
    result = check(api, patient, big)
    kinds = {f["kind"]: f for f in result["findings"]}
    assert kinds["dose-above-limit"]["severity"] == "critical"
    assert "400 mg" in kinds["dose-above-limit"]["summary"]
    small = check(api, patient, [{"ingredient": "r-lidocaine", "concentration": 10, "unit": "mg/mL", "volume_ml": 2}])
    assert "dose-without-weight" in [gap["kind"] for gap in small["unchecked"]]
    assert "dose-unchecked" in [f["kind"] for f in small["findings"]]


def test_a_free_text_allergy_naming_the_ingredient_is_graded_like_a_coded_one(api, catalogue):
    patient = new_patient(
        api,
        "R-6",
        {
            "allergen_text": "Rlidocaine",
            "criticality": "unable-to-assess",
            "reaction": {"manifestation": "anaphylaxis", "severity": "severe"},
        },
    )
    (finding,) = allergy_findings(check(api, patient, [VIAL]))
    assert (finding["kind"], finding["severity"], finding["relation"]) == ("allergy", "critical", "named")


def test_a_group_record_and_a_member_record_are_one_finding_citing_both(api, catalogue):
    patient = new_patient(
        api,
        "R-7",
        {"allergen": "r-parabens", "criticality": "low"},
        {"allergen": "r-methylparaben", "criticality": "high"},
    )
    (finding,) = allergy_findings(check(api, patient, [VIAL]))
    assert finding["severity"] == "critical" and len(finding["allergy_records"]) == 2


def test_a_patient_born_twelve_years_ago_is_checked_as_a_minor(api, catalogue, make_ingredient):
    from datetime import date

    make_ingredient(slug="r-adults-only", name="R adults only", contraindications=["under-18"])
    component = {"ingredient": "r-adults-only", "concentration": 1, "unit": "%"}
    child = new_patient(api, "R-8", birth_year=date.today().year - 12)
    result = check(api, child, [component])
    assert [(f["kind"], f["condition"]["code"]) for f in result["findings"] if f["condition"]] == [
        ("contraindication", "under-18")
    ]
    assert "age-unknown" not in [gap["kind"] for gap in result["unchecked"]]
    adult = new_patient(api, "R-9", birth_year=date.today().year - 40)
    assert not [f for f in check(api, adult, [component])["findings"] if f["condition"]]
    unknown = new_patient(api, "R-10")
    assert "age-unknown" in [gap["kind"] for gap in check(api, unknown, [component])["unchecked"]]
