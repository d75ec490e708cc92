"""The safety check on its own: plain data in, outcome and findings out; no app, no database."""

import itertools
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.safety import (
    AllergenFlag,
    AllergyFacts,
    Component,
    FindingKind,
    IngredientFacts,
    Outcome,
    PatientProfile,
    Severity,
    Term,
    check_composition,
    convert,
)

# A small hierarchy: two groups with members, and a standalone allergen.
AMIDE = Term("amide", "Amide local anaesthetics")
LIDO = Term("lidocaine", "Lidocaine")
MEPI = Term("mepivacaine", "Mepivacaine")
AVIAN = Term("avian", "Avian proteins")
EGG = Term("egg", "Egg")
SOY = Term("soy", "Soy")
PATHS = {
    "amide": (AMIDE,),
    "lidocaine": (AMIDE, LIDO),
    "mepivacaine": (AMIDE, MEPI),
    "avian": (AVIAN,),
    "egg": (AVIAN, EGG),
    "soy": (SOY,),
}
PREGNANCY = Term("pregnancy", "Pregnancy")
ANTICOAGULANTS = Term("anticoagulant-therapy", "Anticoagulant therapy")


def flag(code: str) -> AllergenFlag:
    path = PATHS[code]
    return AllergenFlag(code, path[-1].name, path)


LIDOCAINE_HCL = IngredientFacts(
    "lidocaine-hcl",
    "Lidocaine hydrochloride",
    "synthetic",
    allergens=(flag("lidocaine"),),
    aliases=("Xylocaine",),
    unit="%",
    usual_min=0.1,
    usual_max=0.5,
    maximum=1.0,
)
TOCOPHEROL = IngredientFacts(
    "tocopherol", "Tocopherol (natural)", "plant", allergens=(flag("soy"),), unit="%", maximum=2
)
HA_AVIAN = IngredientFacts("ha-avian", "Sodium hyaluronate (avian)", "avian", allergens=(flag("avian"),))
RETINOL = IngredientFacts("retinol", "Retinol", "synthetic", contraindications=(PREGNANCY,))
VITAMIN_C = IngredientFacts(
    "ascorbic-acid",
    "Ascorbic acid",
    "synthetic",
    incompatibilities=(("copper-peptide", "Ascorbic acid degrades GHK-Cu."),),
)
COPPER = IngredientFacts(
    "copper-peptide",
    "Copper tripeptide-1",
    "synthetic",
    incompatibilities=(("ascorbic-acid", "Ascorbic acid degrades GHK-Cu."),),
)
CATALOGUE = [LIDOCAINE_HCL, TOCOPHEROL, HA_AVIAN, RETINOL, VITAMIN_C, COPPER]


def allergy(record_id=1, code="lidocaine", **overrides) -> AllergyFacts:
    values = {
        "id": record_id,
        "criticality": "low",
        "clinical_status": "active",
        "verification_status": "confirmed",
        "allergen": flag(code) if code else None,
    }
    values.update(overrides)
    return AllergyFacts(**values)


def patient(*allergies, conditions=(), status=None) -> PatientProfile:
    return PatientProfile(
        status or ("allergies-recorded" if allergies else "no-known-allergies"), allergies, conditions
    )


def component(ingredient, concentration=0.3, unit="%") -> Component:
    return Component(ingredient, concentration, unit)


def kinds(result):
    return [(f.kind, f.severity) for f in result.findings]


# --- Allergies ------------------------------------------------------------------------


def test_an_allergy_to_a_group_catches_a_member_and_shows_the_path():
    result = check_composition([component(LIDOCAINE_HCL)], patient(allergy(code="amide", criticality="high")))
    assert result.outcome == Outcome.CONTRAINDICATED
    (finding,) = result.findings
    assert (finding.kind, finding.severity) == (FindingKind.ALLERGY, Severity.CRITICAL)
    assert [step.name for step in finding.path] == ["Lidocaine hydrochloride", "Lidocaine", "Amide local anaesthetics"]
    assert finding.allergen == AMIDE
    assert len(finding.summary) < 140
    assert "high criticality" in finding.detail


