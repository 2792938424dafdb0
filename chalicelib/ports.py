"""The interfaces the services need. Adapters in chalicelib/adapters implement them for each backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from .domain.errors import InvalidInput
from .domain.keys import ApiKeyRecord
from .domain.models import Cat, CatFilter, Complaint, Event

T = TypeVar("T")

Cursor = dict[str, Any]


def cursor_position(cursor: Cursor | None) -> str | None:
    """The id a page starts after, from a cursor a store gave out (`{"after": id}` in both backends)."""
    if cursor is None:
        return None
    after = cursor.get("after") if isinstance(cursor, dict) else None
    if not isinstance(after, str) or not after:
        raise InvalidInput(
            "the page token is not one this API gave out",
            errors=[{"loc": ["query", "next_token"], "msg": "invalid page token"}],
        )
    return after


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursor: Cursor | None = None  # where the next page starts; None when there is no more


class CatStore(Protocol):
    """Cats, their events and complaints, partitioned by municipality.

    Version rules: a cat is created with version 1; `save_cat` and `record_event` write only if the
    stored version equals `expected_version` (else PreconditionFailed; NotFound if the cat is gone),
    and the cat passed in already carries the new version.
    """

    def create_cat(self, cat: Cat) -> None: ...

    def create_cats(self, cats: Sequence[Cat]) -> None:
        """Bulk import: all or nothing."""
        ...

    def get_cat(self, municipality_id: str, cat_id: str) -> Cat | None: ...

    def list_cats(self, municipality_id: str, flt: CatFilter, limit: int, cursor: Cursor | None) -> Page[Cat]:
        """Cats in cat_id order (ULIDs: registration order), at most `limit`, matching the filter."""
        ...

    def save_cat(self, cat: Cat, expected_version: int) -> None: ...

    def delete_cat(self, municipality_id: str, cat_id: str, expected_version: int | None) -> None:
        """Remove the cat and all its events; NotFound if absent, PreconditionFailed on a stale version."""
        ...

    def record_event(self, cat: Cat, event: Event, expected_version: int) -> None:
        """Store the event and the cat's new state in one atomic write."""
        ...

    def list_events(self, municipality_id: str, cat_id: str) -> list[Event]:
        """The cat's events, oldest first (occurred_on, then recording order)."""
        ...

    def last_event(self, municipality_id: str, cat_id: str) -> Event | None: ...

    def add_complaint(self, complaint: Complaint) -> None: ...

    def list_complaints(self, municipality_id: str, limit: int, cursor: Cursor | None) -> Page[Complaint]: ...

    def events_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Event]:
        """Every event of the municipality with start <= occurred_on <= end (an index, not a scan)."""
        ...

    def complaints_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Complaint]: ...


class KeyStore(Protocol):
    def put_key(self, record: ApiKeyRecord) -> None: ...

    def get_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def list_keys(self) -> list[ApiKeyRecord]: ...

    def revoke_key(self, key_id: str, at: dt.datetime) -> bool:
        """True if the key existed (revoking twice keeps the first time)."""
        ...

    def touch_key(self, key_id: str, at: dt.datetime) -> None:
        """Record last use (best effort, throttled by the caller)."""
        ...


@dataclass(frozen=True)
class IdempotencyRecord:
    request_hash: str
    expires_at: dt.datetime
    status_code: int | None = None  # None while the first request is still running
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    started_at: dt.datetime | None = None

    @property
    def completed(self) -> bool:
        return self.status_code is not None


