"""The clinic's records as FHIR R4 resources (JSON dicts): Patient, AllergyIntolerance, Medication, DetectedIssue."""

from datetime import datetime

from catalog.interop import codes

FHIR_VERSION = "4.0.1"


def instant(value: datetime | None) -> str | None:
    """A FHIR instant: UTC, to the second."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(version: int, updated: datetime | None) -> dict:
    return {"versionId": str(version), "lastUpdated": instant(updated)}


def _identifiers(extra: list[tuple[str, str]]) -> list[dict]:
    return [{"system": system, "value": value} for system, value in extra]


def patient(*, clinic_id: int, patient_id: int, values: dict, version: int, updated, identifiers=()) -> dict:
    """A Patient from who the patient is (`values`: reference, display_name, birth_year, as a revision keeps them)."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient_id),
        "meta": meta(version, updated),
        "identifier": [
            {
                "use": "usual",
                "system": codes.MESOCAT_PATIENT_REFERENCE.format(clinic=clinic_id),
                "value": values["reference"],
            },
            *_identifiers(list(identifiers)),
        ],
        "name": [{"text": values["display_name"]}],
    }
    if values.get("birth_year") is not None:
        resource["birthDate"] = f"{values['birth_year']:04d}"  # FHIR dates may be a year alone
    return resource


def _status(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def allergen_concept(*, values: dict, names: dict, external: list) -> dict:
    """AllergyIntolerance.code: the catalogue's code and any external ones, or the product, or the text alone."""
    code = values.get("allergen")
    if code:
        name = names.get(("allergen", code), code)
        codings = [{"system": codes.MESOCAT_ALLERGEN, "code": code, "display": name}]
        codings += [{"system": row.system, "code": row.code, "display": row.display} for row in external]
        return {"coding": codings, "text": name}
    product = values.get("product")
    if product:
        name = names.get(("product", product), product)
        return {"coding": [{"system": codes.MESOCAT_PRODUCT, "code": product, "display": name}], "text": name}
    return {"text": values.get("allergen_text") or ""}


def allergy_intolerance(
    *,
    clinic_id: int,
    record_id: int,
    patient_id: int,
    values: dict,
    version: int,
    updated: datetime,
    recorded_at: datetime,
    recorder: str | None,
    names: dict,
    external: list,
    identifiers=(),
) -> dict:
    """An AllergyIntolerance from a record's content as its revisions keep it (`record_view`)."""
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": str(record_id),
        "meta": meta(version, updated),
        "identifier": [
            {"system": codes.MESOCAT_ALLERGY_RECORD.format(clinic=clinic_id), "value": str(record_id)},
            *_identifiers(list(identifiers)),
        ],
        "verificationStatus": _status(codes.VERIFICATION_STATUS, values["verification_status"]),
        "type": values["type"],
        "criticality": values["criticality"],
        "code": allergen_concept(values=values, names=names, external=external),
        "patient": {"reference": f"Patient/{patient_id}"},
        "recordedDate": instant(recorded_at),
    }
    # FHIR ait-2: no clinical status on a record entered in error.
    if values.get("clinical_status"):
        resource["clinicalStatus"] = _status(codes.CLINICAL_STATUS, values["clinical_status"])
    if recorder:
        resource["recorder"] = {"display": recorder}
    if values.get("reaction_manifestation"):
        reaction = {"manifestation": [{"text": values["reaction_manifestation"]}]}
        if values.get("reaction_severity"):
            reaction["severity"] = values["reaction_severity"]
        resource["reaction"] = [reaction]
    if values.get("note"):
        resource["note"] = [{"text": values["note"]}]
    return resource


def no_known_allergies(*, patient_id: int, asserted_at: datetime, asserted_by: str | None) -> dict:
    """A patient's 'no known allergies', as FHIR (and the International Patient Summary) say it."""
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": f"nka-{patient_id}",
        "meta": meta(1, asserted_at),
        "clinicalStatus": _status(codes.CLINICAL_STATUS, "active"),
        "verificationStatus": _status(codes.VERIFICATION_STATUS, "confirmed"),
        "code": {
            "coding": [{"system": codes.SNOMED, "code": codes.NO_KNOWN_ALLERGY, "display": "No known allergy"}],
            "text": "No known allergies",
        },
        "patient": {"reference": f"Patient/{patient_id}"},
        "recordedDate": instant(asserted_at),
    }
    if asserted_by:
        resource["recorder"] = {"display": asserted_by}
    return resource


# The catalogue's concentration units as UCUM ratios: (numerator value factor, numerator unit, denominator).
# `%` is weight per volume, as on injection labels: 1 % = 1 g per 100 mL.
STRENGTH_UNITS = {
    "mg/mL": (1, "mg", 1),
    "µg/mL": (1, "ug", 1),
    "%": (1, "g", 100),
    "IU/mL": (1, "[iU]", 1),
    "U/mL": (1, "[USP'U]", 1),
}


def strength(value: float | None, unit: str | None) -> dict | None:
    """A concentration as a FHIR Ratio (numerator per denominator mL), in UCUM."""
    if value is None or unit not in STRENGTH_UNITS:
        return None
    factor, numerator_unit, denominator = STRENGTH_UNITS[unit]
    return {
        "numerator": {"value": value * factor, "unit": numerator_unit, "system": codes.UCUM, "code": numerator_unit},
        "denominator": {"value": denominator, "unit": "mL", "system": codes.UCUM, "code": "mL"},
    }


def _ingredient_concept(slug: str, name: str) -> dict:
    return {"coding": [{"system": codes.MESOCAT_INGREDIENT, "code": slug, "display": name}], "text": name}


