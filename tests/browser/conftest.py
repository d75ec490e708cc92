"""Browser tests: Debian's Chromium, driven by pytest-playwright, against a live server in a thread."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from catalog.demo import create_demo
from catalog.extensions import db
from tests.conftest import make_test_app, migrate_and_seed

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these flags Chromium keeps dialling out, and this machine's network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def add_vial_and_paraben_patient(clinic) -> None:
    """A multi-dose vial preserved with a paraben, and a patient allergic to parabens (names of the tests' own)."""
    from catalog.allergens import service as allergens_service
    from catalog.core.actors import Actor
    from catalog.ingredients import service as ingredients_service
    from catalog.ingredients.schemas import IngredientCreateSchema
    from catalog.patients import allergies
    from catalog.patients import service as patients_service
    from catalog.patients.schemas import AllergyCreateSchema, PatientCreateSchema
    from catalog.products import service as products_service
    from catalog.products.schemas import ProductCreateSchema
    from tests.factories import ingredient_entry

    allergens_service.upsert_allergens(
        db.session,
        entries=[
            {
                "code": "b-parabens",
                "name": "Browser parabens",
                "description": "",
                "parent": None,
                "members_cross_react": "established",
                "cross_reactivity_source": "cosing",
            },
            {"code": "b-methylparaben", "name": "Browser methylparaben", "description": "", "parent": "b-parabens"},
        ],
        whole_list=False,
    )
    for slug, name, allergens in (
        ("b-anaesthetic", "Browser anaesthetic base", []),
        ("b-methylparaben", "Browser methylparaben E218", ["b-methylparaben"]),
    ):
        entry = ingredient_entry(slug=slug, name=name, allergens=allergens)
        ingredients_service.upsert_ingredients(db.session, entries=[IngredientCreateSchema().load(entry)])
    vial = {
        "slug": "b-vial",
        "name": "Browsercaine 1% multiple-dose vial",
        "form": "multi-dose-vial",
        "label": "cosing",
        "label_supports": "composition",
        "components": [
            {"ingredient": "b-anaesthetic", "role": "active", "strength": 10, "unit": "mg/mL"},
            {"ingredient": "b-methylparaben", "role": "excipient", "strength": 1, "unit": "mg/mL"},
        ],
    }
    products_service.upsert_products(db.session, entries=[ProductCreateSchema().load(vial)])
    actor = Actor.operator(clinic.id)
    patient = patients_service.create_patient(
        db.session, actor=actor, **PatientCreateSchema().load({"reference": "DEMO-PARA", "display_name": "Pat Paraben"})
    )
    allergy = {"allergen": "b-parabens", "criticality": "high", "verification_status": "confirmed"}
    allergies.record_allergy(db.session, actor=actor, patient_id=patient.id, data=AllergyCreateSchema().load(allergy))


def add_session_patient_and_lots(clinic) -> None:
    """A patient with no known allergies, a two-component cocktail, and a lot in stock for each component."""
    from datetime import date

    from catalog.clinics import service as clinics_service
    from catalog.cocktails import service as cocktails_service
    from catalog.cocktails.schemas import CocktailCreateSchema
    from catalog.core.actors import Actor
    from catalog.patients import service as patients_service
    from catalog.patients.schemas import PatientCreateSchema
    from catalog.treatments import service as treatments_service
    from catalog.treatments.schemas import LotCreateSchema

    actor = Actor.for_practitioner(clinics_service.list_practitioners(db.session, clinic_id=clinic.id)[0])
    patient = patients_service.create_patient(
        db.session, actor=actor, **PatientCreateSchema().load({"reference": "DEMO-SES", "display_name": "Sam Session"})
    )
    patients_service.update_patient(
        db.session, actor=actor, patient_id=patient.id, changes={"allergy_status": "no-known-allergies"}
    )
    cocktail = {
        "name": "Browser radiance",
        "technique": "point-injection",
        "protocol": {"sessions": 3, "weeks_between_sessions": 2},
        "components": [
            {"product": "xylocaine-1-multi-dose", "volume_ml": 1},
            {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 2},
        ],
    }
    cocktails_service.create_cocktail(db.session, actor=actor, data=CocktailCreateSchema().load(cocktail))
    later = date(date.today().year + 2, 1, 31).isoformat()
    for lot in (
        {"product": "xylocaine-1-multi-dose", "number": "BR-XL-1", "expires_on": later},
        {"ingredient": "ascorbic-acid", "number": "BR-VC-2", "expires_on": later},
    ):
        treatments_service.create_lot(db.session, actor=actor, data=LotCreateSchema().load(lot))


def add_a_patient_record_for_every_page(clinic) -> None:
    """Lee Layout: a revised allergy, a cocktail of two versions checked for them, and a session from that check."""
    from datetime import UTC, date, datetime

    from catalog.checks import service as checks_service
    from catalog.clinics import service as clinics_service
    from catalog.cocktails import service as cocktails_service
    from catalog.cocktails import versions
    from catalog.cocktails.schemas import CocktailCreateSchema, VersionCreateSchema
    from catalog.core.actors import Actor
    from catalog.patients import allergies
    from catalog.patients import service as patients_service
    from catalog.patients.schemas import AllergyCreateSchema, AllergyUpdateSchema, PatientCreateSchema
    from catalog.treatments import service as treatments_service
    from catalog.treatments.schemas import LotCreateSchema, SessionCreateSchema

    practitioner = clinics_service.list_practitioners(db.session, clinic_id=clinic.id)[0]
    actor = Actor.for_practitioner(practitioner)
    patient = patients_service.create_patient(
        db.session, actor=actor, **PatientCreateSchema().load({"reference": "DEMO-LAY", "display_name": "Lee Layout"})
    )
    allergy = allergies.record_allergy(
        db.session, actor=actor, patient_id=patient.id, data=AllergyCreateSchema().load({"allergen": "soy"})
    )
    allergies.update_allergy(
        db.session,
        actor=actor,
        patient_id=patient.id,
        allergy_id=allergy.id,
        data=AllergyUpdateSchema().load({"criticality": "low", "reaction": {"manifestation": "Hives"}}),
    )
    vial = {"product": "xylocaine-1-multi-dose", "volume_ml": 1}
    vitamin = {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 2}
    cocktail = cocktails_service.create_cocktail(
        db.session,
        actor=actor,
        data=CocktailCreateSchema().load(
            {
                "name": "Layout lift",
                "technique": "point-injection",
                "protocol": {"sessions": 3, "weeks_between_sessions": 2},
                "components": [vial, vitamin],
            }
        ),
    )
    second = VersionCreateSchema().load({"components": [vial, {**vitamin, "volume_ml": 3}], "change_note": "More C"})
    versions.save_version(db.session, actor=actor, cocktail_id=cocktail.id, based_on=1, data=second)
    check = checks_service.check_version(db.session, actor=actor, patient_id=patient.id, cocktail_id=cocktail.id)
    later = date(date.today().year + 2, 1, 31).isoformat()
    lots = [
        treatments_service.create_lot(
            db.session, actor=actor, data=LotCreateSchema().load({**item, "expires_on": later})
        )
        for item in (
            {"product": "xylocaine-1-multi-dose", "number": "LY-XL-1"},
            {"ingredient": "ascorbic-acid", "number": "LY-VC-1"},
        )
    ]
    now = datetime.now(UTC)
    session = {
        "patient": patient.id,
        "cocktail": cocktail.id,
        "version": 2,
        "check": check.id,
        "performed_at": now.isoformat(),
        "areas": [{"area": "cheeks", "volume_ml": 2}],
        "lots": [{"position": 0, "lot": lots[0].id}, {"position": 1, "lot": lots[1].id}],
        "prepared_by": practitioner.id,
        "administered_by": practitioner.id,
        "consent": {"at": now.isoformat(), "information": "Benefits, risks and aftercare explained."},
    }
    treatments_service.record_session(
        db.session, actor=actor, data=SessionCreateSchema().load(session), time_zone="UTC"
    )


@pytest.fixture(scope="session")
def live_server(fresh_database_url):
    """The app on its own seeded database with the demo clinic, served on a free local port."""
    app = make_test_app(fresh_database_url())
    migrate_and_seed(app)
    with app.app_context():
        clinic, _ = create_demo()
        add_vial_and_paraben_patient(clinic)
        add_session_patient_and_lots(clinic)
        add_a_patient_record_for_every_page(clinic)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
