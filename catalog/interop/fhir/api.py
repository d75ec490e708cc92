"""FHIR R4 over HTTP at /fhir/R4: JSON only (`application/fhir+json`), bearer token, the token's clinic only."""

import json

from flask import Blueprint, Response, request, url_for

from catalog.clinics.auth import authenticate_token
from catalog.core.errors import Invalid, NotFound
from catalog.extensions import db
from catalog.interop.fhir import capability, importing, service
from catalog.interop.fhir import resources as fhir
from catalog.patients import allergies as allergies_service
from catalog.patients import service as patients_service
from catalog.web.errors import fhir_error
from catalog.web.preconditions import expected_revision

bp = Blueprint("fhir", __name__, url_prefix="/fhir/R4")

FHIR_JSON = "application/fhir+json"
MAX_COUNT = 200


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    headers = dict(headers or {})
    version = (resource.get("meta") or {}).get("versionId")
    if version and resource.get("resourceType") not in ("Bundle", "OperationOutcome"):
        headers.setdefault("ETag", f'W/"{version}"')
        if (resource.get("meta") or {}).get("lastUpdated"):
            headers.setdefault("Last-Modified", resource["meta"]["lastUpdated"])
    return Response(json.dumps(resource, ensure_ascii=False), status, headers=headers, mimetype=FHIR_JSON)


def _base() -> str:
    return request.url_root.rstrip("/") + bp.url_prefix


@bp.errorhandler(importing.BundleRefused)
def _bundle_refused(error: importing.BundleRefused):
    issues = [issue for result in error.result.refused for issue in result.issues]
    refused = error.result.refused
    # A resource sent alone answers with its own status (a stale version is 412); a Bundle with 422.
    status = int(refused[0].status.split()[0]) if len(error.result.results) == 1 else 422
    return fhir_response(fhir.operation_outcome(issues), status)


@bp.errorhandler(importing.EntryRefused)
def _resource_refused(error: importing.EntryRefused):
    return fhir_response(fhir.operation_outcome(error.issues), 400)


@bp.errorhandler(allergies_service.StaleRevision)
@bp.errorhandler(patients_service.StalePatient)
def _stale(error):
    return fhir_error(412, error.message, {"headers": {"If-Match": [f'The current version is W/"{error.current}".']}})


# --- Search parameters ------------------------------------------------------------

COMMON = {"_count", "_page", "_format", "_lastUpdated", "_id"}
ALLOWED = {
    "Patient": COMMON | {"identifier", "name"},
    "AllergyIntolerance": COMMON | {"patient", "clinical-status"},
    "DetectedIssue": COMMON | {"patient"},
}


class BadSearch(Invalid):
    """A search FHIR answers 400: a parameter unknown or malformed."""

    status = 400


def _search_params(resource_type: str) -> service.SearchParams:
    """The query as search parameters; an unknown one is refused, not ignored (a typo'd `patient` would match all)."""
    try:
        return _read_search_params(resource_type)
    except Invalid as error:
        raise BadSearch(error.message, errors=error.errors) from None


def _read_search_params(resource_type: str) -> service.SearchParams:
    unknown = sorted(set(request.args) - ALLOWED[resource_type])
    if unknown:
        raise Invalid(
            f"Unsupported search parameter for {resource_type}.",
            errors={"query": {name: [f"Supported: {', '.join(sorted(ALLOWED[resource_type]))}."] for name in unknown}},
        )
    fmt = request.args.get("_format")
    if fmt and fmt not in ("json", "application/fhir+json", "application/json"):
        raise Invalid("Only JSON is served.", errors={"query": {"_format": ["Use json."]}})
    params = service.SearchParams()
    params.count = _positive("_count", default=50, maximum=MAX_COUNT)
    params.offset = (_positive("_page", default=1, maximum=100_000) - 1) * params.count
    if "patient" in request.args:
        params.patient = _local_id(request.args["patient"], "patient", "Patient")
    if "_id" in request.args:
        values = request.args["_id"].split(",")
        ids = [int(v) for v in values if v.isdigit() and len(v) < 10]
        params.ids = ids or [0]
    if "name" in request.args:
        params.name = request.args["name"]
    if "identifier" in request.args:
        system, bar, value = request.args["identifier"].partition("|")
        params.identifier = (system or None, value) if bar else (None, system)
    if "clinical-status" in request.args:
        statuses = request.args["clinical-status"].split(",")
        bad = [s for s in statuses if s not in ("active", "inactive", "resolved")]
        if bad:
            raise Invalid(
                "Unknown clinical status.", errors={"query": {"clinical-status": ["Use active, inactive or resolved."]}}
            )
        params.clinical_status = statuses
    params.last_updated = [
        comparison
        for value in request.args.getlist("_lastUpdated")
        for comparison in service.parse_date_param(value, "_lastUpdated")
    ]
    return params


