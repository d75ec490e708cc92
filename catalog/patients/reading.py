"""Patients and their allergy records as the API and the pages read them: coded allergens placed in the hierarchy."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.patients import allergies, service
from catalog.patients.models import AllergyRecord, ClinicalStatus, Criticality, Patient
from catalog.products import service as products_service


@dataclass(frozen=True)
class Allergy:
    """An allergy record as read, what AllergySchema dumps, with its coded allergen placed in the hierarchy."""

    record: AllergyRecord
    allergen_path: list[AllergenNode]  # the broadest group first, the allergen itself last; empty for free text
    # For a free-text record: coded allergens and products the text probably means, to code it by.
    suggestions: list[dict] = field(default_factory=list)
    # The coded allergen's groups (its parents), and every group above them, broadest first.
    allergen_parents: list[AllergenNode] = field(default_factory=list)
    allergen_ancestors: list[AllergenNode] = field(default_factory=list)

    @property
    def allergen(self) -> dict | None:
        if self.record.allergen_code is None:
            return None
        return {
            "code": self.record.allergen_code,
            "name": self.record.allergen.name,
            "path": self.allergen_path,
            "parents": self.allergen_parents,
            "ancestors": self.allergen_ancestors,
        }


@dataclass(frozen=True)
class PatientFile:
    """A patient with every allergy record in the order recorded, what PatientDetailSchema dumps."""

    patient: Patient
    allergies: list[Allergy]

    @property
    def standing(self) -> list[Allergy]:
        """The records that still describe the patient: active first, then the rest; within each, the most critical."""
        return sorted(
            (allergy for allergy in self.allergies if allergy.record.is_standing),
            key=lambda allergy: (
                allergy.record.clinical_status != ClinicalStatus.ACTIVE,
                allergy.record.criticality != Criticality.HIGH,
                allergy.record.id,
            ),
        )

    @property
    def set_apart(self) -> list[Allergy]:
        """Refuted and entered-in-error records: kept for the record, ignored by checks."""
        return [allergy for allergy in self.allergies if not allergy.record.is_standing]


def place_all(session: Session, records: list[AllergyRecord]) -> list[Allergy]:
    """The records with their coded allergens placed in the hierarchy (read once, and only when one is coded)."""
    hierarchy = allergens_service.load_hierarchy(session) if any(r.allergen_code for r in records) else None
    return [_placed(session, record, hierarchy) for record in records]


def _placed(session: Session, record: AllergyRecord, hierarchy: AllergenHierarchy | None) -> Allergy:
    node = hierarchy.get(record.allergen_code) if hierarchy and record.allergen_code else None
    if node is None:
        return Allergy(record, [], suggestions(session, record))
    return Allergy(record, hierarchy.path(node.code), [], node.parents, hierarchy.ancestors_of(node.code))


def suggestions(session: Session, record: AllergyRecord) -> list[dict]:
    """What a free-text record probably means: coded allergens by whole names and synonyms, then products."""
    if not record.allergen_text or record.allergen_code or record.product_id:
        return []
    coded = [{"kind": "allergen", **found} for found in allergens_service.suggest(session, text=record.allergen_text)]
    products = [
        {"kind": "product", "code": product.slug, "name": product.name, "matched": matched}
        for product, matched in products_service.products_named(session, words=record.allergen_text)
    ]
    return coded + products


def place(session: Session, record: AllergyRecord) -> Allergy:
    return place_all(session, [record])[0]


def patient_file(session: Session, patient: Patient) -> PatientFile:
    return PatientFile(patient, place_all(session, patient.allergies))


def read_patient(session: Session, *, clinic_id: int, patient_id: int) -> PatientFile:
    """The clinic's patient with every allergy record; another clinic's patient does not exist here."""
    return patient_file(session, service.get_patient(session, clinic_id=clinic_id, patient_id=patient_id))


def list_allergies(session: Session, *, clinic_id: int, patient_id: int) -> list[Allergy]:
    return read_patient(session, clinic_id=clinic_id, patient_id=patient_id).allergies


def read_allergy(session: Session, *, clinic_id: int, patient_id: int, allergy_id: int) -> Allergy:
    record = allergies.get_allergy(session, clinic_id=clinic_id, patient_id=patient_id, allergy_id=allergy_id)
    return place(session, record)
