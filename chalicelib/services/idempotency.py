"""`Idempotency-Key` for creating POSTs: the same key and body within 24 h replays the first answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.errors import Conflict, IdempotencyMismatch, InvalidInput
from ..domain.models import now_utc
from ..ports import IdempotencyRecord, IdempotencyStore

_KEY_FORM = re.compile(r"^[\x21-\x7e]{1,255}$")
# A first request that has not completed in this time is taken to have died; a retry may run.
_ABANDONED_AFTER = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    headers: dict[str, str]


class IdempotencyService:
    def __init__(self, store: IdempotencyStore, ttl: dt.timedelta) -> None:
        self._store = store
        self._ttl = ttl

    def run(
        self,
        *,
        owner: str,
        idempotency_key: str,
        request_fingerprint: bytes,
        operation: Callable[[], StoredResponse],
    ) -> tuple[StoredResponse, bool]:
        """(response, replayed). `owner` (the key id) keeps one client's keys apart from another's."""
        if not _KEY_FORM.match(idempotency_key):
            raise InvalidInput(
                "Idempotency-Key must be 1-255 visible ASCII characters",
                errors=[{"loc": ["header", "Idempotency-Key"], "msg": "invalid"}],
            )
        store_key = f"{owner}#{idempotency_key}"
        request_hash = hashlib.sha256(request_fingerprint).hexdigest()
        now = now_utc()
        existing = self._store.reserve(store_key, request_hash, now, now + self._ttl)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyMismatch(
                    "this Idempotency-Key was used with another request body or path in the last 24 hours"
                )
            if existing.completed:
                assert existing.status_code is not None and existing.body is not None
                return StoredResponse(existing.status_code, existing.body, dict(existing.headers)), True
            started = existing.started_at or now
            if now - started < _ABANDONED_AFTER:
                raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly")
            self._store.release(store_key)
            return self.run(
                owner=owner,
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
                operation=operation,
            )
        try:
            response = operation()
        except BaseException:
            self._store.release(store_key)
            raise
        self._store.complete(
            store_key,
            IdempotencyRecord(
                request_hash=request_hash,
                expires_at=now + self._ttl,
                status_code=response.status_code,
                body=response.body,
                headers=response.headers,
                started_at=now,
            ),
        )
        return response, False
