"""Lots, treatment sessions and recalls: every rule a session must meet before it is recorded.

A session relies on a recorded check of the same patient and version, run the same day (in the
clinic's time zone), overridden when contraindicated, and still current: the patient's records
must give what the check read. Each component of the version names the lot it was drawn from,
unexpired on the day. Nothing is written when any rule fails; once written, a session never
changes, and a correction is a new record amending it.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.checks import service as checks
from catalog.checks.facts import patient_fingerprint
from catalog.checks.models import Check
from catalog.clinics.models import Clinic, Practitioner
from catalog.cocktails import service as cocktails
from catalog.cocktails.models import Cocktail, CocktailVersion, Technique
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.timeline import TimelineEvent
from catalog.core.words import N_, phrase
from catalog.ingredients.models import Ingredient
from catalog.patients import service as patients
from catalog.patients.models import Patient
from catalog.products.models import Product
from catalog.safety import Outcome
from catalog.treatments.models import Lot, SessionLot, TreatmentSession

# A session recorded "now" may be stamped a little ahead by a clock; beyond this it is in the future.
CLOCK_SLACK = timedelta(minutes=5)


def clinic_zone(clinic: Clinic, default: str) -> ZoneInfo:
    return ZoneInfo(clinic.time_zone or default)


def fold_lot_number(number: str) -> str:
    """Lot numbers compared as people type them: case, spaces and hyphens do not matter."""
    return re.sub(r"[\s\-_./]", "", number).casefold()


# --- Lots -----------------------------------------------------------------------------------------


def create_lot(session: Session, *, actor: Actor, data: dict) -> Lot:
    """Add a lot of a product (or of an ingredient's solution) to the clinic's stock; audited."""
    product = ingredient = None
    if data.get("product"):
        product = session.scalar(select(Product).where(Product.slug == data["product"]))
        if product is None:
            raise Invalid(
                N_("No product has this slug."),
                errors={"product": [phrase("Unknown product %(slug)r.", slug=data["product"])]},
            )
    else:
        ingredient = session.scalar(select(Ingredient).where(Ingredient.slug == data["ingredient"]))
        if ingredient is None:
            raise Invalid(
                N_("No ingredient has this slug."),
                errors={"ingredient": [phrase("Unknown ingredient %(slug)r.", slug=data["ingredient"])]},
            )
    if data.get("received_on") and data["received_on"] > data["expires_on"]:
        raise Invalid(
            N_("A lot cannot be received after it expires."), errors={"received_on": [N_("After the expiry date.")]}
        )
    item_key = f"product:{product.id}" if product else f"ingredient:{ingredient.id}"
    lot = Lot(
        clinic_id=actor.clinic_id,
        product_id=product.id if product else None,
        ingredient_id=ingredient.id if ingredient else None,
        item_key=item_key,
        number=data["number"],
        number_key=fold_lot_number(data["number"]),
        expires_on=data["expires_on"],
        received_on=data.get("received_on"),
        recorded_at=utcnow(),
        **actor_columns("recorded_by", actor),
    )
    try:
        # Added inside the savepoint, so that a refused row leaves the session clean for the answer.
        with session.begin_nested():
            session.add(lot)
            session.flush()
    except IntegrityError as error:
        raise Conflict(
            N_("This lot number is already in your stock for this item."), errors={"number": [N_("Already recorded.")]}
        ) from error
    audit.record(
        session,
        actor=actor,
        action="lot.created",
        object_type="lot",
        object_id=lot.id,
        changes=[
            {"field": "item", "from": None, "to": item_key},
            {"field": "number", "from": None, "to": lot.number},
            {"field": "expires_on", "from": None, "to": lot.expires_on.isoformat()},
        ],
    )
    return lot


def get_lot(session: Session, *, clinic_id: int, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None or lot.clinic_id != clinic_id:
        raise NotFound(N_("No lot with this id in your clinic."))
    return lot


def list_lots(
    session: Session,
    *,
    clinic_id: int,
    product: str | None = None,
    ingredient: str | None = None,
    number: str | None = None,
    usable_on: date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """The clinic's lots, soonest expiry first; `usable_on` leaves out those expired by then."""
    statement = select(Lot).where(Lot.clinic_id == clinic_id)
    if product:
        statement = statement.join(Product, Product.id == Lot.product_id).where(Product.slug == product)
    if ingredient:
        statement = statement.join(Ingredient, Ingredient.id == Lot.ingredient_id).where(Ingredient.slug == ingredient)
    if number:
        statement = statement.where(Lot.number_key == fold_lot_number(number))
    if usable_on is not None:
        statement = statement.where(Lot.expires_on >= usable_on)
    statement = statement.order_by(Lot.expires_on, Lot.number, Lot.id)
    return paginate(session, statement, page=page, page_size=page_size)


def lots_for_version(session: Session, *, clinic_id: int, version: CocktailVersion, on: date) -> dict[int, list[Lot]]:
    """For each component position of a version, the clinic's lots of its product or ingredient usable on `on`."""
    choices: dict[int, list[Lot]] = {}
    for component in version.components:
        column, item_id = (
            (Lot.product_id, component.product_id)
            if component.product_id is not None
            else (Lot.ingredient_id, component.ingredient_id)
        )
        choices[component.position] = list(
            session.scalars(
                select(Lot)
                .where(Lot.clinic_id == clinic_id, column == item_id, Lot.expires_on >= on)
                .order_by(Lot.expires_on, Lot.number)
            )
        )
    return choices


# --- Sessions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    """A session with what it was of: the patient, the cocktail and version, the check, and its amendments."""

    session: TreatmentSession
    patient: Patient
    cocktail: Cocktail
    version: CocktailVersion
    check: Check
    amended_by: TreatmentSession | None
    clinic: Clinic


def record_session(session: Session, *, actor: Actor, data: dict, time_zone: str) -> TreatmentSession:
    """Record a treatment session after checking every rule; nothing is written when one fails."""
    treatment = _valid_session(session, actor=actor, data=data, time_zone=time_zone)
    session.add(treatment)
    session.flush()
    _audit_session(session, actor, treatment, action="session.recorded")
    return treatment


def amend_session(
    session: Session, *, actor: Actor, session_id: int, data: dict, reason: str, time_zone: str
) -> TreatmentSession:
    """Correct a session by a new record that amends it; the original is kept as it was."""
    original = get_session(session, clinic_id=actor.clinic_id, session_id=session_id)
    newer = session.scalar(select(TreatmentSession.id).where(TreatmentSession.amends_id == original.id))
    if newer is not None:
        raise Conflict(
            phrase("This session was already amended by session %(newer)s: amend that one.", newer=newer),
            errors={"session": [phrase("Amended by %(newer)s.", newer=newer)]},
        )
    if data["patient"] != original.patient_id:
        raise Invalid(
            N_("An amendment is of the same patient; record a new session for another."),
            errors={"patient": [N_("Must be the amended session's patient.")]},
        )
    treatment = _valid_session(session, actor=actor, data=data, time_zone=time_zone, amends=original)
    treatment.amends_id = original.id
    treatment.amendment_reason = reason
    try:
        with session.begin_nested():
            session.add(treatment)
            session.flush()
    except IntegrityError as error:  # two amendments of one session at once: the second loses
        raise Conflict(N_("This session was amended meanwhile: amend the newer record.")) from error
    _audit_session(session, actor, treatment, action="session.amended")
    return treatment


def _valid_session(
    session: Session, *, actor: Actor, data: dict, time_zone: str, amends: TreatmentSession | None = None
) -> TreatmentSession:
    clinic = session.get(Clinic, actor.clinic_id)
    zone = clinic_zone(clinic, time_zone)
    try:
        patient = patients.get_patient(session, clinic_id=actor.clinic_id, patient_id=data["patient"])
    except NotFound as error:
        raise Invalid(error.message, errors={"patient": [error.message]}) from error
    try:
        cocktail = cocktails.get_cocktail(session, clinic_id=actor.clinic_id, cocktail_id=data["cocktail"])
        version = cocktails.get_version(session, cocktail=cocktail, number=data["version"])
    except NotFound as error:
        raise Invalid(error.message, errors={"version": [error.message]}) from error
    performed_at = data["performed_at"]
    if performed_at > utcnow() + CLOCK_SLACK:
        raise Invalid(
            N_("A session is recorded once given: its time is in the future."),
            errors={"performed_at": [N_("In the future.")]},
        )
    day = performed_at.astimezone(zone).date()
    check = _relied_on_check(session, actor=actor, data=data, patient=patient, version=version, day=day, zone=zone)
    lots = _drawn_lots(session, actor=actor, version=version, picks=data["lots"], day=day)
    areas = _areas(data["areas"], version)
    people = _people(session, clinic=clinic, data=data)
    number, planned, next_due = _protocol(
        session, patient=patient, cocktail=cocktail, version=version, day=day, amends=amends
    )
    if data["consent"]["at"] > performed_at:
        raise Invalid(
            N_("Consent is recorded before the treatment."), errors={"consent": {"at": [N_("After the session.")]}}
        )
    return TreatmentSession(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        cocktail_id=cocktail.id,
        version_number=version.number,
        check_id=check.id,
        performed_at=performed_at,
        technique=Technique(data.get("technique") or version.technique.value),
        areas=areas,
        total_volume_ml=round(sum(area["volume_ml"] for area in areas), 3),
        prepared_by_id=people["prepared_by"].id,
        administered_by_id=people["administered_by"].id,
        second_checked_by_id=people["second_checked_by"].id if people["second_checked_by"] else None,
        consent_at=data["consent"]["at"],
        consent_information=data["consent"]["information"],
        observations=data.get("observations") or "",
        immediate_reactions=data.get("immediate_reactions") or "",
        session_number=number,
        sessions_planned=planned,
        next_due_on=next_due,
        recorded_at=utcnow(),
        lots=[SessionLot(position=position, lot_id=lot.id) for position, lot in lots],
        **actor_columns("recorded_by", actor),
    )


def _relied_on_check(session, *, actor, data, patient, version, day: date, zone: ZoneInfo) -> Check:
    try:
        check = checks.get_check(session, clinic_id=actor.clinic_id, check_id=data["check"])
    except NotFound as error:
        raise Invalid(error.message, errors={"check": [error.message]}) from error
    if check.patient_id != patient.id:
        raise Invalid(N_("The check is of another patient."), errors={"check": [N_("Another patient's check.")]})
    if (check.cocktail_id, check.version_number) != (version.cocktail_id, version.number):
        raise Invalid(
            phrase(
                "The check is of version %(number)s of another cocktail or version; check this version first.",
                number=check.version_number,
            ),
            errors={"check": [phrase("Not of version %(number)s of this cocktail.", number=version.number)]},
        )
    if check.checked_at.astimezone(zone).date() != day:
        raise Invalid(
            N_("The check was run on another day: check the version again today."),
            errors={
                "check": [
                    phrase(
                        "Run on %(run)s, not %(day)s.",
                        run=f"{check.checked_at.astimezone(zone):%Y-%m-%d}",
                        day=f"{day:%Y-%m-%d}",
                    )
                ]
            },
        )
    if check.checked_at > data["performed_at"] + CLOCK_SLACK:
        raise Invalid(
            N_("The check was run after the time given for the session: a session relies on a check made before it."),
            errors={"check": [N_("Run after the session.")]},
        )
    if check.outcome == Outcome.CONTRAINDICATED and check.override is None:
        raise Invalid(
            N_("The check found a contraindication: record an override, with its reason, before the session."),
            errors={"check": [N_("Contraindicated and not overridden.")]},
        )
    if check.patient_fingerprint != patient_fingerprint(session, patient):
        raise Invalid(
            N_(
                "The patient's allergy, condition or weight records changed after this check: run the check "
                "again and review it before the session."
            ),
            errors={"check": [N_("The patient's records changed since the check.")]},
        )
    return check


def _drawn_lots(session, *, actor, version: CocktailVersion, picks: list[dict], day: date) -> list[tuple[int, Lot]]:
    components = {component.position: component for component in version.components}
    chosen = {pick["position"]: pick["lot"] for pick in picks}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(chosen) - set(components))
    if unknown:
        errors["lots"] = [
            phrase("The version has no component at position %(positions)s.", positions=", ".join(map(str, unknown)))
        ]
    missing = [components[p] for p in sorted(components) if p not in chosen]
    if missing:
        names = ", ".join((c.product or c.ingredient).name for c in missing)
        errors.setdefault("lots", []).append(phrase("Name the lot drawn for: %(names)s.", names=names))
    drawn = []
    for position, component in sorted(components.items()):
        if position not in chosen:
            continue
        lot = session.get(Lot, chosen[position])
        item = component.product or component.ingredient
        if lot is None or lot.clinic_id != actor.clinic_id:
            errors.setdefault("lots", []).append(
                phrase("%(item)s: no lot %(lot)s in your clinic's stock.", item=item.name, lot=chosen[position])
            )
            continue
        matches = (
            lot.product_id == component.product_id
            if component.product_id
            else lot.ingredient_id == component.ingredient_id
        )
        if not matches:
            errors.setdefault("lots", []).append(
                phrase("%(item)s: lot %(lot)s is of %(other)s.", item=item.name, lot=lot.number, other=lot.item_name)
            )
        elif lot.expires_on < day:
            errors.setdefault("lots", []).append(
                phrase(
                    "%(item)s: lot %(lot)s expired on %(day)s, before the session.",
                    item=item.name,
                    lot=lot.number,
                    day=f"{lot.expires_on:%Y-%m-%d}",
                )
            )
        else:
            drawn.append((position, lot))
    if errors:
        raise Invalid(N_("A lot named for the session will not do."), errors=errors)
    return drawn


