"""Listing costs a constant number of SQL statements, however many ingredients are on the page."""

from contextlib import contextmanager

from sqlalchemy import event

from catalog.extensions import db


@contextmanager
def count_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_listing_100_ingredients_costs_as_many_queries_as_listing_5(client, make_ingredient):
    for n in range(110):
        make_ingredient(name=f"Bulk {n}", allergens=["soy"], purposes=["hydration", "antioxidant"])
    with count_statements() as small:
        assert len(client.get("/api/v1/ingredients", query_string={"q": "bulk", "page_size": 5}).json["items"]) == 5
    with count_statements() as large:
        response = client.get(
            "/api/v1/ingredients", query_string={"q": "bulk", "page_size": 100, "free_of": "parabens"}
        )
        assert len(response.json["items"]) == 100
    # The filtered call adds the allergen checks; the page size adds nothing.
    assert len(large) <= len(small) + 2
    assert len(large) <= 8


def test_ingredient_detail_costs_a_fixed_number_of_queries(client, make_ingredient):
    make_ingredient(slug="queried", allergens=["lidocaine", "soy"], contraindications=["pregnancy"])
    with count_statements() as statements:
        assert client.get("/api/v1/ingredients/queried").status_code == 200
    assert len(statements) <= 9
