"""Configuration from the environment, and static files."""

import pytest

from catalog import create_app
from catalog.config import ConfigurationError, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("MESOCAT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MESOCAT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "a-real-secret"


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("MESOCAT_ENV", "staging-ish")
    with pytest.raises(ConfigurationError, match="MESOCAT_ENV"):
        create_app()


@pytest.mark.parametrize(
    "listed", ["http://ehr.example.org/fhir", "ftp://ehr.example.org", "ehr.example.org/fhir", "https:///fhir"]
)
def test_fhir_servers_the_cds_service_fetches_from_are_https(monkeypatch, listed):
    # The caller's access token goes to them: never in clear across a network.
    monkeypatch.setenv("MESOCAT_CDS_FHIR_SERVERS", f"https://ok.example.org/fhir {listed}")
    with pytest.raises(ConfigurationError, match="MESOCAT_CDS_FHIR_SERVERS"):
        create_app()


def test_https_fhir_servers_and_plain_http_on_this_machine_are_listed(monkeypatch):
    monkeypatch.setenv("MESOCAT_CDS_FHIR_SERVERS", "https://ehr.example.org/fhir http://127.0.0.1:8080/fhir")
    assert create_app().config["CDS_FHIR_SERVERS"] == ["https://ehr.example.org/fhir", "http://127.0.0.1:8080/fhir"]


@pytest.mark.parametrize("prefix", ["postgres://", "postgresql://"])
def test_plain_postgresql_urls_use_psycopg_3(prefix):
    assert normalise_database_url(prefix + "u@h/db") == "postgresql+psycopg://u@h/db"


def test_hashed_static_files_are_cached_for_a_year(client):
    page = client.get("/ingredients").get_data(as_text=True)
    css_url = next(part.split('"')[0] for part in page.split('href="')[1:] if "pico" in part)
    assert css_url != "/static/vendor/pico/pico.min.css"
    response = client.get(css_url)
    # whitenoise sits outside Flask; the test client goes through it too.
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_an_unhandled_error_is_logged_without_its_message(app, client, api, monkeypatch, caplog):
    from catalog.patients import service

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def fail(session, **values):
        # As a database error quotes the row it refused.
        raise RuntimeError(f"DETAIL: Failing row contains ({values['display_name']}, {values['reference']})")

    monkeypatch.setattr(service, "create_patient", fail)
    response = api.post("/api/v1/patients", json={"reference": "MRN-42", "display_name": "Jo Example"})
    assert response.status_code == 500
    assert "Jo Example" not in response.get_data(as_text=True)
    assert "RuntimeError on POST /api/v1/patients" in caplog.text
    assert "Jo Example" not in caplog.text
    assert "MRN-42" not in caplog.text


def seen_by(app) -> dict:
    """The client's address and scheme as the app sees them, for a request that says it was forwarded."""
    from flask import request

    @app.get("/_seen")
    def seen():
        return {"address": request.remote_addr, "scheme": request.scheme}

    forwarded = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    return app.test_client().get("/_seen", headers=forwarded).json


def test_behind_a_proxy_the_clients_address_and_scheme_are_read_from_its_headers(monkeypatch):
    monkeypatch.setenv("MESOCAT_PROXY_HOPS", "1")
    assert seen_by(create_app()) == {"address": "198.51.100.7", "scheme": "https"}


def test_without_a_proxy_forwarded_headers_are_not_believed(monkeypatch):
    monkeypatch.delenv("MESOCAT_PROXY_HOPS", raising=False)
    assert seen_by(create_app()) == {"address": "127.0.0.1", "scheme": "http"}


def test_proxy_hops_must_be_a_whole_number(monkeypatch):
    monkeypatch.setenv("MESOCAT_PROXY_HOPS", "two")
    with pytest.raises(ConfigurationError, match="MESOCAT_PROXY_HOPS"):
        create_app()


def test_production_warns_when_sign_in_attempts_are_counted_per_worker(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("MESOCAT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("MESOCAT_RATELIMIT_STORAGE", raising=False)
    with caplog.at_level("WARNING"):
        create_app()
    assert "MESOCAT_RATELIMIT_STORAGE" in caplog.text
    caplog.clear()
    monkeypatch.setenv("MESOCAT_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    with caplog.at_level("WARNING"):
        create_app()
    assert "MESOCAT_RATELIMIT_STORAGE" not in caplog.text
