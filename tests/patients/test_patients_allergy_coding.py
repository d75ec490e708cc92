"""Allergy records coded to a product, and suggestions that turn free text into codes."""

import pytest

from catalog.allergens import service as allergens_service
from catalog.products import service as products_service
from catalog.products.schemas import ProductCreateSchema


@pytest.fixture
def vial(db_session, make_ingredient):
    allergens_service.upsert_allergens(
        db_session,
        entries=[
            {
                "code": "s-bee-venom",
                "name": "S bee venom",
                "description": "",
                "parent": None,
                "synonyms": ["bee sting"],
            },
            {
                "code": "s-sulfonamides",
                "name": "S sulfonamide antibiotics",
                "description": "",
                "parent": None,
                "synonyms": ["sulfa"],
            },
            {"code": "s-sulfites", "name": "S sulfites", "description": "", "parent": None},
        ],
        whole_list=False,
    )
    make_ingredient(slug="s-anaesthetic", name="S anaesthetic")
    make_ingredient(slug="s-preservative", name="S preservative")
    entry = {
        "slug": "s-vial",
        "name": "Scaine 1% vial",
        "form": "multi-dose-vial",
        "synonyms": ["Scaine"],
        "label": "cosing",
        "label_supports": "composition",
        "components": [
            {"ingredient": "s-anaesthetic", "role": "active", "strength": 10, "unit": "mg/mL"},
            {"ingredient": "s-preservative", "role": "excipient", "strength": 1, "unit": "mg/mL"},
        ],
    }
    products_service.upsert_products(db_session, entries=[ProductCreateSchema().load(entry)])
    db_session.commit()


def patient(api, reference):
    return api.post("/api/v1/patients", json={"reference": reference, "display_name": "Coded patient"}).json


def test_an_allergy_recorded_against_a_product_covers_its_excipients(api, vial):
    someone = patient(api, "S-1")
    url = f"/api/v1/patients/{someone['id']}/allergies"
    record = api.post(url, json={"product": "s-vial", "criticality": "high", "verification_status": "confirmed"})
    assert record.status_code == 201, record.json
    assert record.json["product"] == {"slug": "s-vial", "name": "Scaine 1% vial", "href": "/api/v1/products/s-vial"}
    twice = api.post(url, json={"product": "s-vial"})
    assert twice.status_code == 422 and "product" in twice.json["errors"]["json"]
    component = {"ingredient": "s-preservative", "concentration": 1, "unit": "mg/mL"}
    result = api.post("/api/v1/checks", json={"patient": someone["id"], "components": [component]}).json
    (finding,) = [f for f in result["findings"] if f["kind"] == "allergy"]
    assert (finding["severity"], finding["relation"]) == ("critical", "product")
    # The record names a product, not an allergen: the finding says which, and no allergen-graph path.
    assert (finding["allergen"], finding["allergy_product"]["slug"], finding["path"]) == (None, "s-vial", [])


@pytest.mark.parametrize(
    "body",
    [{"product": "no-such-vial"}, {"product": "s-vial", "allergen_text": "also text"}, {"product": "Not A Slug"}],
)
def test_a_product_record_is_refused_when_unknown_or_not_alone(api, vial, body):
    answer = api.post(f"/api/v1/patients/{patient(api, 'S-2')['id']}/allergies", json=body)
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]) & {"product", "allergen"}


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("bee sting", "allergen", "s-bee-venom"),
        ("sulfa drugs", "allergen", "s-sulfonamides"),
        ("Scaine", "product", "s-vial"),
    ],
)
def test_free_text_records_come_with_suggestions_to_code_them(api, vial, text, kind, code):
    record = api.post(
        f"/api/v1/patients/{patient(api, 'S-3' + code)['id']}/allergies", json={"allergen_text": text}
    ).json
    assert (kind, code) in [(s["kind"], s["code"]) for s in record["suggestions"]]
    assert "s-sulfites" not in [s["code"] for s in record["suggestions"]]


def test_the_patient_page_shows_suggestions_and_product_records(api, vial, practitioner_pages):
    someone = patient(api, "S-4")
    api.post(f"/api/v1/patients/{someone['id']}/allergies", json={"allergen_text": "bee sting"})
    api.post(f"/api/v1/patients/{someone['id']}/allergies", json={"product": "s-vial"})
    page = practitioner_pages.get(f"/patients/{someone['id']}").get_data(as_text=True)
    assert "Probably means" in page and "S bee venom" in page
    assert "Scaine 1% vial" in page and "covers its every ingredient" in page
    form = practitioner_pages.get(f"/patients/{someone['id']}/allergies/new").get_data(as_text=True)
    assert "Scaine 1% vial" in form
