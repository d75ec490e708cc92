"""The CDS Hooks service: a draft order of a cocktail (or of catalogue ingredients) checked against the
patient's AllergyIntolerance resources the EHR sends, answered as cards; feedback kept as overrides are.

What the EHR does not send cannot be checked, and the cards say so: conditions (pregnancy,
anticoagulants…) and weight are not read from the EHR, and allergies it did not send are unknown.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import service as audit
from catalog.checks import facts as check_facts
from catalog.checks import service as checks_service
from catalog.cocktails import service as cocktails_service
from catalog.cocktails.compositions import composition_of
from catalog.core.actors import Actor, actor_columns
from catalog.core.db import utcnow
from catalog.core.errors import Invalid, NotFound
from catalog.interop import codes
from catalog.interop.fhir import importing
from catalog.interop.fhir.service import parse_medication_id
from catalog.interop.models import CdsCard, CdsFeedback, CdsInvocation
from catalog.safety import CheckResult, PatientProfile
from catalog.vocabularies.models import Source

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
}

SERVICES = {
    "mesocat-order-select": {
        "hook": "order-select",
        "title": "Mesocat cocktail allergy check (on selection)",
        "description": "Checks a selected mesotherapy cocktail or its ingredients against the patient's allergies: "
        "cross-reactions, excipients, concentrations and doses.",
        "prefetch": PREFETCH,
    },
    "mesocat-order-sign": {
        "hook": "order-sign",
        "title": "Mesocat cocktail allergy check (before signing)",
        "description": "Checks every draft mesotherapy order against the patient's allergies before it is signed.",
        "prefetch": PREFETCH,
    },
}

# Offered on every warning and critical card; feedback's overrideReason must be one of them.
OVERRIDE_REASONS = [
    {
        "code": "benefit-outweighs-risk",
        "system": codes.MESOCAT_OVERRIDE_REASON,
        "display": "Benefit outweighs the risk",
    },
    {"code": "tolerated-before", "system": codes.MESOCAT_OVERRIDE_REASON, "display": "Patient tolerated it before"},
    {"code": "record-incorrect", "system": codes.MESOCAT_OVERRIDE_REASON, "display": "The allergy record is incorrect"},
    {"code": "will-monitor", "system": codes.MESOCAT_OVERRIDE_REASON, "display": "Will monitor the patient"},
]
SOURCE_LABEL = "Mesocat (reference information; the practitioner decides)"
FETCH_TIMEOUT_SECONDS = 5


def discovery() -> dict:
    return {"services": [{"id": service_id, **service} for service_id, service in SERVICES.items()]}


def service_definition(service_id: str) -> dict:
    if service_id not in SERVICES:
        raise NotFound(f"No CDS service {service_id!r}: GET /cds-services lists them.")
    return SERVICES[service_id]


# --- Reading the request ----------------------------------------------------------


@dataclass
class Order:
    """One draft order as the check reads it: what it names, and its components."""

    reference: str  # MedicationRequest/<id>
    label: str
    medication: dict
    components: list[dict]


@dataclass
class PatientData:
    profile: PatientProfile
    # The check's allergy numbers -> the EHR's AllergyIntolerance ids, to name them on cards.
    records: dict[int, str] = field(default_factory=dict)
    # What is not read from the EHR at all, in sentences (an info card).
    missing: list[str] = field(default_factory=list)
    # Allergy data that was sent or asked for but could not be used: a warning, never taken as clear.
    unread: list[str] = field(default_factory=list)


def _require(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise Invalid("The CDS Hooks request is not valid.", errors={"json": {field_name: [message]}})


def read_request(body, service_id: str) -> dict:
    service = service_definition(service_id)
    _require(isinstance(body, dict), "body", "Send the CDS Hooks request as a JSON object.")
    _require(body.get("hook") == service["hook"], "hook", f"This service answers the {service['hook']} hook.")
    _require(isinstance(body.get("hookInstance"), str) and body["hookInstance"], "hookInstance", "Required.")
    context = body.get("context")
    _require(isinstance(context, dict), "context", "Required.")
    _require(isinstance(context.get("patientId"), str) and context["patientId"], "context.patientId", "Required.")
    orders = context.get("draftOrders")
    _require(isinstance(orders, dict) and orders.get("resourceType") == "Bundle", "context.draftOrders", "A Bundle.")
    if service["hook"] == "order-select":
        selections = context.get("selections")
        _require(
            isinstance(selections, list) and selections and all(isinstance(s, str) for s in selections),
            "context.selections",
            "The selected orders, e.g. ['MedicationRequest/123'].",
        )
    prefetch = body.get("prefetch")
    _require(prefetch is None or isinstance(prefetch, dict), "prefetch", "An object.")
    return body


# UCUM ratio (numerator unit, per mL) -> (catalogue unit, factor on the per-mL value).
FROM_UCUM = {"mg": ("mg/mL", 1), "ug": ("µg/mL", 1), "g": ("%", 100), "[iU]": ("IU/mL", 1), "[USP'U]": ("U/mL", 1)}


def _strength(ingredient: dict, where: str) -> tuple[float, str]:
    ratio = ingredient.get("strength") or {}
    numerator, denominator = ratio.get("numerator") or {}, ratio.get("denominator") or {}
    unit = numerator.get("code") or numerator.get("unit")
    per = denominator.get("value")
    _require(
        unit in FROM_UCUM and (denominator.get("code") or denominator.get("unit")) == "mL" and per,
        f"{where}.strength",
        "A Ratio in UCUM: mg, ug, g, [iU] or [USP'U] per mL.",
    )
    _require(isinstance(numerator.get("value"), int | float), f"{where}.strength.numerator.value", "A number.")
    catalogue_unit, factor = FROM_UCUM[unit]
    return numerator["value"] / per * factor, catalogue_unit


def _volume(ingredient: dict) -> float | None:
    for extension in ingredient.get("extension") or []:
        if extension.get("url") == "urn:mesocat:fhir:volume-drawn":
            return (extension.get("valueQuantity") or {}).get("value")
    return None


def _contained_components(medication: dict, where: str) -> list[dict]:
    components = []
    for index, ingredient in enumerate(medication.get("ingredient") or []):
        here = f"{where}.ingredient[{index}]"
        codings = (ingredient.get("itemCodeableConcept") or {}).get("coding") or []
        slug = next((c.get("code") for c in codings if c.get("system") == codes.MESOCAT_INGREDIENT), None)
        product = next((c.get("code") for c in codings if c.get("system") == codes.MESOCAT_PRODUCT), None)
        if product:
            components.append({"product": product, "volume_ml": _volume(ingredient)})
            continue
        _require(
            bool(slug), f"{here}.itemCodeableConcept", f"Name a catalogue ingredient ({codes.MESOCAT_INGREDIENT})."
        )
        concentration, unit = _strength(ingredient, here)
        components.append(
            {"ingredient": slug, "concentration": concentration, "unit": unit, "volume_ml": _volume(ingredient)}
        )
    _require(bool(components), f"{where}.ingredient", "No ingredient to check.")
    return components


def read_orders(session: Session, *, clinic_id: int, body: dict) -> list[Order]:
    """The draft MedicationRequests to check: the selected ones (order-select) or all (order-sign)."""
    context = body["context"]
    selected = set(context.get("selections") or [])
    orders = []
    for index, entry in enumerate(context["draftOrders"].get("entry") or []):
        request = (entry or {}).get("resource") or {}
        if request.get("resourceType") != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{request.get('id')}"
        if body["hook"] == "order-select" and reference not in selected:
            continue
        where = f"context.draftOrders.entry[{index}].resource"
        medication_ref = (request.get("medicationReference") or {}).get("reference") or ""
        if medication_ref.startswith("Medication/"):
            try:
                cocktail_id, number = parse_medication_id(medication_ref.removeprefix("Medication/"))
                cocktail = cocktails_service.get_cocktail(session, clinic_id=clinic_id, cocktail_id=cocktail_id)
                version = cocktails_service.get_version(session, cocktail=cocktail, number=number)
            except NotFound as error:
                raise Invalid(
                    error.message, errors={"json": {f"{where}.medicationReference": [error.message]}}
                ) from None
            orders.append(
                Order(
                    reference,
                    f"{cocktail.name}, version {number}",
                    {"type": "cocktail", "cocktail": cocktail.id, "version": number},
                    composition_of(version)["components"],
                )
            )
        elif medication_ref.startswith("#"):
            contained = next((r for r in request.get("contained") or [] if r.get("id") == medication_ref[1:]), None)
            _require(contained is not None, f"{where}.medicationReference", "No contained Medication has this id.")
            label = (contained.get("code") or {}).get("text") or "Ingredients ordered"
            components = _contained_components(contained, f"{where}.contained")
            orders.append(Order(reference, label, {"type": "ingredients", "components": components}, components))
        else:
            _require(
                False,
                f"{where}.medicationReference",
                "Name a cocktail version (Medication/cocktail-<id>-v<n>) "
                "or a contained Medication of catalogue ingredients.",
            )
    _require(bool(orders), "context.draftOrders", "No MedicationRequest to check (among the selections).")
    return orders


def _fetch_allergies(body: dict, allowed_servers: frozenset[str]) -> list[dict] | None:
    """The patient's AllergyIntolerance resources from the request's FHIR server, or None if it cannot be reached.

    Only servers the deployment lists (MESOCAT_CDS_FHIR_SERVERS) are called: any other address a
    caller sends could point this server at the clinic's own network.
    """
    server = body.get("fhirServer")
    if not isinstance(server, str) or server.rstrip("/") not in allowed_servers:
        return None
    if not server.startswith(("https://", "http://")):
        return None
    query = urllib.parse.urlencode({"patient": body["context"]["patientId"]})
    request = urllib.request.Request(f"{server.rstrip('/')}/AllergyIntolerance?{query}")  # noqa: S310
    request.add_header("Accept", "application/fhir+json")
    token = (body.get("fhirAuthorization") or {}).get("access_token")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        # Only http(s) addresses reach here (checked above), never file: or others.
        # No redirect is followed: it could lead past the list of servers, carrying the EHR's token.
        with _NO_REDIRECTS.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            bundle = json.loads(response.read(5_000_000))
    except (urllib.error.URLError, TimeoutError, ValueError, OSError, RecursionError):
        return None
    return _bundle_resources(bundle)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError for the 30x: the fetch fails, and the card says so


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


def _is_partial(bundle) -> bool:
    """Whether a searchset says more results are left on further pages."""
    links = bundle.get("link") if isinstance(bundle, dict) else None
    return any(isinstance(link, dict) and link.get("relation") == "next" for link in links or [])


def _bundle_resources(bundle) -> list[dict] | None:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return None
    return [
        entry["resource"]
        for entry in bundle.get("entry") or []
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "AllergyIntolerance"
    ]


def read_patient(
    session: Session, body: dict, *, today: date, allowed_servers: frozenset[str] = frozenset()
) -> PatientData:
    """The check's patient from the prefetched (or fetched) resources; what is missing is said, never assumed."""
    prefetch = body.get("prefetch") or {}
    missing = [
        "Conditions (pregnancy, breastfeeding, anticoagulants, bleeding disorders…) are not read from the EHR: "
        "check them before treating.",
    ]
    sent = prefetch.get("allergies")
    allergies = _bundle_resources(sent) if sent is not None else None
    unread: list[str] = []
    if sent is not None and _is_partial(sent):
        unread.append("The EHR sent only the first page of the patient's allergies: the rest were not checked.")
    if allergies is None:
        allergies = _fetch_allergies(body, allowed_servers)
    entries: list[tuple[int, dict]] = []
    records: dict[int, str] = {}
    no_known = False
    if allergies is None:
        unread.append("The patient's allergies were not sent and could not be fetched: they are unknown here.")
    patient_id = body["context"]["patientId"]
    for number, resource in enumerate(allergies or [], start=1):
        name = f"AllergyIntolerance/{resource.get('id')}"
        reference = str((resource.get("patient") or {}).get("reference") or "")
        if reference.rpartition("/")[2] != patient_id:
            unread.append(f"{name} is not this patient's ({reference or 'no patient'}): it was left out.")
            continue
        try:
            importing.validate_resource(resource, name)
            parsed = importing.parse_allergy(session, resource, name)
        except importing.EntryRefused as refusal:
            unread.append(f"{name} could not be read ({refusal}): check it by hand.")
            continue
        if parsed.kind == "no-known-allergies":
            # Only an assertion that stands says 'no known allergies'; a withdrawn one says nothing.
            no_known = no_known or parsed.standing
        elif parsed.kind == "record":
            entries.append((number, parsed.data))
            records[number] = f"AllergyIntolerance/{resource.get('id')}"
    allergy_facts = check_facts.allergy_facts_from_values(session, entries)
    if any(f.standing for f in allergy_facts):
        status = "allergies-recorded"
    elif no_known:
        status = "no-known-allergies"
    else:
        status = "unknown"
    patient = prefetch.get("patient") if isinstance(prefetch.get("patient"), dict) else {}
    birth = patient.get("birthDate")
    birth_year = int(birth[:4]) if isinstance(birth, str) and birth[:4].isdigit() else None
    age = check_facts.youngest_age(birth_year, today)
    if age is None:
        missing.append("The patient's age is unknown (no birth date sent).")
    missing.append("The patient's weight is not read from the EHR: doses per kg cannot be checked.")
    profile = PatientProfile(allergy_status=status, allergies=allergy_facts, age_years=age)
    return PatientData(profile, records, missing, unread)


