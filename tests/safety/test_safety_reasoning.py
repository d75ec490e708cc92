"""The check reasons like a pharmacist: cross-reactivity, products' excipients, doses, conditions, free text,
and a result that says what it could not check. Plain data in, no app, no database."""

import pytest
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
from catalog.safety.amounts import totals
from catalog.safety.graph import AllergenGraph, AllergenNode, CrossReaction, GraphCycle
from catalog.safety.types import DoseLimit, GapKind, Grade, Relation

MURRAY = Term("murray-2021", "Murray G et al. 2021")
E, R = Grade.ESTABLISHED, Grade.REPORTED
NODES = [
    AllergenNode("amides", "Amide local anaesthetics", members_cross_react=R),
    AllergenNode("lidocaine", "Lidocaine", ("amides",)),
    AllergenNode("bupivacaine", "Bupivacaine", ("amides",)),
    AllergenNode("para-amino", "Para-amino compounds (PABA)"),
    AllergenNode("procaine", "Procaine", ("para-amino",)),
    AllergenNode("parabens", "Parabens", members_cross_react=E),
    AllergenNode("methylparaben", "Methylparaben", ("parabens",)),
    AllergenNode("propylparaben", "Propylparaben", ("parabens",)),
    AllergenNode("sulfites", "Sulfites"),
    AllergenNode("sodium-metabisulfite", "Sodium metabisulfite", ("sulfites",)),
    AllergenNode("hymenoptera", "Hymenoptera venoms"),
    AllergenNode("bee-venom", "Bee venom", ("hymenoptera",)),
    AllergenNode("hyaluronidase", "Hyaluronidase (any source)"),
    AllergenNode("animal-hyaluronidase", "Animal hyaluronidase", ("hyaluronidase",)),
    AllergenNode("bovine-hyaluronidase", "Bovine hyaluronidase", ("animal-hyaluronidase", "bovine")),
    AllergenNode("mammalian", "Mammalian proteins"),
    AllergenNode("alpha-gal", "Alpha-gal", ("mammalian",)),
    AllergenNode("bovine", "Bovine proteins", ("mammalian", "alpha-gal")),
    AllergenNode("asteraceae", "Asteraceae", members_cross_react=E),
    AllergenNode("arnica", "Arnica", ("asteraceae",)),
    AllergenNode("chamomile", "Chamomile", ("asteraceae",)),
    AllergenNode("peg", "Polyethylene glycol"),
    AllergenNode("polysorbates", "Polysorbates"),
    AllergenNode("polysorbate-80", "Polysorbate 80", ("polysorbates", "peg")),
    AllergenNode("fish", "Fish", members_cross_react=E),
    AllergenNode("salmon", "Salmon", ("fish",)),
    AllergenNode("fish-collagen", "Fish collagen", ("fish",)),
    AllergenNode("avian", "Avian proteins"),
    AllergenNode("egg", "Egg", ("avian",)),
    AllergenNode("rooster-comb", "Rooster comb", ("avian",)),
]
LINKS = [
    CrossReaction("hymenoptera", "animal-hyaluronidase", E, MURRAY),
    CrossReaction("egg", "rooster-comb", R, Term("hylaform", "Hylaform PI")),
]
GRAPH = AllergenGraph(NODES, LINKS)


def flag(code: str) -> AllergenFlag:
    path = GRAPH.path_to_root(code)
    return AllergenFlag(code, path[-1].name, path)


def ingredient(slug: str, *flags: str, **values) -> IngredientFacts:
    return IngredientFacts(
        slug,
        values.pop("name", slug.replace("-", " ").capitalize()),
        "synthetic",
        allergens=tuple(flag(code) for code in flags),
        **values,
    )


def allergy(record_id=1, code=None, **values) -> AllergyFacts:
    defaults = {"criticality": "high", "clinical_status": "active", "verification_status": "confirmed"}
    return AllergyFacts(id=record_id, allergen=flag(code) if code else None, **{**defaults, **values})