def test_an_allergy_to_a_member_catches_an_ingredient_flagged_with_its_group():
    flagged_with_group = replace(LIDOCAINE_HCL, slug="amide-mix", name="Amide mix", allergens=(flag("amide"),))
    result = check_composition([component(flagged_with_group)], patient(allergy(code="mepivacaine")))
    (finding,) = result.findings
    assert finding.severity == Severity.WARNING
    assert [step.code for step in finding.path] == ["amide-mix", "amide", "mepivacaine"]


def test_a_sibling_in_the_same_group_is_not_a_match():
    assert check_composition([component(LIDOCAINE_HCL)], patient(allergy(code="mepivacaine"))).outcome == Outcome.CLEAR


def test_a_severe_reaction_makes_a_low_criticality_allergy_critical():
    record = allergy(criticality="low", reaction_severity="severe")
    assert kinds(check_composition([component(LIDOCAINE_HCL)], patient(record))) == [
        (FindingKind.ALLERGY, Severity.CRITICAL)
    ]


def test_an_unconfirmed_allergy_warns_and_says_so():
    result = check_composition([component(TOCOPHEROL)], patient(allergy(code="soy", verification_status="unconfirmed")))
    (finding,) = result.findings
    assert finding.severity == Severity.WARNING
    assert "unconfirmed" in finding.summary
    assert result.outcome == Outcome.CAUTION


def test_refuted_and_entered_in_error_records_are_ignored():
    records = (
        allergy(1, verification_status="refuted", criticality="high"),
        allergy(2, verification_status="entered-in-error", clinical_status=None, criticality="high"),
    )
    assert check_composition([component(LIDOCAINE_HCL)], patient(*records)).findings == ()


def test_inactive_and_resolved_allergies_are_information_in_one_finding_citing_both():
    records = (allergy(1, clinical_status="inactive"), allergy(2, code="amide", clinical_status="resolved"))
    result = check_composition([component(LIDOCAINE_HCL)], patient(*records))
    assert kinds(result) == [(FindingKind.PAST_ALLERGY, Severity.INFO)]
    assert result.findings[0].records == (1, 2)
    assert result.outcome == Outcome.CLEAR


def test_a_free_text_allergy_naming_a_synonym_is_graded_like_a_coded_one():
    record = allergy(code=None, text="xylocaine spray")
    result = check_composition([component(LIDOCAINE_HCL), component(TOCOPHEROL)], patient(record))
    (finding,) = result.findings
    assert (finding.kind, finding.severity, finding.ingredient.code) == (
        FindingKind.ALLERGY,
        Severity.WARNING,
        "lidocaine-hcl",
    )
    assert "xylocaine" in finding.detail


def test_a_free_text_allergy_naming_nothing_asks_for_review_naming_resembling_ingredients():
    record = allergy(code=None, text="xylocain spray")
    result = check_composition([component(LIDOCAINE_HCL), component(TOCOPHEROL)], patient(record))
    (finding,) = result.findings
    assert (finding.kind, finding.severity) == (FindingKind.UNCODED_ALLERGY, Severity.WARNING)
    assert "Lidocaine hydrochloride" in finding.detail
    assert "Tocopherol" not in finding.detail


def test_unknown_allergy_status_warns_and_no_known_allergies_says_nothing():
    unknown = check_composition([component(VITAMIN_C)], patient(status="unknown"))
    assert kinds(unknown) == [(FindingKind.ALLERGIES_UNKNOWN, Severity.WARNING)]
    assert check_composition([component(VITAMIN_C)], patient(status="no-known-allergies")).outcome == Outcome.CLEAR


# --- Conditions, concentrations, incompatibilities -------------------------------------------


def test_a_contraindicated_condition_is_critical():
    result = check_composition([component(RETINOL)], patient(conditions=(PREGNANCY, ANTICOAGULANTS)))
    (finding,) = result.findings
    assert (finding.kind, finding.severity, finding.condition) == (
        FindingKind.CONTRAINDICATION,
        Severity.CRITICAL,
        PREGNANCY,
    )