def _areas(areas: list[dict], version: CocktailVersion) -> list[dict]:
    codes = [area["area"] for area in areas]
    if len(set(codes)) != len(codes):
        raise Invalid(N_("Each area is listed once."), errors={"areas": [N_("An area is listed twice.")]})
    total = sum(area["volume_ml"] for area in areas)
    volumes = [component.volume_ml for component in version.components]
    if volumes and all(volume is not None for volume in volumes) and total > sum(volumes) + 1e-9:
        raise Invalid(
            phrase(
                "The areas add up to %(given)s mL, more than the %(prepared)s mL the version's components make.",
                given=f"{total:g}",
                prepared=f"{sum(volumes):g}",
            ),
            errors={
                "areas": [
                    phrase(
                        "%(given)s mL given, %(prepared)s mL prepared.",
                        given=f"{total:g}",
                        prepared=f"{sum(volumes):g}",
                    )
                ]
            },
        )
    return [{"area": area["area"], "volume_ml": area["volume_ml"]} for area in areas]


def _people(session, *, clinic: Clinic, data: dict) -> dict:
    found: dict[str, Practitioner | None] = {}
    errors: dict[str, list[str]] = {}
    for field in ("prepared_by", "administered_by", "second_checked_by"):
        practitioner_id = data.get(field)
        if practitioner_id is None:
            found[field] = None
            continue
        person = session.get(Practitioner, practitioner_id)
        if person is None or person.clinic_id != clinic.id or not person.is_active_account:
            errors[field] = [N_("No active practitioner with this id in your clinic.")]
        found[field] = person
    if clinic.requires_second_check and data.get("second_checked_by") is None:
        errors["second_checked_by"] = [N_("Your clinic requires a second person to check the preparation.")]
    second = data.get("second_checked_by")
    if second is not None and second == data.get("prepared_by"):
        errors["second_checked_by"] = [N_("The second check is by someone other than the person who prepared.")]
    if errors:
        raise Invalid(N_("Who prepared, gave or checked the treatment will not do."), errors=errors)
    return found


