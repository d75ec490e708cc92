"""The allergy rules: coded records through the allergen graph, records coded to a product, free text.

One finding per cause: an ingredient (as drawn from one product, or on its own) reached by one or
more standing records. Its severity is the worst of them, its explanation follows the strongest,
and it lists every record behind it.
"""

from operator import itemgetter

from catalog.safety.graph import AllergenGraph, Match
from catalog.safety.types import (
    AllergyFacts,
    Component,
    Finding,
    FindingKind,
    IngredientFacts,
    PatientProfile,
    Relation,
    Severity,
    Term,
    contains_phrase,
)

# Above any match's strength, so that severity decides first.
SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 100, Severity.INFO: 200}
_new_tuple = tuple.__new__


# One record reaching one ingredient, as a plain tuple (made many times per check):
# (strength, record id, record, match, severity, flag, phrase). The lower `strength` (worse
# severity, then the better-known match) explains the finding. `flag` is the ingredient's allergen
# flag that was reached, when the record is coded to an allergen; `phrase`, for a free-text record,
# the words of the ingredient's name or synonym it names.
Hit = tuple[int, int, AllergyFacts, Match, Severity, Term | None, tuple[str, ...]]
_RECORD_ID, _RECORD = 1, 2
_by_strength = itemgetter(0, 1)  # ties keep their order: two hits of one record compare no further


def _hit(record: AllergyFacts, match: Match, severity: Severity, flag: Term | None, phrase: tuple[str, ...]) -> Hit:
    return (SEVERITY_RANK[severity] + match.strength, record.id, record, match, severity, flag, phrase)


def allergy_findings(
    drawn: list[Component], patient: PatientProfile, graph: AllergenGraph, findings: list[Finding]
) -> None:
    """`drawn`: each ingredient as drawn (on its own, or from one product), once."""
    coded: dict[str, list[AllergyFacts]] = {}
    by_product: list[AllergyFacts] = []
    free_text: list[AllergyFacts] = []
    for record in patient.allergies:
        if not record.standing:
            continue
        allergen = record.allergen
        if allergen is not None:
            same = coded.get(allergen.code)
            if same is None:
                coded[allergen.code] = [record]
            else:
                same.append(record)
        elif record.product_ingredients:
            by_product.append(record)
        elif record.text:
            free_text.append(record)
    # (slug, product) -> the component and the hits on it
    causes: dict[tuple[str, Term | None], tuple[Component, list[Hit]]] = {}
    if coded:
        _coded_hits(drawn, coded, graph, causes)
    for record in by_product:
        for component in drawn:
            ingredient = component.ingredient
            if ingredient.slug in record.product_ingredients:
                match = Match(Relation.PRODUCT, (ingredient.term, record.product))
                _hits_on(component, causes).append(_hit(record, match, record.severity_established, None, ()))
    for record in free_text:
        if not _named_hits(record, drawn, causes):
            findings.append(_review_by_hand(record, drawn))
    for component, hits in causes.values():
        ingredient, product = component.ingredient, component.product
        if len(hits) == 1:  # the common case
            kind = FindingKind.ALLERGY if hits[0][_RECORD].active else FindingKind.PAST_ALLERGY
            findings.append(_finding(kind, ingredient, product, hits))
            continue
        active, past = [], []
        for hit in hits:
            (active if hit[_RECORD].active else past).append(hit)
        if active:
            findings.append(_finding(FindingKind.ALLERGY, ingredient, product, active))
        if past:
            findings.append(_finding(FindingKind.PAST_ALLERGY, ingredient, product, past))


def _coded_hits(drawn, coded: dict[str, list[AllergyFacts]], graph: AllergenGraph, causes) -> None:
    # Which flags the patient's recorded allergens reach, and how, is worked out once per set of them.
    index = graph.index_for(frozenset(coded))
    for component in drawn:
        for flag in component.ingredient.allergens:
            entries = index.get(flag.code)
            if entries is None:  # most flags reach no record
                continue
            hits = _hits_on(component, causes)
            flag_term = flag.path[-1]
            for code, match in entries:
                established, strength = match.established, match.strength
                for record in coded[code]:
                    severity = record.severity_established if established else record.severity_reported
                    hits.append((SEVERITY_RANK[severity] + strength, record.id, record, match, severity, flag_term, ()))


def _hits_on(component: Component, causes) -> list[Hit]:
    key = (component.ingredient.slug, component.product)
    entry = causes.get(key)
    if entry is None:
        entry = causes[key] = (component, [])
    return entry[1]


def _named_hits(record: AllergyFacts, drawn, causes) -> bool:
    """A free-text record naming an ingredient (its whole name or a synonym) is graded like a coded one."""
    found = False
    words = record.text_words
    for component in drawn:
        ingredient = component.ingredient
        if ingredient.phrase_words.isdisjoint(words):
            continue
        phrase = next((p for p in ingredient.phrases if contains_phrase(words, p)), None)
        if phrase is not None:
            match = Match(Relation.NAMED, (ingredient.term,))
            _hits_on(component, causes).append(_hit(record, match, record.severity_established, None, phrase))
            found = True
    return found


def _finding(kind: FindingKind, ingredient: IngredientFacts, product: Term | None, hits: list[Hit]) -> Finding:
    if len(hits) > 1:
        hits.sort(key=_by_strength)
        records = tuple(dict.fromkeys([hit[_RECORD_ID] for hit in hits]))
        others = tuple(dict.fromkeys([hit[_RECORD].label for hit in hits]))[1:]
    else:
        records, others = (hits[0][_RECORD_ID],), ()
    _strength, _id, record, match, severity, _flag, phrase = hits[0]
    if kind is FindingKind.PAST_ALLERGY:
        facts = (record.clinical_status, others)
    else:
        facts = (record.verification_status, record.criticality, record.reaction_severity, others, phrase)
    allergen = record.allergen.path[-1] if record.allergen else record.product
    relation = match.relation
    path = (
        (ingredient.term, *match.path)
        if relation is not Relation.NAMED and relation is not Relation.PRODUCT
        else match.path
    )
    # The tuple of every field, made directly: NamedTuple's own constructor costs half as much again.
    return _new_tuple(
        Finding,
        (
            kind,
            severity,
            ingredient.term,
            allergen,
            path,
            record.id,
            None,
            None,
            facts,
            records,
            product,
            relation,
            match.grade,
            match.source,
            match.steps,
        ),
    )


def _review_by_hand(record: AllergyFacts, drawn) -> Finding:
    """A free-text record naming no ingredient: one warning, with names that merely resemble it as hints."""
    words, prefixes, stems = frozenset(record.text_words), record.text_prefixes, record.text_stems
    resembling = set()
    for component in drawn:
        ingredient = component.ingredient
        if stems.isdisjoint(ingredient.phrase_stems):
            continue  # nothing in common: the common case, settled with one test
        # One word is the other's beginning (four letters or more): "lidocain" and "lidocaine".
        if not prefixes.isdisjoint(ingredient.phrase_words) or not words.isdisjoint(ingredient.phrase_prefixes):
            resembling.add(ingredient.name)
    return Finding(
        FindingKind.UNCODED_ALLERGY,
        Severity.WARNING if record.active else Severity.INFO,
        allergy_record=record.id,
        facts=(record.text, tuple(sorted(resembling))),
        records=(record.id,),
    )