def patient(*records, **values) -> PatientProfile:
    return PatientProfile("allergies-recorded", records, **values)


def check(components, profile, graph=GRAPH):
    return check_composition(components, profile, graph)


def only_allergy(result):
    (finding,) = [f for f in result.findings if f.kind in (FindingKind.ALLERGY, FindingKind.PAST_ALLERGY)]
    return finding


LIDOCAINE = ingredient(
    "lidocaine-hcl",
    "lidocaine",
    name="Lidocaine hydrochloride",
    aliases=("Xylocaine",),
    dose_limits=(
        DoseLimit(4.5, 300, without_ingredient="epinephrine", source="Xylocaine PI"),
        DoseLimit(7, 500, with_ingredient="epinephrine", source="Xylocaine PI"),
    ),
)
EPINEPHRINE = ingredient("epinephrine", name="Epinephrine")
METHYLPARABEN = ingredient("methylparaben", "methylparaben", name="Methylparaben")
METABISULFITE = ingredient("sodium-metabisulfite", "sodium-metabisulfite", name="Sodium metabisulfite")
XYLOCAINE_MDV = Term("xylocaine-1-mdv", "Xylocaine 1% multiple-dose vial")


# --- Cross-reactivity: the examples of the issue, each the finding a pharmacist expects ------


@pytest.mark.parametrize(
    ("recorded", "flagged", "relation", "severity"),
    [
        ("bee-venom", "bovine-hyaluronidase", Relation.LINK, Severity.CRITICAL),
        ("para-amino", "procaine", Relation.GROUP, Severity.CRITICAL),
        ("egg", "rooster-comb", Relation.LINK, Severity.WARNING),  # reported, not established
        ("chamomile", "arnica", Relation.SIBLING, Severity.CRITICAL),
        ("alpha-gal", "bovine", Relation.GROUP, Severity.CRITICAL),
        ("peg", "polysorbate-80", Relation.GROUP, Severity.CRITICAL),
        ("salmon", "fish-collagen", Relation.SIBLING, Severity.CRITICAL),
        ("fish-collagen", "salmon", Relation.SIBLING, Severity.CRITICAL),
        ("methylparaben", "propylparaben", Relation.SIBLING, Severity.CRITICAL),
        ("lidocaine", "bupivacaine", Relation.SIBLING, Severity.WARNING),  # amides: rarely
    ],
)
def test_cross_reactions_reach_the_ingredient(recorded, flagged, relation, severity):
    result = check([Component(ingredient("x", flagged), 1, "%")], patient(allergy(code=recorded)))
    finding = only_allergy(result)
    assert (finding.relation, finding.severity) == (relation, severity)
    assert finding.path[-1].code == recorded and finding.path[1].code == flagged


def test_a_link_names_its_grade_and_source():
    result = check(
        [Component(ingredient("hyal", "bovine-hyaluronidase"), 150, "U/mL")], patient(allergy(code="bee-venom"))
    )
    finding = only_allergy(result)
    assert finding.grade is Grade.ESTABLISHED and finding.source == MURRAY
    assert "Murray" in finding.detail and "established" in finding.detail


def test_without_the_graph_siblings_do_not_match_as_in_a_plain_tree():
    component = Component(ingredient("arnica-extract", "arnica"), 1, "%")
    assert check_composition([component], patient(allergy(code="chamomile"))).outcome is Outcome.CLEAR


def test_cycles_are_refused():
    with pytest.raises(GraphCycle) as refused:
        AllergenGraph([AllergenNode("a", "A", ("b",)), AllergenNode("b", "B", ("c",)), AllergenNode("c", "C", ("a",))])
    assert refused.value.cycle[0] == refused.value.cycle[-1]


