"""Response descriptions reused across routes."""

from __future__ import annotations

from .routing import ResponseDoc
from .schemas import Problem

NO_CONTENT = ResponseDoc("Done; no body")


def ok(schema: type, description: str = "OK", headers: tuple[str, ...] = ()) -> ResponseDoc:
    return ResponseDoc(description, schema, headers=headers)


PROBLEM = ResponseDoc("Problem details (RFC 9457)", Problem, media_type="application/problem+json")
