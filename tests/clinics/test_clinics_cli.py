"""The operators' commands, exactly as scripts call them."""

import pytest

from tests.factories import ApiClient


@pytest.fixture
def cli(app, db_session):
    """Run `flask …` inside the test's transaction."""
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input, catch_exceptions=False)

    return invoke


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def test_clinic_create_prints_the_slug_last(cli):
    result = cli("clinic", "create", "Clínica Sol & Mar")
    assert result.exit_code == 0
    assert last_line(result) == "clinica-sol-mar"
    assert last_line(cli("clinic", "create", "Clínica Sol & Mar")) == "clinica-sol-mar-2"


def test_user_create_takes_the_password_from_the_prompt(cli, pages):
    slug = last_line(cli("clinic", "create", "Prompt Clinic"))
    result = cli(
        "user",
        "create",
        "--clinic",
        slug,
        "--email",
        "Nurse@Example.test",
        "--role",
        "practitioner",
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert pages.sign_in("nurse@example.test", "a long enough password").status_code == 302


def test_user_create_refuses_bad_input_and_names_the_field(cli):
    slug = last_line(cli("clinic", "create", "Strict Clinic"))
    short = cli("user", "create", "--clinic", slug, "--email", "a@b.test", "--role", "viewer", "--password", "short")
    assert short.exit_code != 0
    assert "password" in short.output
    unknown = cli(
        "user",
        "create",
        "--clinic",
        "no-such-clinic",
        "--email",
        "a@b.test",
        "--role",
        "viewer",
        "--password",
        "long enough pw",
    )
    assert unknown.exit_code != 0
    assert "no-such-clinic" in unknown.output
    bad_role = cli(
        "user", "create", "--clinic", slug, "--email", "a@b.test", "--role", "owner", "--password", "long enough pw"
    )
    assert bad_role.exit_code != 0


def test_user_create_refuses_a_second_account_with_the_same_email(cli):
    slug = last_line(cli("clinic", "create", "Twice Clinic"))
    args = ("user", "create", "--clinic", slug, "--role", "admin", "--password", "long enough pw")
    assert cli(*args, "--email", "same@example.test").exit_code == 0
    again = cli(*args, "--email", "SAME@example.test")
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_token_create_prints_a_working_token_last_and_revoke_stops_it(cli, client):
    slug = last_line(cli("clinic", "create", "Token Clinic"))
    result = cli("token", "create", "--clinic", slug, "--name", "ehr", "--scope", "read-write")
    assert result.exit_code == 0
    token = last_line(result)
    assert token.startswith("mcat_") and " " not in token
    api = ApiClient(client, token)
    assert api.post("/api/v1/patients", json={"reference": "CLI-1", "display_name": "Via CLI"}).status_code == 201
    duplicate = cli("token", "create", "--clinic", slug, "--name", "ehr", "--scope", "read")
    assert duplicate.exit_code != 0
    assert cli("token", "revoke", "--clinic", slug, "--name", "ehr").exit_code == 0
    assert api.get("/api/v1/patients").status_code == 401
    # A revoked token's name can be used again.
    assert cli("token", "create", "--clinic", slug, "--name", "ehr", "--scope", "read").exit_code == 0


def test_token_revoke_of_an_unknown_token_fails_clearly(cli):
    slug = last_line(cli("clinic", "create", "Empty Clinic"))
    result = cli("token", "revoke", "--clinic", slug, "--name", "nothing")
    assert result.exit_code != 0
    assert "No such live token" in result.output


def test_cli_changes_are_audited_as_the_command_line(cli, client):
    slug = last_line(cli("clinic", "create", "Audited Clinic"))
    token = last_line(cli("token", "create", "--clinic", slug, "--name", "auditor", "--scope", "read", "--audit"))
    entries = ApiClient(client, token).get("/api/v1/audit").json["items"]
    assert [e["action"] for e in entries] == ["token.created", "clinic.created"]
    plain = last_line(cli("token", "create", "--clinic", slug, "--name", "plain", "--scope", "read-write"))
    assert ApiClient(client, plain).get("/api/v1/audit").status_code == 403
    assert {e["actor"]["type"] for e in entries} == {"system"}


def test_demo_refuses_to_run_in_production(app, cli, monkeypatch):
    monkeypatch.setitem(app.config, "MESOCAT_ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "development only" in result.output


def test_demo_creates_a_clinic_to_sign_in_to_once(cli, pages):
    first = cli("demo")
    assert "practitioner@demo.mesocat.test" in first.output
    assert "Found the demo clinic" in cli("demo").output
    assert pages.sign_in("practitioner@demo.mesocat.test", "mesocat-demo").status_code == 302
    assert b"DEMO-001" in pages.get("/patients").data


def test_user_password_resets_a_forgotten_password_and_lifts_a_lock(cli, pages):
    slug = last_line(cli("clinic", "create", "Forgetful Clinic"))
    cli(
        "user",
        "create",
        "--clinic",
        slug,
        "--email",
        "f@example.test",
        "--role",
        "viewer",
        "--password",
        "first password",
    )
    for _ in range(5):
        pages.sign_in("f@example.test", "wrong password")
    result = cli("user", "password", "--email", "F@example.test", input="second password\nsecond password\n")
    assert result.exit_code == 0, result.output
    assert pages.sign_in("f@example.test", "second password").status_code == 302
    assert cli("user", "password", "--email", "nobody@example.test", "--password", "long enough pw").exit_code != 0
