"""The sentences of each kind of finding, written from its facts when they are read, in the caller's words.

The check returns facts; whoever knows the reader's language passes its translation functions as
`Words` (the pages and the API pass the request's, see catalog.i18n). Without them, English.
Every sentence is a gettext message (extracted by pybabel, see babel.cfg), with named placeholders.
"""

from collections.abc import Callable
from typing import NamedTuple

from catalog.safety.types import Finding, FindingKind, Gap, GapKind, Relation


def _same(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _general(value: float) -> str:
    return f"{value:g}"


class Words(NamedTuple):
    """How to write in one language: gettext and ngettext (as gettext.GNUTranslations has them), and numbers."""

    gettext: Callable[[str], str] = _same
    ngettext: Callable[[str, str, int], str] = _english_plural
    number: Callable[[float], str] = _general


ENGLISH = Words()


def explain(finding: Finding, words: Words = ENGLISH) -> tuple[str, str]:
    """The finding's summary (clipped under 140 characters) and its detail."""
    summary, detail = _WRITERS[finding.kind](finding, words)
    return _clip(summary), detail


def summary(finding: Finding, words: Words = ENGLISH) -> str:
    return explain(finding, words)[0]


def detail(finding: Finding, words: Words = ENGLISH) -> str:
    return explain(finding, words)[1]


def _reaction(severity: str, words: Words) -> str:
    _ = words.gettext
    return {
        "mild": _("mild reaction recorded"),
        "moderate": _("moderate reaction recorded"),
        "severe": _("severe reaction recorded"),
    }.get(severity) or _("%(severity)s reaction recorded") % {"severity": severity}


def _status(status: str, words: Words) -> str:
    _ = words.gettext
    return {"inactive": _("inactive"), "resolved": _("resolved"), "active": _("active")}.get(status, status)


def _allergy(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    ingredient, allergen = _drawn(finding, words), _allergen_name(finding, words)
    verification, criticality, reaction, others, _phrase = finding.facts
    unconfirmed = verification == "unconfirmed"
    reasons = []
    if criticality == "high":
        reasons.append(_("high criticality"))
    if reaction:
        reasons.append(_reaction(reaction, words))
    names = {"ingredient": ingredient, "relation": _relation(finding, words)}
    if unconfirmed:
        text = _("%(ingredient)s %(relation)s, to which the patient has an unconfirmed (suspected) allergy") % names
    else:
        text = _("%(ingredient)s %(relation)s, to which the patient has a confirmed allergy") % names
    text += f" ({', '.join(reasons)})." if reasons else "."
    if finding.grade is not None:
        text += _cross_reaction(finding, words)
    if others:
        text += " " + _("Also recorded: %(others)s.") % {"others": ", ".join(others)}
    if unconfirmed:
        text += " " + _("The allergy is unconfirmed: confirm or refute it.")
    names = {"ingredient": ingredient, "allergen": allergen}
    if unconfirmed:
        return _("%(ingredient)s: patient allergic to %(allergen)s (unconfirmed).") % names, text
    return _("%(ingredient)s: patient allergic to %(allergen)s.") % names, text


def _past_allergy(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    ingredient, allergen = _drawn(finding, words), _allergen_name(finding, words)
    status, others = finding.facts
    names = {
        "ingredient": ingredient,
        "allergen": allergen,
        "relation": _relation(finding, words),
        "status": _status(status, words),
    }
    text = _("%(ingredient)s %(relation)s; the patient's allergy to %(allergen)s is recorded as %(status)s.") % names
    if others:
        text += " " + _("Also recorded: %(others)s.") % {"others": ", ".join(others)}
    return _("%(ingredient)s: past allergy to %(allergen)s (%(status)s).") % names, text


def _drawn(finding: Finding, words: Words) -> str:
    """The ingredient, and the product it is drawn from when there is one."""
    name = finding.ingredient.name
    if finding.product is None:
        return name
    return words.gettext("%(ingredient)s (in %(product)s)") % {"ingredient": name, "product": finding.product.name}


def _allergen_name(finding: Finding, words: Words) -> str:
    if finding.allergen is not None:
        return finding.allergen.name
    return _quoted(_free_text(finding), words)


def _quoted(text: str, words: Words) -> str:
    return words.gettext("“%(text)s”") % {"text": text}


def _free_text(finding: Finding) -> str:
    # A free-text record: the words of the ingredient's name it names.
    phrase = finding.facts[4] if finding.kind is FindingKind.ALLERGY else ()
    return " ".join(phrase) if phrase else finding.ingredient.name


def _relation(finding: Finding, words: Words) -> str:
    """How the ingredient reaches the patient's allergy, in words, from the path the check found."""
    _ = words.gettext
    relation, path = finding.relation, finding.path
    if relation is Relation.NAMED:
        return _("is named by a free-text allergy record (%(text)s, its name or a synonym)") % {
            "text": _quoted(_free_text(finding), words)
        }
    if relation is Relation.PRODUCT:
        return _("is an ingredient of %(product)s") % {"product": finding.allergen.name}
    names = {
        "flag": path[1].name,
        "allergen": path[-1].name,
        "steps": " → ".join(step.name for step in path[1:]),
    }
    if relation is Relation.SAME:
        return _("is flagged %(flag)s") % names
    if relation is Relation.GROUP:
        return _("is flagged %(flag)s, in the group %(allergen)s (%(steps)s)") % names
    if relation is Relation.MEMBER:
        return _("is flagged %(flag)s, the group of %(allergen)s (%(steps)s)") % names
    if relation is Relation.SIBLING:
        return _("is flagged %(flag)s, which cross-reacts with %(allergen)s in their group (%(steps)s)") % names
    return _("is flagged %(flag)s, which cross-reacts with %(allergen)s (%(steps)s)") % names


def _cross_reaction(finding: Finding, words: Words) -> str:
    _ = words.gettext
    if finding.grade.value == "established":
        text = " " + _("The cross-reaction is established.")
    else:
        text = " " + _("The cross-reaction is reported, not established.")
    if finding.source is not None:
        text += " " + _("Source: %(source)s.") % {"source": finding.source.name}
    return text


def _uncoded(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    text, resembling = finding.facts
    quoted = _quoted(text, words)
    detail = _("The allergy to %(text)s is recorded as free text and names no ingredient of this cocktail.") % {
        "text": quoted
    }
    if resembling:
        detail += " " + _("Names that resemble it: %(names)s.") % {"names": ", ".join(resembling)}
    detail += " " + _("Code it (or check it by hand) before use.")
    return _("Review by hand: uncoded allergy to %(text)s.") % {"text": quoted}, detail


def _unknown(_finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    return (
        _("No allergies are recorded for this patient: ask and record them before use."),
        _("The allergy status is 'unknown' (never asked), which is not the same as 'no known allergies'."),
    )


def _treatment_contraindication(finding: Finding, words: Words) -> tuple[str, str]:
    (reason,) = finding.facts
    return words.gettext("%(condition)s: no injection treatment.") % {"condition": finding.condition.name}, reason


def _ingredient_caution(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    names = {"ingredient": finding.ingredient.name, "condition": finding.condition.name}
    return (
        _("%(ingredient)s: use with caution (%(condition)s).") % names,
        _("The catalogue lists %(condition)s as a caution for %(ingredient)s, and it is recorded for this patient.")
        % names,
    )


def _dose_above_limit(finding: Finding, words: Words) -> tuple[str, str]:
    _, number = words.gettext, words.number
    total, allowed, per_kg, maximum, weight, with_ingredient, without_ingredient, source = finding.facts
    ingredient = finding.ingredient.name
    parts = []
    if per_kg is not None:
        if weight:
            parts.append(
                _("%(per_kg)s mg/kg × %(weight)s kg = %(dose)s mg")
                % {"per_kg": number(per_kg), "weight": number(weight), "dose": number(per_kg * weight)}
            )
        else:
            parts.append(_("%(per_kg)s mg/kg") % {"per_kg": number(per_kg)})
    if maximum is not None:
        parts.append(_("at most %(maximum)s mg") % {"maximum": number(maximum)})
    names = {"total": number(total), "ingredient": ingredient, "limits": ", ".join(parts)}
    if with_ingredient:
        detail = _("This mix gives %(total)s mg of %(ingredient)s; the limit with %(other)s is %(limits)s.") % {
            **names,
            "other": with_ingredient,
        }
    elif without_ingredient:
        detail = _("This mix gives %(total)s mg of %(ingredient)s; the limit without %(other)s is %(limits)s.") % {
            **names,
            "other": without_ingredient,
        }
    else:
        detail = _("This mix gives %(total)s mg of %(ingredient)s; the limit is %(limits)s.") % names
    if source:
        detail += " " + _("Source: %(source)s.") % {"source": source}
    summary = _("%(ingredient)s: %(total)s mg is above the limit of %(allowed)s mg.") % {
        **names,
        "allowed": number(allowed),
    }
    return summary, detail


def _dose_unchecked(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    ingredient = finding.ingredient.name
    if finding.facts[0] == "volume":
        return (
            _("%(ingredient)s: dose not checked (a volume is missing).") % {"ingredient": ingredient},
            _("%(ingredient)s has a dose limit, but not every component holding it gives its volume.")
            % {"ingredient": ingredient},
        )
    return (
        _("%(ingredient)s: dose not checked (no weight recorded).") % {"ingredient": ingredient},
        _(
            "This mix gives %(total)s mg of %(ingredient)s, whose limit depends on body weight; "
            "record the patient's weight."
        )
        % {"total": words.number(finding.facts[1]), "ingredient": ingredient},
    )


def _contraindication(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    names = {"ingredient": finding.ingredient.name, "condition": finding.condition.name}
    return (
        _("%(ingredient)s is contraindicated: %(condition)s.") % names,
        _(
            "The catalogue lists %(condition)s as a contraindication of %(ingredient)s, "
            "and it is recorded for this patient."
        )
        % names,
    )


def _treatment_caution(finding: Finding, words: Words) -> tuple[str, str]:
    (caution,) = finding.facts
    return f"{finding.condition.name}: {caution.split('; ')[0].rstrip('.')}.", caution


def _above_maximum(finding: Finding, words: Words) -> tuple[str, str]:
    _, number = words.gettext, words.number
    concentration, unit, maximum, catalogue_unit, context = finding.facts
    ingredient = _drawn(finding, words)
    limit = f"{number(maximum)} {catalogue_unit}" + (f" ({context})" if context else "")
    names = {"ingredient": ingredient, "concentration": f"{number(concentration)} {unit}", "limit": limit}
    return (
        _("%(ingredient)s at %(concentration)s is above its maximum of %(limit)s.") % names,
        _("The catalogue's maximum concentration for %(ingredient)s is %(limit)s.") % names,
    )


def _outside_range(finding: Finding, words: Words) -> tuple[str, str]:
    _, number = words.gettext, words.number
    concentration, unit, low, high, catalogue_unit, context = finding.facts
    ingredient = _drawn(finding, words)
    if low is not None and high is not None:
        usual = f"{number(low)}–{number(high)} {catalogue_unit}"
    elif low is not None:
        usual = _("at least %(amount)s") % {"amount": f"{number(low)} {catalogue_unit}"}
    else:
        usual = _("up to %(amount)s") % {"amount": f"{number(high)} {catalogue_unit}"}
    usual += f", {context}" if context else ""
    names = {"ingredient": ingredient, "concentration": f"{number(concentration)} {unit}", "usual": usual}
    return (
        _("%(ingredient)s at %(concentration)s is outside its usual range (%(usual)s).") % names,
        _("Usual concentrations of %(ingredient)s: %(usual)s.") % names,
    )


def _unit_mismatch(finding: Finding, words: Words) -> tuple[str, str]:
    _ = words.gettext
    unit, catalogue_unit = finding.facts
    names = {"ingredient": finding.ingredient.name, "unit": unit, "catalogue_unit": catalogue_unit}
    return (
        _("%(ingredient)s: %(unit)s cannot be compared with %(catalogue_unit)s.") % names,
        _("The catalogue gives %(ingredient)s's concentrations in %(catalogue_unit)s.") % names,
    )


def _incompatibility(finding: Finding, words: Words) -> tuple[str, str]:
    (reason,) = finding.facts
    names = {"ingredient": finding.ingredient.name, "other": finding.other_ingredient.name}
    return words.gettext("%(ingredient)s and %(other)s are incompatible.") % names, reason


_WRITERS = {
    FindingKind.ALLERGY: _allergy,
    FindingKind.PAST_ALLERGY: _past_allergy,
    FindingKind.UNCODED_ALLERGY: _uncoded,
    FindingKind.ALLERGIES_UNKNOWN: _unknown,
    FindingKind.CONTRAINDICATION: _contraindication,
    FindingKind.TREATMENT_CAUTION: _treatment_caution,
    FindingKind.ABOVE_MAXIMUM: _above_maximum,
    FindingKind.OUTSIDE_USUAL_RANGE: _outside_range,
    FindingKind.UNIT_MISMATCH: _unit_mismatch,
    FindingKind.INCOMPATIBILITY: _incompatibility,
    FindingKind.DOSE_ABOVE_LIMIT: _dose_above_limit,
    FindingKind.DOSE_UNCHECKED: _dose_unchecked,
    FindingKind.TREATMENT_CONTRAINDICATION: _treatment_contraindication,
    FindingKind.INGREDIENT_CAUTION: _ingredient_caution,
}


def gap_sentence(gap: Gap, words: Words = ENGLISH) -> str:
    """What could not be checked, in a sentence."""
    _ = words.gettext
    names = {
        "ingredient": gap.ingredient.name if gap.ingredient else "",
        "product": gap.product.name if gap.product else "",
    }
    if gap.kind is GapKind.NO_CONCENTRATION_DATA:
        text = _("%(ingredient)s: the catalogue gives no usual range or maximum to check the concentration against.")
    elif gap.kind is GapKind.DOSE_WITHOUT_WEIGHT:
        text = _("%(ingredient)s: the dose could not be checked against its per-kg limit (no weight).")
    elif gap.kind is GapKind.DOSE_WITHOUT_VOLUME:
        text = _("%(ingredient)s: the dose could not be checked (a component's volume is missing).")
    elif gap.kind is GapKind.UNREVIEWED:
        if gap.facts:
            text = _("%(ingredient)s: its catalogue entry changed since a curator reviewed it.")
        else:
            text = _("%(ingredient)s: its catalogue entry has not been reviewed by a curator.")
    elif gap.kind is GapKind.UNREVIEWED_PRODUCT:
        if gap.facts:
            text = _("%(product)s: the product's entry (what it holds) changed since a curator reviewed it.")
        else:
            text = _("%(product)s: the product's entry (what it holds) has not been reviewed by a curator.")
    else:
        return _("The patient's age is not recorded, so age limits could not be checked.")
    return text % names


def _clip(text: str, limit: int = 139) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
