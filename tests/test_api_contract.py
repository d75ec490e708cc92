"""What every API client relies on: JSON errors, the OpenAPI document, the health check."""

import re

import pytest
from sqlalchemy.exc import OperationalError

from catalog.extensions import db


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert set(response.json) == {"code", "status", "message"}


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/ingredients")
    assert response.status_code == 405
    assert response.json["status"] == "Method Not Allowed"
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_pages_outside_the_api_get_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Not found" in response.data


def test_openapi_describes_every_route_and_parameter(client, app):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "not medical advice" in spec["info"]["description"]
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] != "api-docs":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert path in documented, path
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"][path], (method, path)
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/ingredients"]["get"]["parameters"]}
    assert set(parameters) >= {"q", "category", "purpose", "origin", "free_of", "sort", "page", "page_size"}
    assert parameters["free_of"]["schema"]["type"] == "array"
    assert parameters["page_size"]["schema"]["maximum"] == 100
    detail = spec["paths"]["/api/v1/ingredients/{slug}"]["get"]["responses"]
    assert {"200", "304", "404"} <= set(detail)


def test_api_docs_page_uses_vendored_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.data
    assert b"//cdn" not in page.data


def test_healthz_answers_when_the_database_does(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/api/v1/ingredients", "/api/v1/allergens", "/api/v1/categories"])
def test_read_routes_are_open_without_a_token(client, path):
    assert client.get(path).status_code == 200


def test_openapi_says_which_operations_need_a_token(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            clinic_data = (
                "/api/v1/patients",
                "/api/v1/cocktails",
                "/api/v1/checks",
                "/api/v1/audit",
                "/api/v1/lots",
                "/api/v1/sessions",
                "/api/v1/recalls",
            )
            catalogue_read = method == "get" and not path.startswith(clinic_data)
            if catalogue_read:
                assert "security" not in operation, (method, path)
            else:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert "401" in operation["responses"], (method, path)


def test_every_operation_has_its_own_operation_id(client):
    spec = client.get("/api/v1/openapi.json").json
    ids = [
        operation.get("operationId")
        for operations in spec["paths"].values()
        for method, operation in operations.items()
        if method != "parameters"
    ]
    assert all(ids), [i for i in ids if not i]
    assert len(ids) == len(set(ids))
    assert "getIngredientDetail" in ids and "postSessions" in ids


def test_a_patch_without_anything_to_change_is_422(api):
    patient = api.post("/api/v1/patients", json={"reference": "PATCH-1", "display_name": "Patch Test"}).json
    for url in (f"/api/v1/patients/{patient['id']}",):
        for body in ({}, None):
            response = api.patch(url, json=body)
            assert response.status_code == 422, (url, body, response.status_code)
            assert "Send at least one field to change." in str(response.json["errors"])


def test_an_oversized_address_is_refused_in_json_by_the_app(client):
    response = client.get("/api/v1/ingredients?q=" + "a" * 5000)
    assert response.status_code == 414
    assert response.is_json and "up to 4096 characters" in response.json["message"]
    page = client.get("/ingredients?q=" + "a" * 5000)
    assert page.status_code == 414 and "text/html" in page.content_type


def test_an_excluded_bound_is_documented_as_excluded(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    concentration = schemas["ComponentInput"]["properties"]["concentration"]
    assert (concentration["minimum"], concentration.get("exclusiveMinimum")) == (0, True)
    assert schemas["ComponentInput"]["properties"]["volume_ml"]["exclusiveMinimum"] is True
    sessions = schemas["Protocol"]["properties"]["sessions"]
    assert sessions["minimum"] == 1 and "exclusiveMinimum" not in sessions  # an included bound stays plain


def test_a_nullable_object_is_documented_as_null_or_that_object(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    reaction = schemas["AllergyCreate"]["properties"]["reaction"]
    # Not "any object or null": a reaction with a stray field is refused, and the document says so.
    assert reaction["anyOf"] == [{"nullable": True, "enum": [None]}, {"$ref": "#/components/schemas/Reaction"}]
    assert schemas["Reaction"]["additionalProperties"] is False


def test_lists_link_their_pages_and_a_page_past_the_end_is_404(client):
    first = client.get("/api/v1/ingredients?category=vitamin&page_size=2")
    assert first.status_code == 200
    body = first.json
    assert body["pages"] > 1
    assert body["links"]["next"].endswith("category=vitamin&page_size=2&page=2")
    assert "prev" not in body["links"]
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    last = client.get(body["links"]["last"]).json
    assert "next" not in last["links"] and last["links"]["prev"]
    past = client.get(f"/api/v1/ingredients?category=vitamin&page_size=2&page={body['pages'] + 1}")
    assert past.status_code == 404
    assert "page" in past.json["errors"]["query"]
