"""Issue 12's findings on signing in: sessions that end on the server, throttling that cannot lock
anyone out, the same answer (and work) for every refusal, passwords worth having, sign-ins audited,
and token reads that never write on SQLite."""

import contextlib
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog import create_app
from catalog.audit.models import AuditEntry
from catalog.clinics import credentials, passwords
from catalog.clinics import service as clinics_service
from catalog.clinics.models import ApiToken, Practitioner, SignInSession
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.extensions import db
from tests.conftest import make_test_app, migrate_and_seed
from tests.factories import PASSWORD, PageClient, committed_clinic_token


def open_session(db_session, practitioner_id: int) -> SignInSession:
    return db_session.scalars(
        select(SignInSession).where(SignInSession.practitioner_id == practitioner_id, SignInSession.ended_at.is_(None))
    ).one()


# --- 1. Sessions end on the server --------------------------------------------------


def test_a_cookie_kept_after_sign_out_opens_nothing(pages, clinic, db_session):
    pages.sign_in(clinic.practitioner.email)
    kept = pages.client.get_cookie("session").value
    assert pages.post("/sign-out").status_code == 302
    pages.client.set_cookie("session", kept)  # the old cookie, replayed
    assert pages.get("/patients").status_code == 302
    ended = db_session.scalars(
        select(SignInSession).where(SignInSession.practitioner_id == clinic.practitioner.id)
    ).one()
    assert ended.end_reason == "signed-out"


def test_a_session_idle_longer_than_the_clinic_allows_ends(pages, clinic, db_session):
    pages.sign_in(clinic.practitioner.email)
    assert pages.get("/patients").status_code == 200
    row = open_session(db_session, clinic.practitioner.id)
    row.last_seen_at = utcnow() - timedelta(minutes=31)  # the default is 30 minutes
    db_session.flush()
    assert pages.get("/patients").status_code == 302
    db_session.expire_all()
    assert db_session.get(SignInSession, row.id).end_reason == "idle"


def test_the_idle_timeout_is_the_clinic_s_setting(pages, clinic, db_session):
    clinic.clinic.idle_timeout_minutes = 120
    pages.sign_in(clinic.practitioner.email)
    row = open_session(db_session, clinic.practitioner.id)
    row.last_seen_at = utcnow() - timedelta(minutes=90)
    db_session.flush()
    assert pages.get("/patients").status_code == 200


def test_a_session_ends_after_twelve_hours_however_active(pages, clinic, db_session):
    pages.sign_in(clinic.practitioner.email)
    row = open_session(db_session, clinic.practitioner.id)
    row.started_at = utcnow() - credentials.SESSION_LIFETIME - timedelta(minutes=1)
    db_session.flush()
    assert pages.get("/patients").status_code == 302


def test_the_clinic_settings_page_sets_the_idle_timeout_within_bounds(pages, clinic, db_session):
    pages.sign_in(clinic.admin.email)
    form = {"name": clinic.clinic.name, "emergency_number": "112", "idle_timeout_minutes": "45"}
    assert pages.post("/settings/clinic", form).status_code == 303
    assert clinic.clinic.idle_timeout_minutes == 45
    refused = pages.post("/settings/clinic", {**form, "idle_timeout_minutes": "100000"})
    assert refused.status_code == 422
    assert "idle_timeout_minutes-error" in refused.get_data(as_text=True)


# --- 2. Throttling that protects users -------------------------------------------------


@pytest.fixture
def throttled(app, db_session):
    """The app with sign-in throttling on (the shared test app turns it off), on the same database."""
    throttled_app = create_app(
        {
            "TESTING": True,
            "RATELIMIT_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
        }
    )
    with throttled_app.app_context():
        yield PageClient(throttled_app.test_client())