def test_concentrations_above_the_maximum_are_critical_and_outside_the_usual_range_warnings():
    assert kinds(check_composition([component(LIDOCAINE_HCL, 1.5)], patient())) == [
        (FindingKind.ABOVE_MAXIMUM, Severity.CRITICAL)
    ]
    assert kinds(check_composition([component(LIDOCAINE_HCL, 0.8)], patient())) == [
        (FindingKind.OUTSIDE_USUAL_RANGE, Severity.WARNING)
    ]
    assert check_composition([component(LIDOCAINE_HCL, 0.5)], patient()).findings == ()


def test_concentrations_are_compared_across_mass_units():
    assert convert(5, "mg/mL", "%") == 0.5
    assert check_composition([component(LIDOCAINE_HCL, 3, "mg/mL")], patient()).findings == ()
    assert kinds(check_composition([component(LIDOCAINE_HCL, 15, "mg/mL")], patient())) == [
        (FindingKind.ABOVE_MAXIMUM, Severity.CRITICAL)
    ]
    assert convert(5, "IU/mL", "%") is None


def test_an_incompatible_pair_warns_once_with_the_reason():
    result = check_composition([component(COPPER), component(VITAMIN_C)], patient())
    (finding,) = result.findings
    assert (finding.kind, finding.severity) == (FindingKind.INCOMPATIBILITY, Severity.WARNING)
    assert finding.detail == "Ascorbic acid degrades GHK-Cu."
    assert {finding.ingredient.code, finding.other_ingredient.code} == {"ascorbic-acid", "copper-peptide"}


def test_findings_come_most_severe_first():
    result = check_composition(
        [component(LIDOCAINE_HCL, 0.8), component(RETINOL)],
        patient(allergy(code="amide", clinical_status="resolved"), conditions=(PREGNANCY,)),
    )
    assert [f.severity for f in result.findings] == [Severity.CRITICAL, Severity.WARNING, Severity.INFO]


# --- Properties ---------------------------------------------------------------------------

codes = st.sampled_from(sorted(PATHS))
records = st.builds(
    AllergyFacts,
    id=st.integers(1, 10_000),
    criticality=st.sampled_from(["low", "high", "unable-to-assess"]),
    clinical_status=st.sampled_from(["active", "inactive", "resolved"]),
    verification_status=st.sampled_from(["confirmed", "unconfirmed", "refuted", "entered-in-error"]),
    allergen=codes.map(flag),
    reaction_severity=st.sampled_from([None, "mild", "moderate", "severe"]),
)
ingredients = st.builds(
    IngredientFacts,
    slug=st.from_regex(r"[a-z]{3,8}", fullmatch=True),
    name=st.text(alphabet="abcdefgh ", min_size=3, max_size=12),
    origin=st.just("synthetic"),
    allergens=st.lists(codes, max_size=2, unique=True).map(lambda cs: tuple(flag(c) for c in cs)),
    contraindications=st.lists(st.sampled_from([PREGNANCY, ANTICOAGULANTS]), max_size=2, unique=True).map(tuple),
    unit=st.just("%"),
    usual_min=st.just(0.1),
    usual_max=st.just(1.0),
    maximum=st.just(2.0),
)
compositions = st.lists(ingredients, min_size=1, max_size=6, unique_by=lambda i: i.slug).flatmap(
    lambda items: st.tuples(*(st.floats(0.01, 3.0).map(lambda c, i=i: Component(i, c, "%")) for i in items))
)
profiles = st.builds(
    PatientProfile,
    allergy_status=st.sampled_from(["unknown", "no-known-allergies", "allergies-recorded"]),
    allergies=st.lists(records, max_size=6, unique_by=lambda r: r.id).map(tuple),
    conditions=st.lists(st.sampled_from([PREGNANCY, ANTICOAGULANTS]), max_size=2, unique=True).map(tuple),
)


def reaches(record: AllergyFacts, ingredient: IngredientFacts) -> bool:
    return any(
        record.allergen.code in f.path_codes or f.code in record.allergen.path_codes for f in ingredient.allergens
    )


@settings(max_examples=300, deadline=None)
@given(compositions, profiles)
def test_never_clear_when_an_active_standing_allergy_reaches_an_ingredient(composition, profile):
    result = check_composition(composition, profile)
    reached = [
        record
        for record in profile.allergies
        for item in composition
        if record.clinical_status == "active"
        and record.verification_status in ("confirmed", "unconfirmed")
        and reaches(record, item.ingredient)
    ]
    if reached:
        assert result.outcome != Outcome.CLEAR
        cited = {record for f in result.findings if f.kind == FindingKind.ALLERGY for record in f.records}
        assert {r.id for r in reached} <= cited


