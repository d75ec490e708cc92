"""The CapabilityStatement: exactly what /fhir/R4 does, no more (a test holds it to the routes)."""

from catalog.interop.fhir.resources import FHIR_VERSION

_DATE = {"type": "date", "documentation": "eq, gt, ge, lt, le; a day or an instant with its zone."}


def _param(name: str, kind: str, documentation: str) -> dict:
    return {"name": name, "type": kind, "documentation": documentation}


COMMON_PARAMS = [
    _param("_id", "token", "One id or several, comma-separated."),
    {"name": "_lastUpdated", **_DATE},
    _param("_count", "number", "Up to 200 a page (50 if not given); `next` and `previous` links page through."),
]

RESOURCES = [
    {
        "type": "Patient",
        "interaction": ["read", "vread", "update", "history-instance", "search-type"],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": False,
        "searchParam": [
            _param(
                "identifier",
                "token",
                "system|value, or a value alone: the clinic's reference or an imported identifier.",
            ),
            _param("name", "string", "Any part of the name, ignoring case and accents."),
            *COMMON_PARAMS,
        ],
        "operation": [
            {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
        ],
    },
    {
        "type": "AllergyIntolerance",
        "interaction": ["read", "vread", "update", "create", "history-instance", "search-type"],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": False,
        "conditionalCreate": False,
        "searchParam": [
            _param("patient", "reference", "Patient/<id> or the id."),
            _param("clinical-status", "token", "active, inactive or resolved; comma-separated for any of them."),
            *COMMON_PARAMS,
        ],
    },
    {"type": "Medication", "interaction": ["read"], "documentation": "A cocktail version: cocktail-<id>-v<number>."},
    {
        "type": "DetectedIssue",
        "interaction": ["read", "search-type"],
        "documentation": "The findings of recorded checks, and what each could not check.",
        "searchParam": [_param("patient", "reference", "Patient/<id> or the id."), *COMMON_PARAMS],
    },
]


def capability_statement(base: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-03",
        "kind": "instance",
        "software": {"name": "Mesocat"},
        "implementation": {"description": "Mesocat: a mesotherapy catalogue and allergy check", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Every request but this one needs a clinic's API token, and sees that clinic only. "
                "Unknown search parameters are refused, not ignored. Updates need If-Match.",
                "security": {
                    "service": [{"text": "Authorization: Bearer <a clinic's API token>"}],
                    "description": "A clinic's API token, made by its admin: read scope reads, write scope imports.",
                },
                "resource": [
                    {**resource, "interaction": [{"code": code} for code in resource["interaction"]]}
                    for resource in RESOURCES
                ],
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }
