"""The checks API's contract."""

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates, validates_schema

from catalog.checks.wording import finding_in_language, gap_in_language
from catalog.cocktails.schemas import MAX_COMPONENTS, ComponentInputSchema, each_ingredient_once
from catalog.core.db import MAX_ID
from catalog.core.fields import ActorSchema, CodedTermRefSchema, Text
from catalog.core.paging import PageSchema
from catalog.core.refs import (
    AllergenRefSchema,
    AllergyRecordRefSchema,
    CocktailRefSchema,
    CocktailVersionRefSchema,
    IngredientRefSchema,
    PatientRefSchema,
    ProductRefSchema,
    Reference,
    read,
    version_ref,
)
from catalog.core.words import N_
from catalog.safety import FindingKind, Outcome, Severity
from catalog.safety.types import GapKind, Grade, Reach, Relation


class CheckRequestSchema(Schema):
    patient = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    cocktail = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "A saved cocktail: the check is recorded."}
    )
    version = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Which version of `cocktail`; the current one if absent."},
    )
    components = fields.List(
        fields.Nested(ComponentInputSchema),
        validate=validate.Length(1, MAX_COMPONENTS),
        metadata={"description": "An unsaved composition (the composer's): checked, not recorded."},
    )

    @validates("components")
    def _each_ingredient_once(self, components, **kwargs):
        each_ingredient_once(components)

    @validates_schema
    def _cocktail_or_components(self, data, **kwargs):
        if ("cocktail" in data) == ("components" in data):
            raise ValidationError("Give either a saved cocktail or a list of components.", "cocktail")
        if "version" in data and "cocktail" not in data:
            raise ValidationError("A version belongs to a cocktail: give `cocktail` too.", "version")


class OverrideSchema(Schema):
    reason = Text(
        max=1000,
        required=True,
        blank=N_("Give the reason for going ahead: up to %(max)s characters."),
        too_long=N_("Up to %(max)s characters; this reason has %(length)s."),
        metadata={"description": "Why the treatment goes ahead despite the finding."},
    )


