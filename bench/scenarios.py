"""What `make bench` sends: each scenario a list of requests drawn from the bench database.

The catalogue scenarios (and /healthz) are sent to Mesocat and to the baseline at the same URLs; the
HTML pages, the check and the mixed load to Mesocat only. Paths are random draws from the database, so
caches see a realistic spread.
"""

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from sqlalchemy import create_engine, select, text

from bench.wrk import Request

REAL_QUERIES = ["hyaluronic", "vitamin c", "peptide", "lido", "copper", "growth factor", "zinc", "centella"]
PATH_COUNT = 1000
DETAIL_COUNT = 5000
MIXED_COUNT = 2000
MIXED_TOKENS = 40
MAX_PAGE = 5

Query = tuple[tuple[str, str], ...]  # a list's query parameters, in order (free_of may repeat)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    requests: tuple[list[Request], ...]  # one list per repeat; a single list serves every repeat

    @property
    def against_baseline(self) -> bool:
        return self.name in AGAINST_BASELINE

    @property
    def warm_up(self) -> bool:
        return self.name not in WITHOUT_WARM_UP

    def requests_for(self, repeat: int) -> list[Request]:
        return self.requests[repeat % len(self.requests)]


@dataclass(frozen=True)
class CatalogueCodes:
    """What the random requests are drawn from."""

    slugs: list[str]
    names: list[str]
    categories: list[str]
    purposes: list[str]
    groups: list[str]  # allergens heading a group (no parent)
    allergens: list[str]


SCENARIO_NAMES = [
    "search",
    "category",
    "purpose",
    "free_of",
    "category+purpose",
    "purpose+free_of",
    "category+purpose+free_of",
    "detail",
    "healthz",
    "html-search",
    "html-detail",
    "check",
    "mixed",
]
AGAINST_BASELINE = set(SCENARIO_NAMES[:9])  # the catalogue over the API, and /healthz
WITHOUT_WARM_UP = {"mixed"}  # its tokens' first uses (which write) belong in the measured run


def read_codes(url: str) -> CatalogueCodes:
    engine = create_engine(url)
    with engine.connect() as connection:

        def column(sql: str) -> list[str]:
            return [value for (value,) in connection.execute(text(sql))]

        codes = CatalogueCodes(
            slugs=column("SELECT slug FROM ingredients ORDER BY id"),
            names=column("SELECT sort_name FROM ingredients ORDER BY id"),
            categories=column("SELECT code FROM categories ORDER BY code"),
            purposes=column("SELECT code FROM purposes ORDER BY code"),
            groups=column("SELECT code FROM allergens WHERE parent_code IS NULL ORDER BY code"),
            allergens=column("SELECT code FROM allergens ORDER BY code"),
        )
    engine.dispose()
    return codes


def search_queries(codes: CatalogueCodes, rng: random.Random) -> list[str]:
    """20 % real words, 60 % 3–6-letter prefixes of name words (someone typing), 20 % two-word queries."""
    words = [w for name in rng.sample(codes.names, 2000) for w in name.split() if w.isalpha() and len(w) > 3]
    queries = [rng.choice(REAL_QUERIES) for _ in range(200)]
    queries += [rng.choice(words)[: rng.randint(3, 6)] for _ in range(600)]
    queries += [f"{rng.choice(words)} {rng.choice(words)[:3]}" for _ in range(200)]
    return queries


def free_of_codes(codes: CatalogueCodes, rng: random.Random) -> list[str]:
    """One allergen or group to leave out, sometimes two (the parameter repeats)."""
    pick = [rng.choice(codes.groups) if rng.random() < 0.5 else rng.choice(codes.allergens)]
    if rng.random() < 0.3:
        pick.append(rng.choice(codes.groups))
    return pick