def test_one_address_is_slowed_down_after_many_sign_in_attempts(throttled, clinic):
    statuses = [throttled.sign_in(f"nobody{n}@nowhere.test", "not a password").status_code for n in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429
    assert b"Too many sign-in attempts" in throttled.sign_in(clinic.practitioner.email).data


def test_workers_sharing_redis_count_one_address_together(app, db_session):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"mesocat-test-{uuid.uuid4().hex[:8]}"
    workers = [
        PageClient(
            create_app(
                {
                    "TESTING": True,
                    "RATELIMIT_ENABLED": True,
                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                    "RATELIMIT_KEY_PREFIX": prefix,
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SECRET_KEY": "test-secret",
                }
            ).test_client()
        )
        for _ in range(2)
    ]
    statuses = [workers[n % 2].sign_in(f"nobody{n}@nowhere.test", "not a password").status_code for n in range(31)]
    # Fifteen or sixteen attempts on each worker, thirty-one in all: the store saw them all.
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def test_every_refusal_checks_a_password_hash(monkeypatch, db_session, clinic):
    checked = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: checked.append(h) or real_verify(h, p))
    for email in ("nobody@nowhere.test", clinic.practitioner.email):
        with pytest.raises(credentials.SignInRefused):
            credentials.authenticate(db_session, email=email, password="wrong password")
    practitioner = db_session.get(Practitioner, clinic.practitioner.id)
    practitioner.locked_until = utcnow() + timedelta(seconds=30)
    with pytest.raises(credentials.SignInRefused) as waiting:
        credentials.authenticate(db_session, email=clinic.practitioner.email, password="correct horse battery")
    # An unknown address and a waiting account cost a (decoy) hash check too, and all say the same.
    assert len(checked) == 3 and checked[0] is None and checked[2] is None
    assert str(waiting.value) == credentials.REFUSAL


@pytest.fixture(scope="module")
def committed_app(fresh_database_url):
    """An app on a database of its own, with one committed account to guess the password of."""
    app = make_test_app(fresh_database_url())
    migrate_and_seed(app)
    with app.app_context():
        clinic = clinics_service.create_clinic(db.session, name="Guessed clinic")
        clinics_service.create_practitioner(
            db.session,
            clinic_id=clinic.id,
            email="guessed@clinic.test",
            name="Guessed",
            role="practitioner",
            password="correct horse battery",
            actor=Actor.operator(clinic.id),
        )
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_concurrent_guesses_are_counted_one_at_a_time(committed_app, monkeypatch):
    real = []
    lock = threading.Lock()
    real_verify = passwords.verify_password

    def counting(password_hash, password):
        if password_hash is not None:
            with lock:
                real.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)

    def guess(n: int) -> None:
        # A request that writes begins with SQLite's write lock, as a sign-in POST does.
        with committed_app.test_request_context("/sign-in", method="POST"):
            with contextlib.suppress(credentials.SignInRefused):
                credentials.authenticate(db.session, email="guessed@clinic.test", password=f"guess {n}")
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(guess, range(24)))
    # The free failures, and at most one more once the first wait has passed: not all 24.
    assert len(real) <= credentials.FREE_FAILURES + 1
    with committed_app.app_context():
        practitioner = db.session.scalar(select(Practitioner).where(Practitioner.email == "guessed@clinic.test"))
        assert practitioner.failed_sign_ins == len(real)
        db.session.remove()


def test_sign_ins_are_audited_successful_and_failed(pages, clinic, db_session):
    pages.sign_in(clinic.practitioner.email, "wrong password")
    pages.sign_in(clinic.practitioner.email)
    actions = [
        entry.action
        for entry in db_session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == str(clinic.practitioner.id)).order_by(AuditEntry.id)
        )
    ]
    assert actions[-2:] == ["practitioner.sign_in_failed", "practitioner.signed_in"]


# --- 7. Passwords ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak",
    ["aaaaaaaaaaaa", "1234567890", "123456789012", "qwertyuiop12", "iloveyou1234", "password1234", "mesocat-demo"],
)
def test_weak_common_and_published_passwords_are_refused(weak):
    assert passwords.password_problem(weak) is not None


