"""Running the safety check for a patient, recording checks of saved versions, and overrides."""

import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens
from catalog.audit import service as audit
from catalog.checks.facts import ingredient_facts, patient_fingerprint, patient_profile, product_facts
from catalog.checks.models import Check, CheckOverride
from catalog.cocktails import service as cocktails
from catalog.cocktails.compositions import composition_of, refuse_unusable
from catalog.cocktails.models import Cocktail, CocktailVersion
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.timeline import TimelineEvent
from catalog.core.words import N_, phrase
from catalog.patients import service as patients
from catalog.patients.models import Patient
from catalog.safety import CheckResult, Component, Outcome, PatientProfile, Severity, Term, check_composition


def _patient(session: Session, *, clinic_id: int, patient_id: int) -> Patient:
    try:
        return patients.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    except NotFound as error:
        raise Invalid(error.message, errors={"patient": [error.message]}) from error


def _composition(session: Session, components: list[dict], *, check_units: bool = True) -> list[Component]:
    """CompositionSchema's components as the check's input: a product gives one per ingredient it holds.

    Each product ingredient, active or excipient, comes at the product's strength of it, with the
    volume drawn, and names the product, so that the check sees what is really in the vial. Read
    from the facts kept per catalogue version, not from the catalogue's rows.
    """
    products = product_facts(session, slugs=[c["product"] for c in components if c.get("product")])
    slugs = [c["ingredient"] for c in components if c.get("ingredient")]
    slugs += [slug for product in products.values() for slug, _, _ in product.parts]
    facts = ingredient_facts(session, slugs=slugs)
    refuse_unusable(
        components,
        ingredients={slug: (fact.name, fact.unit) for slug, fact in facts.items()},
        products=products,
        check_units=check_units,
    )
    composition = []
    for component in components:
        if component.get("product"):
            product = products[component["product"]]
            drawn_from = Term(product.slug, product.name)
            composition.extend(
                Component(
                    facts[slug],
                    strength,
                    unit,
                    component["volume_ml"],
                    drawn_from,
                    product_reviewed=product.reviewed,
                    product_changed_since_review=product.changed_since_review,
                )
                for slug, strength, unit in product.parts
            )
        else:
            composition.append(
                Component(
                    facts[component["ingredient"]],
                    component["concentration"],
                    component["unit"],
                    component.get("volume_ml"),
                )
            )
    return composition


def run_check(session: Session, *, patient: Patient, components: list[dict], saved: bool = False) -> CheckResult:
    """Check components against the patient (a saved version's units are reported by the check, not refused)."""
    composition = _composition(session, components, check_units=not saved)
    graph = allergens.load_graph(session)
    return check_composition(composition, patient_profile(session, patient), graph)


def check_against_profile(session: Session, *, components: list[dict], profile: PatientProfile) -> CheckResult:
    """Components checked against a patient known only by what another system sent (CDS Hooks)."""
    return check_composition(_composition(session, components), profile, allergens.load_graph(session))


def check_composition_alone(session: Session, *, components: list[dict]) -> CheckResult:
    """The composer's check before a patient is chosen: concentrations, doses and incompatibilities only."""
    profile = PatientProfile(allergy_status="no-known-allergies", chosen=False)
    return check_composition(_composition(session, components), profile, allergens.load_graph(session))


def check_unsaved(session: Session, *, actor: Actor, patient_id: int, components: list[dict]) -> CheckResult:
    """Unsaved components checked against a patient; not recorded, since nothing is used yet."""
    return check_while_composing(
        session, clinic_id=actor.clinic_id, patient_id=patient_id, components=components
    ).result


@dataclass(frozen=True)
class LiveCheck:
    result: CheckResult
    patient: Patient | None


def check_while_composing(
    session: Session, *, clinic_id: int, patient_id: int | None, components: list[dict]
) -> LiveCheck:
    """What the composer shows: the check against the chosen patient, else of the composition alone; not recorded."""
    if patient_id is None:
        return LiveCheck(check_composition_alone(session, components=components), None)
    patient = _patient(session, clinic_id=clinic_id, patient_id=patient_id)
    return LiveCheck(run_check(session, patient=patient, components=components), patient)


