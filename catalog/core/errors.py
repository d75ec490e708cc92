"""Domain errors raised by services; `catalog.web.errors` turns them into HTTP answers."""


class DomainError(Exception):
    """Base of the errors services raise; `status` is the HTTP answer they call for."""

    status = 400

    def __init__(self, message: str, *, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    """Input that is well-formed but not acceptable; `errors` maps field to reasons."""

    status = 422
