"""Running the safety check for a patient, recording checks of saved versions, and overrides."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens
from catalog.audit import service as audit
from catalog.checks.facts import ingredient_facts, patient_profile
from catalog.checks.models import Check, CheckOverride
from catalog.cocktails import service as cocktails
from catalog.cocktails.compositions import composition_of, resolve_components
from catalog.cocktails.models import Cocktail, CocktailVersion
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.review import ReviewState
from catalog.patients import service as patients
from catalog.patients.models import Patient
from catalog.products.models import Product
from catalog.safety import CheckResult, Component, Outcome, PatientProfile, Term, check_composition


def _patient(session: Session, *, clinic_id: int, patient_id: int) -> Patient:
    try:
        return patients.get_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    except NotFound as error:
        raise Invalid(error.message, errors={"patient": [error.message]}) from error


def _composition(session: Session, components: list[dict], *, check_units: bool = True) -> list[Component]:
    """CompositionSchema's components as the check's input: a product gives one per ingredient it holds.

    Each product ingredient, active or excipient, comes at the product's strength of it, with the
    volume drawn, and names the product, so that the check sees what is really in the vial.
    """
    resolved = resolve_components(session, components, check_units=check_units)
    slugs = [
        slug
        for item, _ in resolved
        for slug in ([c.ingredient.slug for c in item.components] if isinstance(item, Product) else [item.slug])
    ]
    facts = ingredient_facts(session, slugs=slugs)
    composition = []
    for item, component in resolved:
        if isinstance(item, Product):
            product = Term(item.slug, item.name)
            state = item.review_state
            composition.extend(
                Component(
                    facts[part.ingredient.slug],
                    part.strength,
                    part.unit,
                    component["volume_ml"],
                    product,
                    product_reviewed=state == ReviewState.REVIEWED,
                    product_changed_since_review=state == ReviewState.CHANGED,
                )
                for part in item.components
            )
        else:
            composition.append(
                Component(facts[item.slug], component["concentration"], component["unit"], component.get("volume_ml"))
            )
    return composition


def run_check(session: Session, *, patient: Patient, components: list[dict], saved: bool = False) -> CheckResult:
    """Check components against the patient (a saved version's units are reported by the check, not refused)."""
    composition = _composition(session, components, check_units=not saved)
    graph = allergens.load_graph(session)
    return check_composition(composition, patient_profile(session, patient), graph)


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
        raise NotFound("No check with this id in your clinic.")
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
        select(Check).where(Check.id == check_id).with_for_update().execution_options(populate_existing=True)
    )
    if check is None or check.clinic_id != actor.clinic_id:
        raise NotFound("No check with this id in your clinic.")
    if check.outcome != Outcome.CONTRAINDICATED:
        raise Conflict(
            f"This check's outcome is {check.outcome.value}: only a critical finding needs an override.",
            errors={"check": ["Nothing to override."]},
        )
    if check.override is not None:
        raise Conflict("This check was already overridden.", errors={"check": ["Already overridden."]})
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
