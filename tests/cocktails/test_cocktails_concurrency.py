"""No lost update: savers racing on the same base version, settled by the database.

On SQLite, many threads of one app; on PostgreSQL, several gunicorn worker processes. Each
test uses its own committed database, since the race needs real, separate transactions.
"""

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from catalog.extensions import db
from tests.conftest import make_test_app, migrate_and_seed
from tests.factories import committed_clinic_token
from tests.live import gunicorn

SAVERS = 8
ROUNDS = 3
COMPOSITION = {
    "technique": "point-injection",
    "components": [{"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}],
}


def changed_composition(base: int) -> dict:
    """What a saver on `base` sends: a real change from every earlier version."""
    return {**COMPOSITION, "components": [{"ingredient": "ascorbic-acid", "concentration": 1 + base, "unit": "%"}]}


def prepare(app) -> tuple[str, int]:
    """A clinic, a read-write token and a cocktail at version 1, committed."""
    secret = committed_clinic_token(app, "Race clinic")
    client = app.test_client()
    response = client.post(
        "/api/v1/cocktails", json={"name": "Raced", **COMPOSITION}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 201, response.json
    return secret, response.json["id"]


def race(save, rounds: int = ROUNDS) -> list[Counter]:
    """Each round, every saver tries to make the next version from the same base at the same moment."""
    results = []
    for base in range(1, rounds + 1):
        barrier = threading.Barrier(SAVERS)

        def attempt(index, base=base, barrier=barrier):
            barrier.wait()
            return save(base, f"Saver {index} on version {base}")

        with ThreadPoolExecutor(SAVERS) as pool:
            results.append(Counter(pool.map(attempt, range(SAVERS))))
    return results


def assert_one_winner_per_base(results: list[Counter], versions: list[int]) -> None:
    for base, statuses in enumerate(results, start=1):
        assert statuses == Counter({201: 1, 412: SAVERS - 1}), (base, statuses)
    assert versions == list(range(len(results) + 1, 0, -1)), "numbers without gaps"


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "sqlite").startswith("postgresql"), reason="the SQLite race")
def test_threads_saving_on_the_same_base_on_sqlite_exactly_one_wins(fresh_database_url):
    app = make_test_app(fresh_database_url())
    migrate_and_seed(app)
    secret, cocktail_id = prepare(app)
    headers = {"Authorization": f"Bearer {secret}"}

    def save(base, note):
        client = app.test_client()
        response = client.post(
            f"/api/v1/cocktails/{cocktail_id}/versions",
            json={**changed_composition(base), "change_note": note},
            headers={**headers, "If-Match": f'W/"{base}"'},
        )
        if response.status_code == 412:
            assert f"version {base + 1}" in response.json["message"]
        return response.status_code

    results = race(save)
    versions = [
        v["number"] for v in app.test_client().get(f"/api/v1/cocktails/{cocktail_id}/versions", headers=headers).json
    ]
    assert_one_winner_per_base(results, versions)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="several processes need PostgreSQL"
)
def test_gunicorn_workers_saving_on_the_same_base_on_postgresql_exactly_one_wins(fresh_database_url):
    url = fresh_database_url()
    app = make_test_app(url)
    migrate_and_seed(app)
    secret, cocktail_id = prepare(app)
    with app.app_context():
        db.engine.dispose()
    auth = {"Authorization": f"Bearer {secret}"}
    with gunicorn(url) as call:

        def save(base, note):
            status, _body = call(
                "POST",
                f"/api/v1/cocktails/{cocktail_id}/versions",
                {**changed_composition(base), "change_note": note},
                {**auth, "If-Match": f'W/"{base}"'},
            )
            return status

        results = race(save)
        _status, history = call("GET", f"/api/v1/cocktails/{cocktail_id}/versions", headers=auth)
        assert_one_winner_per_base(results, [v["number"] for v in history])
