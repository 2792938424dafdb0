"""Opaque page tokens: the store's cursor, bound to the query it belongs to, signed so it cannot be forged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from ..domain.errors import InvalidInput
from ..ports import Cursor


class PageTokenCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, cursor: Cursor | None, binding: str) -> str | None:
        """`binding` names the query (route, municipality, filters): a token is refused on any other."""
        if cursor is None:
            return None
        payload = json.dumps({"c": cursor, "b": binding}, separators=(",", ":"), sort_keys=True, default=str)
        raw = payload.encode("utf-8")
        signature = hmac.new(self._secret, raw, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(signature + raw).decode("ascii").rstrip("=")

    def decode(self, token: str | None, binding: str) -> Cursor | None:
        if token is None:
            return None
        invalid = InvalidInput(
            "next_token is not a token this API issued for this query",
            errors=[{"loc": ["query", "next_token"], "msg": "invalid or foreign page token"}],
        )
        try:
            data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        # Only the one spelling this API gave out: base64's unused trailing bits would let others through.
        if base64.urlsafe_b64encode(data).decode("ascii").rstrip("=") != token:
            raise invalid
        signature, raw = data[:16], data[16:]
        expected = hmac.new(self._secret, raw, hashlib.sha256).digest()[:16]
        if len(signature) != 16 or not hmac.compare_digest(signature, expected):
            raise invalid
        payload: dict[str, Any] = json.loads(raw)
        if payload.get("b") != binding or not isinstance(payload.get("c"), dict):
            raise invalid
        cursor: Cursor = payload["c"]
        return cursor