def list_paths(
    codes: CatalogueCodes, rng: random.Random, filters: list[str], pages_of: Callable[[Query], int] | None
) -> list[Request]:
    """Ingredient list requests with these filters (category, purpose, free_of) at random values.

    With `pages_of`, each asks for a random page among the first five of those its filters have:
    a page past the last is a 404, not the list it measures.
    """
    requests = []
    for _ in range(PATH_COUNT):
        query: Query = ()
        if "category" in filters:
            query += (("category", rng.choice(codes.categories)),)
        if "purpose" in filters:
            query += (("purpose", rng.choice(codes.purposes)),)
        if "free_of" in filters:
            query += tuple(("free_of", code) for code in free_of_codes(codes, rng))
        if pages_of is not None:
            query += (("page", str(rng.randint(1, min(MAX_PAGE, pages_of(query))))),)
        requests.append(Request.get(f"/api/v1/ingredients?{urlencode(query)}"))
    return requests


@contextmanager
def page_counter(url: str) -> Iterator[Callable[[Query], int]]:
    """How many pages a list's filters give, asked of the app's own API (the count it serves)."""
    app = _bench_app(url)
    client = app.test_client()

    @cache
    def pages_of(query: Query) -> int:
        answer = client.get(f"/api/v1/ingredients?{urlencode(query)}")
        return max(1, answer.json["pages"]) if answer.status_code == 200 else 1

    try:
        yield pages_of
    finally:
        with app.app_context():
            from catalog.extensions import db

            db.engine.dispose()


def catalogue_scenarios(url: str, codes: CatalogueCodes) -> list[Scenario]:
    """Search, every filter alone and combined, detail and /healthz: each against Mesocat and the baseline."""
    rng = random.Random(7)
    queries = search_queries(codes, rng)
    detail_slugs = [rng.choice(codes.slugs) for _ in range(DETAIL_COUNT)]

    def lists(name: str, paged: bool = False) -> Scenario:
        filters = name.split("+")
        pages = f", pages 1..{MAX_PAGE}" if paged else ""
        description = f"GET /api/v1/ingredients?{'&'.join(f + '=…' for f in filters)}{pages}"
        return Scenario(name, description, (list_paths(codes, rng, filters, pages_of if paged else None),))

    print("drawing the scenarios' requests (and how many pages each paged list has)…", flush=True)
    with page_counter(url) as pages_of:
        filtered = [
            lists("category", paged=True),
            lists("purpose"),
            lists("free_of"),
            lists("category+purpose"),
            lists("purpose+free_of"),
            lists("category+purpose+free_of", paged=True),
        ]

    return [
        Scenario(
            "search",
            "GET /api/v1/ingredients?q=… (real words, prefixes, two words)",
            ([Request.get(f"/api/v1/ingredients?{urlencode({'q': q})}") for q in queries],),
        ),
        *filtered,
        Scenario(
            "detail",
            "GET /api/v1/ingredients/<slug>",
            ([Request.get(f"/api/v1/ingredients/{slug}") for slug in detail_slugs],),
        ),
        Scenario("healthz", "GET /healthz", ([Request.get("/healthz")],)),
        Scenario(
            "html-search",
            "GET /ingredients?q=… (the browse page)",
            ([Request.get(f"/ingredients?{urlencode({'q': q})}") for q in queries],),
        ),
        Scenario(
            "html-detail",
            "GET /ingredients/<slug> (the ingredient page)",
            ([Request.get(f"/ingredients/{slug}") for slug in detail_slugs[:PATH_COUNT]],),
        ),
    ]


def clinic_scenarios(url: str, codes: CatalogueCodes, repeats: int) -> list[Scenario]:
    """The ad-hoc check and the mixed load; the mixed load gets fresh tokens for every repeat."""
    rng = random.Random(11)
    detail_paths = [f"/api/v1/ingredients/{rng.choice(codes.slugs)}" for _ in range(DETAIL_COUNT)]
    app = _bench_app(url)
    with app.app_context():
        from catalog.extensions import db

        check = [_check_request(db.session, rng)]
        mixed = tuple(_mixed_requests(db.session, rng, detail_paths) for _ in range(repeats))
        db.session.remove()
        db.engine.dispose()
    return [
        Scenario("check", "POST /api/v1/checks: ad hoc, 15 components, 20 allergy records", (check,)),
        Scenario(
            "mixed",
            "40 % details, 35 % patient reads, 25 % weight writes, fresh tokens",
            mixed,
        ),
    ]


def _bench_app(url: str):
    from catalog import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})


