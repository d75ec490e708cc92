"""FHIR resources in: an EHR's Patient and AllergyIntolerance resources made the clinic's records.

A Bundle is imported entry by entry, each in its own savepoint: a `transaction` keeps all or
nothing, a `batch` keeps the entries that could be imported. Each resource is matched by its
identifiers, so importing the same Bundle twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import date

from fhir.resources.R4B import get_fhir_model_class
from marshmallow import ValidationError
from pydantic import ValidationError as ModelError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES

from catalog.core.actors import Actor
from catalog.core.errors import DomainError, Invalid
from catalog.core.text import fold
from catalog.interop import codes
from catalog.interop.models import ExternalIdentifier
from catalog.patients import allergies as allergies_service
from catalog.patients import service as patients_service
from catalog.patients.models import AllergyRecord, Patient, VerificationStatus
from catalog.patients.schemas import EARLIEST_BIRTH_YEAR, MAX_NAME_LENGTH, AllergyCreateSchema
from catalog.products import service as products_service

SUPPORTED = ("Patient", "AllergyIntolerance")
SYSTEM_NAMES = {codes.SNOMED: "SNOMED CT", codes.UNII: "UNII"}
SEVERITY_ORDER = ("mild", "moderate", "severe")
# The identifier system FHIR uses for an absolute URL: a resource known only by its fullUrl.
URI_SYSTEM = "urn:ietf:rfc:3986"


class EntryRefused(Exception):
    """One entry that cannot be imported, with FHIR OperationOutcome issues saying why."""

    def __init__(self, issues: list[dict]):
        super().__init__(issues[0]["diagnostics"] if issues else "refused")
        self.issues = issues


def _issue(diagnostics: str, expression: str | None = None, *, code: str = "invalid", severity: str = "error"):
    item = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        item["expression"] = [expression]
    return item


def validate_resource(resource: dict, where: str) -> None:
    """Validate a resource against the FHIR R4 (R4B) model of its type; every problem becomes an issue."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind not in SUPPORTED:
        raise EntryRefused(
            [_issue(f"Only {' and '.join(SUPPORTED)} can be imported, not {kind!r}.", where, code="not-supported")]
        )
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ModelError as error:
        raise EntryRefused(
            [
                _issue(problem["msg"], f"{where}." + ".".join(str(part) for part in problem["loc"]), code="structure")
                for problem in error.errors()[:20]
            ]
        ) from None


# --- Patient ----------------------------------------------------------------------


def _display_name(resource: dict) -> str | None:
    """The first name that says something: its text, else given and family names (blank ones are passed over)."""
    for name in resource.get("name") or []:
        if (name.get("text") or "").strip():
            return name["text"].strip()
        parts = [*(name.get("given") or []), name.get("family") or ""]
        text = " ".join(part for part in parts if part).strip()
        if text:
            return text
    return None


def _identifier_pairs(resource: dict) -> list[tuple[str, str]]:
    return [
        (identifier["system"], identifier["value"])
        for identifier in resource.get("identifier") or []
        if identifier.get("system") and identifier.get("value")
    ]


def _known(session: Session, clinic_id: int, resource_type: str, pairs: list[tuple[str, str]]) -> int | None:
    for system, value in pairs:
        local = session.scalar(
            select(ExternalIdentifier.local_id).where(
                ExternalIdentifier.clinic_id == clinic_id,
                ExternalIdentifier.resource_type == resource_type,
                ExternalIdentifier.system == system,
                ExternalIdentifier.value == value,
            )
        )
        if local is not None:
            return local
    return None


def _remember(session: Session, clinic_id: int, resource_type: str, pairs: list[tuple[str, str]], local_id: int):
    for system, value in pairs:
        if _known(session, clinic_id, resource_type, [(system, value)]) is None:
            session.add(
                ExternalIdentifier(
                    clinic_id=clinic_id, resource_type=resource_type, system=system, value=value, local_id=local_id
                )
            )
    session.flush()