# --- Answering ---------------------------------------------------------------------


def _card(finding: dict, order: Order, records: dict[int, str], sources: dict) -> dict:
    lines = [finding["detail"]]
    path = [step["name"] for step in finding.get("path") or []]
    if path:
        lines.append("Path: " + " → ".join(path) + ".")
    named = [records[n] for n in finding.get("allergy_records") or [] if n in records]
    if named:
        lines.append("Allergy record: " + ", ".join(named) + ".")
    lines.append(f"Order: {order.label} ({order.reference}).")
    source = {"label": SOURCE_LABEL}
    cited = (finding.get("source") or {}).get("code")
    if cited and cited in sources:
        title, url = sources[cited]
        source = {"label": title[:200], **({"url": url} if url else {})}
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": finding["summary"][:139],
        "detail": "\n\n".join(lines),
        "indicator": finding["severity"],
        "source": source,
    }
    if finding["severity"] in ("warning", "critical"):
        card["overrideReasons"] = OVERRIDE_REASONS
    return card


def _unread_card(unread: list[str]) -> dict:
    """Allergy data that was sent but could not be used: a warning, so that the answer never reads as clear."""
    return {
        "uuid": str(uuid.uuid4()),
        "summary": "Some of the patient's allergy data could not be checked: review it before treating.",
        "detail": "\n".join(f"- {line}" for line in unread),
        "indicator": "warning",
        "source": {"label": SOURCE_LABEL},
        "overrideReasons": OVERRIDE_REASONS,
    }