def _bench_clinic(session):
    from catalog.clinics import service as clinics_service
    from catalog.clinics.models import Clinic

    clinic = session.scalar(select(Clinic).where(Clinic.name == "Bench clinic"))
    return clinic or clinics_service.create_clinic(session, name="Bench clinic")


def _fresh_tokens(session, clinic_id: int, count: int) -> list:
    from catalog.clinics import service as clinics_service
    from catalog.core.actors import Actor

    stamp = time.time_ns()
    return [
        clinics_service.create_token(
            session,
            clinic_id=clinic_id,
            name=f"bench {stamp} {n}",
            scope="read-write",
            actor=Actor.operator(clinic_id),
        )
        for n in range(count)
    ]


def _check_request(session, rng: random.Random) -> Request:
    """What the composer sends: 15 components (3 of them products) against a patient with 20 allergy records."""
    from catalog.allergens.models import Allergen
    from catalog.core.actors import Actor
    from catalog.ingredients.models import Ingredient
    from catalog.patients import allergies as allergies_service
    from catalog.patients import service as patients_service
    from catalog.patients.schemas import AllergyCreateSchema
    from catalog.products.models import Product

    record = AllergyCreateSchema().load
    token = _fresh_tokens(session, _bench_clinic(session).id, 1)[0]
    actor = Actor.for_token(token.token)
    patient = patients_service.create_patient(
        session,
        actor=actor,
        reference=f"BENCH-{time.time_ns()}-check",
        display_name="Bench check",
        birth_year=1980,
    )
    codes = list(session.scalars(select(Allergen.code).order_by(Allergen.code)))
    for code in rng.sample(codes, 15):
        data = record({"allergen": code, "criticality": "low"})
        allergies_service.record_allergy(session, actor=actor, patient_id=patient.id, data=data)
    for free_text in ("kiwi", "latex gloves", "penicillin", "nickel earrings", "sticking plaster"):
        data = record({"allergen_text": free_text})
        allergies_service.record_allergy(session, actor=actor, patient_id=patient.id, data=data)
    seeded = list(
        session.execute(
            select(Ingredient.slug, Ingredient.concentration_unit)
            .where(Ingredient.concentration_unit.in_(["mg/mL", "%"]), ~Ingredient.slug.like("synthetic-%"))
            .order_by(Ingredient.slug)
        )
    )
    products = list(session.scalars(select(Product.slug).order_by(Product.slug)))
    components = [
        {"ingredient": slug, "concentration": 1 if unit == "%" else 5, "unit": unit, "volume_ml": 1}
        for slug, unit in rng.sample(seeded, 12)
    ] + [{"product": slug, "volume_ml": 1} for slug in rng.sample(products, 3)]
    session.commit()
    return Request(
        "POST", "/api/v1/checks", token.secret, json.dumps({"patient": patient.id, "components": components})
    )


def _mixed_requests(session, rng: random.Random, detail_paths: list[str]) -> list[Request]:
    """A clinic's day at once: catalogue reads, token-authenticated patient reads, and weight writes.

    Forty tokens are made for each run, so that their first uses (which record when a token was last
    used) fall in the middle of the writes, as on a busy clinic's SQLite.
    """
    from catalog.core.actors import Actor
    from catalog.patients import service as patients_service

    tokens = _fresh_tokens(session, _bench_clinic(session).id, MIXED_TOKENS)
    actor = Actor.for_token(tokens[0].token)
    stamp = time.time_ns()
    patients = [
        patients_service.create_patient(
            session, actor=actor, reference=f"BENCH-{stamp}-{n}", display_name=f"Bench {n}"
        ).id
        for n in range(20)
    ]
    session.commit()
    secrets = [token.secret for token in tokens]
    requests = []
    for _ in range(MIXED_COUNT):
        roll, token, patient = rng.random(), rng.choice(secrets), rng.choice(patients)
        if roll < 0.4:
            requests.append(Request.get(rng.choice(detail_paths)))
        elif roll < 0.75:
            requests.append(Request("GET", f"/api/v1/patients/{patient}", token))
        else:
            body = json.dumps({"kg": round(rng.uniform(45, 110), 1), "measured_on": "2026-12-01"})
            requests.append(Request("POST", f"/api/v1/patients/{patient}/weights", token, body))
    return requests