def import_patient(session: Session, *, actor: Actor, resource: dict, where: str, local_id: int | None = None):
    """Create or update the clinic's patient the resource describes; returns (patient, created)."""
    clinic_id = actor.clinic_id
    own = codes.MESOCAT_PATIENT_REFERENCE.format(clinic=clinic_id)
    pairs = _identifier_pairs(resource)
    external = [(s, v) for s, v in pairs if s != own]
    name = _display_name(resource)
    birth = resource.get("birthDate")
    birth_year = int(birth[:4]) if birth else None
    # As the patient form takes them: never a name cut short, never a birth year no patient can have.
    if name is not None and len(name) > MAX_NAME_LENGTH:
        raise EntryRefused(
            [_issue(f"The patient's name is longer than {MAX_NAME_LENGTH} characters; it is not cut.", f"{where}.name")]
        )
    if birth_year is not None and not EARLIEST_BIRTH_YEAR <= birth_year <= date.today().year:
        raise EntryRefused(
            [
                _issue(
                    f"The birth date must fall between {EARLIEST_BIRTH_YEAR} and today.",
                    f"{where}.birthDate",
                    code="value",
                )
            ]
        )
    if local_id is None:
        local_id = _known(session, clinic_id, "Patient", external)
    if local_id is None:
        for system, value in pairs:
            if system == own:
                local_id = session.scalar(
                    select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.reference_key == fold(value))
                )
    if local_id is None and not pairs:
        raise EntryRefused(
            [
                _issue(
                    "A Patient needs an identifier (system and value): it is how a second import finds it.",
                    f"{where}.identifier",
                )
            ]
        )
    if name is None:
        raise EntryRefused([_issue("A Patient needs a name (text, or given and family).", f"{where}.name")])
    changes = {"display_name": name}
    if birth_year is not None:
        changes["birth_year"] = birth_year
    if local_id is not None:
        patient = patients_service.update_patient(session, actor=actor, patient_id=local_id, changes=changes)
        created = False
    else:
        reference = next((value for system, value in pairs if system == own), pairs[0][1])
        if len(reference) > 64:
            raise EntryRefused(
                [
                    _issue(
                        "The identifier used as the clinic's reference is longer than 64 characters.",
                        f"{where}.identifier",
                    )
                ]
            )
        patient = patients_service.create_patient(session, actor=actor, reference=reference, **changes)
        created = True
    _remember(session, clinic_id, "Patient", external, patient.id)
    return patient, created


# --- AllergyIntolerance -----------------------------------------------------------


@dataclass
class ParsedAllergy:
    """What an AllergyIntolerance says in Mesocat's terms: a record's fields, or 'no known allergies'."""

    kind: str  # record | no-known-allergies | narrower-no-known
    data: dict = field(default_factory=dict)
    display: str = ""
    given: set = field(default_factory=set)
    # For 'no known allergies': whether the assertion stands (neither withdrawn nor inactive).
    standing: bool = True


def _codings(concept: dict | None) -> list[tuple[str | None, str | None, str | None]]:
    return [(c.get("system"), c.get("code"), c.get("display")) for c in (concept or {}).get("coding") or []]


def _status_code(concept: dict | None, system: str) -> str | None:
    for coding_system, code, _display in _codings(concept):
        if code and coding_system in (system, None):
            return code
    return None