def medication_id(cocktail_id: int, number: int) -> str:
    return f"cocktail-{cocktail_id}-v{number}"


def medication(*, cocktail, version, current: bool) -> dict:
    """A cocktail version as a Medication: each ingredient at its strength; products drawn are contained."""
    contained = []
    ingredients = []
    for component in version.components:
        if component.product is not None:
            product = component.product
            contained_id = f"product-{product.slug}"
            if all(item["id"] != contained_id for item in contained):
                contained.append(
                    {
                        "resourceType": "Medication",
                        "id": contained_id,
                        "code": {
                            "coding": [
                                {"system": codes.MESOCAT_PRODUCT, "code": product.slug, "display": product.name}
                            ],
                            "text": product.name,
                        },
                        "ingredient": [
                            _ingredient(part.ingredient.slug, part.ingredient.name, part.strength, part.unit)
                            | {"isActive": part.role.value == "active"}
                            for part in product.components
                        ],
                    }
                )
            item = {"itemReference": {"reference": f"#{contained_id}", "display": product.name}, "isActive": True}
            ingredients.append(item | _volume_extension(component.volume_ml))
        else:
            item = _ingredient(
                component.ingredient.slug, component.ingredient.name, component.concentration, component.unit
            )
            ingredients.append(item | {"isActive": True} | _volume_extension(component.volume_ml))
    resource = {
        "resourceType": "Medication",
        "id": medication_id(cocktail.id, version.number),
        "meta": meta(version.number, version.created_at),
        "code": {"text": f"{cocktail.name}, version {version.number}"},
        "status": "active" if current and cocktail.status.value == "active" else "inactive",
        "ingredient": ingredients,
    }
    if contained:
        resource["contained"] = contained
    return resource


VOLUME_EXTENSION = "urn:mesocat:fhir:volume-drawn"


def _volume_extension(volume_ml: float | None) -> dict:
    """The volume drawn of a component, which R4's Medication has no element for."""
    if volume_ml is None:
        return {}
    quantity = {"value": volume_ml, "unit": "mL", "system": codes.UCUM, "code": "mL"}
    return {"extension": [{"url": VOLUME_EXTENSION, "valueQuantity": quantity}]}


def _ingredient(slug: str, name: str, value: float | None, unit: str | None) -> dict:
    item = {"itemCodeableConcept": _ingredient_concept(slug, name)}
    ratio = strength(value, unit)
    if ratio is not None:
        item["strength"] = ratio
    return item


# DetectedIssue.severity from the check's CDS Hooks grades.
ISSUE_SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}


def detected_issues(*, check, cocktail_id: int, override_by: str | None, sources: dict) -> list[dict]:
    """A recorded check as DetectedIssue resources: one per finding, and one per thing it could not check."""
    implicated = [{"reference": f"Medication/{medication_id(cocktail_id, check.version_number)}"}]
    issues = []
    for index, finding in enumerate(check.findings):
        issue = {
            "resourceType": "DetectedIssue",
            "id": f"check-{check.id}-{index + 1}",
            "status": "final",
            "code": {
                "coding": [{"system": "urn:mesocat:finding-kind", "code": finding["kind"]}],
                "text": finding["kind"],
            },
            "severity": ISSUE_SEVERITY[finding["severity"]],
            "patient": {"reference": f"Patient/{check.patient_id}"},
            "identifiedDateTime": instant(check.checked_at),
            "implicated": implicated,
            "detail": f"{finding['summary']} {finding['detail']}".strip(),
        }
        if check.checked_by:
            issue["author"] = {"display": check.checked_by["label"]}
        path = [step["name"] for step in finding.get("path") or []]
        records = finding.get("allergy_records") or []
        evidence = [{"display": " → ".join(path)}] if path else []
        evidence += [{"reference": f"AllergyIntolerance/{record}"} for record in records]
        if evidence:
            issue["evidence"] = [{"detail": evidence}]
        source = (finding.get("source") or {}).get("code")
        if source and sources.get(source):
            issue["reference"] = sources[source]
        if check.override is not None:
            issue["mitigation"] = [
                {
                    "action": {"text": f"Overridden: {check.override.reason}"},
                    "date": instant(check.override.overridden_at),
                    **({"author": {"display": override_by}} if override_by else {}),
                }
            ]
        issues.append(issue)
    for index, gap in enumerate(check.unchecked):
        issues.append(
            {
                "resourceType": "DetectedIssue",
                "id": f"check-{check.id}-unchecked-{index + 1}",
                "status": "final",
                "code": {"coding": [{"system": "urn:mesocat:unchecked", "code": gap["kind"]}], "text": "Not checked"},
                "severity": "low",
                "patient": {"reference": f"Patient/{check.patient_id}"},
                "identifiedDateTime": instant(check.checked_at),
                "implicated": implicated,
                "detail": gap["detail"],
            }
        )
    return issues


def operation_outcome(issues: list[dict]) -> dict:
    """issues: [{severity, code, diagnostics, expression?}] as FHIR's OperationOutcome.issue."""
    return {"resourceType": "OperationOutcome", "issue": issues}


def searchset(*, base: str, self_link: str, resources: list[dict], total: int | None = None) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources) if total is None else total,
        "link": [{"relation": "self", "url": self_link}],
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def history(*, base: str, self_link: str, versions: list[dict]) -> dict:
    """A history Bundle, newest version first (as FHIR orders it)."""
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(versions),
        "link": [{"relation": "self", "url": self_link}],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "request": {"method": "POST" if r["meta"]["versionId"] == "1" else "PUT", "url": r["resourceType"]},
                "response": {"status": "201 Created" if r["meta"]["versionId"] == "1" else "200 OK"},
            }
            for r in reversed(versions)
        ],
    }
