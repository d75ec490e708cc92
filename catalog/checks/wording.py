"""A check's sentences in the reader's language: the safety check gives facts, this layer writes them.

A recorded finding keeps its English sentences and the facts they were written from; in another
language they are written again from those facts (a check recorded before facts were kept stays English).
"""

from catalog import i18n
from catalog.safety import CheckResult
from catalog.safety.text import explain, gap_sentence
from catalog.safety.types import Finding, Gap


def finding_in_language(finding: Finding | dict) -> dict:
    """A finding (or a recorded one) as a dict whose `summary` and `detail` are in the request's language."""
    recorded = finding.to_dict() if isinstance(finding, Finding) else finding
    words = i18n.words()
    if words == i18n.ENGLISH or "facts" not in recorded:
        return recorded
    summary, detail = explain(Finding.from_dict(recorded), words)
    return {**recorded, "summary": summary, "detail": detail}


def gap_in_language(gap: Gap | dict) -> dict:
    """A gap (or a recorded one) as a dict whose `detail` is in the request's language."""
    recorded = gap.to_dict() if isinstance(gap, Gap) else gap
    words = i18n.words()
    if words == i18n.ENGLISH or "facts" not in recorded:
        return recorded
    return {**recorded, "detail": gap_sentence(Gap.from_dict(recorded), words)}


def findings_in_language(findings) -> list[dict]:
    return [finding_in_language(finding) for finding in findings or ()]


def gaps_in_language(gaps) -> list[dict]:
    return [gap_in_language(gap) for gap in gaps or ()]


def result_in_language(result: CheckResult) -> dict:
    """An unsaved check's result as the API answers it, its sentences in the request's language."""
    return {
        "outcome": result.outcome.value,
        "findings": findings_in_language(result.findings),
        "unchecked": gaps_in_language(result.unchecked),
    }
