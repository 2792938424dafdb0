"""API keys: create (shown once), list, revoke, and resolve `x-api-key` to a principal."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence

from ..domain.errors import InvalidInput, NotFound, Unauthenticated
from ..domain.keys import ApiKeyRecord, Principal, Role, hash_key, key_id_of, new_key, parse_scope_entry
from ..domain.models import now_utc
from ..domain.municipality import MunicipalityRegistry
from ..ports import GatewayKeyRegistry, KeyStore

# Writing last-used on every request would double the writes; a few minutes' precision is enough.
_TOUCH_INTERVAL = dt.timedelta(minutes=5)


class KeyService:
    def __init__(self, store: KeyStore, registry: MunicipalityRegistry, gateway: GatewayKeyRegistry) -> None:
        self._store = store
        self._registry = registry
        self._gateway = gateway

    def create(self, role: Role, scope: Sequence[str], description: str | None = None) -> tuple[ApiKeyRecord, str]:
        entries = [self._checked_scope_entry(entry) for entry in scope]
        if not entries:
            raise InvalidInput("a key needs a scope", errors=[{"loc": ["scope"], "msg": "at least one entry"}])
        key_id, key = new_key()
        record = ApiKeyRecord(
            key_id=key_id,
            key_hash=hash_key(key),
            role=role,
            scope=sorted(set(entries)),
            description=description,
            created_at=now_utc(),
        )
        self._store.put_key(record)
        self._gateway.register(key_id, key)
        return record, key

    def list_keys(self) -> list[ApiKeyRecord]:
        return self._store.list_keys()

    def revoke(self, key_id: str) -> None:
        if not self._store.revoke_key(key_id, now_utc()):
            raise NotFound(f"no key {key_id}")
        self._gateway.disable(key_id)

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthenticated("send your API key in the x-api-key header")
        key_id = key_id_of(key)
        record = self._store.get_key(key_id) if key_id else None
        if record is None or not hmac.compare_digest(record.key_hash, hash_key(key)) or record.revoked_at:
            raise Unauthenticated("the API key is unknown or revoked")
        now = now_utc()
        if record.last_used_at is None or now - record.last_used_at > _TOUCH_INTERVAL:
            self._store.touch_key(record.key_id, now)
        return Principal(key_id=record.key_id, role=record.role, scope=tuple(record.scope))

    def _checked_scope_entry(self, entry: str) -> str:
        parsed = parse_scope_entry(entry)
        if parsed == "*":
            return parsed
        known = self._registry.is_prefecture(parsed) if len(parsed) == 2 else self._registry.is_municipality(parsed)
        if not known:
            raise InvalidInput(
                f"scope entry {parsed} is not in the official list of local government codes",
                errors=[{"loc": ["scope"], "msg": "unknown code"}],
            )
        return parsed
