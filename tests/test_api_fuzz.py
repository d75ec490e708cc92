"""The API does what its OpenAPI document says, for every operation, on requests schemathesis makes from it.

Each operation gets valid requests (positive) and invalid ones (negative): every answer must be
documented (status, content type, headers, body schema), never a 500, and an invalid request must be
refused. Schemathesis' own pytest plugin does not run under pytest 9, so its strategies are driven
with Hypothesis here, derandomized: the same requests on every run. What the requests write is
rolled back with the test's transaction.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Per operation and mode: about 120 of them, so the whole run stays well under a minute.
EXAMPLES = 5

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    # Generation only: shrinking a failure would multiply the run time; the failure is reported as found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# The request guard refuses NUL in any text with 400 before any schema is read (PostgreSQL cannot
# store it); the document's strings do not say so, so generated strings leave it out.
# An address over 4,096 characters is refused with 414 (before its parameters are read): a refusal of
# invalid data like 400 or 422.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"allow-x00": False},
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428"]
            }
        },
    }
)

# A valid request may still be refused (422) for what no JSON Schema can know: a code, slug or id
# naming nothing that exists (the document gives the shape of a code, not the catalogue's codes).
UNKNOWN_REFERENCE = re.compile(r"^(Unknown |No .+ (has|with|in) |.*unknown (group|source))", re.IGNORECASE)

# ...or for a rule between fields the document states in words but not in the schema. Each entry:
# the operation, and words of the refusal's message, for the reason given.
COMPONENT_RULES = [
    "Missing data for required field.",
    "Give an ingredient or a product",
    "Give the volume drawn",
    "A product's strengths come from its label.",
    "A percentage cannot be more than 100.",
    "Already in row",
]
ALLERGEN_RULES = ["Say which source shows", "The parent group is listed once", "An allergen cannot"]
INGREDIENT_RULES = [
    "fails the CAS check digit",
    "usual_min is above usual_max.",
    "The usual range goes above the maximum.",
    "Give at least one of usual_min",
    "Give per_kg_mg, max_mg or both.",
    "A limit applies with one ingredient",
    "Each value may appear only once.",
    "List each incompatible ingredient once.",
]
PRODUCT_RULES = ["List each ingredient once.", "A product has at least one active ingredient."]
CROSS_FIELD_RULES = {
    # "At least one field" (minProperties) would need an apispec plugin; the schema's description says it.
    "PATCH /api/v1/patients/{patient_id}": ["Send at least one field to change."],
    "PATCH /api/v1/patients/{patient_id}/conditions/{record_id}": ["Send at least one field to change."],
    "PATCH /api/v1/patients/{patient_id}/allergies/{allergy_id}": ["Send at least one field to change."],
    "PATCH /api/v1/cocktails/{cocktail_id}": ["Send at least one field to change."],
    # Exactly one of an allergen code, a product or free text (each nullable).
    "POST /api/v1/patients/{patient_id}/allergies": ["Give exactly one of"],
    # A component is an ingredient at a concentration and unit, or a volume of a product (no strengths of
    # its own: its label's); a percentage is at most 100.
    "POST /api/v1/cocktails": COMPONENT_RULES,
    "POST /api/v1/cocktails/{cocktail_id}/versions": [
        *COMPONENT_RULES,
        "Send the fields that change",
        "Send either revert_to",
    ],
    "POST /api/v1/checks": [*COMPONENT_RULES, "Give either a saved cocktail", "A version belongs to a cocktail"],
    # A group whose members cross-react cites the source saying so; its parent is not also in `also_in`.
    "POST /api/v1/allergens": ALLERGEN_RULES,
    "PUT /api/v1/allergens/{code}": [*ALLERGEN_RULES, "Must equal the URL's code."],
    # A CAS number's check digit, and a concentration's range in order (min, max, maximum).
    "POST /api/v1/ingredients": INGREDIENT_RULES,
    "PUT /api/v1/ingredients/{slug}": [*INGREDIENT_RULES, "Must equal the URL's slug."],
    "POST /api/v1/lots": ["Give either a product or an ingredient."],
    "GET /api/v1/audit": ["Must be later than since.", "Give actor_type"],
    "POST /api/v1/sessions": ["One lot per component position."],
    "POST /api/v1/sessions/{session_id}/amendments": ["One lot per component position."],
    # The body's slug, when given, must be the URL's; a product has an active ingredient, each once.
    "POST /api/v1/products": PRODUCT_RULES,
    "PUT /api/v1/products/{slug}": [*PRODUCT_RULES, "Must equal the URL's slug."],
}


def messages(errors) -> list[str]:
    """Every message in an error's `errors`, however deeply the fields nest."""
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in messages(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in messages(value)]
    return [str(errors)]


def refused_for_a_stated_reason(label: str, body: dict) -> bool:
    rules = CROSS_FIELD_RULES.get(label, [])
    found = messages(body.get("errors") or {}) or [body.get("message", "")]
    return all(UNKNOWN_REFERENCE.match(text) or any(rule in text for rule in rules) for text in found)


@pytest.fixture
def token(clinics, clinic):
    """A token allowed everything the API offers: writing, curating the catalogue, reading the audit trail."""
    return clinics.token(clinic.clinic, scope="read-write", curator=True, audit=True, name="fuzzer")


def run_operation(app, operation, mode: GenerationMode, headers: dict) -> None:
    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def answers_as_documented(case):
        response = case.call(app=app)
        # Positive data acceptance is checked below, knowing what a schema cannot.
        case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])
        if mode is GenerationMode.POSITIVE and response.status_code == 422:
            assert refused_for_a_stated_reason(operation.label, response.json()), (
                f"A valid request was refused: {response.json()}\n{case.as_curl_command()}"
            )
        elif mode is GenerationMode.POSITIVE:
            assert response.status_code < 500 and response.status_code != 400, response.get_data(as_text=True)

    answers_as_documented()


def test_every_operation_answers_as_its_document_says(app, db_session, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50, "every operation of the document is exercised"
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(app, operation, mode, headers)
            except Unsatisfiable:
                # No invalid request exists for an operation without inputs to get wrong (GET /categories).
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except (Exception, BaseExceptionGroup) as error:  # every operation's failures, reported together
                failures.append(f"{operation.label} [{mode.value}]: {type(error).__name__}: {error}")
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