def _gaps_card(result_gaps: list[dict], missing: list[str]) -> dict:
    lines = [*missing, *(gap["detail"] for gap in result_gaps)]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": "Not everything could be checked: see what is missing before treating.",
        "detail": "\n".join(f"- {line}" for line in dict.fromkeys(lines)),
        "indicator": "info",
        "source": {"label": SOURCE_LABEL},
    }


def _sources(session: Session, findings: list[dict]) -> dict:
    wanted = {(f.get("source") or {}).get("code") for f in findings} - {None}
    if not wanted:
        return {}
    return {
        code: (title, url)
        for code, title, url in session.execute(
            select(Source.code, Source.title, Source.url).where(Source.code.in_(wanted))
        )
    }


def answer(
    session: Session,
    *,
    actor: Actor,
    service_id: str,
    body: dict,
    today: date | None = None,
    allowed_servers: frozenset[str] = frozenset(),
) -> dict:
    """Check each draft order, record the call and its cards, and answer the cards."""
    read_request(body, service_id)
    orders = read_orders(session, clinic_id=actor.clinic_id, body=body)
    patient = read_patient(session, body, today=today or date.today(), allowed_servers=allowed_servers)
    cards: list[dict] = []
    invocations = []
    for order in orders:
        result: CheckResult = checks_service.check_against_profile(
            session, components=order.components, profile=patient.profile
        )
        findings = [finding.to_dict() for finding in result.findings]
        unchecked = [gap.to_dict() for gap in result.unchecked]
        sources = _sources(session, findings)
        invocation = CdsInvocation(
            clinic_id=actor.clinic_id,
            service_id=service_id,
            hook=body["hook"],
            hook_instance=body["hookInstance"][:200],
            fhir_patient=body["context"]["patientId"][:200],
            fhir_user=str(body["context"].get("userId") or "")[:200],
            medication={"order": order.reference, **order.medication},
            # Unread allergy data is at least a caution, whatever the check found in the rest.
            outcome="caution" if patient.unread and result.outcome.value == "clear" else result.outcome.value,
            findings=findings,
            unchecked=unchecked,
            invoked_at=utcnow(),
            **actor_columns("invoked_by", actor),
        )
        session.add(invocation)
        session.flush()
        order_cards = [(index, _card(f, order, patient.records, sources)) for index, f in enumerate(findings)]
        if patient.unread:
            order_cards.append((None, _unread_card(patient.unread)))
        order_cards.append((None, _gaps_card(unchecked, patient.missing)))
        for index, card in order_cards:
            session.add(
                CdsCard(
                    uuid=card["uuid"],
                    invocation_id=invocation.id,
                    indicator=card["indicator"],
                    summary=card["summary"],
                    finding_index=index,
                )
            )
            cards.append(card)
        invocations.append(invocation)
    session.flush()
    for invocation in invocations:
        audit.record(
            session,
            actor=actor,
            action="cds.checked",
            object_type="cds_invocation",
            object_id=invocation.id,
            changes=[{"field": "outcome", "from": None, "to": invocation.outcome}],
        )
    # The gravest first, as the check orders its findings; the "not checked" card of each order last.
    rank = {"critical": 0, "warning": 1, "info": 2}
    cards.sort(key=lambda card: (rank[card["indicator"]], card["summary"].startswith("Not everything")))
    return {"cards": cards}