@settings(max_examples=200, deadline=None)
@given(compositions, profiles, st.randoms())
def test_the_order_of_components_does_not_change_the_result(composition, profile, random):
    shuffled = list(composition)
    random.shuffle(shuffled)
    assert check_composition(shuffled, profile) == check_composition(composition, profile)


@settings(max_examples=200, deadline=None)
@given(compositions, profiles)
def test_removing_a_findings_cause_removes_the_finding(composition, profile):
    result = check_composition(composition, profile)
    for finding in result.findings:
        if finding.kind in (FindingKind.ALLERGY, FindingKind.PAST_ALLERGY):
            without = replace(profile, allergies=tuple(r for r in profile.allergies if r.id != finding.allergy_record))
            after = check_composition(composition, without)
            assert finding.allergy_record not in {f.allergy_record for f in after.findings}
        elif finding.kind == FindingKind.CONTRAINDICATION:
            without = replace(profile, conditions=tuple(c for c in profile.conditions if c != finding.condition))
            after = check_composition(composition, without)
            assert (finding.ingredient, finding.condition) not in {(f.ingredient, f.condition) for f in after.findings}
        elif finding.kind in (FindingKind.ABOVE_MAXIMUM, FindingKind.OUTSIDE_USUAL_RANGE):
            fixed = [
                replace(c, concentration=0.5) if c.ingredient.slug == finding.ingredient.code else c
                for c in composition
            ]
            after = check_composition(fixed, profile)
            assert finding.ingredient not in {
                f.ingredient
                for f in after.findings
                if f.kind in (FindingKind.ABOVE_MAXIMUM, FindingKind.OUTSIDE_USUAL_RANGE)
            }
        elif finding.kind == FindingKind.ALLERGIES_UNKNOWN:
            after = check_composition(composition, replace(profile, allergy_status="no-known-allergies"))
            assert FindingKind.ALLERGIES_UNKNOWN not in {f.kind for f in after.findings}


@settings(max_examples=100, deadline=None)
@given(compositions, profiles)
def test_the_outcome_follows_the_most_severe_finding(composition, profile):
    result = check_composition(composition, profile)
    severities = {f.severity for f in result.findings}
    expected = (
        Outcome.CONTRAINDICATED
        if Severity.CRITICAL in severities
        else Outcome.CAUTION
        if Severity.WARNING in severities
        else Outcome.CLEAR
    )
    assert result.outcome == expected
    assert check_composition(composition, profile) == result


def test_every_pair_of_components_is_checked_for_incompatibility_in_any_order():
    for order in itertools.permutations([component(COPPER), component(VITAMIN_C), component(RETINOL)]):
        assert [f.kind for f in check_composition(list(order), patient()).findings] == [FindingKind.INCOMPATIBILITY]


def test_the_safety_package_imports_nothing_from_the_app():
    import ast
    from pathlib import Path

    import catalog.safety

    for path in Path(catalog.safety.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.startswith("catalog.safety") or not node.module.startswith(
                    ("catalog", "flask", "sqlalchemy")
                ), (
                    path.name,
                    node.module,
                )
            if isinstance(node, ast.Import):
                assert not any(alias.name.split(".")[0] in {"flask", "sqlalchemy"} for alias in node.names), path.name


def test_a_condition_with_a_treatment_caution_warns_whatever_the_ingredients():
    caution = "Mesotherapy may not be appropriate during pregnancy; consult before treating."
    profile = PatientProfile("no-known-allergies", (), (PREGNANCY,), ((PREGNANCY, caution),))
    result = check_composition([component(VITAMIN_C)], profile)
    (finding,) = result.findings
    assert (finding.kind, finding.severity, finding.condition) == (
        FindingKind.TREATMENT_CAUTION,
        Severity.WARNING,
        PREGNANCY,
    )
    assert finding.summary == "Pregnancy: Mesotherapy may not be appropriate during pregnancy."
    assert finding.detail == caution
    assert result.outcome == Outcome.CAUTION