def test_a_group_record_and_a_member_record_give_one_finding_citing_both():
    records = (allergy(1, code="amides", criticality="low"), allergy(2, code="lidocaine"))
    finding = only_allergy(check([Component(LIDOCAINE, 1, "%")], patient(*records)))
    assert finding.severity is Severity.CRITICAL
    assert finding.records == (2, 1)  # the strongest first


# --- What is in the vial -----------------------------------------------------------------------


def test_a_paraben_allergy_reaches_the_methylparaben_of_a_multi_dose_vial_and_names_the_product():
    vial = [Component(LIDOCAINE, 10, "mg/mL", 2, XYLOCAINE_MDV), Component(METHYLPARABEN, 1, "mg/mL", 2, XYLOCAINE_MDV)]
    finding = only_allergy(check(vial, patient(allergy(code="parabens"))))
    assert (finding.severity, finding.ingredient.code, finding.product) == (
        Severity.CRITICAL,
        "methylparaben",
        XYLOCAINE_MDV,
    )
    assert "Xylocaine 1% multiple-dose vial" in finding.summary


def test_a_sulfite_allergy_reaches_the_metabisulfite_of_lidocaine_with_epinephrine():
    product = Term("xylocaine-epi", "Xylocaine with epinephrine")
    vial = [Component(LIDOCAINE, 10, "mg/mL", 2, product), Component(METABISULFITE, 0.5, "mg/mL", 2, product)]
    finding = only_allergy(check(vial, patient(allergy(code="sulfites"))))
    assert (finding.ingredient.code, finding.relation) == ("sodium-metabisulfite", Relation.GROUP)


def test_an_allergy_recorded_against_a_product_covers_its_ingredients():
    record = allergy(product=XYLOCAINE_MDV, product_ingredients=frozenset({"lidocaine-hcl", "methylparaben"}))
    result = check([Component(LIDOCAINE, 1, "%", 1)], patient(record))
    finding = only_allergy(result)
    assert (finding.relation, finding.severity, finding.allergen) == (
        Relation.PRODUCT,
        Severity.CRITICAL,
        XYLOCAINE_MDV,
    )


# --- Doses -----------------------------------------------------------------------------------------


def test_lidocaine_10_percent_times_10_ml_is_above_its_limit():
    result = check([Component(LIDOCAINE, 10, "%", 10)], patient(weight_kg=70))
    (finding,) = [f for f in result.findings if f.kind is FindingKind.DOSE_ABOVE_LIMIT]
    assert finding.severity is Severity.CRITICAL
    assert "1000 mg" in finding.summary and "300 mg" in finding.summary and "70 kg" in finding.detail


def test_with_epinephrine_in_the_mix_the_higher_limit_applies():
    mix = [Component(LIDOCAINE, 1, "%", 40), Component(EPINEPHRINE, 0.01, "mg/mL", 1)]  # 400 mg lidocaine
    assert not [f for f in check(mix, patient(weight_kg=70)).findings if f.kind is FindingKind.DOSE_ABOVE_LIMIT]
    mix_plain = [Component(LIDOCAINE, 1, "%", 40)]
    assert [f for f in check(mix_plain, patient(weight_kg=70)).findings if f.kind is FindingKind.DOSE_ABOVE_LIMIT]


def test_a_dose_limited_ingredient_without_a_weight_warns_and_says_what_was_not_checked():
    result = check([Component(LIDOCAINE, 1, "%", 5)], patient())
    assert (FindingKind.DOSE_UNCHECKED, Severity.WARNING) in [(f.kind, f.severity) for f in result.findings]
    assert GapKind.DOSE_WITHOUT_WEIGHT in [gap.kind for gap in result.unchecked]


def test_the_absolute_maximum_applies_even_without_a_weight():
    result = check([Component(LIDOCAINE, 2, "%", 20)], patient())  # 400 mg
    assert FindingKind.DOSE_ABOVE_LIMIT in [f.kind for f in result.findings]


def test_a_missing_volume_means_the_dose_could_not_be_checked():
    result = check([Component(LIDOCAINE, 1, "%")], patient(weight_kg=60))
    assert GapKind.DOSE_WITHOUT_VOLUME in [gap.kind for gap in result.unchecked]


