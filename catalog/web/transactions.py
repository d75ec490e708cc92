"""One request, one transaction: committed here after a successful response, rolled back otherwise."""

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import OperationalError

from catalog.extensions import bookkeeping, csrf, db


def keep_writes_on_error() -> None:
    """Commit this request's writes even though it answers with an error (e.g. a failed sign-in counted)."""
    g.keep_writes = True


def discard_writes() -> None:
    """Roll this request back even though it answers with success (a page redirecting after a refusal).

    At once: the answer (the form again, with its reasons) reads what is stored, and a refused
    record still pending in the session must not be flushed by that read (it would fail again).
    """
    g.discard_writes = True
    db.session.rollback()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_first(view):
    """Mark a POST that writes nothing unless it calls `begin_writing` (a check of unsaved components).

    SQLite then begins it as a read: it neither waits for the write lock nor holds it from others.
    """
    view.reads_first = True
    return view


def begin_writing() -> None:
    """From here on this request writes: on SQLite, end the read it began as, so the next statement takes the lock."""
    if g.get("writing"):
        return
    g.writing = True
    if db.engine.dialect.name == "sqlite":
        db.session.commit()  # nothing is written yet: this only ends the read


def request_writes() -> bool:
    """Whether this request's transactions should take SQLite's write lock when they begin."""
    if g.get("writing"):
        return True
    if request.method in SAFE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint)
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    return not getattr(handler, "reads_first", False)


def protect_forms() -> None:
    """Flask-WTF's CSRF check, for the methods that change something (blueprints it exempts aside)."""
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect(apply_exemptions=True)


def finish_transaction(response: Response) -> Response:
    # A request that never touched the database has no transaction to end.
    if db.session().in_transaction():
        _end_transaction(response)
    bookkeeping.run(db.session)
    return response


def _end_transaction(response: Response) -> None:
    if g.get("discard_writes"):
        db.session.rollback()
    elif response.status_code < 400 or g.get("keep_writes"):
        try:
            db.session.commit()
        except OperationalError:
            # A read writes nothing (bookkeeping runs after it, see `Bookkeeping`); should one ever
            # flush a change on SQLite while another request writes, losing it beats failing the read.
            if request.method not in SAFE_METHODS or db.engine.dialect.name != "sqlite":
                raise
            db.session.rollback()
    else:
        db.session.rollback()


# Per-request values kept on `g`. An app context can outlive one request (tests and scripts
# push their own, and requests then share it), so each request starts without them.
REQUEST_STATE = (
    "actor",
    "bearer",
    "keep_writes",
    "discard_writes",
    "csrf_token",
    "_login_user",
    "bookkeeping",
    "writing",
)


def reset_request_state() -> None:
    state = vars(g._get_current_object())  # one lookup of `g`, not one per key
    for key in REQUEST_STATE:
        state.pop(key, None)


def init_app(app: Flask) -> None:
    # First of all hooks: the request guard, which runs before the others, already keeps state on `g`.
    app.before_request_funcs.setdefault(None, []).insert(0, reset_request_state)
    app.before_request(protect_forms)
    app.after_request(finish_transaction)
