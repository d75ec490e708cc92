"""Products: real presentations with their actives and excipients, read by anyone, written by curators."""

import pytest

from catalog.products import service
from catalog.products.schemas import ProductCreateSchema


def product_entry(active, excipient, **overrides):
    entry = {
        "slug": "test-vial",
        "name": "Test vial 1%",
        "form": "multi-dose-vial",
        "synonyms": ["Testocaine"],
        "label": "cosing",
        "label_supports": "composition per mL",
        "components": [
            {"ingredient": active.slug, "role": "active", "strength": 10, "unit": "mg/mL"},
            {"ingredient": excipient.slug, "role": "excipient", "strength": 1, "unit": "mg/mL"},
        ],
    }
    entry.update(overrides)
    return entry


@pytest.fixture
def curator(client, clinics, clinic, api_as):
    return api_as(client, clinics.token(clinic.clinic, scope="read-write", curator=True))


@pytest.fixture
def vial(db_session, make_ingredient):
    active, excipient = make_ingredient(name="Test anaesthetic"), make_ingredient(name="Test preservative")
    service.upsert_products(db_session, entries=[ProductCreateSchema().load(product_entry(active, excipient))])
    db_session.commit()
    return active, excipient


def test_a_product_lists_its_actives_and_excipients_per_ml(client, vial):
    body = client.get("/api/v1/products/test-vial").get_json()
    assert body["form"] == "multi-dose-vial" and body["label"]["code"] == "cosing"
    assert [(c["role"], c["strength"], c["unit"]) for c in body["components"]] == [
        ("active", 10.0, "mg/mL"),
        ("excipient", 1.0, "mg/mL"),
    ]


def test_products_are_searched_by_name_and_by_ingredient(client, vial):
    assert [p["slug"] for p in client.get("/api/v1/products?q=test+vial").get_json()["items"]] == ["test-vial"]
    found = client.get(f"/api/v1/products?ingredient={vial[1].slug}").get_json()
    assert found["total"] == 1
    assert client.get("/api/v1/products/none-such").status_code == 404


def test_loading_the_same_product_twice_changes_nothing(db_session, vial):
    entry = ProductCreateSchema().load(product_entry(*vial))
    assert service.upsert_products(db_session, entries=[entry]) == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_curator_adds_a_product(curator, vial):
    body = product_entry(*vial, slug="second-vial", name="Second vial")
    created = curator.post("/api/v1/products", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith("/api/v1/products/second-vial")
    assert curator.post("/api/v1/products", json=body).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"components": []}, "components"),
        ({"form": "bottle"}, "form"),
        ({"label": "no-such-source"}, "label"),
    ],
)
def test_bad_products_are_refused_naming_the_field(curator, vial, change, field):
    answer = curator.post("/api/v1/products", json={**product_entry(*vial, slug="bad-vial"), **change})
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]["json"]


def test_only_curators_write_products(api_as, client, clinics, clinic, vial):
    plain = api_as(client, clinics.token(clinic.clinic, scope="read-write"))
    assert plain.post("/api/v1/products", json=product_entry(*vial, slug="x")).status_code == 403


def test_the_product_pages_show_the_composition(client, vial):
    page = client.get("/products/test-vial")
    assert page.status_code == 200 and "Test preservative" in page.text and "Excipient" in page.text
    assert "Test vial 1%" in client.get("/products?q=vial").text


def test_a_list_refused_as_a_whole_and_row_by_row_is_answered_422_not_500(curator, vial):
    entry = product_entry(*vial, slug="twice-vial")
    row = entry["components"][0]
    # The list's own rule ("each ingredient once") and one row's error: marshmallow keys them `_schema` and 1.
    body = {**entry, "components": [row, {**row, "unit": "not-a-unit"}]}
    answer = curator.post("/api/v1/products", json=body)
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]["components"]) == {"1", "_schema"}
