"""The allergy rules: coded records through the allergen graph, records coded to a product, free text.

One finding per cause: an ingredient (as drawn from one product, or on its own) reached by one or
more standing records. Its severity is the worst of them, its explanation follows the strongest,
and it lists every record behind it.
"""

from typing import NamedTuple

from catalog.safety.graph import AllergenGraph, Match
from catalog.safety.types import (
    AllergyFacts,
    Finding,
    FindingKind,
    IngredientFacts,
    PatientProfile,
    Relation,
    Severity,
    Term,
    contains_phrase,
)

STANDING = ("confirmed", "unconfirmed")  # refuted and entered-in-error records are ignored
SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
RELATION_RANK = {relation: rank for rank, relation in enumerate(Relation)}


class Hit(NamedTuple):
    record: AllergyFacts
    match: Match
    severity: Severity
    # The ingredient's allergen flag that was reached, when the record is coded to an allergen.
    flag: Term | None = None
    # For a free-text record: the words of the ingredient's name or synonym it names.
    phrase: tuple[str, ...] = ()


def allergy_findings(components, patient: PatientProfile, graph: AllergenGraph, findings: list[Finding]) -> None:
    coded: dict[str, list[AllergyFacts]] = {}
    by_product: list[AllergyFacts] = []
    free_text: list[AllergyFacts] = []
    for record in patient.allergies:
        if record.verification_status not in STANDING:
            continue
        if record.allergen is not None:
            coded.setdefault(record.allergen.code, []).append(record)
        elif record.product_ingredients:
            by_product.append(record)
        elif record.text:
            free_text.append(record)
    drawn: dict[tuple[str, str | None], tuple[IngredientFacts, Term | None]] = {}
    for component in components:
        key = (component.ingredient.slug, component.product.code if component.product else None)
        drawn.setdefault(key, (component.ingredient, component.product))
    causes: dict[tuple[str, str | None], list[Hit]] = {}
    if coded:
        _coded_hits(drawn, coded, graph, causes)
    for record in by_product:
        for key, (ingredient, _product) in drawn.items():
            if ingredient.slug in record.product_ingredients:
                match = Match(Relation.PRODUCT, (ingredient.term, record.product))
                causes.setdefault(key, []).append(Hit(record, match, _severity(record, match)))
    for record in free_text:
        if not _named_hits(record, drawn, causes):
            findings.append(_review_by_hand(record, drawn))
    for key, hits in causes.items():
        if not hits:
            continue
        ingredient, product = drawn[key]
        active = [hit for hit in hits if hit.record.clinical_status == "active"]
        past = [hit for hit in hits if hit.record.clinical_status != "active"]
        if active:
            findings.append(_finding(FindingKind.ALLERGY, ingredient, product, active))
        if past:
            findings.append(_finding(FindingKind.PAST_ALLERGY, ingredient, product, past))


def _coded_hits(drawn, coded: dict[str, list[AllergyFacts]], graph: AllergenGraph, causes) -> None:
    # Which flags the patient's recorded allergens reach, and how, is worked out once per set of them.
    index = graph.index_for(frozenset(coded))
    for key, (ingredient, _product) in drawn.items():
        for flag in ingredient.allergens:
            entries = index.get(flag.code)
            if entries is None:  # most flags reach no record
                continue
            hits = causes.setdefault(key, [])
            flag_term = flag.path[-1]
            for code, match in entries:
                for record in coded[code]:
                    hits.append(Hit(record, match, _severity(record, match), flag_term))


def _named_hits(record: AllergyFacts, drawn, causes) -> bool:
    """A free-text record naming an ingredient (its whole name or a synonym) is graded like a coded one."""
    found = False
    words = record.text_words
    for key, (ingredient, _product) in drawn.items():
        if ingredient.phrase_words.isdisjoint(words):
            continue
        phrase = next((p for p in ingredient.phrases if contains_phrase(words, p)), None)
        if phrase is not None:
            match = Match(Relation.NAMED, (ingredient.term,))
            causes.setdefault(key, []).append(Hit(record, match, _severity(record, match), phrase=phrase))
            found = True
    return found


def _severity(record: AllergyFacts, match: Match) -> Severity:
    if record.clinical_status != "active":
        return Severity.INFO
    if not match.established:  # a reported cross-reaction: at least a warning, never graded as proven
        return Severity.WARNING
    return Severity.CRITICAL if record.serious else Severity.WARNING


def _strength(hit: Hit) -> tuple:
    return (
        SEVERITY_RANK[hit.severity],
        0 if hit.match.established else 1,
        RELATION_RANK[hit.match.relation],
        hit.record.id,
    )


def _finding(kind: FindingKind, ingredient: IngredientFacts, product: Term | None, hits: list[Hit]) -> Finding:
    if len(hits) > 1:
        hits = sorted(hits, key=_strength)
        records = tuple(dict.fromkeys(hit.record.id for hit in hits))
        names = dict.fromkeys(_allergy_name(hit.record) for hit in hits)
        others = tuple(names)[1:]
    else:
        records, others = (hits[0].record.id,), ()
    primary = hits[0]
    record, match = primary.record, primary.match
    if kind is FindingKind.PAST_ALLERGY:
        facts = (record.clinical_status, others)
    else:
        facts = (record.verification_status, record.criticality, record.reaction_severity, others, primary.phrase)
    allergen = record.allergen.path[-1] if record.allergen else record.product
    path = (ingredient.term, *match.path) if match.relation not in (Relation.NAMED, Relation.PRODUCT) else match.path
    # Positional: a finding is built on every check, and keywords cost a third of it.
    return Finding(
        kind,
        primary.severity,
        ingredient.term,
        allergen,
        path,
        record.id,
        None,
        None,
        facts,
        records,
        product,
        match.relation,
        match.grade,
        match.source,
    )


def _allergy_name(record: AllergyFacts) -> str:
    if record.allergen is not None:
        return record.allergen.name
    if record.product is not None:
        return record.product.name
    return f"“{record.text}”"


def _review_by_hand(record: AllergyFacts, drawn) -> Finding:
    """A free-text record naming no ingredient: one warning, with names that merely resemble it as hints."""
    words, prefixes = frozenset(record.text_words), record.text_prefixes
    resembling = sorted(
        {
            ingredient.name
            for ingredient, _product in drawn.values()
            if not prefixes.isdisjoint(ingredient.phrase_words) or not words.isdisjoint(ingredient.phrase_prefixes)
        }
    )
    return Finding(
        FindingKind.UNCODED_ALLERGY,
        Severity.WARNING if record.clinical_status == "active" else Severity.INFO,
        allergy_record=record.id,
        facts=(record.text, tuple(resembling)),
        records=(record.id,),
    )
