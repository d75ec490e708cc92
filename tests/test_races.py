"""Requests racing on the same patient or check: the database settles them, nobody gets a 500.

On PostgreSQL the app runs under gunicorn with several worker processes, so requests truly
overlap and row locks decide; on SQLite, threads of one app (SQLite serialises writers).
"""

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from catalog.clinics import service as clinics_service
from catalog.core.actors import Actor
from catalog.extensions import db
from tests.conftest import make_test_app, migrate_and_seed
from tests.factories import committed_clinic_token
from tests.live import gunicorn

RACERS = 8


@pytest.fixture(scope="module")
def race_app(fresh_database_url):
    """`call(app, method, url, body, headers)` against a committed database of the module's own."""
    url = fresh_database_url()
    app = make_test_app(url)
    migrate_and_seed(app)
    secret = committed_clinic_token(app, "Racing clinic")
    auth = {"Authorization": f"Bearer {secret}"}
    if url.startswith("postgresql"):
        with app.app_context():
            db.engine.dispose()
        with gunicorn(url) as served:
            yield SimpleNamespace(
                send=lambda method, path, body, headers: served(method, path, body, {**auth, **headers})
            )
    else:
        client_of = app.test_client

        def send(method, path, body, headers):
            response = client_of().open(path, method=method, json=body, headers={**auth, **headers})
            return response.status_code, response.get_json()

        yield SimpleNamespace(send=send)
        with app.app_context():
            db.engine.dispose()


class Reply(SimpleNamespace):
    """A status and a JSON body, whether from the test client or from gunicorn."""


def call(target, method, url, body=None, headers=None) -> Reply:
    status, payload = target.send(method, url, body, headers or {})
    return Reply(status_code=status, json=payload)


def at_once(*requests) -> list:
    """Run the given callables at the same moment, one thread each; their responses in order."""
    barrier = threading.Barrier(len(requests))

    def run(request):
        barrier.wait()
        return request()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, requests))


def new_patient(app, reference: str) -> dict:
    response = call(app, "POST", "/api/v1/patients", {"reference": reference, "display_name": "Racer"})
    assert response.status_code == 201, response.json
    return response.json


def test_no_known_allergies_and_an_allergy_recorded_at_once_never_both_stand(race_app):
    for attempt in range(5):
        patient = new_patient(race_app, f"NKA-RACE-{attempt}")
        url = f"/api/v1/patients/{patient['id']}"
        assertion, record = at_once(
            lambda url=url: call(race_app, "PATCH", url, {"allergy_status": "no-known-allergies"}),
            lambda url=url: call(race_app, "POST", f"{url}/allergies", {"allergen": "soy"}),
        )
        assert record.status_code == 201
        assert assertion.status_code in (200, 409)
        assert call(race_app, "GET", url).json["allergy_status"] == "allergies-recorded"
        # Had both stood, withdrawing the allergy would bring back the stale 'no known allergies'.
        call(race_app, "PATCH", f"{url}/allergies/{record.json['id']}", {"verification_status": "entered-in-error"})
        assert call(race_app, "GET", url).json["allergy_status"] == "unknown"


@pytest.mark.parametrize("attempt", range(3))
def test_racing_edits_of_one_allergy_record_are_412_not_500(race_app, attempt):
    patient = new_patient(race_app, f"EDIT-RACE-{attempt}")
    url = f"/api/v1/patients/{patient['id']}/allergies"
    record = call(race_app, "POST", url, {"allergen": "soy"}).json
    responses = at_once(
        *(
            lambda level=level: call(
                race_app, "PATCH", f"{url}/{record['id']}", {"criticality": level}, {"If-Match": 'W/"1"'}
            )
            for level in ["high", "low"] * (RACERS // 2)
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1 and statuses[412] == RACERS - 1, statuses
    history = call(race_app, "GET", f"{url}/{record['id']}/history").json
    assert [h["revision"] for h in history] == [1, 2]


@pytest.mark.parametrize("attempt", range(3))
def test_racing_overrides_of_one_check_give_one_override(race_app, attempt):
    patient = new_patient(race_app, f"OVERRIDE-RACE-{attempt}")
    call(
        race_app,
        "POST",
        f"/api/v1/patients/{patient['id']}/allergies",
        {"allergen": "lidocaine", "criticality": "high"},
    )
    cocktail = call(
        race_app,
        "POST",
        "/api/v1/cocktails",
        {
            "name": f"Race mix {attempt}",
            "technique": "point-injection",
            "components": [{"ingredient": "lidocaine-hydrochloride", "concentration": 0.5, "unit": "%"}],
        },
    ).json
    check = call(race_app, "POST", "/api/v1/checks", {"patient": patient["id"], "cocktail": cocktail["id"]}).json
    responses = at_once(
        *(
            lambda n=n: call(race_app, "POST", f"/api/v1/checks/{check['id']}/override", {"reason": f"Reason {n}"})
            for n in range(RACERS)
        )
    )
    assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: RACERS - 1})


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/patients", {"reference": "ﷺ" * 64, "display_name": "Strauß " * 28}),
        (
            "/api/v1/cocktails",
            {
                "name": "ß" * 120,
                "technique": "needle-free",
                "components": [{"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}],
            },
        ),
    ],
)
def test_text_that_folds_longer_is_stored(race_app, url, body):
    assert call(race_app, "POST", url, body).status_code == 201


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="row locks: PostgreSQL")
def test_a_change_to_a_patient_holds_its_row_until_the_transaction_ends(fresh_database_url):
    """Deterministic: while one transaction changes a patient, another cannot begin to."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from catalog.patients import service as patients_service
    from catalog.patients.service import _patient_for_change

    url = fresh_database_url()
    app = make_test_app(url)
    migrate_and_seed(app)
    with app.app_context():
        clinic = clinics_service.create_clinic(db.session, name="Lock clinic")
        actor = Actor.operator(clinic.id)
        patient = patients_service.create_patient(db.session, actor=actor, reference="LOCK-1", display_name="Locked")
        db.session.commit()
        patient_id, clinic_id = patient.id, clinic.id
        engine = db.engine
        with Session(engine) as first, Session(engine) as second:
            _patient_for_change(first, clinic_id=clinic_id, patient_id=patient_id)
            second.execute(sa.text("SET lock_timeout = '300ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock"):
                _patient_for_change(second, clinic_id=clinic_id, patient_id=patient_id)
            second.rollback()
            first.rollback()
        engine.dispose()
