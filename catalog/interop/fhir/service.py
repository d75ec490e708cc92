"""Reading the clinic's records as FHIR: read, version read, history and search, each scoped to one clinic."""

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens.models import Allergen
from catalog.checks import service as checks_service
from catalog.checks.models import Check
from catalog.cocktails import service as cocktails_service
from catalog.core.errors import Invalid, NotFound
from catalog.core.text import LIKE_ESCAPE, fold, like_fragment
from catalog.interop import codes
from catalog.interop.fhir import resources
from catalog.interop.models import ExternalIdentifier
from catalog.patients import allergies as allergies_service
from catalog.patients import service as patients_service
from catalog.patients.models import AllergyRecord, ClinicalStatus, Patient
from catalog.products.models import Product
from catalog.vocabularies.models import Source


class GoneVersion(NotFound):
    """A version id the resource never had."""


def _identifiers(session: Session, *, clinic_id: int, resource_type: str, local_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ExternalIdentifier.system, ExternalIdentifier.value)
        .where(
            ExternalIdentifier.clinic_id == clinic_id,
            ExternalIdentifier.resource_type == resource_type,
            ExternalIdentifier.local_id == local_id,
        )
        .order_by(ExternalIdentifier.id)
    )
    return [(system, value) for system, value in rows]


# --- Patient ----------------------------------------------------------------------


def _patient_values(patient: Patient) -> dict:
    return {field: getattr(patient, field) for field in patients_service.IDENTITY_FIELDS}


def patient_resource(session: Session, patient: Patient) -> dict:
    return resources.patient(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        values=_patient_values(patient),
        version=patient.revision,
        updated=patient.updated_at,
        identifiers=_identifiers(session, clinic_id=patient.clinic_id, resource_type="Patient", local_id=patient.id),
    )


def read_patient(session: Session, *, clinic_id: int, patient_id: int) -> dict:
    return patient_resource(session, patients_service.get_patient(session, clinic_id=clinic_id, patient_id=patient_id))


def patient_versions(session: Session, *, clinic_id: int, patient_id: int) -> list[dict]:
    """Every version of the Patient, oldest first; one recorded before revisions were kept is its current self."""
    patient = patients_service.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    revisions = patients_service.patient_history(session, clinic_id=clinic_id, patient_id=patient_id)
    if not revisions or revisions[-1].revision != patient.revision:
        return [patient_resource(session, patient)]
    identifiers = _identifiers(session, clinic_id=clinic_id, resource_type="Patient", local_id=patient.id)
    return [
        resources.patient(
            clinic_id=clinic_id,
            patient_id=patient.id,
            values=revision.values,
            version=revision.revision,
            updated=revision.changed_at,
            identifiers=identifiers,
        )
        for revision in revisions
    ]


def search_patients(session: Session, *, clinic_id: int, params: "SearchParams") -> list[dict]:
    statement = select(Patient).where(Patient.clinic_id == clinic_id)
    if params.ids:
        statement = statement.where(Patient.id.in_(params.ids))
    if params.name:
        statement = statement.where(Patient.search_name.like(f"%{like_fragment(params.name)}%", escape=LIKE_ESCAPE))
    if params.identifier:
        system, value = params.identifier
        own = codes.MESOCAT_PATIENT_REFERENCE.format(clinic=clinic_id)
        matched = set()
        if system in (None, own):
            matched |= set(
                session.scalars(
                    select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.reference_key == fold(value))
                )
            )
        external = select(ExternalIdentifier.local_id).where(
            ExternalIdentifier.clinic_id == clinic_id,
            ExternalIdentifier.resource_type == "Patient",
            ExternalIdentifier.value == value,
        )
        if system is not None:
            external = external.where(ExternalIdentifier.system == system)
        matched |= set(session.scalars(external))
        statement = statement.where(Patient.id.in_(matched))
    for op, moment in params.last_updated:
        statement = statement.where(_compare(Patient.updated_at, op, moment))
    statement = statement.order_by(Patient.id).limit(params.count + 1).offset(params.offset)
    return [patient_resource(session, patient) for patient in session.scalars(statement)]


# --- AllergyIntolerance -----------------------------------------------------------


def _names(session: Session, values_list: list[dict]) -> dict:
    allergen_codes = {v["allergen"] for v in values_list if v.get("allergen")}
    product_slugs = {v["product"] for v in values_list if v.get("product")}
    names = {}
    if allergen_codes:
        for code, name in session.execute(
            select(Allergen.code, Allergen.name).where(Allergen.code.in_(allergen_codes))
        ):
            names[("allergen", code)] = name
    if product_slugs:
        for slug, name in session.execute(select(Product.slug, Product.name).where(Product.slug.in_(product_slugs))):
            names[("product", slug)] = name
    return names