def check_version(
    session: Session, *, actor: Actor, patient_id: int, cocktail_id: int, version: int | None = None
) -> Check:
    """Check a saved version (the current one by default) and record who checked what, and the result."""
    patient = _patient(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    try:
        cocktail = cocktails.get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=cocktail_id)
    except NotFound as error:
        raise Invalid(error.message, errors={"cocktail": [error.message]}) from error
    try:
        saved = cocktails.get_version(session, cocktail=cocktail, number=version or cocktail.current_version)
    except NotFound as error:
        raise Invalid(error.message, errors={"version": [error.message]}) from error
    result = run_check(session, patient=patient, components=composition_of(saved)["components"], saved=True)
    check = Check(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        cocktail_id=cocktail.id,
        version_number=saved.number,
        outcome=result.outcome,
        findings=[finding.to_dict() for finding in result.findings],
        unchecked=[gap.to_dict() for gap in result.unchecked],
        checked_at=utcnow(),
        patient_fingerprint=patient_fingerprint(session, patient),
        **actor_columns("checked_by", actor),
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="check.recorded",
        object_type="check",
        object_id=check.id,
        changes=[
            {"field": "patient", "from": None, "to": patient.id},
            {"field": "cocktail", "from": None, "to": cocktail.id},
            {"field": "version", "from": None, "to": saved.number},
            {"field": "outcome", "from": None, "to": result.outcome.value},
        ],
    )
    return check


def get_check(session: Session, *, clinic_id: int, check_id: int) -> Check:
    check = session.get(Check, check_id)
    if check is None or check.clinic_id != clinic_id:
        raise NotFound(N_("No check with this id in your clinic."))
    return check


@dataclass(frozen=True)
class CheckRecord:
    """A recorded check with what it was of: the cocktail, the version checked, and the patient."""

    check: Check
    cocktail: Cocktail
    version: CocktailVersion
    patient: Patient


def get_check_record(session: Session, *, clinic_id: int, check_id: int) -> CheckRecord:
    check = get_check(session, clinic_id=clinic_id, check_id=check_id)
    cocktail = cocktails.get_cocktail(session, clinic_id=clinic_id, cocktail_id=check.cocktail_id)
    return CheckRecord(
        check,
        cocktail,
        cocktails.get_version(session, cocktail=cocktail, number=check.version_number),
        patients.get_patient(session, clinic_id=clinic_id, patient_id=check.patient_id),
    )


def override_check(session: Session, *, actor: Actor, check_id: int, reason: str) -> CheckOverride:
    """Record the decision to go ahead despite a critical finding, and why."""
    # Locked, so that of two overrides at once the second sees the first.
    check = session.scalar(
        select(Check).where(Check.id == check_id).with_for_update(of=Check).execution_options(populate_existing=True)
    )
    if check is None or check.clinic_id != actor.clinic_id:
        raise NotFound(N_("No check with this id in your clinic."))
    if check.outcome != Outcome.CONTRAINDICATED:
        raise Conflict(
            phrase(
                "This check's outcome is %(outcome)s: only a critical finding needs an override.",
                outcome=phrase(check.outcome.value),
            ),
            errors={"check": [N_("Nothing to override.")]},
        )
    if check.override is not None:
        raise Conflict(N_("This check was already overridden."), errors={"check": [N_("Already overridden.")]})
    override = CheckOverride(
        check_id=check.id,
        reason=reason,
        overridden_at=utcnow(),
        **actor_columns("by", actor),
    )
    session.add(override)
    session.flush()
    session.expire(check, ["override"])
    audit.record(
        session,
        actor=actor,
        action="check.overridden",
        object_type="check",
        object_id=check.id,
        changes=[{"field": "override", "from": None, "to": "recorded"}, {"field": "reason"}],
    )
    return override


