"""Settings read from the environment, with safe defaults for development."""

import os
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside development


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the service can run with."""


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _time_zone(name: str | None) -> str:
    """MESOCAT_TIME_ZONE, else the server's own zone (/etc/timezone), else UTC; refused when unknown."""
    if not name:
        system = Path("/etc/timezone")
        name = system.read_text().strip() if system.exists() else "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(
            f"MESOCAT_TIME_ZONE must be an IANA time zone such as Europe/Paris, not {name!r}"
        ) from error
    return name


def _whole_number(name: str, value: str) -> int:
    if not value.isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}")
    return int(value)


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _fhir_servers(listed: str) -> list[str]:
    """MESOCAT_CDS_FHIR_SERVERS: base URLs over HTTPS (plain HTTP on this machine only), refused otherwise.

    The service sends the caller's access token to them: never in clear across a network.
    """
    servers = listed.split()
    for server in servers:
        parts = urlsplit(server)
        secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
        if not parts.hostname or not secure:
            raise ConfigurationError(
                "MESOCAT_CDS_FHIR_SERVERS lists base URLs such as https://ehr.example.org/fhir "
                f"(http only for this machine), not {server!r}"
            )
    return servers


def settings_from_environment(instance_path: str) -> dict:
    """Build the Flask config from environment variables."""
    environment = os.environ.get("MESOCAT_ENV", "development")
    if environment not in {"development", "production"}:
        raise ConfigurationError(f"MESOCAT_ENV must be 'development' or 'production', not {environment!r}")

    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if environment == "production":
            raise ConfigurationError("SECRET_KEY must be set when MESOCAT_ENV=production")
        secret_key = DEVELOPMENT_SECRET_KEY

    default_database = "sqlite:///" + str(Path(instance_path) / "mesocat.db")
    return {
        "MESOCAT_ENV": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL", default_database)),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "SEED_DIRECTORY": os.environ.get("SEED_DIRECTORY", str(REPOSITORY_ROOT / "seed")),
        # Clinics that set none show times in this zone.
        "TIME_ZONE": _time_zone(os.environ.get("MESOCAT_TIME_ZONE")),
        # FHIR servers the CDS Hooks service may fetch a patient's allergies from (space-separated
        # base URLs); none by default: a caller's fhirServer could otherwise point inside the network.
        "CDS_FHIR_SERVERS": _fhir_servers(os.environ.get("MESOCAT_CDS_FHIR_SERVERS", "")),
        # Sign-in attempts per address are counted here: memory (one process) by default, Redis in
        # production so that every worker and server counts together (e.g. redis://127.0.0.1:6379/0).
        "RATELIMIT_STORAGE_URI": os.environ.get("MESOCAT_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Reverse proxies in front of the app (0: none). Behind one, each request's address, scheme and
        # host are read from the X-Forwarded-* headers the last `n` proxies set, and from nothing else.
        "PROXY_HOPS": _whole_number("MESOCAT_PROXY_HOPS", os.environ.get("MESOCAT_PROXY_HOPS", "0")),
        "SESSION_COOKIE_SECURE": environment == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


# The JSON API's description and OpenAPI settings (flask-smorest reads these).
API_SETTINGS = {
    "API_TITLE": "Mesocat catalogue API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Reference catalogue of mesotherapy solution components: ingredients, their "
                "purposes, origins, usual concentrations, contraindications and coded allergen "
                "flags in a cross-reactivity hierarchy. Each clinic's patients and allergy records, "
                "its cocktails (immutable numbered versions, saved with `If-Match`), and the safety "
                "check of a cocktail against a patient before use.\n\n"
                "**This is reference information, not medical advice.** Every ingredient cites "
                "the sources of its facts; check them and the product's own labelling before use.\n\n"
                "**Authentication.** Reading the catalogue (ingredients, allergens, coded lists) is "
                "open. Everything else needs a clinic's API token: `Authorization: Bearer <token>` "
                "(made by the clinic's admin in the settings page or with `flask token create`). "
                "`401` without a valid token; `403` when the token's scope (`read` or `read-write`) "
                "or its curator flag does not allow the action; another clinic's patient, record or "
                "audit entry is answered `404`, as if it did not exist.\n\n"
                "Errors are JSON: `code`, `status`, `message`, and `errors` by location and field "
                "for invalid parameters (422)."
            ),
        },
    },
}
