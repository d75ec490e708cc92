"""`make bench`: the safety check in-process, then the catalogue at 100,000 ingredients over HTTP.

0. Times the safety check (bench/safety.py): 15 components against 20 allergy records.
1. Builds a bench database (SQLite in bench/out/ by default, or BENCH_DATABASE_URL):
   migrations, the real seed, then synthetic ingredients written through the
   same search-term code as the app. Kept between runs; --rebuild starts over.
2. Starts `gunicorn wsgi:app` with 2 workers on a free local port.
3. Runs wrk (16 connections, 2 threads) against search, filtered list and
   detail, each request a random path from a list, and prints requests/s and
   p50/p99 latency; then a mixed load of clinic reads and writes with fresh API
   tokens (any error there is a failure). Results also go to bench/out/results.json.
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, insert, select

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT = BENCH_DIR / "out"
TARGETS_MS = {"search": 50.0, "detail": 10.0, "check": 50.0}

SYLLABLES = ["ra", "lo", "mi", "ten", "zor", "vex", "qua", "bel", "dri", "sun", "kap", "ol", "ine", "ase", "ide", "ate"]
WORDS = ["complex", "extract", "peptide", "serum", "factor", "acid", "salt", "ester", "blend", "fraction"]


def synthetic_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def build_database(url: str, count: int, rebuild: bool) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from catalog import create_app
    from catalog.extensions import db
    from catalog.ingredients import documents
    from catalog.ingredients.models import Ingredient, SearchTerm, ingredient_allergens, ingredient_purposes
    from catalog.ingredients.search import fold, search_term_rows, weighted_terms
    from catalog.seeding import load_seed

    if rebuild and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if rebuild and db.engine.dialect.name != "sqlite":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        load_seed(db.session, Path(app.config["SEED_DIRECTORY"]))
        db.session.commit()
        existing = db.session.scalar(select(func.count()).select_from(Ingredient))
        missing = count - existing
        if missing <= 0:
            print(f"bench database already holds {existing} ingredients")
            documents.refresh_missing_documents(db.session)
            db.session.commit()
            return
        print(f"generating {missing} synthetic ingredients…", flush=True)
        rng = random.Random(42)
        categories = [c for (c,) in db.session.execute(db.text("SELECT code FROM categories"))]
        purposes = [c for (c,) in db.session.execute(db.text("SELECT code FROM purposes"))]
        allergens = [c for (c,) in db.session.execute(db.text("SELECT code FROM allergens"))]
        origins = ["synthetic", "fermentation", "plant", "avian", "bovine", "marine", "recombinant", "mineral"]
        vocabulary = [synthetic_word(rng) for _ in range(5000)]
        next_id = (db.session.scalar(select(func.max(Ingredient.id))) or 0) + 1
        started = time.perf_counter()
        batch = 2000
        for offset in range(0, missing, batch):
            rows, links_p, links_a, terms = [], [], [], []
            for n in range(offset, min(missing, offset + batch)):
                ident = next_id + n
                name = f"{rng.choice(vocabulary).capitalize()} {rng.choice(WORDS)} {ident}"
                description = " ".join(rng.choice(vocabulary) for _ in range(12)) + "."
                slug = f"synthetic-{ident}"
                rows.append(
                    {
                        "id": ident,
                        "slug": slug,
                        "name": name,
                        "sort_name": fold(name),
                        "synonyms": [],
                        "category_code": rng.choice(categories),
                        "origin": rng.choice(origins),
                        "description": description,
                        "concentration_unit": "mg/mL",
                        "usual_min": 0.5,
                        "usual_max": 2.0,
                        "maximum": 5.0,
                    }
                )
                for code in rng.sample(purposes, rng.randint(1, 3)):
                    links_p.append({"ingredient_id": ident, "purpose_code": code})
                for code in rng.sample(allergens, rng.choice([0, 0, 1, 1, 2])):
                    links_a.append({"ingredient_id": ident, "allergen_code": code})
                weighted = weighted_terms(name=name, aliases=[slug], description=description)
                terms.extend(search_term_rows(ident, fold(name), weighted))
            db.session.execute(insert(Ingredient.__table__), rows)
            db.session.execute(insert(ingredient_purposes), links_p)
            if links_a:
                db.session.execute(insert(ingredient_allergens), links_a)
            db.session.execute(insert(SearchTerm.__table__), terms)
            db.session.commit()
            print(f"  {offset + len(rows)} / {missing}", end="\r", flush=True)
        print("\nwriting the stored API documents…", flush=True)
        documents.refresh_missing_documents(db.session)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        print(f"\ngenerated in {time.perf_counter() - started:.0f} s")


def sample_paths(url: str) -> dict[str, list[str]]:
    """Random request paths per scenario, drawn from the bench database."""
    from sqlalchemy import create_engine, text

    rng = random.Random(7)
    engine = create_engine(url)
    with engine.connect() as connection:
        slugs = [s for (s,) in connection.execute(text("SELECT slug FROM ingredients"))]
        categories = [c for (c,) in connection.execute(text("SELECT code FROM categories"))]
        purposes = [c for (c,) in connection.execute(text("SELECT code FROM purposes"))]
        groups = [c for (c,) in connection.execute(text("SELECT code FROM allergens WHERE parent_code IS NULL"))]
        names = [n for (n,) in connection.execute(text("SELECT sort_name FROM ingredients"))]
    words = [w for name in rng.sample(names, 2000) for w in name.split() if w.isalpha() and len(w) > 3]
    engine.dispose()
    real_queries = ["hyaluronic", "vitamin c", "peptide", "lido", "copper", "growth factor", "zinc", "centella"]
    queries = [rng.choice(real_queries) for _ in range(200)]
    queries += [rng.choice(words)[: rng.randint(3, 6)] for _ in range(600)]  # someone typing a name
    queries += [f"{rng.choice(words)} {rng.choice(words)[:3]}" for _ in range(200)]
    search = [f"/api/v1/ingredients?{urlencode({'q': q})}" for q in queries]
    filtered = [
        f"/api/v1/ingredients?category={rng.choice(categories)}&purpose={rng.choice(purposes)}"
        f"&free_of={rng.choice(groups)}&page={rng.randint(1, 5)}"
        for _ in range(1000)
    ]
    detail = [f"/api/v1/ingredients/{rng.choice(slugs)}" for _ in range(5000)]
    return {"search": search, "filtered": filtered, "detail": detail}


def clinic_requests(url: str, paths: dict[str, list[str]]) -> tuple[list, list]:
    """A bench clinic's requests: a mixed load, and the ad-hoc check.

    The mixed load is a clinic's day at once: catalogue reads, token-authenticated patient reads,
    and writes. Forty tokens are made for each run, so that their first uses (which record when a
    token was last used) fall in the middle of the writes, as on a busy clinic's SQLite.
    The check is what the composer sends: 15 components (3 of them products) against a patient
    with 20 allergy records (15 coded, 5 free text).
    """
    from catalog import create_app
    from catalog.allergens.models import Allergen
    from catalog.clinics import service as clinics_service
    from catalog.clinics.models import Clinic
    from catalog.core.actors import Actor
    from catalog.extensions import db
    from catalog.ingredients.models import Ingredient
    from catalog.patients import allergies as allergies_service
    from catalog.patients import service as patients_service
    from catalog.patients.schemas import AllergyCreateSchema
    from catalog.products.models import Product

    record = AllergyCreateSchema().load

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    rng = random.Random(11)
    with app.app_context():
        clinic = db.session.scalar(select(Clinic).where(Clinic.name == "Bench clinic"))
        if clinic is None:
            clinic = clinics_service.create_clinic(db.session, name="Bench clinic")
        operator = Actor.operator(clinic.id)
        stamp = time.strftime("%Y%m%d%H%M%S")
        tokens = [
            clinics_service.create_token(
                db.session, clinic_id=clinic.id, name=f"bench {stamp} {n}", scope="read-write", actor=operator
            )
            for n in range(40)
        ]
        secrets = [new.secret for new in tokens]
        actor = Actor.for_token(tokens[0].token)
        patients = [
            patients_service.create_patient(
                db.session, actor=actor, reference=f"BENCH-{stamp}-{n}", display_name=f"Bench {n}"
            ).id
            for n in range(20)
        ]
        checked = patients_service.create_patient(
            db.session, actor=actor, reference=f"BENCH-{stamp}-check", display_name="Bench check", birth_year=1980
        )
        codes = list(db.session.scalars(select(Allergen.code).order_by(Allergen.code)))
        for code in rng.sample(codes, 15):
            allergies_service.record_allergy(
                db.session, actor=actor, patient_id=checked.id, data=record({"allergen": code, "criticality": "low"})
            )
        for text in ("kiwi", "latex gloves", "penicillin", "nickel earrings", "sticking plaster"):
            allergies_service.record_allergy(
                db.session, actor=actor, patient_id=checked.id, data=record({"allergen_text": text})
            )
        seeded = list(
            db.session.execute(
                select(Ingredient.slug, Ingredient.concentration_unit)
                .where(Ingredient.concentration_unit.in_(["mg/mL", "%"]), ~Ingredient.slug.like("synthetic-%"))
                .order_by(Ingredient.slug)
            )
        )
        products = list(db.session.scalars(select(Product.slug).order_by(Product.slug)))
        components = [
            {"ingredient": slug, "concentration": 1 if unit == "%" else 5, "unit": unit, "volume_ml": 1}
            for slug, unit in rng.sample(seeded, 12)
        ] + [{"product": slug, "volume_ml": 1} for slug in rng.sample(products, 3)]
        check = [("POST", "/api/v1/checks", secrets[0], json.dumps({"patient": checked.id, "components": components}))]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    requests = []
    for _ in range(2000):
        token = rng.choice(secrets)
        patient = rng.choice(patients)
        roll = rng.random()
        if roll < 0.4:
            requests.append(("GET", rng.choice(paths["detail"]), "", ""))
        elif roll < 0.75:
            requests.append(("GET", f"/api/v1/patients/{patient}", token, ""))
        else:
            kg = round(rng.uniform(45, 110), 1)
            body = json.dumps({"kg": kg, "measured_on": "2026-12-01"})
            requests.append(("POST", f"/api/v1/patients/{patient}/weights", token, body))
    return requests, check


def run_wrk_mixed(base: str, requests: list[tuple[str, str, str, str]], seconds: int) -> dict:
    """wrk over (method, path, token, body) requests; every answer must be a success."""
    OUT.mkdir(exist_ok=True)
    requests_file = OUT / "mixed.tsv"
    requests_file.write_text("".join("\t".join(request) + "\n" for request in requests))
    script = OUT / "mixed.lua"
    script.write_text(
        "local requests = {}\n"
        f'for line in io.lines("{requests_file}") do\n'
        '  local method, path, token, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")\n'
        "  requests[#requests + 1] = {method, path, token, body}\n"
        "end\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        "  local r = requests[math.random(#requests)]\n"
        "  local headers = {}\n"
        '  if r[3] ~= "" then headers["Authorization"] = "Bearer " .. r[3] end\n'
        '  if r[4] ~= "" then headers["Content-Type"] = "application/json" end\n'
        '  return wrk.format(r[1], r[2], headers, r[4] ~= "" and r[4] or nil)\n'
        "end\n"
    )
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_wrk(base: str, paths: list[str], seconds: int) -> dict:
    OUT.mkdir(exist_ok=True)
    paths_file = OUT / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = OUT / "random_paths.lua"
    script.write_text(
        "local paths = {}\n"
        f'for line in io.lines("{paths_file}") do paths[#paths + 1] = line end\n'
        "math.randomseed(os.time())\n"
        'request = function() return wrk.format("GET", paths[math.random(#paths)]) end\n'
    )
    # Warm up each worker's connections and caches, then measure.
    subprocess.run(["wrk", "-t2", "-c16", "-d3s", "-s", str(script), base], capture_output=True, check=True)
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="total ingredients (default 100000)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the bench database")
    parser.add_argument("--safety-only", action="store_true", help="only the in-process safety check benchmark")
    args = parser.parse_args()

    # The safety check first: in-process, no server, a few seconds.
    from bench import safety

    safety_results = safety.main()
    OUT.mkdir(exist_ok=True)
    (OUT / "safety.json").write_text(json.dumps(safety_results, indent=2))
    if args.safety_only:
        return 0

    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk (Debian package)", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{OUT / 'bench.db'}")
    build_database(url, args.count, args.rebuild)
    paths = sample_paths(url)
    mixed, check = clinic_requests(url, paths)

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "WEB_CONCURRENCY": "2", "PORT": str(port), "LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        database = url.split(":", 1)[0]
        print(
            f"\n{args.count} ingredients on {database}; gunicorn 2 workers; wrk 16 connections, {args.seconds} s each\n"
        )
        print(f"{'scenario':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'target p99':>11} {'errors':>7}")
        runs = [
            (scenario, lambda p=scenario_paths: run_wrk(base, p, args.seconds))
            for scenario, scenario_paths in paths.items()
        ]
        runs += [("check", lambda: run_wrk_mixed(base, check, args.seconds))]
        runs += [("mixed", lambda: run_wrk_mixed(base, mixed, args.seconds))]
        for scenario, run in runs:
            result = results[scenario] = run()
            target = TARGETS_MS.get(scenario)
            if target is not None:
                verdict = f"< {target:g} {'ok' if result['p99_ms'] < target else 'MISSED'}"
            else:
                verdict = "no errors ok" if result["non_2xx"] == 0 else "ERRORS"
            print(
                f"{scenario:10} {result['requests_per_second']:8.0f} {result['p50_ms']:8.2f} "
                f"{result['p99_ms']:8.2f} {verdict:>11} {result['non_2xx']:7}"
            )
        (OUT / "results.json").write_text(json.dumps({"database": database, "count": args.count, **results}, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