def list_checks(
    session: Session,
    *,
    clinic_id: int,
    patient_id: int | None = None,
    cocktail_id: int | None = None,
    outcome: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """The clinic's recorded checks, newest first."""
    conditions = [Check.clinic_id == clinic_id]
    if outcome is not None:
        conditions.append(Check.outcome == Outcome(outcome))
    if patient_id is not None:
        conditions.append(Check.patient_id == patient_id)
    if cocktail_id is not None:
        conditions.append(Check.cocktail_id == cocktail_id)
    statement = select(Check).where(*conditions).order_by(Check.checked_at.desc(), Check.id.desc())
    return paginate(session, statement, page=page, page_size=page_size)


# --- Saving a composition over a critical finding ------------------------------------------------


def acknowledgement_key(live: LiveCheck) -> str | None:
    """What acknowledging the live check's critical findings means: a key naming the patient and those findings.

    None when there is nothing to acknowledge: no patient chosen, or no critical finding for them.
    A key acknowledged once no longer fits when the patient or the critical findings change, so
    an acknowledgement is always of the findings the practitioner was shown.
    """
    if live.patient is None or live.result.outcome != Outcome.CONTRAINDICATED:
        return None
    critical = [finding.to_dict() for finding in live.result.findings if finding.severity == Severity.CRITICAL]
    seen = json.dumps({"patient": live.patient.id, "critical": critical}, sort_keys=True, default=str)
    return hashlib.sha256(seen.encode()).hexdigest()[:32]


# --- A patient's timeline ------------------------------------------------------------------------

OUTCOME_WORDS = {
    Outcome.CONTRAINDICATED: _l("contraindicated (a critical finding)"),
    Outcome.CAUTION: _l("caution (warnings to review)"),
    Outcome.CLEAR: _l("no findings"),
}


def _outcome_words(check: Check) -> str:
    # As the pages say it: a check without findings is never a bare "clear" while something went unchecked.
    if check.outcome == Outcome.CLEAR and check.unchecked:
        return gettext("no findings; %(count)s not checked", count=len(check.unchecked))
    return str(OUTCOME_WORDS[check.outcome])


def check_events(session: Session, *, clinic_id: int, patient_id: int, limit: int = 50) -> list[TimelineEvent]:
    """The newest `limit` checks of the clinic's patient and the newest `limit` overrides of them, as timeline events.

    The override's reason is free text, kept on the check's page: the event only says that one was given.
    """
    checks = list(
        session.scalars(
            select(Check)
            .where(Check.clinic_id == clinic_id, Check.patient_id == patient_id)
            .order_by(Check.checked_at.desc(), Check.id.desc())
            .limit(limit)
        )
    )
    overridden = list(
        session.execute(
            select(CheckOverride, Check)
            .join(Check, CheckOverride.check_id == Check.id)
            .where(Check.clinic_id == clinic_id, Check.patient_id == patient_id)
            .order_by(CheckOverride.overridden_at.desc(), CheckOverride.id.desc())
            .limit(limit)
        )
    )
    ids = {check.cocktail_id for check in checks} | {check.cocktail_id for _, check in overridden}
    names = cocktails.names(session, clinic_id=clinic_id, ids=ids)

    def checked(check: Check) -> str:
        name = names.get(check.cocktail_id) or gettext("A cocktail")
        return gettext("%(name)s, version %(number)s", name=name, number=check.version_number)

    events = [
        TimelineEvent(
            at=check.checked_at,
            kind="check",
            summary=gettext("Checked %(what)s: %(outcome)s", what=checked(check), outcome=_outcome_words(check)),
            url_endpoint="checks.detail",
            url_values={"check_id": check.id},
            by=check.checked_by["label"] if check.checked_by else None,
        )
        for check in checks
    ]
    events += [
        TimelineEvent(
            at=override.overridden_at,
            kind="override",
            summary=gettext(
                "Override recorded for %(what)s: going ahead despite the critical finding", what=checked(check)
            ),
            url_endpoint="checks.detail",
            url_values={"check_id": check.id},
            by=override.by["label"] if override.by else None,
        )
        for override, check in overridden
    ]
    return events
