"""The floor Mesocat's catalogue is measured against: plain Flask and sqlite3 on the bench database.

Naive on purpose, the way a newcomer would first write it (Flask's tutorial's `get_db`): no ORM, no
stored documents, no search index, one connection per request. It answers the catalogue's questions at
the same URLs, so one request file serves both: search is `LIKE` on the name and synonyms, lists filter
by category, purpose and free_of (the allergen and everything below it) with LIMIT 20 OFFSET and a
COUNT, and a detail is the ingredient's row by slug. `gunicorn baseline:app` with BASELINE_DATABASE set
to the SQLite file.
"""

import os
import sqlite3

from flask import Flask, abort, g, request

app = Flask(__name__)
PAGE_SIZE = 20

# The allergens given and every allergen below them, through parent_code and allergen_groups.
EXCLUDED_ALLERGENS = """
WITH RECURSIVE excluded(code) AS (
    SELECT code FROM allergens WHERE code IN ({marks})
    UNION
    SELECT link.child FROM excluded JOIN (
        SELECT code AS child, parent_code AS parent FROM allergens
        UNION ALL SELECT allergen_code, group_code FROM allergen_groups
    ) AS link ON link.parent = excluded.code
)
SELECT code FROM excluded
"""


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(os.environ["BASELINE_DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(_error) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def marks(values: list) -> str:
    return ", ".join("?" for _ in values)


@app.get("/healthz")
def healthz():
    get_db().execute("SELECT 1").fetchone()
    return {"status": "ok"}


@app.get("/api/v1/ingredients/<slug>")
def ingredient(slug):
    row = get_db().execute("SELECT * FROM ingredients WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        abort(404)
    return dict(row)


@app.get("/api/v1/ingredients")
def ingredients():
    where, params = ["1 = 1"], []
    for word in request.args.get("q", "").lower().split():
        where.append("(sort_name LIKE ? OR synonyms LIKE ?)")
        params += [f"%{word}%", f"%{word}%"]
    if categories := request.args.getlist("category"):
        where.append(f"category_code IN ({marks(categories)})")
        params += categories
    if purposes := request.args.getlist("purpose"):
        where.append(f"id IN (SELECT ingredient_id FROM ingredient_purposes WHERE purpose_code IN ({marks(purposes)}))")
        params += purposes
    if free_of := request.args.getlist("free_of"):
        excluded = EXCLUDED_ALLERGENS.format(marks=marks(free_of))
        where.append(f"id NOT IN (SELECT ingredient_id FROM ingredient_allergens WHERE allergen_code IN ({excluded}))")
        params += free_of
    page = request.args.get("page", 1, type=int)
    db, matching = get_db(), " AND ".join(where)
    total = db.execute(f"SELECT COUNT(*) FROM ingredients WHERE {matching}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT id, slug, name, category_code FROM ingredients WHERE {matching} ORDER BY sort_name LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    ).fetchall()
    return {"items": [dict(row) for row in rows], "total": total, "page": page, "page_size": PAGE_SIZE}
