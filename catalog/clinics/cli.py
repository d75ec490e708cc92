"""Operators' commands: `flask clinic create`, `flask user create|password`, `flask token create|revoke`.

Scripts read the last line of `clinic create` (the slug) and `token create` (the token): keep it so.
"""

from functools import wraps

import click
from flask import Flask
from flask.cli import AppGroup

from catalog.clinics import credentials, service
from catalog.core.actors import Actor, Role, TokenScope
from catalog.core.errors import DomainError
from catalog.extensions import db

clinic_cli = AppGroup("clinic", help="Manage clinics.")
user_cli = AppGroup("user", help="Manage practitioner accounts.")
token_cli = AppGroup("token", help="Manage a clinic's API tokens.")


def _refusals_fail(command):
    """A command the service refuses writes nothing and exits with click's error, saying why."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            details = "; ".join(f"{field}: {' '.join(reasons)}" for field, reasons in (error.errors or {}).items())
            raise click.ClickException(f"{error.message} {details}".strip()) from error

    return wrapper


@clinic_cli.command("create")
@click.argument("name")
@_refusals_fail
def create_clinic(name: str) -> None:
    """Create a clinic; prints its slug on the last line."""
    clinic = service.create_clinic(db.session, name=name)
    db.session.commit()
    click.echo(f"Created clinic {clinic.name!r}.")
    click.echo(clinic.slug)


@user_cli.command("create")
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's slug.")
@click.option("--email", required=True)
@click.option("--name", help="Full name (defaults to the part of the email before @).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--curator", is_flag=True, help="Allow editing the shared catalogue.")
@click.password_option(help="Asked for when not given.")
@_refusals_fail
def create_user(clinic_slug: str, email: str, name: str | None, role: str, curator: bool, password: str) -> None:
    """Create a practitioner account in a clinic."""
    clinic = service.get_clinic(db.session, slug=clinic_slug)
    practitioner = service.create_practitioner(
        db.session,
        clinic_id=clinic.id,
        email=email,
        name=name or email.split("@")[0],
        role=role,
        password=password,
        is_curator=curator,
        actor=Actor.operator(clinic.id),
    )
    db.session.commit()
    click.echo(f"Created {practitioner.role.value} {practitioner.email} in {clinic.slug}.")


@user_cli.command("password")
@click.option("--email", required=True)
@click.password_option(help="Asked for when not given.")
@_refusals_fail
def set_password(email: str, password: str) -> None:
    """Set a practitioner's password (forgotten, or locked out); their other sessions end."""
    practitioner = credentials.reset_password(db.session, email=email, new=password)
    db.session.commit()
    click.echo(f"New password set for {practitioner.email}.")


@token_cli.command("create")
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's slug.")
@click.option("--name", required=True, help="What the token is for, unique among the clinic's live tokens.")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), required=True)
@click.option("--curator", is_flag=True, help="Also allow editing the shared catalogue.")
@click.option("--audit", is_flag=True, help="Also allow reading the clinic's audit trail.")
@_refusals_fail
def create_token(clinic_slug: str, name: str, scope: str, curator: bool, audit: bool) -> None:
    """Create an API token; prints it alone on the last line (it is shown only once)."""
    clinic = service.get_clinic(db.session, slug=clinic_slug)
    new = service.create_token(
        db.session,
        clinic_id=clinic.id,
        name=name,
        scope=scope,
        is_curator=curator,
        can_read_audit=audit,
        actor=Actor.operator(clinic.id),
    )
    db.session.commit()
    click.echo(f"Created {scope} token {name!r} for {clinic.slug}. Store it now: it will not be shown again.")
    click.echo(new.secret)


@token_cli.command("revoke")
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's slug.")
@click.option("--name", required=True, help="The live token's name.")
@_refusals_fail
def revoke_token(clinic_slug: str, name: str) -> None:
    """Revoke a token: it stops working at once."""
    clinic = service.get_clinic(db.session, slug=clinic_slug)
    service.revoke_token(db.session, clinic_id=clinic.id, name=name, actor=Actor.operator(clinic.id))
    db.session.commit()
    click.echo(f"Revoked token {name!r} of {clinic.slug}.")


def init_app(app: Flask) -> None:
    for group in (clinic_cli, user_cli, token_cli):
        app.cli.add_command(group)
