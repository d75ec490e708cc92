"""The check's plain input and output types."""

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Outcome(StrEnum):
    CLEAR = "clear"
    CAUTION = "caution"
    CONTRAINDICATED = "contraindicated"


class Severity(StrEnum):
    """As CDS Hooks grades its cards."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FindingKind(StrEnum):
    ALLERGY = "allergy"
    PAST_ALLERGY = "past-allergy"
    UNCODED_ALLERGY = "uncoded-allergy"
    ALLERGIES_UNKNOWN = "allergies-unknown"
    CONTRAINDICATION = "contraindication"
    TREATMENT_CAUTION = "treatment-caution"
    ABOVE_MAXIMUM = "above-maximum"
    OUTSIDE_USUAL_RANGE = "outside-usual-range"
    UNIT_MISMATCH = "unit-mismatch"
    INCOMPATIBILITY = "incompatibility"
    DOSE_ABOVE_LIMIT = "dose-above-limit"
    DOSE_UNCHECKED = "dose-unchecked"
    TREATMENT_CONTRAINDICATION = "treatment-contraindication"
    INGREDIENT_CAUTION = "ingredient-caution"


class Relation(StrEnum):
    """How an allergy reaches an ingredient."""

    SAME = "same"  # the ingredient is flagged with the very allergen
    GROUP = "group"  # the allergy is to a group the ingredient's allergen belongs to
    MEMBER = "member"  # the allergy is to a member of the group the ingredient is flagged with
    SIBLING = "sibling"  # both belong to a group whose members cross-react
    LINK = "link"  # a cross-reactivity link between the two (or their groups)
    PRODUCT = "product"  # the allergy is recorded against a product containing the ingredient
    NAMED = "named"  # a free-text allergy names the ingredient (its name or a synonym)


class Reach(StrEnum):
    """How one step of a finding's path through the allergen graph is reached from the step before it."""

    FLAG = "flag"  # the first step: the ingredient is flagged with this allergen
    GROUP = "group"  # a group the step before sits in
    MEMBER = "member"  # a member of the step before (a group)
    CROSS_REACTION = "cross-reaction"  # linked to the step before by a cross-reactivity link


class Grade(StrEnum):
    """How well a cross-reaction is known: established ones are graded like a direct match."""

    ESTABLISHED = "established"
    REPORTED = "reported"


class GapKind(StrEnum):
    """What the check could not check, so that "no findings" never reads as "safe"."""

    NO_CONCENTRATION_DATA = "no-concentration-data"
    DOSE_WITHOUT_WEIGHT = "dose-without-weight"
    DOSE_WITHOUT_VOLUME = "dose-without-volume"
    UNREVIEWED = "unreviewed"
    UNREVIEWED_PRODUCT = "unreviewed-product"
    AGE_UNKNOWN = "age-unknown"


# The check lists its gaps in this order (then by ingredient), and keys them by (rank, ingredient)
# so that sorting the keys sorts the gaps.
GAP_RANK = {kind: rank for rank, kind in enumerate(GapKind)}


def folded_words(text: str | None) -> list[str]:
    """The words of `text`, lower case and without accents; anything not a letter or digit separates them."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).casefold().split()


class Term(NamedTuple):
    """A coded thing and its name (an allergen, a condition; an ingredient by slug)."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class AllergenFlag:
    """A coded allergen with its place in the hierarchy: `path` runs from the broadest group to it."""

    code: str
    name: str
    path: tuple[Term, ...]
    path_codes: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "path_codes", frozenset(term.code for term in self.path))


@dataclass(frozen=True, slots=True)
class DoseLimit:
    """The most of an ingredient one session may give, per kg of body weight and/or in all, from a source.

    `with_ingredient` / `without_ingredient`: the limit applies only when that ingredient (by slug)
    is, or is not, in the same mix (lidocaine: 7 mg/kg with epinephrine, 4.5 mg/kg without).
    """

    per_kg_mg: float | None = None
    max_mg: float | None = None
    with_ingredient: str | None = None
    without_ingredient: str | None = None
    source: str = ""

    def applies(self, present: "Collection[str]") -> bool:
        if self.with_ingredient is not None and self.with_ingredient not in present:
            return False
        return self.without_ingredient is None or self.without_ingredient not in present


# Words that name no substance on their own: a free-text allergy to "sulfa drugs" is not one to
# magnesium sulfate, and "hyaluronic acid" is not ascorbic acid.
_GENERIC = (
    "acid acids sodium potassium calcium magnesium zinc hydrochloride hcl chloride sulfate "
    "sulphate phosphate salt salts extract extracts oil water solution injection injections "
    "drug drugs medicine medicines cream natural synthetic free non cross linked linking from "
    "the and with of in allergy allergic allergies intolerance reaction to"
)
GENERIC_WORDS = frozenset(_GENERIC.split())