def _allergy_resources(session: Session, clinic_id: int, items: list[tuple[AllergyRecord, dict, int, datetime]]):
    """Resources for (record, values, version, updated) tuples, with names and external codes read once."""
    values_list = [values for _, values, _, _ in items]
    names = _names(session, values_list)
    external = codes.codings_of(session, allergen_codes={v["allergen"] for v in values_list if v.get("allergen")})
    found = []
    for record, values, version, updated in items:
        found.append(
            resources.allergy_intolerance(
                clinic_id=clinic_id,
                record_id=record.id,
                patient_id=record.patient_id,
                values=values,
                version=version,
                updated=updated,
                recorded_at=record.recorded_at,
                recorder=record.recorded_by["label"] if record.recorded_by else None,
                names=names,
                external=external.get(values.get("allergen"), []),
                identifiers=_identifiers(
                    session, clinic_id=clinic_id, resource_type="AllergyIntolerance", local_id=record.id
                ),
            )
        )
    return found


def _record(session: Session, *, clinic_id: int, record_id: int) -> AllergyRecord:
    record = session.get(AllergyRecord, record_id)
    if record is None:
        raise NotFound("No AllergyIntolerance with this id in your clinic.")
    patients_service.get_patient(session, clinic_id=clinic_id, patient_id=record.patient_id)
    return record


def allergy_resource(session: Session, *, clinic_id: int, record: AllergyRecord) -> dict:
    items = [(record, allergies_service.record_view(record), record.revision, record.updated_at)]
    return _allergy_resources(session, clinic_id, items)[0]


def _nka_resource(patient: Patient) -> dict | None:
    if patient.no_known_allergies is None:
        return None
    asserted_by = patient.nka_asserted_by
    return resources.no_known_allergies(
        patient_id=patient.id,
        asserted_at=patient.nka_asserted_at,
        asserted_by=asserted_by["label"] if asserted_by else None,
    )


def read_allergy(session: Session, *, clinic_id: int, resource_id: str) -> dict:
    if resource_id.startswith("nka-") and resource_id[4:].isdigit():
        patient = patients_service.get_patient(session, clinic_id=clinic_id, patient_id=int(resource_id[4:]))
        resource = _nka_resource(patient)
        if resource is None:
            raise NotFound("This patient has no 'no known allergies' assertion standing.")
        return resource
    if not resource_id.isdigit():
        raise NotFound("No AllergyIntolerance with this id in your clinic.")
    return allergy_resource(
        session, clinic_id=clinic_id, record=_record(session, clinic_id=clinic_id, record_id=int(resource_id))
    )


def allergy_versions(session: Session, *, clinic_id: int, resource_id: str) -> list[dict]:
    """Every version of the AllergyIntolerance, oldest first, from the record's revisions."""
    if not resource_id.isdigit():
        return [read_allergy(session, clinic_id=clinic_id, resource_id=resource_id)]
    record = _record(session, clinic_id=clinic_id, record_id=int(resource_id))
    revisions = allergies_service.allergy_history(
        session, clinic_id=clinic_id, patient_id=record.patient_id, allergy_id=record.id
    )
    items = [(record, revision.values, revision.revision, revision.changed_at) for revision in revisions]
    return _allergy_resources(session, clinic_id, items)


def search_allergies(session: Session, *, clinic_id: int, params: "SearchParams") -> tuple[list[dict], list[dict]]:
    """The matching records (up to one more than a page, to tell whether there is more), and besides
    them, on the first page of a patient's search, their 'no known allergies' (not counted in the page)."""
    statement = (
        select(AllergyRecord)
        .join(Patient, Patient.id == AllergyRecord.patient_id)
        .where(Patient.clinic_id == clinic_id)
    )
    if params.patient is not None:
        statement = statement.where(AllergyRecord.patient_id == params.patient)
    if params.ids:
        statement = statement.where(AllergyRecord.id.in_(params.ids))
    if params.clinical_status:
        statement = statement.where(
            AllergyRecord.clinical_status.in_([ClinicalStatus(s) for s in params.clinical_status])
        )
    for op, moment in params.last_updated:
        statement = statement.where(_compare(AllergyRecord.updated_at, op, moment))
    statement = statement.order_by(AllergyRecord.id).limit(params.count + 1).offset(params.offset)
    records = list(session.scalars(statement))
    found = _allergy_resources(
        session, clinic_id, [(r, allergies_service.record_view(r), r.revision, r.updated_at) for r in records]
    )
    extra: list[dict] = []
    # A patient's 'no known allergies' is an AllergyIntolerance too, when searched by patient.
    if params.patient is not None and params.offset == 0 and not params.ids:
        patient = patients_service.get_patient(session, clinic_id=clinic_id, patient_id=params.patient)
        nka = _nka_resource(patient)
        wanted = not params.clinical_status or "active" in params.clinical_status
        in_range = all(_compare_value(patient.nka_asserted_at, op, moment) for op, moment in params.last_updated)
        if nka is not None and wanted and in_range:
            extra.append(nka)
    return found, extra


# --- Medication, DetectedIssue ----------------------------------------------------


