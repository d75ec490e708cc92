"""The check's plain input and output types."""

import unicodedata
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


def prefixes(words: frozenset[str]) -> frozenset[str]:
    """Every prefix of three letters or more of each word: resemblance becomes a set intersection."""
    return frozenset(word[:end] for word in words for end in range(3, len(word) + 1))


def search_words(*texts: str) -> frozenset[str]:
    """Lower-case, accent-free words of three letters or more, for resemblance tests."""
    found = set()
    for text in texts:
        decomposed = unicodedata.normalize("NFKD", text or "")
        folded = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).casefold()
        found.update(word for word in folded.split() if len(word) >= 3)
    return frozenset(found)


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
    words: frozenset[str] = field(init=False, compare=False)
    word_prefixes: frozenset[str] = field(init=False, compare=False)
    term: Term = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "term", Term(self.slug, self.name))
        object.__setattr__(self, "words", search_words(self.name, *self.aliases))
        object.__setattr__(self, "word_prefixes", prefixes(self.words))


@dataclass(frozen=True, slots=True)
class Component:
    ingredient: IngredientFacts
    concentration: float
    unit: str


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
    words: frozenset[str] = field(init=False, compare=False)
    word_prefixes: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self):
        words = search_words(self.text) if self.text else frozenset()
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "word_prefixes", prefixes(words))


@dataclass(frozen=True, slots=True)
class PatientProfile:
    allergy_status: str  # unknown | no-known-allergies | allergies-recorded
    allergies: tuple[AllergyFacts, ...] = ()
    conditions: tuple[Term, ...] = ()
    # Conditions that call for caution whatever the ingredients, each with what the source says.
    cautions: tuple[tuple[Term, str], ...] = ()


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
            "path": [term(step) for step in self.path],
            "allergy_record": self.allergy_record,
            "condition": term(self.condition),
            "other_ingredient": ingredient(self.other_ingredient),
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: Outcome
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict:
        return {"outcome": self.outcome.value, "findings": [finding.to_dict() for finding in self.findings]}