def significant_words(text: str | None) -> tuple[str, ...]:
    """The words of `text` that can name a substance, in order (folded; generic words left out)."""
    words = folded_words(text)
    return tuple(word for word in words if word not in GENERIC_WORDS and (len(word) > 1 or word.isdigit()))


def _long_prefixes(words: frozenset[str]) -> frozenset[str]:
    return frozenset(word[:end] for word in words if len(word) >= 4 for end in range(4, len(word) + 1))


def contains_phrase(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` appears in `words` as whole consecutive words."""
    size = len(phrase)
    return any(words[start : start + size] == phrase for start in range(len(words) - size + 1))


@dataclass(frozen=True, slots=True)
class IngredientFacts:
    slug: str
    name: str
    origin: str
    allergens: tuple[AllergenFlag, ...] = ()
    contraindications: tuple[Term, ...] = ()
    aliases: tuple[str, ...] = ()  # INCI name, synonyms
    unit: str | None = None
    usual_min: float | None = None
    usual_max: float | None = None
    maximum: float | None = None
    # Other ingredient's slug -> why the two should not be mixed (both sides list the pair).
    incompatibilities: tuple[tuple[str, str], ...] = ()
    # Conditions that call for caution with this ingredient (a warning), beside the contraindications.
    cautions: tuple[Term, ...] = ()
    dose_limits: tuple[DoseLimit, ...] = ()
    # Where the usual range and maximum apply ("intradermal", "product strength"…), named in findings.
    figure_context: str = ""
    # Whether a curator has reviewed this entry against its sources, and if so whether it changed since.
    reviewed: bool = True
    changed_since_review: bool = False
    term: Term = field(init=False, compare=False)
    # The name and each alias as significant words, for free-text allergies naming the ingredient.
    phrases: tuple[tuple[str, ...], ...] = field(init=False, compare=False)
    phrase_words: frozenset[str] = field(init=False, compare=False)
    # Prefixes (four letters or more) of those words: a typo'd free-text allergy resembles the name.
    phrase_prefixes: frozenset[str] = field(init=False, compare=False)
    # Both together: a record sharing none of them with the ingredient cannot resemble it.
    phrase_stems: frozenset[str] = field(init=False, compare=False)
    # What the check says when it cannot check this ingredient's figures, or its entry is unreviewed (made once).
    gap_no_data: "Gap" = field(init=False, compare=False)
    gap_unreviewed: "Gap" = field(init=False, compare=False)
    # Each listed condition once, with the finding it gives (a contraindication wins over a caution).
    condition_rules: tuple[tuple[str, FindingKind, Severity], ...] = field(init=False, compare=False)
    condition_codes: frozenset[str] = field(init=False, compare=False)
    # Concentrations in the catalogue's unit from `in_range_low` to `in_range_high` need no finding.
    in_range_low: float = field(init=False, compare=False)
    in_range_high: float = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "term", Term(self.slug, self.name))
        phrases = tuple(dict.fromkeys(p for p in map(significant_words, (self.name, *self.aliases)) if p))
        object.__setattr__(self, "phrases", phrases)
        phrase_words = frozenset(word for phrase in phrases for word in phrase)
        object.__setattr__(self, "phrase_words", phrase_words)
        object.__setattr__(self, "phrase_prefixes", _long_prefixes(phrase_words))
        object.__setattr__(self, "phrase_stems", phrase_words | self.phrase_prefixes)
        object.__setattr__(self, "gap_no_data", Gap(GapKind.NO_CONCENTRATION_DATA, self.term))
        changed = ("changed-since-review",) if self.changed_since_review else ()
        object.__setattr__(self, "gap_unreviewed", Gap(GapKind.UNREVIEWED, self.term, changed))
        rules = {term.code: (FindingKind.CONTRAINDICATION, Severity.CRITICAL) for term in self.contraindications}
        for term in self.cautions:
            rules.setdefault(term.code, (FindingKind.INGREDIENT_CAUTION, Severity.WARNING))
        object.__setattr__(self, "condition_rules", tuple((code, *rule) for code, rule in rules.items()))
        object.__setattr__(self, "condition_codes", frozenset(rules))
        highs = [value for value in (self.usual_max, self.maximum) if value is not None]
        object.__setattr__(self, "in_range_low", self.usual_min if self.usual_min is not None else float("-inf"))
        object.__setattr__(self, "in_range_high", min(highs) if highs else float("inf"))


@dataclass(frozen=True, slots=True)
class Component:
    """One ingredient as drawn: its concentration in what is drawn, and the volume drawn when known.

    A product drawn into the mix gives one component per ingredient it holds (actives and
    excipients alike), each with the product's strength of it and the product's volume.
    """

    ingredient: IngredientFacts
    concentration: float
    unit: str
    volume_ml: float | None = None
    product: Term | None = None
    # Whether the product's entry (its composition) is reviewed, and if so whether it changed since.
    product_reviewed: bool = True
    product_changed_since_review: bool = False


@dataclass(frozen=True, slots=True)
class AllergyFacts:
    """One allergy record, coded (`allergen`) or free text (`text`)."""

    id: int
    criticality: str  # low | high | unable-to-assess
    clinical_status: str | None  # active | inactive | resolved; None when entered-in-error
    verification_status: str  # unconfirmed | confirmed | refuted | entered-in-error
    allergen: AllergenFlag | None = None
    text: str | None = None
    reaction_severity: str | None = None  # mild | moderate | severe
    manifestation: str | None = None
    # An allergy recorded against a product covers the product's ingredients (their slugs).
    product: Term | None = None
    product_ingredients: frozenset[str] = frozenset()
    text_words: tuple[str, ...] = field(init=False, compare=False)
    text_prefixes: frozenset[str] = field(init=False, compare=False)
    text_stems: frozenset[str] = field(init=False, compare=False)
    # High criticality, a severe reaction, or anaphylaxis written down with "unable to assess".
    serious: bool = field(init=False, compare=False)
    # What a finding resting on this record weighs, reached directly (or through an established
    # cross-reaction) and through a reported one: a past allergy informs, a reported
    # cross-reaction warns at least and is never graded as proven.
    severity_established: "Severity" = field(init=False, compare=False)
    severity_reported: "Severity" = field(init=False, compare=False)
    # Refuted and entered-in-error records are ignored; past (inactive, resolved) ones only inform.
    standing: bool = field(init=False, compare=False)
    active: bool = field(init=False, compare=False)
    # What a finding citing this record beside another calls it: its allergen, its product, or its words.
    label: str = field(init=False, compare=False)

    def __post_init__(self):
        text_words = significant_words(self.text)
        object.__setattr__(self, "text_words", text_words)
        object.__setattr__(self, "text_prefixes", _long_prefixes(frozenset(text_words)))
        object.__setattr__(self, "text_stems", frozenset(text_words) | self.text_prefixes)
        anaphylaxis = any(word.startswith("anaphyla") for word in folded_words(self.manifestation))
        serious = (
            self.criticality == "high"
            or self.reaction_severity == "severe"
            or (self.criticality == "unable-to-assess" and anaphylaxis)
        )
        object.__setattr__(self, "serious", serious)
        active = self.clinical_status == "active"
        object.__setattr__(self, "active", active)
        object.__setattr__(self, "standing", self.verification_status in ("confirmed", "unconfirmed"))
        established = (Severity.CRITICAL if serious else Severity.WARNING) if active else Severity.INFO
        object.__setattr__(self, "severity_established", established)
        object.__setattr__(self, "severity_reported", Severity.WARNING if active else Severity.INFO)
        if self.allergen is not None:
            label = self.allergen.name
        elif self.product is not None:
            label = self.product.name
        else:
            label = f"“{self.text}”"
        object.__setattr__(self, "label", label)


@dataclass(frozen=True, slots=True)
class PatientProfile:
    allergy_status: str  # unknown | no-known-allergies | allergies-recorded
    allergies: tuple[AllergyFacts, ...] = ()
    conditions: tuple[Term, ...] = ()
    # Conditions that call for caution whatever the ingredients, each with what the source says.
    cautions: tuple[tuple[Term, str], ...] = ()
    # Conditions that rule out any injection, each with what the source says.
    contraindications: tuple[tuple[Term, str], ...] = ()
    weight_kg: float | None = None
    age_years: int | None = None
    # False when no patient is chosen yet (the composer's check of the composition alone).
    chosen: bool = True


class Finding(NamedTuple):
    """One reason for caution, as a CDS Hooks card gives it.

    A tuple of facts, cheap to make; its sentences (`summary`, `detail`) are written from them
    when read (see catalog.safety.text), so a check costs no string formatting.
    """

    kind: FindingKind
    severity: Severity
    ingredient: Term | None = None
    allergen: Term | None = None
    # From the ingredient, through its allergen flag and groups, to the allergy's allergen.
    path: tuple[Term, ...] = ()
    allergy_record: int | None = None
    condition: Term | None = None
    other_ingredient: Term | None = None
    # What the sentences need beyond the fields above, by kind (see catalog.safety.text).
    facts: tuple = ()
    # Every allergy record behind the finding (one cause may rest on several), `allergy_record` first.
    records: tuple[int, ...] = ()
    # The product the ingredient comes from, when it is drawn from one.
    product: Term | None = None
    relation: Relation | None = None
    # A cross-reaction's grade and source.
    grade: Grade | None = None
    source: Term | None = None
    # For each step of `path` after the ingredient, how it is reached (empty when the path is not the graph's).
    steps: tuple[Reach, ...] = ()

    @property
    def summary(self) -> str:
        """Under 140 characters, as a CDS Hooks card's."""
        from catalog.safety.text import summary

        return summary(self)

    @property
    def detail(self) -> str:
        from catalog.safety.text import detail

        return detail(self)

    def to_dict(self) -> dict:
        def term(value):
            return {"code": value.code, "name": value.name} if value is not None else None

        def ingredient(value):
            return {"slug": value.code, "name": value.name} if value is not None else None

        from catalog.safety.text import explain

        summary, detail = explain(self)
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "summary": summary,
            "detail": detail,
            "ingredient": ingredient(self.ingredient),
            "allergen": term(self.allergen),
            # After the ingredient, each step says how it is reached from the one before.
            "path": [
                {**term(step), "reached_by": self.steps[index - 1].value}
                if 0 < index <= len(self.steps)
                else term(step)
                for index, step in enumerate(self.path)
            ],
            "allergy_record": self.allergy_record,
            "condition": term(self.condition),
            "other_ingredient": ingredient(self.other_ingredient),
            "allergy_records": list(self.records or ((self.allergy_record,) if self.allergy_record else ())),
            "product": ingredient(self.product),
            "relation": self.relation.value if self.relation else None,
            "grade": self.grade.value if self.grade else None,
            "source": term(self.source),
            # What the sentences are written from, kept so that they can be written again in another language.
            "facts": list(self.facts),
        }

    @classmethod
    def from_dict(cls, recorded: dict) -> "Finding":
        """A finding from its `to_dict`, to write its sentences again (in another language)."""

        def term(value, key="code"):
            return Term(value[key], value["name"]) if value else None

        path = tuple(term(step) for step in recorded.get("path") or ())
        return cls(
            kind=FindingKind(recorded["kind"]),
            severity=Severity(recorded["severity"]),
            ingredient=term(recorded.get("ingredient"), "slug"),
            allergen=term(recorded.get("allergen")),
            path=path,
            allergy_record=recorded.get("allergy_record"),
            condition=term(recorded.get("condition")),
            other_ingredient=term(recorded.get("other_ingredient"), "slug"),
            facts=tuple(recorded.get("facts") or ()),
            records=tuple(recorded.get("allergy_records") or ()),
            product=term(recorded.get("product"), "slug"),
            relation=Relation(recorded["relation"]) if recorded.get("relation") else None,
            grade=Grade(recorded["grade"]) if recorded.get("grade") else None,
            source=term(recorded.get("source")),
            steps=tuple(Reach(step["reached_by"]) for step in (recorded.get("path") or [])[1:] if "reached_by" in step),
        )


class Gap(NamedTuple):
    """Something the check could not check, and why (its sentence is written when read)."""

    kind: GapKind
    ingredient: Term | None = None
    facts: tuple = ()
    product: Term | None = None

    def to_dict(self) -> dict:
        from catalog.safety.text import gap_sentence

        return {
            "kind": self.kind.value,
            "ingredient": {"slug": self.ingredient.code, "name": self.ingredient.name} if self.ingredient else None,
            "product": {"slug": self.product.code, "name": self.product.name} if self.product else None,
            "detail": gap_sentence(self),
            # What the sentence is written from (a tuple, or whether an entry changed since its review).
            "facts": list(self.facts) if isinstance(self.facts, tuple) else self.facts,
        }

    @classmethod
    def from_dict(cls, recorded: dict) -> "Gap":
        """A gap from its `to_dict`, to write its sentence again (in another language)."""
        ingredient, product = recorded.get("ingredient"), recorded.get("product")
        return cls(
            kind=GapKind(recorded["kind"]),
            ingredient=Term(ingredient["slug"], ingredient["name"]) if ingredient else None,
            facts=tuple(facts) if isinstance(facts := recorded.get("facts", ()), list) else facts,
            product=Term(product["slug"], product["name"]) if product else None,
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: Outcome
    findings: tuple[Finding, ...]
    # What could not be checked: a result without findings is "clear" only of what was checked.
    unchecked: tuple[Gap, ...] = ()

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "findings": [finding.to_dict() for finding in self.findings],
            "unchecked": [gap.to_dict() for gap in self.unchecked],
        }
