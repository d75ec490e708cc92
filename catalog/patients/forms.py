"""The patient pages' forms: what an HTML form sends, read by the API's schemas in the form's own words."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from marshmallow import fields

from catalog.core.text import typed_decimal
from catalog.i18n import code_name
from catalog.patients.allergies import record_view
from catalog.patients.models import (
    AllergyRecord,
    AllergyType,
    ClinicalStatus,
    Criticality,
    ReactionSeverity,
    VerificationStatus,
)
from catalog.patients.schemas import (
    AllergyCreateSchema,
    AllergyUpdateSchema,
    PatientCreateSchema,
    PatientUpdateSchema,
    birth_year_field,
)

# The options' labels are lazy: each page renders them in its own language.
CHOICES = {
    "type": [(AllergyType.ALLERGY.value, _l("Allergy")), (AllergyType.INTOLERANCE.value, _l("Intolerance"))],
    "criticality": [
        (Criticality.HIGH.value, _l("High: potential for a serious reaction")),
        (Criticality.LOW.value, _l("Low")),
        (Criticality.UNABLE_TO_ASSESS.value, _l("Unable to assess")),
    ],
    # A clinical status is a coded value the pages already name ("active" is feminine for an allergy in French).
    "clinical_status": [
        (s.value, LazyString(lambda code: code_name(code).capitalize(), s.value)) for s in ClinicalStatus
    ],
    "verification_status": [
        (VerificationStatus.UNCONFIRMED.value, _l("Unconfirmed (suspected)")),
        (VerificationStatus.CONFIRMED.value, _l("Confirmed")),
        (VerificationStatus.REFUTED.value, _l("Refuted")),
        (VerificationStatus.ENTERED_IN_ERROR.value, _l("Entered in error")),
    ],
    "reaction_severity": [
        ("", _l("Not recorded")),
        (ReactionSeverity.MILD.value, _l("Mild")),
        (ReactionSeverity.MODERATE.value, _l("Moderate")),
        (ReactionSeverity.SEVERE.value, _l("Severe")),
    ],
}
ONE_ALLERGEN = _l("Choose an allergen from the list, or describe the substance below: one or the other.")


class PatientCreateForm(PatientCreateSchema):
    birth_year = birth_year_field(strict=False)  # a form sends the year as text


class PatientUpdateForm(PatientUpdateSchema):
    birth_year = birth_year_field(strict=False)


class AllergyCreateForm(AllergyCreateSchema):
    @property
    def one_allergen_message(self) -> str:
        return str(ONE_ALLERGEN)


class AllergyUpdateForm(AllergyUpdateSchema):
    @property
    def one_allergen_message(self) -> str:
        return str(ONE_ALLERGEN)

    # The revision the form was filled from: a newer one stored means someone else changed the record.
    revision = fields.Integer(load_default=None, allow_none=True, load_only=True)


def new_patient(form) -> dict:
    return PatientCreateForm().load(_patient_data(form))


def patient_changes(form) -> dict:
    return PatientUpdateForm().load(_patient_data(form))


def allergy_status(form) -> dict:
    """The 'no known allergies' buttons: assert it, or withdraw it."""
    return PatientUpdateSchema(only=["allergy_status"]).load({"allergy_status": form.get("allergy_status")})


def new_allergy(form) -> dict:
    return AllergyCreateForm().load(_allergy_data(form))


def allergy_change(form) -> tuple[dict, int | None]:
    """The changed record's fields, and the revision the form was filled from (None: not sent)."""
    data = AllergyUpdateForm().load({**_allergy_data(form), "revision": form.get("revision") or None})
    return data, data.pop("revision")


def _patient_data(form) -> dict:
    data = {key: form.get(key, "") for key in ("reference", "display_name")}
    data["birth_year"] = form.get("birth_year", "").strip() or None
    data["conditions"] = form.getlist("conditions")
    if form.get("language"):
        data["language"] = form["language"]
    return data


def _allergy_data(form) -> dict:
    """Blank choices are left out, for the schema's defaults; a reaction needs a description or a severity."""
    data = {
        "allergen": form.get("allergen") or None,
        "allergen_text": form.get("allergen_text", "").strip() or None,
        "product": form.get("product") or None,
        "note": form.get("note", ""),
    }
    for field in ("type", "criticality", "clinical_status", "verification_status"):
        if form.get(field):
            data[field] = form[field]
    manifestation = form.get("reaction_manifestation", "").strip()
    severity = form.get("reaction_severity") or None
    data["reaction"] = {"manifestation": manifestation, "severity": severity} if manifestation or severity else None
    return data


def allergy_errors(flat: dict[str, list[str]]) -> dict[str, list[str]]:
    """The allergy schema's errors (flattened by field) in the form's words."""
    if "reaction_manifestation" in flat:
        return {**flat, "reaction_manifestation": ["Describe what happened (a severity needs a description)."]}
    return flat


def record_values(record: AllergyRecord) -> dict:
    """The stored record, as the form shows it."""
    return {**record_view(record), "allergen_name": record.allergen.name if record.allergen else None}


def submitted_values(form) -> dict:
    """What was submitted, shown back in the form."""
    values = dict(form.items())
    values["allergen_name"] = form.get("allergen_name")
    return values


def weight_input(form) -> dict:
    """The weight form as WeightCreateSchema input (a blank day means today)."""
    data = {"kg": typed_decimal(form.get("kg"))}
    if form.get("measured_on", "").strip():
        data["measured_on"] = form["measured_on"].strip()
    return data