def parse_allergy(session: Session, resource: dict, where: str) -> ParsedAllergy:
    """The resource's allergen (mapped where a code maps, else kept as its text), statuses and reactions."""
    concept = resource.get("code") or {}
    codings = _codings(concept)
    for system, code, display in codings:
        if system == codes.SNOMED and code == codes.NO_KNOWN_ALLERGY:
            verification = _status_code(resource.get("verificationStatus"), codes.VERIFICATION_STATUS)
            clinical = _status_code(resource.get("clinicalStatus"), codes.CLINICAL_STATUS)
            standing = verification in (None, "confirmed", "unconfirmed") and clinical in (None, "active")
            return ParsedAllergy("no-known-allergies", display=display or "No known allergy", standing=standing)
        if system == codes.SNOMED and code in codes.NARROWER_NO_KNOWN:
            return ParsedAllergy("narrower-no-known", display=codes.NARROWER_NO_KNOWN[code])
    data: dict = {}
    allergen = codes.allergen_for_codings(session, [(system, code) for system, code, _ in codings])
    product = next((code for system, code, _ in codings if system == codes.MESOCAT_PRODUCT and code), None)
    if product and not products_service.products_by_slug(session, slugs=[product]):
        product = None  # a product this catalogue does not hold: the text (or display) names the allergen instead
    text = concept.get("text") or next((display for _, _, display in codings if display), None)
    if allergen:
        data["allergen"] = allergen
    elif product:
        data["product"] = product
    elif text:
        data["allergen_text"] = text.strip()[:200]
    else:
        raise EntryRefused([_issue("Nothing names the allergen: give code.coding or code.text.", f"{where}.code")])
    if resource.get("type"):
        data["type"] = resource["type"]
    if resource.get("criticality"):
        data["criticality"] = resource["criticality"]
    clinical = _status_code(resource.get("clinicalStatus"), codes.CLINICAL_STATUS)
    verification = _status_code(resource.get("verificationStatus"), codes.VERIFICATION_STATUS)
    if verification:
        data["verification_status"] = verification
    if clinical and verification != VerificationStatus.ENTERED_IN_ERROR.value:
        data["clinical_status"] = clinical
    manifestations, severities = [], []
    for reaction in resource.get("reaction") or []:
        for manifestation in reaction.get("manifestation") or []:
            words = manifestation.get("text") or next((d for _, _, d in _codings(manifestation) if d), None)
            # A manifestation sent as a code alone is kept as that code, never dropped with its severity.
            words = words or next((f"{SYSTEM_NAMES.get(s, s)} {c}" for s, c, _ in _codings(manifestation) if c), None)
            if words and words not in manifestations:
                manifestations.append(words)
        if reaction.get("severity") in SEVERITY_ORDER:
            severities.append(reaction["severity"])
    if severities and not manifestations:
        manifestations.append("reaction not described")
    if manifestations:
        reaction = {"manifestation": "; ".join(manifestations)}
        if severities:
            reaction["severity"] = max(severities, key=SEVERITY_ORDER.index)
        data["reaction"] = reaction
    notes = [note["text"] for note in resource.get("note") or [] if note.get("text")]
    if notes:
        data["note"] = "\n".join(notes)
    try:
        loaded = AllergyCreateSchema().load(data)
    except ValidationError as error:
        raise EntryRefused(
            [
                _issue(f"{name}: {'; '.join(map(str, messages)) if isinstance(messages, list) else messages}", where)
                for name, messages in error.messages.items()
            ]
        ) from None
    # What the resource itself said, so that an update keeps whatever it leaves out (not the defaults).
    given = {"allergen", "allergen_text", "product", "note", "reaction", *data}
    return ParsedAllergy("record", loaded, display=text or allergen or product or "", given=given)


def import_allergy(
    session: Session,
    *,
    actor: Actor,
    resource: dict,
    where: str,
    patient_id: int,
    fallback_identifier: str | None,
    record_id: int | None = None,
    expected_revision: int | None = None,
):
    """Create or update the record; returns (record or None, created, warnings)."""
    clinic_id = actor.clinic_id
    parsed = parse_allergy(session, resource, where)
    if parsed.kind == "no-known-allergies":
        patient = patients_service.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
        if parsed.standing:
            patients_service.update_patient(
                session, actor=actor, patient_id=patient_id, changes={"allergy_status": "no-known-allergies"}
            )
            return "no-known-allergies", False, []
        if patient.nka_asserted_at is not None:
            # Withdrawn in the other system (refuted, entered in error, inactive): withdrawn here too.
            changes = {"allergy_status": "unknown"}
            patients_service.update_patient(session, actor=actor, patient_id=patient_id, changes=changes)
        return None, False, []
    if parsed.kind == "narrower-no-known":
        return (
            None,
            False,
            [
                _issue(
                    f"'{parsed.display}' is not 'no known allergies': nothing was recorded "
                    "and the patient's status is unchanged.",
                    f"{where}.code",
                    code="informational",
                    severity="warning",
                )
            ],
        )
    own = codes.MESOCAT_ALLERGY_RECORD.format(clinic=clinic_id)
    pairs = _identifier_pairs(resource)
    external = [(s, v) for s, v in pairs if s != own]
    if not external and fallback_identifier:
        external = [(URI_SYSTEM, fallback_identifier)]
    known = _known(session, clinic_id, "AllergyIntolerance", external)
    if record_id is not None and known is not None and known != record_id:
        raise EntryRefused(
            [
                _issue(
                    "These identifiers name another allergy record than the address.",
                    f"{where}.identifier",
                    code="conflict",
                )
            ]
        )
    own_ids = [v for s, v in pairs if s == own]
    local_id = record_id or known
    if local_id is None and own_ids:
        local_id = int(own_ids[0]) if own_ids[0].isdigit() and len(own_ids[0]) < 10 else 0
    if local_id is None and not external:
        raise EntryRefused(
            [
                _issue(
                    "An AllergyIntolerance needs an identifier (or an absolute fullUrl): "
                    "it is how a second import finds it.",
                    f"{where}.identifier",
                )
            ]
        )
    record = session.get(AllergyRecord, local_id) if local_id else None
    if local_id is not None and (record is None or record.patient_id != patient_id) and (own_ids or record_id):
        # One answer whether the record is another patient's, another clinic's, or nobody's.
        raise EntryRefused([_issue("No allergy record of this patient has this id.", f"{where}.identifier")])
    if record is not None and record.patient_id != patient_id:
        raise EntryRefused(
            [_issue("This identifier already names an allergy record of another patient.", f"{where}.identifier")]
        )
    data = parsed.data
    if record is None:
        if data.get("verification_status") == VerificationStatus.ENTERED_IN_ERROR.value:
            return (
                None,
                False,
                [
                    _issue(
                        "A record entered in error is not imported: there is nothing to keep.",
                        where,
                        code="informational",
                        severity="information",
                    )
                ],
            )
        record = allergies_service.record_allergy(session, actor=actor, patient_id=patient_id, data=data)
        created = True
    else:
        # Entered in error here and there: nothing to change (a record entered in error stays read-only).
        entered_in_error = VerificationStatus.ENTERED_IN_ERROR
        if record.verification_status == entered_in_error and data.get("verification_status") == entered_in_error.value:
            return record, False, []
        # What the resource says changes; what it leaves out keeps its value, so that a system that
        # omits a criticality or a reaction never downgrades what is recorded.
        data = {key: value for key, value in data.items() if key in parsed.given}
        for field_name in ("allergen", "allergen_text", "product"):
            data.setdefault(field_name, None)
        record = allergies_service.update_allergy(
            session,
            actor=actor,
            patient_id=patient_id,
            allergy_id=record.id,
            data=data,
            expected_revision=expected_revision,
        )
        created = False
    _remember(session, clinic_id, "AllergyIntolerance", external, record.id)
    return record, created, []


