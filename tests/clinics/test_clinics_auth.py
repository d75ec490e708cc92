"""Who may do what: bearer tokens on the API, signed-in sessions on the pages."""

from datetime import timedelta

import pytest

from catalog.clinics import credentials, service
from catalog.clinics.models import ApiToken, Practitioner
from catalog.core.db import utcnow

PATIENT = {"reference": "R-1", "display_name": "Test Patient"}


# --- API tokens -------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert response.is_json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json["message"]


@pytest.mark.parametrize(
    "authorization", ["Bearer mcat_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500, "mcat_x"]
)
def test_a_bad_token_is_401(client, clinic, authorization):
    response = client.get("/api/v1/patients", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.is_json


def test_a_revoked_token_stops_working_at_once(api, db_session, clinic):
    assert api.get("/api/v1/patients").status_code == 200
    token = db_session.query(ApiToken).filter_by(clinic_id=clinic.clinic.id, scope="read-write").one()
    service.revoke_token(db_session, clinic_id=clinic.clinic.id, token_id=token.id, actor=_operator(clinic))
    db_session.commit()
    response = api.get("/api/v1/patients")
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_read_token_reads_but_cannot_write(client, api_as, clinic):
    reader = api_as(client, clinic.read_token)
    assert reader.get("/api/v1/patients").status_code == 200
    response = reader.post("/api/v1/patients", json=PATIENT)
    assert response.status_code == 403
    assert "scope" in response.json["message"]
    assert reader.get("/api/v1/patients").json["total"] == 0


def test_authentication_comes_before_validation(client):
    assert client.post("/api/v1/patients", json={"nonsense": True}).status_code == 401


def test_a_token_records_when_it_was_last_used(api, db_session, clinic):
    api.get("/api/v1/patients")
    token = db_session.query(ApiToken).filter_by(clinic_id=clinic.clinic.id, scope="read-write").one()
    db_session.refresh(token)
    assert token.last_used_at is not None
    assert utcnow() - token.last_used_at < timedelta(minutes=1)


def test_tokens_are_stored_only_as_a_digest(db_session, clinic):
    stored = [t.secret_hash for t in db_session.query(ApiToken).filter_by(clinic_id=clinic.clinic.id)]
    assert clinic.write_token not in stored
    assert all(len(digest) == 64 for digest in stored)


def test_catalogue_reads_need_no_token(client):
    assert client.get("/api/v1/ingredients").status_code == 200
    assert client.get("/api/v1/allergens").status_code == 200


def _operator(setup):
    from catalog.core.actors import Actor

    return Actor.operator(setup.clinic.id)


# --- Pages ----------------------------------------------------------------------------


def test_clinic_pages_send_strangers_to_sign_in(pages):
    response = pages.get("/patients")
    assert response.status_code == 302
    assert "/sign-in?next=%2Fpatients" in response.headers["Location"]


def test_signing_in_opens_the_clinic_pages(pages, clinic):
    response = pages.sign_in(clinic.practitioner.email.upper())
    assert response.status_code == 302
    assert pages.get("/patients").status_code == 200


def test_sign_in_goes_back_only_to_this_site(pages, clinic):
    response = pages.post(
        "/sign-in?next=https://evil.example/phish",
        {"email": clinic.practitioner.email, "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/patients"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(pages, clinic):
    wrong_password = pages.sign_in(clinic.practitioner.email, "not the password")
    unknown_email = pages.sign_in("nobody@nowhere.test", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert b"Wrong email or password." in wrong_password.data
    assert b"Wrong email or password." in unknown_email.data
    assert pages.get("/patients").status_code == 302


def test_repeated_failed_sign_ins_make_the_next_attempts_wait_even_for_the_right_password(pages, db_session, clinic):
    for _ in range(credentials.FREE_FAILURES + 1):
        assert pages.sign_in(clinic.practitioner.email, "wrong password").status_code == 401
    response = pages.sign_in(clinic.practitioner.email)
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    practitioner = db_session.get(Practitioner, clinic.practitioner.id)
    db_session.refresh(practitioner)
    assert utcnow() < practitioner.locked_until <= utcnow() + credentials.BACKOFF_CAP


def test_the_wait_doubles_is_capped_at_a_minute_and_then_passes(db_session, clinic):
    assert [credentials.backoff(n).total_seconds() for n in range(3, 13)] == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    email = clinic.practitioner.email
    now = utcnow()
    for attempt in range(30):
        with pytest.raises(credentials.SignInRefused):
            credentials.authenticate(
                db_session, email=email, password="wrong password", now=now + timedelta(minutes=attempt)
            )
    later = now + timedelta(minutes=31)
    assert credentials.authenticate(db_session, email=email, password="correct horse battery", now=later).id == (
        clinic.practitioner.id
    )


def test_a_form_post_without_the_csrf_token_is_refused(pages, clinic):
    pages.sign_in(clinic.practitioner.email)
    response = pages.post("/patients/new", PATIENT, csrf=False)
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert b"R-1" not in pages.get("/patients").data


def test_sign_in_itself_needs_the_csrf_token(pages, clinic):
    response = pages.post("/sign-in", {"email": clinic.practitioner.email, "password": "x"}, csrf=False)
    assert response.status_code == 400


def test_a_viewer_reads_but_cannot_write(pages, clinic):
    pages.sign_in(clinic.viewer.email)
    assert pages.get("/patients").status_code == 200
    assert b"Add a patient" not in pages.get("/patients").data
    assert pages.get("/patients/new").status_code == 403
    assert pages.post("/patients/new", PATIENT).status_code == 403


def test_only_admins_open_the_settings_and_audit_pages(pages, clinic):
    pages.sign_in(clinic.practitioner.email)
    assert pages.get("/settings").status_code == 403
    assert pages.get("/settings/audit").status_code == 403


def test_disabling_an_account_signs_it_out_everywhere(app, pages, clinic):
    pages.sign_in(clinic.practitioner.email)
    admin = type(pages)(app.test_client())
    admin.sign_in(clinic.admin.email)
    response = admin.post(f"/settings/practitioners/{clinic.practitioner.id}", {"action": "disable"})
    assert response.status_code == 302
    assert pages.get("/patients").status_code == 302
    assert pages.sign_in(clinic.practitioner.email).status_code == 401


def test_an_admin_cannot_remove_their_own_admin_role(pages, clinic):
    pages.sign_in(clinic.admin.email)
    response = pages.post(f"/settings/practitioners/{clinic.admin.id}", {"action": "role", "role": "viewer"})
    assert response.status_code == 409
    assert pages.get("/settings").status_code == 200


def test_signing_out_ends_the_session(pages, clinic):
    pages.sign_in(clinic.practitioner.email)
    assert pages.post("/sign-out").status_code == 302
    assert pages.get("/patients").status_code == 302


def test_session_cookies_are_http_only_and_same_site(pages, clinic):
    response = pages.sign_in(clinic.practitioner.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_changing_ones_password_signs_out_the_other_sessions(app, pages, clinic):
    other_device = type(pages)(app.test_client())
    other_device.sign_in(clinic.practitioner.email)
    pages.sign_in(clinic.practitioner.email)
    form = {
        "current_password": "correct horse battery",
        "new_password": "a brand new phrase",
        "confirm_password": "a brand new phrase",
    }
    assert pages.post("/account", form).status_code == 302
    assert pages.get("/patients").status_code == 200
    assert other_device.get("/patients").status_code == 302
    assert pages.sign_in(clinic.practitioner.email, "a brand new phrase").status_code == 302


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (
            {
                "current_password": "wrong",
                "new_password": "a brand new phrase",
                "confirm_password": "a brand new phrase",
            },
            "current_password",
        ),
        (
            {"current_password": "correct horse battery", "new_password": "short", "confirm_password": "short"},
            "new_password",
        ),
        (
            {
                "current_password": "correct horse battery",
                "new_password": "a brand new phrase",
                "confirm_password": "different",
            },
            "confirm_password",
        ),
    ],
)
def test_a_refused_password_change_says_why(pages, clinic, form, field):
    pages.sign_in(clinic.practitioner.email)
    response = pages.post("/account", form)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