def test_a_long_uncommon_password_is_accepted_and_the_demo_may_use_its_own():
    assert passwords.password_problem("saffron kettle orbit") is None
    assert passwords.password_problem(passwords.DEMO_PASSWORD, demo_allowed=True) is None
    assert len(passwords.common_passwords()) > 50_000


# --- 5. Token reads never write inside the read ------------------------------------------


def test_a_token_read_succeeds_while_another_connection_holds_the_write_lock(fresh_database_url):
    url = fresh_database_url()
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's single writer is what this reproduces")
    app = make_test_app(url)
    migrate_and_seed(app)
    secret = committed_clinic_token(app, "Busy clinic")
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.1, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another request writing, for longer than a read waits
        response = app.test_client().get("/api/v1/patients", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.get_json()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # Once the lock is free, the next read records the token's use after its own transaction.
    app.test_client().get("/api/v1/patients", headers={"Authorization": f"Bearer {secret}"})
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/%09/evil.example".replace("%09", "\t")])
def test_sign_in_never_sends_on_to_another_site(pages, clinic, target):
    response = pages.client.post(
        "/sign-in",
        query_string={"next": target},
        data={
            "email": clinic.practitioner.email,
            "password": "correct horse battery",
            "csrf_token": pages.csrf_token(),
        },
    )
    assert response.headers["Location"] == "/patients"


# --- Changing one's password: the current one cannot be guessed at leisure -------------------


def change_password_form(current: str) -> dict:
    return {
        "current_password": current,
        "new_password": "a new, long uncommon phrase",
        "confirm_password": "a new, long uncommon phrase",
    }


def test_wrong_current_passwords_are_counted_and_then_must_wait(pages, clinic, db_session):
    pages.sign_in(clinic.practitioner.email)
    for _ in range(credentials.FREE_FAILURES):
        page = pages.post("/account", change_password_form("not my password"))
        assert page.status_code == 422 and "Wrong password." in page.get_data(as_text=True)
    practitioner = db_session.get(Practitioner, clinic.practitioner.id)
    db_session.refresh(practitioner)
    # Counted and kept, though each answer was a refusal; the last one set a wait.
    assert practitioner.failed_sign_ins == credentials.FREE_FAILURES
    assert practitioner.locked_until is not None
    # While it lasts, even the right password is refused, saying how long to wait.
    waiting = pages.post("/account", change_password_form(PASSWORD))
    assert waiting.status_code == 422 and "Try again in " in waiting.get_data(as_text=True)
    db_session.refresh(practitioner)
    assert passwords.verify_password(practitioner.password_hash, PASSWORD)
    actions = db_session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_id == str(practitioner.id), AuditEntry.action.like("%password%")
        )
    ).all()
    assert actions.count("practitioner.password_change_failed") == credentials.FREE_FAILURES


def test_once_the_wait_has_passed_the_right_password_changes_it_and_clears_the_count(db_session, clinic):
    actor = Actor.for_practitioner(clinic.practitioner)
    now = utcnow()
    for _ in range(credentials.FREE_FAILURES):
        with pytest.raises(credentials.WrongCurrentPassword):
            credentials.change_password(db_session, actor=actor, current="wrong", new="x" * 20, secret=None, now=now)
    with pytest.raises(credentials.WrongCurrentPassword):  # too soon
        credentials.change_password(
            db_session, actor=actor, current=PASSWORD, new="a new, long uncommon phrase", secret=None, now=now
        )
    later = now + credentials.BACKOFF_CAP
    changed = credentials.change_password(
        db_session, actor=actor, current=PASSWORD, new="a new, long uncommon phrase", secret=None, now=later
    )
    assert changed.failed_sign_ins == 0 and changed.locked_until is None
    assert passwords.verify_password(changed.password_hash, "a new, long uncommon phrase")