# --- Bundles ----------------------------------------------------------------------


@dataclass
class EntryResult:
    index: int
    status: str
    location: str | None = None
    issues: list[dict] = field(default_factory=list)


@dataclass
class BundleResult:
    kind: str  # transaction | batch
    results: list[EntryResult]

    @property
    def refused(self) -> list[EntryResult]:
        return [result for result in self.results if result.status.startswith(("4", "5"))]


def _refusal_issues(error: DomainError, where: str) -> list[dict]:
    messages = [
        f"{name}: {'; '.join(map(str, reasons)) if isinstance(reasons, list) else reasons}"
        for name, reasons in (error.errors or {}).items()
    ]
    return [_issue(error.message + (" " + " ".join(messages) if messages else ""), where, code="business-rule")]


def import_bundle(
    session: Session,
    *,
    actor: Actor,
    bundle: dict,
    local_patients: bool = False,
    record_id: int | None = None,
    expected_revision: int | None = None,
) -> BundleResult:
    """Import a transaction or batch Bundle of Patient and AllergyIntolerance resources.

    Patients go first, so that allergies can name them by their entry's fullUrl. Each entry runs in
    a savepoint: a refused one leaves nothing behind. A transaction with a refused entry raises
    `BundleRefused` (the caller rolls everything back). `local_patients`: allergies may name Mesocat's
    own `Patient/<id>` (a resource sent alone to this server); `record_id` and `expected_revision`: the
    record an update addresses, and the version it was read at.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise Invalid("Send a FHIR Bundle.", errors={"resourceType": ["Must be 'Bundle'."]})
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise Invalid(
            "Only transaction and batch Bundles can be posted.", errors={"type": ["Use 'transaction' or 'batch'."]}
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise Invalid("Bundle.entry must be a list.", errors={"entry": ["Not a list."]})
    if len(entries) > 1000:
        raise Invalid("Too many entries.", errors={"entry": ["Up to 1,000 entries in one Bundle."]})
    results: dict[int, EntryResult] = {}
    patients_by_url: dict[str, int] = {}
    order = sorted(
        range(len(entries)),
        key=lambda i: (
            0
            if isinstance(entries[i], dict) and (entries[i].get("resource") or {}).get("resourceType") == "Patient"
            else 1
        ),
    )
    for index in order:
        entry = entries[index]
        where = f"Bundle.entry[{index}].resource"
        savepoint = session.begin_nested()
        try:
            result = _import_entry(
                session,
                actor=actor,
                entry=entry,
                where=where,
                patients_by_url=patients_by_url,
                local_patients=local_patients,
                record_id=record_id,
                expected_revision=expected_revision,
            )
            result.index = index
            savepoint.commit()
        except EntryRefused as refusal:
            savepoint.rollback()
            result = EntryResult(index, "400 Bad Request", issues=refusal.issues)
            _forget_refused_patient(entry, patients_by_url)
        except DomainError as error:
            savepoint.rollback()
            result = EntryResult(index, f"{error.status} {HTTP_STATUS_CODES.get(error.status, 'Error')}")
            result.issues = _refusal_issues(error, where)
            _forget_refused_patient(entry, patients_by_url)
        results[index] = result
    outcome = BundleResult(kind, [results[i] for i in range(len(entries))])
    if kind == "transaction" and outcome.refused:
        raise BundleRefused(outcome)
    return outcome


class BundleRefused(Exception):
    """A transaction with at least one refused entry: nothing of it is kept."""

    def __init__(self, result: BundleResult):
        super().__init__("transaction refused")
        self.result = result


def _forget_refused_patient(entry, patients_by_url: dict[str, int | None]) -> None:
    """A refused Patient entry's fullUrl and id name nobody: allergies naming them are refused too."""
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        return
    for key in filter(None, (entry.get("fullUrl"), f"Patient/{resource['id']}" if resource.get("id") else None)):
        patients_by_url[key] = None