def read_medication(session: Session, *, clinic_id: int, resource_id: str) -> dict:
    """A cocktail version as a Medication; its id is `cocktail-<id>-v<number>`."""
    cocktail_id, number = parse_medication_id(resource_id)
    cocktail = cocktails_service.get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id)
    version = cocktails_service.get_version(session, cocktail=cocktail, number=number)
    return resources.medication(cocktail=cocktail, version=version, current=number == cocktail.current_version)


def parse_medication_id(resource_id: str) -> tuple[int, int]:
    head, _, rest = resource_id.partition("-")
    cocktail, _, number = rest.partition("-v")
    if head != "cocktail" or not cocktail.isdigit() or not number.isdigit() or len(cocktail) > 9 or len(number) > 9:
        raise NotFound("No Medication with this id: cocktail versions are named cocktail-<id>-v<number>.")
    return int(cocktail), int(number)


def _sources(session: Session, checks: list[Check]) -> dict:
    wanted = {(finding.get("source") or {}).get("code") for check in checks for finding in check.findings} - {None}
    if not wanted:
        return {}
    return {
        code: url
        for code, url in session.execute(select(Source.code, Source.url).where(Source.code.in_(wanted)))
        if url
    }


def check_issues(session: Session, check: Check) -> list[dict]:
    override = check.override
    return resources.detected_issues(
        check=check,
        cocktail_id=check.cocktail_id,
        override_by=override.by["label"] if override is not None and override.by else None,
        sources=_sources(session, [check]),
    )


def read_detected_issue(session: Session, *, clinic_id: int, resource_id: str) -> dict:
    head, _, rest = resource_id.partition("-")
    check_id = rest.split("-", 1)[0]
    if head != "check" or not check_id.isdigit() or len(check_id) > 9:
        raise NotFound("No DetectedIssue with this id.")
    check = checks_service.get_check(session, clinic_id=clinic_id, check_id=int(check_id))
    for issue in check_issues(session, check):
        if issue["id"] == resource_id:
            return issue
    raise NotFound("No DetectedIssue with this id.")


def search_detected_issues(session: Session, *, clinic_id: int, params: "SearchParams") -> list[list[dict]]:
    """The DetectedIssues of each check matching, a list per check: one check more than a page, to tell if more."""
    statement = select(Check).where(Check.clinic_id == clinic_id)
    if params.patient is not None:
        statement = statement.where(Check.patient_id == params.patient)
    for op, moment in params.last_updated:
        statement = statement.where(_compare(Check.checked_at, op, moment))
    statement = statement.order_by(Check.id).limit(params.count + 1).offset(params.offset)
    return [check_issues(session, check) for check in session.scalars(statement)]


def _allergies_and_nka(session: Session, *, clinic_id: int, params: "SearchParams") -> list[dict]:
    found, extra = search_allergies(session, clinic_id=clinic_id, params=params)
    return [*extra, *found[: params.count]]


def everything(session: Session, *, clinic_id: int, patient_id: int) -> list[dict]:
    """Patient/$everything as Mesocat holds it: the Patient, its AllergyIntolerances, its checks' DetectedIssues."""
    patient = patients_service.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    params = SearchParams(patient=patient.id, count=10_000)
    return [
        patient_resource(session, patient),
        *_allergies_and_nka(session, clinic_id=clinic_id, params=params),
        *(issue for issues in search_detected_issues(session, clinic_id=clinic_id, params=params) for issue in issues),
    ]


# --- Search parameters ------------------------------------------------------------


@dataclass
class SearchParams:
    patient: int | None = None
    ids: list[int] | None = None
    name: str | None = None
    identifier: tuple[str | None, str] | None = None
    clinical_status: list[str] | None = None
    last_updated: list[tuple[str, datetime]] = ()
    count: int = 50
    offset: int = 0


PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")


def parse_date_param(value: str, field: str) -> list[tuple[str, datetime]]:
    """A FHIR date search value (`ge2026-01-01`, `lt2026-12-03T10:00:00Z`) as comparisons with UTC instants."""
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    if prefix not in ("eq", "gt", "lt", "ge", "le"):
        raise Invalid("Unsupported date prefix.", errors={field: [f"Use eq, gt, lt, ge or le, not {prefix}."]})
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time.min, UTC)
            end = datetime.combine(day, time.max, UTC)
        else:
            start = end = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if start.tzinfo is None:
                raise ValueError
    except ValueError:
        raise Invalid(
            "Not a FHIR date.", errors={field: [f"{value!r}: use YYYY-MM-DD or an instant with its zone."]}
        ) from None
    # A day compares as the whole day: ge the day = from its start, le the day = to its end.
    return {
        "eq": [("ge", start), ("le", end)],
        "gt": [("gt", end)],
        "ge": [("ge", start)],
        "lt": [("lt", start)],
        "le": [("le", end)],
    }[prefix]


# A date prefix as the comparison it makes: on a column (SQL) and on a value alike.
COMPARISONS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def _compare(column, op: str, moment: datetime):
    return COMPARISONS[op](column, moment)


def _compare_value(value: datetime | None, op: str, moment: datetime) -> bool:
    return value is not None and COMPARISONS[op](value, moment)
