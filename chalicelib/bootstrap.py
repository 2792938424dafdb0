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
from .ports import AnalyticsEngine, CatStore, GatewayKeyRegistry, IdempotencyStore, KeyStore
from .services.cats import CatDeleted, CatService
from .services.complaints import ComplaintService
from .services.idempotency import IdempotencyService
from .services.keys import KeyService
from .services.tokens import PageTokenCodec
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from .adapters.aws.athena import AthenaAnalyticsEngine
    from .adapters.aws.dynamo import ClientFactory, DynamoStores
    from .adapters.local_lake import OutboxPublisher
    from .ports import LakeCompactor, LakeWriter
    from .services.analytics import AnalyticsService
    from .services.photos import PhotoService
    from .services.statistics import StatisticsService


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
    def dynamodb_client(self) -> ClientFactory:
        from .adapters.aws.dynamo import lazy_dynamodb_client

        return lazy_dynamodb_client()

    @cached_property
    def dynamo_stores(self) -> DynamoStores:
        from .adapters.aws.dynamo import make_dynamo_stores

        return make_dynamo_stores(self.settings, self.dynamodb_client)

    @cached_property
    def s3(self) -> S3Client:
        import boto3
        from botocore.config import Config

        # SigV4 presigning: buckets encrypted with KMS refuse older signatures.
        return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard"}))

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
        return CatService(self.cat_store, on_cat_deleted=[self._delete_photos_of])

    def _delete_photos_of(self, deleted: CatDeleted) -> None:
        self.photos.delete_cat_photos(deleted.municipality_id, deleted.cat_id)

    @cached_property
    def photos(self) -> PhotoService:
        from .services.photos import PhotoService

        if self.is_local:
            from .adapters.local_photos import LocalPhotoFiles, SqlitePhotoRecords

            files = LocalPhotoFiles(self.settings.home / "photos", self.settings.public_url, self.secret)
            return PhotoService(
                records=SqlitePhotoRecords(self.settings.sqlite_path),
                store=files,
                cats=self.cat_store,
                local_endpoints=files,
            )
        from .adapters.aws.dynamo_photos import DynamoPhotoRecords
        from .adapters.aws.s3_photos import S3PhotoStore

        return PhotoService(
            records=DynamoPhotoRecords(self.dynamodb_client(), self.settings.table_name),
            store=S3PhotoStore(self.s3, self.settings.photo_bucket),
            cats=self.cat_store,
            upload_bucket=self.settings.photo_bucket,
        )

    @cached_property
    def lake_writer(self) -> LakeWriter:
        """Where change records go: the lake bucket in AWS, CATDATA_HOME/lake locally."""
        if self.is_local:
            from .adapters.local_lake import LocalLakeWriter

            return LocalLakeWriter(self.settings.home / "lake")
        from .adapters.aws.s3_lake import S3LakeWriter

        return S3LakeWriter(self.s3, self.settings.lake_bucket)

    @cached_property
    def outbox_publisher(self) -> OutboxPublisher:
        """Local only: the SQLite outbox plays DynamoDB Streams' part."""
        from .adapters.local_lake import OutboxPublisher
        from .adapters.sqlite.stores import SqliteCatStore

        store = self.cat_store
        assert isinstance(store, SqliteCatStore)
        return OutboxPublisher(store, self.settings.home / "lake", self.lake_writer)

    def publish_changes(self) -> None:
        """Locally, move committed changes from the SQLite outbox to the lake (AWS: DynamoDB Streams does).

        A failure here loses nothing: the changes stay in the outbox and the next call publishes them.
        """
        if not self.is_local:
            return
        try:
            self.outbox_publisher.publish()
        except Exception:
            from .logs import logger

            logger.exception("publishing the local change feed failed; it will be retried on the next write")

    @cached_property
    def lake_compactor(self) -> LakeCompactor:
        if self.is_local:
            from .adapters.duckdb_analytics import DuckDbLakeCompactor

            return DuckDbLakeCompactor(self.settings.home / "lake")
        from .adapters.aws.athena import AthenaLakeCompactor

        return AthenaLakeCompactor(self._athena_engine())

    def _athena_engine(self) -> AthenaAnalyticsEngine:
        import boto3

        from .adapters.aws.athena import AthenaAnalyticsEngine

        return AthenaAnalyticsEngine(
            boto3.client("athena"),
            self.settings.athena_workgroup,
            self.settings.glue_database,
            self.settings.athena_output,
        )

    @cached_property
    def analytics(self) -> AnalyticsService:
        from .services.analytics import AnalyticsService

        if self.is_local:
            from .adapters.duckdb_analytics import DuckDbAnalyticsEngine

            engine: AnalyticsEngine = DuckDbAnalyticsEngine(
                self.settings.home / "lake", self.settings.home / "analytics"
            )
        else:
            engine = self._athena_engine()
        return AnalyticsService(engine, self.secret, self.registry)

    @cached_property
    def statistics(self) -> StatisticsService:
        from .services.statistics import StatisticsService

        return StatisticsService(self.cat_store, self.registry)

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