def _protocol(session, *, patient, cocktail, version, day: date, amends) -> tuple[int, int | None, date | None]:
    """The session's number among this patient's sessions of this cocktail, and when the next is due."""
    if amends is not None:
        number = amends.session_number
    else:
        earlier = session.scalar(
            select(func.count())
            .select_from(TreatmentSession)
            .where(
                TreatmentSession.patient_id == patient.id,
                TreatmentSession.cocktail_id == cocktail.id,
                TreatmentSession.amends_id.is_(None),
            )
        )
        number = earlier + 1
    planned = version.sessions
    weeks = version.weeks_between_sessions
    more_to_come = planned is None or number < planned
    next_due = day + timedelta(weeks=weeks) if weeks and more_to_come else None
    return number, planned, next_due


def _audit_session(session: Session, actor: Actor, treatment: TreatmentSession, *, action: str) -> None:
    # Coded values only: the audit trail never holds a note about the patient.
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="session",
        object_id=treatment.id,
        changes=[
            {"field": "patient", "from": None, "to": treatment.patient_id},
            {"field": "cocktail", "from": None, "to": treatment.cocktail_id},
            {"field": "version", "from": None, "to": treatment.version_number},
            {"field": "check", "from": None, "to": treatment.check_id},
            {"field": "lots", "from": None, "to": [item.lot_id for item in treatment.lots]},
            *([{"field": "amends", "from": None, "to": treatment.amends_id}] if treatment.amends_id else []),
        ],
    )