def _positive(name: str, *, default: int, maximum: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise Invalid("Not a valid number.", errors={"query": {name: [f"A whole number from 1 to {maximum}."]}})
    return int(value)


def _local_id(value: str, field: str, kind: str) -> int:
    local = value.removeprefix(f"{kind}/")
    if not local.isdigit() or len(local) > 9:
        raise Invalid(f"Not a {kind} of this server.", errors={"query": {field: [f"Use {kind}/<id> or the id."]}})
    return int(local)


def _searchset(resource_type: str, found: list[dict], params: service.SearchParams, extra=()) -> Response:
    """A page of `found` (fetched one past the page, to tell whether there is more), `extra` before it."""
    return _page_of([*extra, *found[: params.count]], more=len(found) > params.count, params=params)


def _page_of(resources: list[dict], *, more: bool, params: service.SearchParams) -> Response:
    """A searchset of one page, with links to the next page (when `more`) and the previous one."""
    bundle = fhir.searchset(base=_base(), self_link=request.url, resources=resources)
    bundle.pop("total")  # counting every match is not worth it; the links say whether there is more
    page = params.offset // params.count + 1
    query = request.args.to_dict()
    if more:
        bundle["link"].append({"relation": "next", "url": _page_url(query, page + 1)})
    if page > 1:
        bundle["link"].append({"relation": "previous", "url": _page_url(query, page - 1)})
    return fhir_response(bundle)


def _page_url(query: dict, page: int) -> str:
    return url_for(request.endpoint, _external=True, **(request.view_args or {}), **{**query, "_page": page})


# --- Routes -----------------------------------------------------------------------


@bp.get("/metadata")
def metadata():
    """What this server supports, truthfully (no token needed, as FHIR clients expect)."""
    return fhir_response(capability.capability_statement(_base()))


@bp.get("/Patient")
def search_patients():
    actor = authenticate_token()
    params = _search_params("Patient")
    return _searchset("Patient", service.search_patients(db.session, clinic_id=actor.clinic_id, params=params), params)


@bp.get("/Patient/<int:patient_id>")
def read_patient(patient_id: int):
    actor = authenticate_token()
    return fhir_response(service.read_patient(db.session, clinic_id=actor.clinic_id, patient_id=patient_id))


@bp.get("/Patient/<int:patient_id>/_history")
def patient_history(patient_id: int):
    actor = authenticate_token()
    versions = service.patient_versions(db.session, clinic_id=actor.clinic_id, patient_id=patient_id)
    return fhir_response(fhir.history(base=_base(), self_link=request.url, versions=versions))


@bp.get("/Patient/<int:patient_id>/_history/<version>")
def patient_version(patient_id: int, version: str):
    actor = authenticate_token()
    return fhir_response(
        _version(service.patient_versions(db.session, clinic_id=actor.clinic_id, patient_id=patient_id), version)
    )


@bp.put("/Patient/<int:patient_id>")
def update_patient(patient_id: int):
    """Update who the patient is (name, birth year); If-Match with the version read is required."""
    actor = authenticate_token(write=True)
    patients_service.get_patient(db.session, clinic_id=actor.clinic_id, patient_id=patient_id)  # 404 first
    resource = _body("Patient", str(patient_id))
    importing.validate_resource(resource, "Patient")
    revision = _required_revision()
    patients_service.update_patient(
        db.session, actor=actor, patient_id=patient_id, changes={}, expected_revision=revision
    )
    importing.import_patient(db.session, actor=actor, resource=resource, where="Patient", local_id=patient_id)
    updated = service.read_patient(db.session, clinic_id=actor.clinic_id, patient_id=patient_id)
    return fhir_response(updated)


@bp.get("/Patient/<int:patient_id>/$everything")
def patient_everything(patient_id: int):
    actor = authenticate_token()
    found = service.everything(db.session, clinic_id=actor.clinic_id, patient_id=patient_id)
    return fhir_response(fhir.searchset(base=_base(), self_link=request.url, resources=found))


@bp.get("/AllergyIntolerance")
def search_allergies():
    actor = authenticate_token()
    params = _search_params("AllergyIntolerance")
    found, extra = service.search_allergies(db.session, clinic_id=actor.clinic_id, params=params)
    return _searchset("AllergyIntolerance", found, params, extra)


@bp.get("/AllergyIntolerance/<resource_id>")
def read_allergy(resource_id: str):
    actor = authenticate_token()
    return fhir_response(service.read_allergy(db.session, clinic_id=actor.clinic_id, resource_id=resource_id))


@bp.get("/AllergyIntolerance/<resource_id>/_history")
def allergy_history(resource_id: str):
    actor = authenticate_token()
    versions = service.allergy_versions(db.session, clinic_id=actor.clinic_id, resource_id=resource_id)
    return fhir_response(fhir.history(base=_base(), self_link=request.url, versions=versions))


@bp.get("/AllergyIntolerance/<resource_id>/_history/<version>")
def allergy_version(resource_id: str, version: str):
    actor = authenticate_token()
    return fhir_response(
        _version(service.allergy_versions(db.session, clinic_id=actor.clinic_id, resource_id=resource_id), version)
    )


@bp.post("/AllergyIntolerance")
def create_allergy():
    """Record an allergy from an AllergyIntolerance (its identifier makes a repeat change nothing)."""
    actor = authenticate_token(write=True)
    resource = _body("AllergyIntolerance")
    result = _single_entry(actor, resource)
    return _entry_answer(actor, result)


@bp.put("/AllergyIntolerance/<int:record_id>")
def update_allergy(record_id: int):
    """Change a record from an AllergyIntolerance; If-Match with the version read is required."""
    actor = authenticate_token(write=True)
    current = service.read_allergy(db.session, clinic_id=actor.clinic_id, resource_id=str(record_id))  # 404 first
    resource = _body("AllergyIntolerance", str(record_id))
    revision = _required_revision()
    if current["meta"]["versionId"] != str(revision):
        raise allergies_service.StaleRevision(int(current["meta"]["versionId"]))
    result = _single_entry(actor, resource, record_id=record_id, expected_revision=revision)
    return _entry_answer(actor, result)


@bp.get("/Medication/<resource_id>")
def read_medication(resource_id: str):
    actor = authenticate_token()
    return fhir_response(service.read_medication(db.session, clinic_id=actor.clinic_id, resource_id=resource_id))


@bp.get("/DetectedIssue")
def search_detected_issues():
    actor = authenticate_token()
    params = _search_params("DetectedIssue")
    by_check = service.search_detected_issues(db.session, clinic_id=actor.clinic_id, params=params)
    # Paged by check: a page holds the findings of up to `_count` checks, a check never split across two.
    page = [issue for issues in by_check[: params.count] for issue in issues]
    return _page_of(page, more=len(by_check) > params.count, params=params)


@bp.get("/DetectedIssue/<resource_id>")
def read_detected_issue(resource_id: str):
    actor = authenticate_token()
    return fhir_response(service.read_detected_issue(db.session, clinic_id=actor.clinic_id, resource_id=resource_id))


@bp.post("")
@bp.post("/")
def post_bundle():
    """Import a transaction (all or nothing) or batch (entry by entry) Bundle of Patient and AllergyIntolerance."""
    actor = authenticate_token(write=True)
    bundle = request.get_json(silent=True)
    if bundle is None:
        raise Invalid("The body is not JSON.", errors={"json": ["Send a FHIR Bundle as JSON."]})
    result = importing.import_bundle(db.session, actor=actor, bundle=bundle)
    entries = []
    for entry in result.results:
        response = {"status": entry.status}
        if entry.location:
            response["location"] = entry.location
        if entry.issues:
            response["outcome"] = fhir.operation_outcome(entry.issues)
        entries.append({"response": response})
    return fhir_response({"resourceType": "Bundle", "type": f"{result.kind}-response", "entry": entries})


# --- Helpers ----------------------------------------------------------------------


def _version(versions: list[dict], version: str) -> dict:
    for resource in versions:
        if resource["meta"]["versionId"] == version:
            return resource
    raise NotFound(f"No version {version!r} of this resource.")


def _required_revision() -> int:
    revision = expected_revision()
    if revision is None:
        raise PreconditionRequired()
    return revision


class PreconditionRequired(Invalid):
    """An update without If-Match: it could overwrite a change it never saw."""

    status = 428

    def __init__(self):
        super().__init__(
            'Send If-Match with the version you read (its ETag, e.g. W/"3"): updates are version-aware.',
            errors={"headers": {"If-Match": ["Required."]}},
        )


def _body(resource_type: str, resource_id: str | None = None) -> dict:
    resource = request.get_json(silent=True)
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise Invalid(
            f"Send a {resource_type} resource as JSON.",
            errors={"json": {"resourceType": [f"Must be {resource_type!r}."]}},
        )
    if resource_id is not None and resource.get("id") not in (None, resource_id):
        raise Invalid(
            "The resource's id is not the one in the address.", errors={"json": {"id": [f"Must be {resource_id!r}."]}}
        )
    return resource


def _single_entry(actor, resource: dict, **target) -> importing.BundleResult:
    """One resource sent to this server: it may name Mesocat's own Patient/<id>."""
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": resource}]}
    return importing.import_bundle(db.session, actor=actor, bundle=bundle, local_patients=True, **target)


def _entry_answer(actor, result: importing.BundleResult) -> Response:
    entry = result.results[0]
    status = int(entry.status.split()[0])
    if entry.location is None:
        return fhir_response(fhir.operation_outcome(entry.issues), status)
    resource_id = entry.location.split("/")[1]
    resource = service.read_allergy(db.session, clinic_id=actor.clinic_id, resource_id=resource_id)
    headers = (
        {"Location": url_for("fhir.read_allergy", resource_id=resource_id, _external=True)} if status == 201 else {}
    )
    return fhir_response(resource, status, headers)
