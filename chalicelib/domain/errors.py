"""Domain errors. The API layer maps each to one problem-details status; nothing here knows HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError


class DomainError(Exception):
    """Base of every error a client can cause. `title` is stable; `detail` explains this case."""

    title = "Bad request"

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else []


class InvalidInput(DomainError):
    title = "Invalid input"


class Unauthenticated(DomainError):
    title = "Missing or unknown API key"


class Forbidden(DomainError):
    title = "Forbidden"


class NotFound(DomainError):
    title = "Not found"


class Conflict(DomainError):
    title = "Conflict"


class PreconditionFailed(DomainError):
    title = "Precondition failed"


class IdempotencyMismatch(DomainError):
    title = "Idempotency key reused with another request"


class PayloadTooLarge(DomainError):
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    title = "Unsupported media type"


def invalid_input(error: ValidationError, detail: str, *location: str) -> InvalidInput:
    """A pydantic validation failure as the client's error, each bad field named under `location`
    (e.g. "body", "parameters")."""
    return InvalidInput(
        detail,
        errors=[
            {"loc": [*location, *item["loc"]], "msg": item["msg"]}
            for item in error.errors(include_url=False, include_input=False)
        ],
    )