class CheckQuerySchema(Schema):
    patient = fields.Integer(validate=validate.Range(1, MAX_ID))
    cocktail = fields.Integer(validate=validate.Range(1, MAX_ID))
    outcome = fields.String(validate=validate.OneOf([o.value for o in Outcome]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


# A finding's path is the allergen graph's only for these; a product or free-text record names no allergen.
NOT_THROUGH_THE_GRAPH = {Relation.PRODUCT.value, Relation.NAMED.value}


class PathStepSchema(AllergenRefSchema):
    """One allergen (or group) on the way from the ingredient's flag to the allergy's allergen."""

    reached_by = fields.String(
        allow_none=True,
        metadata={
            "enum": [reach.value for reach in Reach],
            "description": "How it is reached from the step before: `flag` (the first step: the ingredient is "
            "flagged with it), `group` (a group the step before sits in), `member` (a member of the step before), "
            "`cross-reaction` (a cross-reactivity link). Null in checks recorded before steps were recorded.",
        },
    )


class FindingSchema(Schema):
    """Dumps a finding as recorded (catalog.safety Finding.to_dict), its references in the API's shape."""

    kind = fields.String(metadata={"enum": [k.value for k in FindingKind]})
    severity = fields.String(metadata={"enum": [s.value for s in Severity]})
    summary = fields.String(metadata={"description": "Under 140 characters, as a CDS Hooks card's."})
    detail = fields.String()
    ingredient = fields.Nested(IngredientRefSchema, allow_none=True)
    allergen = fields.Nested(
        AllergenRefSchema,
        allow_none=True,
        metadata={"description": "The allergen the allergy record names (null for a product or free-text record)."},
    )
    allergy_product = fields.Nested(
        ProductRefSchema,
        allow_none=True,
        metadata={"description": "For an allergy recorded against a product (relation `product`): that product."},
    )
    path = fields.List(
        fields.Nested(PathStepSchema),
        metadata={
            "description": "Through the allergen graph: from the ingredient's allergen flag to the patient's "
            "allergen, each step saying how it is reached. Empty when no allergen graph is involved."
        },
    )
    allergy_record = fields.Nested(
        AllergyRecordRefSchema, allow_none=True, metadata={"description": "The record the explanation follows."}
    )
    allergy_records = fields.List(
        fields.Nested(AllergyRecordRefSchema),
        metadata={"description": "Every allergy record behind this one cause, the strongest first."},
    )
    condition = fields.Nested(CodedTermRefSchema, allow_none=True)
    other_ingredient = fields.Nested(IngredientRefSchema, allow_none=True)
    product = fields.Nested(ProductRefSchema, allow_none=True, metadata={"description": "The product drawn from."})
    relation = fields.String(
        allow_none=True,
        metadata={"enum": [r.value for r in Relation], "description": "How the allergy reaches the ingredient."},
    )
    grade = fields.String(allow_none=True, metadata={"enum": [g.value for g in Grade]})
    source = fields.Nested(
        CodedTermRefSchema, allow_none=True, metadata={"description": "The source of a cross-reaction."}
    )

    @pre_dump
    def _as_answered(self, finding: dict, **kwargs) -> dict:
        """The recorded finding (and its patient's id) in the API's shape: the path from the flag on."""
        patient_id = finding.get("patient_id")

        def record(record_id: int | None) -> dict | None:
            return {"id": record_id, "patient_id": patient_id} if record_id is not None else None

        finding = finding_in_language(finding)
        named, path = finding.get("allergen"), finding.get("path") or []
        by_product = finding.get("relation") == Relation.PRODUCT.value
        through_graph = finding.get("relation") not in NOT_THROUGH_THE_GRAPH
        return {
            **finding,
            "allergen": None if by_product else named,
            "allergy_product": {"slug": named["code"], "name": named["name"]} if by_product and named else None,
            # The recorded path starts at the ingredient, which the finding names already.
            "path": path[1:] if through_graph else [],
            "allergy_record": record(finding.get("allergy_record")),
            "allergy_records": [record(record_id) for record_id in finding.get("allergy_records") or []],
        }


class GapSchema(Schema):
    kind = fields.String(metadata={"enum": [k.value for k in GapKind]})
    ingredient = fields.Nested(IngredientRefSchema, allow_none=True)
    product = fields.Nested(
        ProductRefSchema, allow_none=True, metadata={"description": "For `unreviewed-product`: the product."}
    )
    detail = fields.String()

    @pre_dump
    def _in_language(self, gap: dict, **kwargs) -> dict:
        return gap_in_language(gap)


class _Answer:
    """A check (a recorded one, or a dict for an unsaved one) with its findings marked with its patient."""

    def __init__(self, check, findings: list[dict]):
        self._check = check
        self.findings = findings

    def __getattr__(self, name):
        return read(self._check, name)


class OverrideOutSchema(Schema):
    reason = fields.String()
    overridden_at = fields.DateTime()
    by = fields.Nested(ActorSchema)


class CheckResultSchema(Schema):
    """Dumps a check's result: a recorded Check, or an unsaved result's dict with its `patient_id`."""

    outcome = fields.String(metadata={"enum": [o.value for o in Outcome]})
    findings = fields.List(fields.Nested(FindingSchema))
    unchecked = fields.List(
        fields.Nested(GapSchema),
        metadata={"description": "What could not be checked: `clear` means clear of the rest only."},
    )

    @pre_dump
    def _findings_of_the_patient(self, check, **kwargs):
        patient_id = read(check, "patient_id")
        return _Answer(check, [{**finding, "patient_id": patient_id} for finding in read(check, "findings")])


class CheckSchema(CheckResultSchema):
    id = fields.Integer()
    patient = Reference(PatientRefSchema, of=lambda check: {"id": check.patient_id})
    cocktail = fields.Nested(CocktailRefSchema)
    version = Reference(CocktailVersionRefSchema, of=lambda check: version_ref(check.cocktail_id, check.version_number))
    checked_at = fields.DateTime()
    checked_by = fields.Nested(ActorSchema)
    override = fields.Nested(OverrideOutSchema, allow_none=True)


class CheckPageSchema(PageSchema):
    items = fields.List(fields.Nested(CheckSchema))
