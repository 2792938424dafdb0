"""RFC 9457 problem details: the one shape of every error this API gives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalice.app import Response

from ..domain import errors as domain_errors

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://catdata.example.jp/problems/"

STATUS_OF: dict[type[domain_errors.DomainError], int] = {
    domain_errors.InvalidInput: 400,
    domain_errors.Unauthenticated: 401,
    domain_errors.Forbidden: 403,
    domain_errors.NotFound: 404,
    domain_errors.Conflict: 409,
    domain_errors.PreconditionFailed: 412,
    domain_errors.PayloadTooLarge: 413,
    domain_errors.UnsupportedMediaType: 415,
    domain_errors.IdempotencyMismatch: 422,
}

_SLUG_OF_STATUS = {
    400: "invalid-input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "idempotency-key-reused",
    429: "too-many-requests",
    500: "internal-error",
}
_TITLE_OF_STATUS = {
    400: "Invalid input",
    401: "Missing or unknown API key",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Idempotency key reused with another request",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: Iterable[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + _SLUG_OF_STATUS.get(status, "error"),
        "title": title or _TITLE_OF_STATUS.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    error_list = list(errors)
    if error_list:
        body["errors"] = error_list
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": PROBLEM_MEDIA_TYPE, **(headers or {})},
    )


def from_domain_error(error: domain_errors.DomainError) -> Response:
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
    headers = {"WWW-Authenticate": 'ApiKey header="x-api-key"'} if status == 401 else None
    return problem(status, error.detail, title=error.title, errors=error.errors, headers=headers)


def from_chalice_error_body(status: int, body: Any) -> Response | None:
    """Chalice answers some requests itself ({"Code", "Message"}); give those the problem shape too."""
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        detail = str(body["Message"]) if status < 500 else "an internal error occurred"
        return problem(status, detail)
    return None