# --- Conditions ------------------------------------------------------------------------------------------

BLEEDING = Term("bleeding-disorder", "Bleeding disorder")


def test_a_condition_ruling_out_any_injection_is_critical_whatever_the_ingredients():
    reason = "Do not inject where bleeding cannot be controlled."
    result = check([Component(EPINEPHRINE, 1, "mg/mL")], patient(contraindications=((BLEEDING, reason),)))
    (finding,) = [f for f in result.findings if f.kind is FindingKind.TREATMENT_CONTRAINDICATION]
    assert (finding.severity, finding.condition) == (Severity.CRITICAL, BLEEDING)
    assert result.outcome is Outcome.CONTRAINDICATED


def test_an_ingredient_caution_is_a_warning():
    ginkgo = ingredient("ginkgo", cautions=(BLEEDING,))
    result = check([Component(ginkgo, 1, "%")], patient(conditions=(BLEEDING,)))
    assert [(f.kind, f.severity) for f in result.findings] == [(FindingKind.INGREDIENT_CAUTION, Severity.WARNING)]


# --- Free text -----------------------------------------------------------------------------------------

ASCORBIC = ingredient("ascorbic-acid", name="Ascorbic acid", aliases=("vitamin C",))
HYALURONATE = ingredient("sodium-hyaluronate", name="Sodium hyaluronate", aliases=("hyaluronic acid",))
MAGNESIUM_SULFATE = ingredient("magnesium-sulfate", name="Magnesium sulfate")


def test_a_free_text_allergy_naming_the_ingredient_is_critical_when_high():
    record = allergy(text="lidocaine", reaction_severity="severe", manifestation="anaphylaxis")
    finding = only_allergy(check([Component(LIDOCAINE, 1, "%")], patient(record)))
    assert (finding.kind, finding.severity, finding.relation) == (
        FindingKind.ALLERGY,
        Severity.CRITICAL,
        Relation.NAMED,
    )


def test_generic_words_do_not_make_a_match():
    acid = allergy(text="hyaluronic acid")
    result = check([Component(ASCORBIC, 1, "%"), Component(HYALURONATE, 1, "%")], patient(acid))
    assert [f.ingredient.code for f in result.findings] == ["sodium-hyaluronate"]
    sulfa = check([Component(MAGNESIUM_SULFATE, 1, "%")], patient(allergy(text="sulfa drugs")))
    assert [f.kind for f in sulfa.findings] == [FindingKind.UNCODED_ALLERGY]


def test_unable_to_assess_with_anaphylaxis_is_graded_as_high():
    record = allergy(code="lidocaine", criticality="unable-to-assess", manifestation="Anaphylactic shock")
    assert only_allergy(check([Component(LIDOCAINE, 1, "%")], patient(record))).severity is Severity.CRITICAL
    mild = allergy(code="lidocaine", criticality="unable-to-assess", manifestation="rash")
    assert only_allergy(check([Component(LIDOCAINE, 1, "%")], patient(mild))).severity is Severity.WARNING


# --- An honest result -----------------------------------------------------------------------------------


def test_no_findings_still_says_what_could_not_be_checked():
    result = check([Component(EPINEPHRINE, 0.01, "mg/mL")], PatientProfile("no-known-allergies"))
    assert result.outcome is Outcome.CLEAR and not result.findings
    assert {gap.kind for gap in result.unchecked} == {GapKind.NO_CONCENTRATION_DATA, GapKind.AGE_UNKNOWN}
    assert all(gap.to_dict()["detail"] for gap in result.unchecked)


def test_unreviewed_entries_are_listed():
    draft = ingredient("draft", reviewed=False, unit="%", maximum=1)
    result = check([Component(draft, 0.5, "%")], PatientProfile("no-known-allergies", age_years=40))
    assert [(gap.kind, gap.ingredient.code) for gap in result.unchecked] == [(GapKind.UNREVIEWED, "draft")]


