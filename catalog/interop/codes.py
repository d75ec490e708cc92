"""The code systems FHIR speaks, and the external codes of the catalogue's allergens (seed/fhir_codes.yaml)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.core.errors import Invalid
from catalog.interop.models import AllergenCoding
from catalog.vocabularies.models import Source

SNOMED = "http://snomed.info/sct"
UNII = "http://fdasis.nlm.nih.gov"
UCUM = "http://unitsofmeasure.org"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
# The catalogue's own codes, as FHIR codings: what a round trip through another system keeps.
MESOCAT_ALLERGEN = "urn:mesocat:allergen"
MESOCAT_INGREDIENT = "urn:mesocat:ingredient"
MESOCAT_PRODUCT = "urn:mesocat:product"
MESOCAT_OVERRIDE_REASON = "urn:mesocat:override-reason"
# A patient's reference in their clinic; `{clinic}` is the clinic's id.
MESOCAT_PATIENT_REFERENCE = "urn:mesocat:clinic:{clinic}:patient-reference"
MESOCAT_ALLERGY_RECORD = "urn:mesocat:clinic:{clinic}:allergy-record"

# SNOMED CT "no known …" situations (HL7 IPS "Absent or Unknown Allergies" value set). Only "no known
# allergy" says what Mesocat's 'no known allergies' says; the narrower ones leave the status unknown.
NO_KNOWN_ALLERGY = "716186003"
NARROWER_NO_KNOWN = {
    "409137002": "No known drug allergy",
    "429625007": "No known food allergy",
    "428607008": "No known environmental allergy",
}


class CodingEntrySchema(Schema):
    system = fields.String(required=True, validate=validate.OneOf([SNOMED, UNII]))
    code = fields.String(required=True, validate=validate.Length(1, 100))
    display = fields.String(load_default="", validate=validate.Length(max=300))
    source = fields.String(required=True, validate=validate.Length(1, 64))
    kind = fields.String(load_default="substance", validate=validate.OneOf(["substance", "disorder"]))


class AllergenCodingsSchema(Schema):
    """One entry of seed/fhir_codes.yaml: an allergen and the external codes that name it."""

    allergen = fields.String(required=True, validate=validate.Length(1, 64))
    codings = fields.List(fields.Nested(CodingEntrySchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _codes_once(self, data, **_):
        pairs = [(c["system"], c["code"]) for c in data["codings"]]
        if len(pairs) != len(set(pairs)):
            raise ValidationError("A code appears twice.", "codings")


def upsert_codings(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Make the table say exactly what the file says; a code claimed by two allergens is refused."""
    unknown = allergens_service.unknown_codes(session, codes=[entry["allergen"] for entry in entries])
    if unknown:
        raise Invalid("Unknown allergen.", errors={"allergen": [f"No allergen has the code {sorted(unknown)[0]!r}."]})
    sources = set(session.scalars(select(Source.code)))
    wanted: dict[tuple[str, str], dict] = {}
    for entry in entries:
        for coding in entry["codings"]:
            if coding["source"] not in sources:
                raise Invalid("Unknown source.", errors={"source": [f"No source has the code {coding['source']!r}."]})
            key = (coding["system"], coding["code"])
            if key in wanted:
                raise Invalid("A code names two allergens.", errors={"codings": [f"{key[1]} appears twice."]})
            wanted[key] = {
                "allergen_code": entry["allergen"],
                "display": coding["display"],
                "kind": coding["kind"],
                "source_code": coding["source"],
            }
    existing = {(row.system, row.code): row for row in session.scalars(select(AllergenCoding))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for key, values in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            session.add(AllergenCoding(system=key[0], code=key[1], **values))
            counts["created"] += 1
        elif any(getattr(row, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for row in existing.values():
        session.delete(row)
        counts["updated"] += 1
    session.flush()
    return counts


def allergen_for_codings(session: Session, codings: list[tuple[str | None, str | None]]) -> str | None:
    """The catalogue allergen the first mappable coding names: our own code, else the mapping table."""
    for system, code in codings:
        if system == MESOCAT_ALLERGEN and code and not allergens_service.unknown_codes(session, codes=[code]):
            return code
    for system, code in codings:
        if system and code:
            found = session.scalar(
                select(AllergenCoding.allergen_code).where(AllergenCoding.system == system, AllergenCoding.code == code)
            )
            if found:
                return found
    return None


def codings_of(session: Session, *, allergen_codes: set[str]) -> dict[str, list[AllergenCoding]]:
    """The external codes of these allergens, substance codes first."""
    rows = session.scalars(
        select(AllergenCoding)
        .where(AllergenCoding.allergen_code.in_(allergen_codes))
        .order_by(AllergenCoding.kind.desc(), AllergenCoding.system, AllergenCoding.code)
    )
    found: dict[str, list[AllergenCoding]] = {}
    for row in rows:
        found.setdefault(row.allergen_code, []).append(row)
    return found
