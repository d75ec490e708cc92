"""Security headers on every response, and caching only for what no clinic owns."""

import re
from pathlib import Path

import pytest
from flask import Response, render_template_string

from catalog import create_app
from catalog.config import REPOSITORY_ROOT
from catalog.web import security

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def policy(response) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: (rest[0] if rest else "") for name, *rest in directives}


@pytest.mark.parametrize(
    "url",
    [
        "/ingredients",
        "/sign-in",
        "/api/v1/ingredients",
        "/api/v1/docs",
        "/fhir/R4/metadata",
        "/no-such-page",
        "/healthz",
    ],
)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (url, name)
    directives = policy(response)
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_static_files_carry_them_too(app, client):
    with app.test_request_context():
        url = app.jinja_env.globals["asset_url"]("js/app.js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_policy_allows_no_inline_script_eval_or_inline_style(client):
    directives = policy(client.get("/ingredients"))
    for directive in ("script-src", "style-src", "default-src"):
        assert "unsafe-inline" not in directives[directive]
        assert "unsafe-eval" not in directives[directive]
    assert directives["script-src"] == "'self'"


def test_a_nonce_asked_for_by_a_template_is_named_by_the_policy(app):
    with app.test_request_context("/sessions/1/sheet"):
        nonce = render_template_string("{{ csp_nonce() }}")
        response = security.protect(Response("page"))
    assert f"'nonce-{nonce}'" in policy(response)["style-src"]
    with app.test_request_context("/ingredients"):
        assert "nonce-" not in security.protect(Response("page")).headers.get("Content-Security-Policy", "")


def test_strict_transport_security_only_in_production(client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/api/v1/ingredients").headers
    production = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "s", "MESOCAT_ENV": "production"}
    )
    response = production.test_client().get("/api/v1/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- Caching ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/patients", "/api/v1/cocktails", "/fhir/R4/Patient"])
def test_clinic_data_over_a_token_is_never_stored(api, url):
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_token_route_refusing_a_stranger_is_not_stored_either(client):
    response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/fhir/R4/metadata", "/cds-services"])
def test_fhir_and_cds_hooks_answers_are_never_stored(client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/patients", "/cocktails", "/ingredients"])
def test_every_signed_in_page_is_never_stored(practitioner_pages, url):
    response = practitioner_pages.client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/ingredients", "/api/v1/ingredients", "/allergens"])
def test_the_public_catalogue_may_be_cached(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- What the policy needs of the templates --------------------------------------------------------

TEMPLATES = sorted((Path(REPOSITORY_ROOT) / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(REPOSITORY_ROOT)))
def test_templates_hold_no_inline_script_handler_or_style(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "an inline <script>: move it to static/js"
    assert not re.search(r"\son[a-z]+\s*=", text), "an inline event handler: listen in static/js instead"
    assert not re.search(r"\sstyle\s*=", text), "a style attribute: use a class from app.css"
    assert not re.search(r"<style(?![^>]*\bnonce=)[^>]*>", text), 'an inline <style> needs nonce="{{ csp_nonce() }}"'


def test_the_api_documentation_page_starts_swagger_ui_from_a_file(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/js/swagger-ui." in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