class IdempotencyStore(Protocol):
    def reserve(
        self, key: str, request_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> IdempotencyRecord | None:
        """Claim `key` (None), or return the live record already there. Expired records are replaced."""
        ...

    def complete(self, key: str, record: IdempotencyRecord) -> None: ...

    def release(self, key: str) -> None:
        """Forget a reservation whose request failed, so a retry can run."""
        ...


# ---- change feed (DynamoDB Streams in AWS, the SQLite outbox locally) ---------------------------

ChangeOperation = Literal["INSERT", "MODIFY", "REMOVE"]
ChangeKind = Literal["cat", "event", "complaint"]


@dataclass(frozen=True)
class ChangeRecord:
    """One committed change, as both backends report it.

    Images are the stored item in JSON form: the model's `model_dump(mode="json")` fields (None
    omitted) plus `municipality_id`, `sk` and `kind` — the same whether they come from a DynamoDB
    stream record (deserialised) or from the SQLite outbox. `sequence` orders changes and makes
    replays idempotent (the stream's SequenceNumber; the outbox row id, zero-padded).
    """

    sequence: str
    operation: ChangeOperation
    kind: ChangeKind
    municipality_id: str
    sk: str
    new_image: dict[str, Any] | None
    old_image: dict[str, Any] | None
    approximate_time: dt.datetime


class ChangeOutbox(Protocol):
    """The local store's transactional outbox: changes written in the same transaction as the data."""

    def read_changes(self, after_sequence: str | None, limit: int) -> list[ChangeRecord]: ...


class GatewayKeyRegistry(Protocol):
    """Where keys must also be known besides our store: API Gateway's usage plan in AWS, nothing locally."""

    def register(self, key_id: str, key: str) -> None: ...

    def disable(self, key_id: str) -> None: ...


# ---- cat photos (S3 + DynamoDB in AWS, files + SQLite locally) ------------------------------------
# Imported here rather than at the top so the sections above stay untouched.
from .domain.photos import PhotoRecord, PresignedUpload  # noqa: E402


class PhotoRecordStore(Protocol):
    """What is known about each photo (state, dimensions), partitioned like cats by municipality."""

    def add_photo(self, record: PhotoRecord, *, limit: int, pending_since: dt.datetime) -> None:
        """Store a new pending record, unless the cat already has `limit` photos that are ready, or pending and
        created at or after `pending_since` (Conflict). Atomic against concurrent adds for the same cat."""
        ...

    def get_photo(self, municipality_id: str, cat_id: str, photo_id: str) -> PhotoRecord | None: ...

    def list_photos(self, municipality_id: str, cat_id: str) -> list[PhotoRecord]:
        """The cat's photos in photo_id order (ULIDs: upload order)."""
        ...

    def update_photo(self, record: PhotoRecord) -> None:
        """Replace a stored record (state and what processing found); NotFound if it is gone."""
        ...

    def delete_photos(self, municipality_id: str, cat_id: str) -> int:
        """Forget every photo of the cat; how many there were."""
        ...


class PhotoStore(Protocol):
    """Photo bytes under keys made in chalicelib.domain.photos (ids only). Private: read through signed URLs."""

    def presign_upload(self, key: str, expires_at: dt.datetime, content_type: str | None) -> PresignedUpload:
        """A form upload to exactly `key`, valid until `expires_at`, 1 byte..MAX_UPLOAD_BYTES, an image/* type
        (exactly `content_type` when given)."""
        ...

    def size_of(self, key: str) -> int | None:
        """Bytes stored under `key`, None if nothing is."""
        ...

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with `prefix`; how many."""
        ...

    def presign_download(self, key: str, expires_at: dt.datetime) -> str: ...


class LocalPhotoEndpoints(Protocol):
    """The local backend's stand-in for S3's own endpoints: the form POST and the signed GET."""

    def accept_upload(self, fields: dict[str, str], data: bytes, content_type: str | None) -> str:
        """Check the signed form (signature, expiry, size, type) and store `data`; the key it went to.
        InvalidInput / Forbidden / PayloadTooLarge / UnsupportedMediaType otherwise, nothing stored."""
        ...

    def open_download(self, token: str) -> tuple[bytes, str]:
        """The bytes and content type a signed download token names; Forbidden if forged or expired."""
        ...


# ---- data lake and analytics (S3 + Athena in AWS, files + DuckDB locally) -----------------------


class LakeWriter(Protocol):
    """Puts one raw lake object (gzip NDJSON) at a key relative to the lake root, replacing what is there.

    Keys are deterministic (partition + first/last record id), so writing a replayed batch again
    overwrites the same objects instead of adding copies.
    """

    def write(self, key: str, body: bytes) -> None: ...


class ChangeFeedPosition(Protocol):
    """The last change sequence the local publisher wrote to the lake (None before the first)."""

    def read(self) -> str | None: ...

    def save(self, sequence: str) -> None: ...


AnalyticsState = Literal["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]


@dataclass(frozen=True)
class AnalyticsStatus:
    state: AnalyticsState
    reason: str | None = None  # why it failed, in words a client may read


@dataclass(frozen=True)
class AnalyticsPage:
    columns: list[str]
    rows: list[list[Any]]
    next_token: str | None = None  # the engine's own token; the service wraps it


class AnalyticsEngine(Protocol):
    """Runs the repository's Trino-dialect SQL with positional `?` parameters (never string-built SQL)."""

    def start(self, query_name: str, sql: str, params: Sequence[Any]) -> str:
        """Start the query; the engine's id for it."""
        ...

    def status(self, query_id: str) -> AnalyticsStatus:
        """NotFound if the engine does not know the id."""
        ...

    def results(self, query_id: str, page_token: str | None, limit: int) -> AnalyticsPage:
        """One page of a SUCCEEDED query's rows."""
        ...


@dataclass(frozen=True)
class CompactionReport:
    tables: dict[str, int]  # curated table → rows now in it (-1 when the engine does not say)


class LakeCompactor(Protocol):
    """Rewrites curated/ (Parquet, latest state per entity, deletions removed) from raw/."""

    def compact(self) -> CompactionReport: ...
