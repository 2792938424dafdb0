"""Composition root: builds each adapter once, lazily, from the settings, and the services on top.

Nothing here runs at import; AWS clients are made on first use so a cold start pays only for what
the request needs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .domain.municipality import MunicipalityRegistry, registry
from .ports import CatStore, GatewayKeyRegistry, IdempotencyStore, KeyStore
from .services.cats import CatService
from .services.complaints import ComplaintService
from .services.idempotency import IdempotencyService
from .services.keys import KeyService
from .services.tokens import PageTokenCodec
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from .adapters.aws.dynamo import DynamoStores


class LocalGatewayKeyRegistry:
    """Locally there is no API Gateway in front: the app alone checks keys, so there is nothing to register."""

    def register(self, key_id: str, key: str) -> None:
        return None

    def disable(self, key_id: str) -> None:
        return None


def _local_secret(home: Path) -> bytes:
    """A per-installation signing secret, created once under CATDATA_HOME (0600)."""
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip().encode("ascii")


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def is_local(self) -> bool:
        return self.settings.backend == "local"

    @cached_property
    def registry(self) -> MunicipalityRegistry:
        return registry()

    @cached_property
    def secret(self) -> bytes:
        if self.is_local:
            return _local_secret(self.settings.home)
        if not self.settings.token_secret:
            raise RuntimeError("CATDATA_TOKEN_SECRET is not set for this AWS stage")
        return self.settings.token_secret.encode("utf-8")

    # ---- adapters ---------------------------------------------------------------------------

    @cached_property
    def dynamo_stores(self) -> DynamoStores:
        from .adapters.aws.dynamo import make_dynamo_stores

        return make_dynamo_stores(self.settings)

    @cached_property
    def cat_store(self) -> CatStore:
        if self.is_local:
            from .adapters.sqlite.stores import SqliteCatStore

            return SqliteCatStore(self.settings.sqlite_path)
        return self.dynamo_stores.cats

    @cached_property
    def key_store(self) -> KeyStore:
        if self.is_local:
            from .adapters.sqlite.stores import SqliteKeyStore

            return SqliteKeyStore(self.settings.sqlite_path)
        return self.dynamo_stores.keys

    @cached_property
    def idempotency_store(self) -> IdempotencyStore:
        if self.is_local:
            from .adapters.sqlite.stores import SqliteIdempotencyStore

            return SqliteIdempotencyStore(self.settings.sqlite_path)
        return self.dynamo_stores.idempotency

    @cached_property
    def gateway_keys(self) -> GatewayKeyRegistry:
        if self.is_local:
            return LocalGatewayKeyRegistry()
        from .adapters.aws.apigateway_keys import ApiGatewayKeyRegistry

        return ApiGatewayKeyRegistry(self.settings.usage_plan_id, self.settings.stage)

    # ---- services ---------------------------------------------------------------------------

    @cached_property
    def tokens(self) -> PageTokenCodec:
        return PageTokenCodec(self.secret)

    @cached_property
    def cats(self) -> CatService:
        return CatService(self.cat_store)

    @cached_property
    def complaints(self) -> ComplaintService:
        return ComplaintService(self.cat_store)

    @cached_property
    def keys(self) -> KeyService:
        return KeyService(self.key_store, self.registry, self.gateway_keys)

    @cached_property
    def idempotency(self) -> IdempotencyService:
        return IdempotencyService(self.idempotency_store, dt.timedelta(seconds=self.settings.idempotency_ttl_seconds))


@lru_cache(maxsize=1)
def get_container() -> Container:
    return Container(load_settings())