def get_session(session: Session, *, clinic_id: int, session_id: int) -> TreatmentSession:
    treatment = session.get(TreatmentSession, session_id)
    if treatment is None or treatment.clinic_id != clinic_id:
        raise NotFound(N_("No treatment session with this id in your clinic."))
    return treatment


def get_session_record(session: Session, *, clinic_id: int, session_id: int) -> SessionRecord:
    treatment = get_session(session, clinic_id=clinic_id, session_id=session_id)
    cocktail = cocktails.get_cocktail(session, clinic_id=clinic_id, cocktail_id=treatment.cocktail_id)
    return SessionRecord(
        session=treatment,
        patient=patients.get_patient(session, clinic_id=clinic_id, patient_id=treatment.patient_id),
        cocktail=cocktail,
        version=cocktails.get_version(session, cocktail=cocktail, number=treatment.version_number),
        check=checks.get_check(session, clinic_id=clinic_id, check_id=treatment.check_id),
        amended_by=session.scalar(select(TreatmentSession).where(TreatmentSession.amends_id == treatment.id)),
        clinic=session.get(Clinic, clinic_id),
    )


def list_sessions(
    session: Session,
    *,
    clinic_id: int,
    patient_id: int | None = None,
    cocktail_id: int | None = None,
    include_amended: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """The clinic's sessions, newest first; by default only the records that count (not amended since)."""
    statement = select(TreatmentSession).where(TreatmentSession.clinic_id == clinic_id)
    if patient_id is not None:
        statement = statement.where(TreatmentSession.patient_id == patient_id)
    if cocktail_id is not None:
        statement = statement.where(TreatmentSession.cocktail_id == cocktail_id)
    if not include_amended:
        amended = select(TreatmentSession.amends_id).where(TreatmentSession.amends_id.is_not(None))
        statement = statement.where(TreatmentSession.id.not_in(amended))
    statement = statement.order_by(TreatmentSession.performed_at.desc(), TreatmentSession.id.desc())
    return paginate(session, statement, page=page, page_size=page_size)


# --- Recall ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecallHit:
    session: TreatmentSession
    patient: Patient
    lot: Lot
    amended: bool


def recall(session: Session, *, clinic_id: int, number: str, product: str | None = None) -> list[RecallHit]:
    """Every session record (amended ones included: a lot once given stays given) that drew a lot with this number."""
    statement = (
        select(TreatmentSession, Patient, Lot)
        .join(SessionLot, SessionLot.session_id == TreatmentSession.id)
        .join(Lot, Lot.id == SessionLot.lot_id)
        .join(Patient, Patient.id == TreatmentSession.patient_id)
        .where(
            TreatmentSession.clinic_id == clinic_id,
            Lot.clinic_id == clinic_id,
            Lot.number_key == fold_lot_number(number),
        )
    )
    if product:
        statement = statement.join(Product, Product.id == Lot.product_id).where(Product.slug == product)
    statement = statement.order_by(TreatmentSession.performed_at, TreatmentSession.id)
    rows = session.execute(statement).all()
    amended = set(
        session.scalars(
            select(TreatmentSession.amends_id).where(TreatmentSession.amends_id.in_([row[0].id for row in rows]))
        )
    )
    return [RecallHit(treatment, patient, lot, treatment.id in amended) for treatment, patient, lot in rows]


def events_for_patient(session: Session, *, clinic_id: int, patient_id: int, limit: int | None = None) -> list:
    """The patient's sessions and amendments as timeline events (the patient page merges them with others)."""
    statement = (
        select(TreatmentSession, Cocktail.name)
        .join(Cocktail, Cocktail.id == TreatmentSession.cocktail_id)
        .where(TreatmentSession.clinic_id == clinic_id, TreatmentSession.patient_id == patient_id)
        .order_by(TreatmentSession.performed_at.desc(), TreatmentSession.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    events = []
    for treatment, cocktail_name in session.execute(statement):
        values = {"name": cocktail_name, "version": treatment.version_number, "number": treatment.session_number}
        if treatment.sessions_planned:
            what = gettext(
                "Treatment session %(number)s of %(planned)s: %(name)s, version %(version)s",
                planned=treatment.sessions_planned,
                **values,
            )
        else:
            what = gettext("Treatment session %(number)s: %(name)s, version %(version)s", **values)
        if treatment.amends_id:
            what = gettext("%(what)s (amends session %(amended)s)", what=what, amended=treatment.amends_id)
        events.append(
            TimelineEvent(
                at=treatment.performed_at,
                kind="session",
                summary=what,
                url_endpoint="treatments.session_detail",
                url_values={"session_id": treatment.id},
                by=treatment.recorded_by_label,
            )
        )
    return events