def test_an_entry_changed_since_review_and_an_unreviewed_product_are_listed_once_each():
    edited = ingredient("edited", reviewed=False, changed_since_review=True, unit="%", maximum=1)
    vial = Term("vial", "Multi-dose vial")
    drawn = [
        Component(edited, 0.5, "%", 1.0, vial, product_reviewed=False),
        Component(ingredient("preservative", unit="%", maximum=1), 0.1, "%", 1.0, vial, product_reviewed=False),
    ]
    result = check(drawn, PatientProfile("no-known-allergies", age_years=40))
    gaps = [gap.to_dict() for gap in result.unchecked]
    assert [(gap["kind"], (gap["ingredient"] or gap["product"])["slug"]) for gap in gaps] == [
        ("unreviewed", "edited"),
        ("unreviewed-product", "vial"),
    ]
    assert gaps[0]["detail"] == "Edited: its catalogue entry changed since a curator reviewed it."
    assert gaps[1]["detail"] == (
        "Multi-dose vial: the product's entry (what it holds) has not been reviewed by a curator."
    )


# --- Properties ----------------------------------------------------------------------------------------

codes = st.sampled_from([node.code for node in NODES])
OUTCOME_RANK = {Outcome.CLEAR: 0, Outcome.CAUTION: 1, Outcome.CONTRAINDICATED: 2}


@settings(max_examples=200, deadline=None)
@given(st.lists(codes, min_size=1, max_size=4), st.lists(codes, min_size=1, max_size=3), codes, codes)
def test_adding_an_established_link_never_lowers_the_outcome(flags, recorded, first, second):
    components = [Component(ingredient(f"i{n}", code), 1, "%") for n, code in enumerate(flags)]
    profile = patient(*(allergy(n, code=code) for n, code in enumerate(recorded, start=1)))
    linked = AllergenGraph(NODES, [*LINKS, CrossReaction(first, second, E)])
    before, after = check(components, profile), check(components, profile, linked)
    assert OUTCOME_RANK[after.outcome] >= OUTCOME_RANK[before.outcome]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["methylparaben", "sodium-metabisulfite"]), st.floats(0.01, 5), st.floats(0.1, 10))
def test_an_excipient_allergy_always_reaches_the_check(code, strength, volume):
    excipient = ingredient(code, code)
    product = Term("vial", "A vial")
    mix = [Component(LIDOCAINE, 10, "mg/mL", volume, product), Component(excipient, strength, "mg/mL", volume, product)]
    finding = only_allergy(check(mix, patient(allergy(code=code))))
    assert finding.ingredient.code == code and finding.product == product


volumes = st.floats(0.1, 20, allow_nan=False)
strengths = st.floats(0.01, 10, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(strengths, volumes), min_size=1, max_size=5))
def test_totals_are_additive_across_components(parts):
    components = [Component(LIDOCAINE, strength, "mg/mL", volume) for strength, volume in parts]
    expected = sum(strength * volume for strength, volume in parts)
    assert totals(components)["lidocaine-hcl"] == pytest.approx(expected)
    split = totals(components[:1])["lidocaine-hcl"] + (totals(components[1:])["lidocaine-hcl"] if parts[1:] else 0)
    assert split == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(1e-6, 1e6, allow_nan=False),
    st.sampled_from(["%", "mg/mL", "µg/mL"]),
    st.sampled_from(["%", "mg/mL", "µg/mL"]),
)
def test_unit_conversions_round_trip(value, unit, other):
    assert convert(convert(value, unit, other), other, unit) == pytest.approx(value)


def test_percent_is_weight_per_volume_and_activity_units_do_not_mix():
    assert convert(1, "%", "mg/mL") == pytest.approx(10)
    assert convert(150, "U/mL", "IU/mL") is None
    assert convert(1, "IU/mL", "mg/mL") is None
