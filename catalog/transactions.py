"""One request, one transaction: committed here after a successful response, rolled back otherwise."""

from flask import Flask, Response, g

from catalog.extensions import db


def keep_writes_on_error() -> None:
    """Commit this request's writes even though it answers with an error (e.g. a failed sign-in counted)."""
    g.keep_writes = True


def finish_transaction(response: Response) -> Response:
    if response.status_code < 400 or g.get("keep_writes"):
        db.session.commit()
    else:
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.after_request(finish_transaction)
