"""Demo clinic, people and patients for trying the service locally (`flask demo`); never in production."""

import click
from flask import Flask, current_app
from sqlalchemy import select

from catalog.clinics import passwords
from catalog.clinics import service as clinics_service
from catalog.clinics.models import Clinic
from catalog.cocktails import service as cocktails_service
from catalog.cocktails.schemas import CocktailCreateSchema
from catalog.core.actors import Actor
from catalog.extensions import db
from catalog.patients import allergies as patients_allergies
from catalog.patients import service as patients_service
from catalog.patients.schemas import AllergyCreateSchema, PatientCreateSchema

DEMO_CLINIC = "Demo Clinic"
# Development only: the command refuses to run in production, and no other account may use it.
DEMO_PASSWORD = passwords.DEMO_PASSWORD
DEMO_PEOPLE = [
    ("practitioner@demo.mesocat.test", "Dr Demo Practitioner", "practitioner"),
    ("admin@demo.mesocat.test", "Demo Admin", "admin"),
]
# Made-up patients covering each allergy status and the conditions the checks care about.
DEMO_PATIENTS = [
    {
        "patient": {"reference": "DEMO-001", "display_name": "Alex Amide", "birth_year": 1985},
        "allergies": [
            {
                "allergen": "amide-local-anaesthetics",
                "criticality": "high",
                "verification_status": "confirmed",
                "reaction": {"manifestation": "Facial swelling after a dental anaesthetic", "severity": "severe"},
            }
        ],
    },
    {
        "patient": {
            "reference": "DEMO-002",
            "display_name": "Bea Soy",
            "birth_year": 1992,
            "conditions": ["pregnancy"],
        },
        "allergies": [
            {"allergen": "soy", "criticality": "low", "verification_status": "unconfirmed"},
            {
                "allergen_text": "Nickel earrings",
                "type": "allergy",
                "criticality": "low",
                "verification_status": "confirmed",
            },
        ],
    },
    {
        "patient": {
            "reference": "DEMO-003",
            "display_name": "Chris Clear",
            "birth_year": 1978,
            "conditions": ["anticoagulant-therapy"],
        },
        "no_known_allergies": True,
    },
    {"patient": {"reference": "DEMO-004", "display_name": "Dana Unknown", "birth_year": 2000}},
]


DEMO_COCKTAIL = {
    "name": "Demo scar booster",
    "description": "An example composition to try the composer and the check with; not a recommendation.",
    "technique": "point-injection",
    "indication": "Atrophic acne scars",
    "protocol": {"sessions": 4, "weeks_between_sessions": 2},
    "components": [
        {"ingredient": "sodium-hyaluronate-fermentation", "concentration": 1, "unit": "%", "volume_ml": 2},
        {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 1},
        {"ingredient": "lidocaine-hydrochloride", "concentration": 0.3, "unit": "%"},
    ],
}


def create_demo() -> tuple[Clinic, bool]:
    """The demo clinic, created with its people and patients unless it exists already."""
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC))
    if clinic is not None:
        return clinic, False
    clinic = clinics_service.create_clinic(db.session, name=DEMO_CLINIC)
    operator = Actor.operator(clinic.id)
    people = [
        clinics_service.create_practitioner(
            db.session,
            clinic_id=clinic.id,
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            actor=operator,
            demo=True,
        )
        for email, name, role in DEMO_PEOPLE
    ]
    actor = Actor.for_practitioner(people[0])
    for entry in DEMO_PATIENTS:
        patient = patients_service.create_patient(
            db.session, actor=actor, **PatientCreateSchema().load(entry["patient"])
        )
        for allergy in entry.get("allergies", []):
            data = AllergyCreateSchema().load(allergy)
            patients_allergies.record_allergy(db.session, actor=actor, patient_id=patient.id, data=data)
        if entry.get("no_known_allergies"):
            patients_service.update_patient(
                db.session, actor=actor, patient_id=patient.id, changes={"allergy_status": "no-known-allergies"}
            )
    cocktails_service.create_cocktail(db.session, actor=actor, data=CocktailCreateSchema().load(DEMO_COCKTAIL))
    return clinic, True


@click.command("demo")
def demo_command() -> None:
    """Create a demo clinic with practitioners and patients (development only)."""
    if current_app.config["MESOCAT_ENV"] == "production":
        raise click.ClickException("The demo data is for development only: production has no default credentials.")
    clinic, created = create_demo()
    db.session.commit()
    click.echo(
        ("Created" if created else "Found")
        + f" the demo clinic {clinic.slug!r}. Sign in at http://127.0.0.1:8000/sign-in with"
        + ("" if created else " (unless the passwords were changed since)")
        + ":"
    )
    for email, _name, role in DEMO_PEOPLE:
        click.echo(f"  {role:<13} {email}  password: {DEMO_PASSWORD}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