def _patient_reference(
    reference: str | None, patients_by_url: dict[str, int | None], where: str, *, local_patients: bool
) -> int:
    """The patient an allergy names: a Patient of the Bundle (by fullUrl or id), else, only where the
    caller allows it (a single resource sent to Mesocat), Mesocat's own `Patient/<id>`.

    A Patient entry that was refused leaves every allergy naming it refused too: it never falls back
    on a Mesocat patient who happens to have the same number.
    """
    if reference:
        matches = [local for url, local in patients_by_url.items() if url == reference or url.endswith("/" + reference)]
        if matches:
            if matches[0] is None:
                raise EntryRefused(
                    [
                        _issue(
                            "The Patient entry this allergy names was refused: nothing of it is imported.",
                            f"{where}.patient",
                        )
                    ]
                )
            return matches[0]
        kind, _, local = reference.rpartition("/")
        if local_patients and kind == "Patient" and local.isdigit() and len(local) < 10:
            return int(local)
    raise EntryRefused(
        [
            _issue(
                "The patient must be a Patient entry of this Bundle (by its fullUrl or id); Mesocat's own "
                "Patient/<id> only when the AllergyIntolerance is sent alone (POST or PUT /AllergyIntolerance).",
                f"{where}.patient",
            )
        ]
    )


def _import_entry(
    session: Session,
    *,
    actor: Actor,
    entry,
    where: str,
    patients_by_url: dict[str, int | None],
    local_patients: bool,
    record_id: int | None,
    expected_revision: int | None,
) -> EntryResult:
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        raise EntryRefused([_issue("Each entry needs a resource.", where)])
    resource = entry["resource"]
    request = entry.get("request") or {}
    method = request.get("method", "POST")
    if method not in ("POST", "PUT"):
        raise EntryRefused(
            [
                _issue(
                    "Only POST and PUT entries can be imported.",
                    where.replace(".resource", ".request.method"),
                    code="not-supported",
                )
            ]
        )
    validate_resource(resource, where)
    url = entry.get("fullUrl")
    if resource["resourceType"] == "Patient":
        local = None
        target = request.get("url") or ""
        if method == "PUT" and target.startswith("Patient/") and target[8:].isdigit() and len(target) < 20:
            local = int(target[8:])
            patients_service.get_patient(session, clinic_id=actor.clinic_id, patient_id=local)
        patient, created = import_patient(session, actor=actor, resource=resource, where=where, local_id=local)
        for key in filter(None, (url, f"Patient/{resource.get('id')}" if resource.get("id") else None)):
            patients_by_url[key] = patient.id
        return EntryResult(
            0, "201 Created" if created else "200 OK", f"Patient/{patient.id}/_history/{patient.revision}"
        )
    reference = (resource.get("patient") or {}).get("reference")
    patient_id = _patient_reference(reference, patients_by_url, where, local_patients=local_patients)
    patients_service.get_patient(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    fallback = url if url and url.startswith(("http://", "https://")) else None
    record, created, warnings = import_allergy(
        session,
        actor=actor,
        resource=resource,
        where=where,
        patient_id=patient_id,
        fallback_identifier=fallback,
        record_id=record_id,
        expected_revision=expected_revision,
    )
    if record == "no-known-allergies":
        return EntryResult(0, "200 OK", f"AllergyIntolerance/nka-{patient_id}")
    if record is None:
        return EntryResult(0, "200 OK", None, issues=warnings)
    return EntryResult(
        0,
        "201 Created" if created else "200 OK",
        f"AllergyIntolerance/{record.id}/_history/{record.revision}",
        warnings,
    )
