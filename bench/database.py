"""The bench databases: one per catalogue size, built through the app's own migrations, seed and write paths.

SQLite files live in bench/out/ (bench-<count>.db); on PostgreSQL, BENCH_DATABASE_URL names the base
database and each size gets its own (mesocat_bench -> mesocat_bench_10000), created when missing.
Databases are kept between runs; `--rebuild` starts them over.
"""

import os
import random
import sys
import time
from pathlib import Path

from sqlalchemy import func, insert, make_url, select, text

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT = BENCH_DIR / "out"
BATCH = 2000

SYLLABLES = ["ra", "lo", "mi", "ten", "zor", "vex", "qua", "bel", "dri", "sun", "kap", "ol", "ine", "ase", "ide", "ate"]
WORDS = ["complex", "extract", "peptide", "serum", "factor", "acid", "salt", "ester", "blend", "fraction"]
ORIGINS = ["synthetic", "fermentation", "plant", "avian", "bovine", "marine", "recombinant", "mineral"]


def database_url(base_url: str | None, count: int) -> str:
    """The bench database for a catalogue of `count` ingredients."""
    if not base_url:
        return f"sqlite:///{OUT / f'bench-{count}.db'}"
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return str(url.set(database=str(path.with_name(f"{path.stem}-{count}{path.suffix}"))))
    return url.set(database=f"{url.database}_{count}").render_as_string(hide_password=False)


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for any other database."""
    return Path(make_url(url).database) if dialect_of(url) == "sqlite" else None


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist, through the `postgres` database."""
    import psycopg

    target = make_url(url)
    maintenance = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone()
        if not exists:
            print(f"creating PostgreSQL database {target.database}")
            connection.execute(f'CREATE DATABASE "{target.database}"')


def synthetic_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def build_database(url: str, count: int, *, rebuild: bool) -> None:
    """Migrate, load the real seed, then add synthetic ingredients until the catalogue holds `count`."""
    OUT.mkdir(exist_ok=True)
    if dialect_of(url) == "postgresql":
        ensure_postgres_database(url)
    elif rebuild:
        _remove_sqlite_files(sqlite_path(url))
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from catalog import create_app
    from catalog.extensions import db
    from catalog.seeding import load_seed

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if rebuild and db.engine.dialect.name != "sqlite":
            _drop_everything(db)
        upgrade()
        load_seed(db.session, Path(app.config["SEED_DIRECTORY"]))
        db.session.commit()
        missing = count - _ingredient_count(db.session)
        if missing > 0:
            started = time.perf_counter()
            _insert_synthetic_ingredients(db.session, missing)
            refresh_derived_tables(db.session)
            _analyze(db.engine)
            print(f"generated in {time.perf_counter() - started:.0f} s")
        else:
            print(f"bench database {_display(url)} already holds {count - missing} ingredients")
            refresh_derived_tables(db.session)
        db.session.remove()
        db.engine.dispose()


def refresh_derived_tables(session) -> None:
    """Write what the app derives from ingredient rows and stores, for the rows inserted in bulk."""
    from catalog.ingredients import documents

    # derived tables: every stored table the app fills from ingredient rows is refreshed here, and only here.
    print("writing the stored API documents…", flush=True)
    documents.refresh_missing_documents(session)
    session.commit()


def _insert_synthetic_ingredients(session, missing: int) -> None:
    """Ingredient rows, their purposes and allergens, and their search terms (the app's term code), in batches."""
    from catalog.ingredients.models import Ingredient, SearchTerm, ingredient_allergens, ingredient_purposes

    print(f"generating {missing} synthetic ingredients…", flush=True)
    rng = random.Random(42)
    codes = {table: _codes(session, table) for table in ("categories", "purposes", "allergens")}
    vocabulary = [synthetic_word(rng) for _ in range(5000)]
    next_id = (session.scalar(select(func.max(Ingredient.id))) or 0) + 1
    for offset in range(0, missing, BATCH):
        batch = [
            _synthetic_ingredient(rng, next_id + n, vocabulary, codes)
            for n in range(offset, min(missing, offset + BATCH))
        ]
        session.execute(insert(Ingredient.__table__), [row for row, *_ in batch])
        session.execute(insert(ingredient_purposes), [link for _, links, _, _ in batch for link in links])
        allergen_links = [link for _, _, links, _ in batch for link in links]
        if allergen_links:
            session.execute(insert(ingredient_allergens), allergen_links)
        session.execute(insert(SearchTerm.__table__), [term for *_, terms in batch for term in terms])
        session.commit()
        print(f"  {offset + len(batch)} / {missing}", end="\r", flush=True)
    print()


def _synthetic_ingredient(rng: random.Random, ident: int, vocabulary: list[str], codes: dict[str, list[str]]) -> tuple:
    """One ingredient row, its purpose links, its allergen links and its search-term rows."""
    from catalog.ingredients.search import fold, search_term_rows, weighted_terms

    name = f"{rng.choice(vocabulary).capitalize()} {rng.choice(WORDS)} {ident}"
    description = " ".join(rng.choice(vocabulary) for _ in range(12)) + "."
    slug = f"synthetic-{ident}"
    row = {
        "id": ident,
        "slug": slug,
        "name": name,
        "sort_name": fold(name),
        "synonyms": [],
        "category_code": rng.choice(codes["categories"]),
        "origin": rng.choice(ORIGINS),
        "description": description,
        "concentration_unit": "mg/mL",
        "usual_min": 0.5,
        "usual_max": 2.0,
        "maximum": 5.0,
    }
    purposes = [{"ingredient_id": ident, "purpose_code": c} for c in rng.sample(codes["purposes"], rng.randint(1, 3))]
    allergens = [
        {"ingredient_id": ident, "allergen_code": c}
        for c in rng.sample(codes["allergens"], rng.choice([0, 0, 1, 1, 2]))
    ]
    terms = search_term_rows(ident, fold(name), weighted_terms(name=name, aliases=[slug], description=description))
    return row, purposes, allergens, terms


def _codes(session, table: str) -> list[str]:
    return [code for (code,) in session.execute(text(f"SELECT code FROM {table} ORDER BY code"))]


def _ingredient_count(session) -> int:
    from catalog.ingredients.models import Ingredient

    return session.scalar(select(func.count()).select_from(Ingredient))


def _analyze(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _drop_everything(db) -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _display(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