# --- Feedback ---------------------------------------------------------------------


def record_feedback(session: Session, *, actor: Actor, service_id: str, body) -> int:
    """Record each card's outcome: accepted, or overridden with one of the reasons the card offered."""
    service_definition(service_id)
    _require(isinstance(body, dict) and isinstance(body.get("feedback"), list), "feedback", "A list of feedback.")
    _require(0 < len(body["feedback"]) <= 100, "feedback", "From 1 to 100 items.")
    recorded = 0
    for index, item in enumerate(body["feedback"]):
        where = f"feedback[{index}]"
        _require(isinstance(item, dict), where, "An object.")
        card = session.scalar(select(CdsCard).where(CdsCard.uuid == str(item.get("card"))[:36]))
        if card is None or card.invocation.clinic_id != actor.clinic_id or card.invocation.service_id != service_id:
            raise Invalid(
                "Unknown card.", errors={"json": {f"{where}.card": ["No card of this service has this uuid."]}}
            )
        outcome = item.get("outcome")
        _require(outcome in ("accepted", "overridden"), f"{where}.outcome", "accepted or overridden.")
        try:
            at = datetime.fromisoformat(str(item.get("outcomeTimestamp")).replace("Z", "+00:00"))
        except ValueError:
            at = None
        _require(at is not None and at.tzinfo is not None, f"{where}.outcomeTimestamp", "An instant with its zone.")
        override = item.get("overrideReason") or {}
        _require(isinstance(override, dict), f"{where}.overrideReason", "An object: {reason, userComment}.")
        reason = override.get("reason") or {}
        _require(isinstance(reason, dict), f"{where}.overrideReason.reason", "A Coding: {system, code}.")
        comment = str(override.get("userComment") or "")
        _require(len(comment) <= 2000, f"{where}.overrideReason.userComment", "Up to 2,000 characters.")
        if outcome == "overridden":
            offered = {(r["system"], r["code"]) for r in OVERRIDE_REASONS}
            given = (reason.get("system"), reason.get("code"))
            if card.indicator == "critical":
                _require(
                    bool(reason) or bool(comment),
                    f"{where}.overrideReason",
                    "A critical card is overridden with a reason.",
                )
            _require(
                not reason or given in offered, f"{where}.overrideReason.reason", "One of the card's overrideReasons."
            )
        if any(f.outcome_at == at for f in card.feedback):
            continue  # the same feedback sent again changes nothing
        session.add(
            CdsFeedback(
                card_id=card.id,
                outcome=outcome,
                reason_code=reason.get("code"),
                reason_system=reason.get("system"),
                reason_display=reason.get("display"),
                user_comment=comment,
                accepted_suggestions=[
                    s.get("id") for s in item.get("acceptedSuggestions") or [] if isinstance(s, dict)
                ],
                outcome_at=at,
                recorded_at=utcnow(),
                **actor_columns("recorded_by", actor),
            )
        )
        session.flush()
        session.expire(card, ["feedback"])  # the same feedback twice in one request is kept once
        audit.record(
            session,
            actor=actor,
            action=f"cds.card_{outcome}",
            object_type="cds_invocation",
            object_id=card.invocation_id,
            changes=[
                {"field": "card", "from": None, "to": card.uuid},
                *([{"field": "reason", "from": None, "to": reason.get("code")}] if reason else []),
            ],
        )
        recorded += 1
    return recorded
