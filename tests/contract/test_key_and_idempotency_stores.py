"""KeyStore and IdempotencyStore contracts: every test runs against SQLite and DynamoDB (moto)."""

from __future__ import annotations

import datetime as dt
import secrets

from chalicelib.domain.keys import ApiKeyRecord, Role, hash_key, new_key
from chalicelib.ports import IdempotencyRecord, IdempotencyStore, KeyStore

from .conftest import Backend

CREATED = dt.datetime(2024, 4, 1, 9, 0, tzinfo=dt.UTC)


def new_record(role: Role = Role.editor, scope: list[str] | None = None, minutes: int = 0) -> ApiKeyRecord:
    key_id, key = new_key()
    return ApiKeyRecord(
        key_id=key_id,
        key_hash=hash_key(key),
        role=role,
        scope=scope or ["131016"],
        description="千代田区 環境衛生係",
        created_at=CREATED + dt.timedelta(minutes=minutes),
    )


def unique_key() -> str:
    return f"{secrets.token_hex(6)}#{secrets.token_urlsafe(16)}"


# ---- keys ------------------------------------------------------------------------------------------


def test_a_stored_key_reads_back_unchanged(backend: Backend) -> None:
    record = new_record(Role.admin, ["13", "271004"])

    backend.keys.put_key(record)

    assert backend.keys.get_key(record.key_id) == record
    assert backend.keys.get_key("000000000000") is None


def test_keys_are_listed_oldest_first(backend: Backend) -> None:
    records = [new_record(minutes=m) for m in (5, 1, 3)]
    for record in records:
        backend.keys.put_key(record)

    assert backend.keys.list_keys() == sorted(records, key=lambda r: r.created_at)


def test_revoking_keeps_the_first_time_and_reports_unknown_keys(backend: Backend) -> None:
    keys: KeyStore = backend.keys
    record = new_record()
    keys.put_key(record)
    first = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)

    assert keys.revoke_key(record.key_id, first) is True
    assert keys.revoke_key(record.key_id, first + dt.timedelta(days=1)) is True
    assert keys.revoke_key("000000000000", first) is False

    stored = keys.get_key(record.key_id)
    assert stored is not None and stored.revoked_at == first
    assert stored.model_copy(update={"revoked_at": None}) == record
    assert keys.get_key("000000000000") is None


def test_touching_records_the_last_use_and_creates_no_unknown_key(backend: Backend) -> None:
    keys: KeyStore = backend.keys
    record = new_record()
    keys.put_key(record)
    used = dt.datetime(2024, 6, 1, 8, 30, 12, 345000, tzinfo=dt.UTC)

    keys.touch_key(record.key_id, used)
    keys.touch_key("000000000000", used)

    stored = keys.get_key(record.key_id)
    assert stored is not None and stored.last_used_at == used
    assert keys.get_key("000000000000") is None
    assert [r.key_id for r in keys.list_keys()] == [record.key_id]


# ---- idempotency -----------------------------------------------------------------------------------------

NOW = dt.datetime(2024, 7, 1, 3, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=24)


def test_the_first_reservation_claims_the_key_and_a_second_sees_it_running(backend: Backend) -> None:
    store: IdempotencyStore = backend.idempotency
    key = unique_key()

    assert store.reserve(key, "hash-a", NOW, NOW + TTL) is None
    running = store.reserve(key, "hash-b", NOW + dt.timedelta(seconds=1), NOW + TTL)

    assert running is not None
    assert running.request_hash == "hash-a" and not running.completed
    assert running.started_at == NOW and running.expires_at == NOW + TTL


def test_a_completed_record_is_returned_with_its_response(backend: Backend) -> None:
    store: IdempotencyStore = backend.idempotency
    key = unique_key()
    store.reserve(key, "hash-a", NOW, NOW + TTL)
    completed = IdempotencyRecord(
        request_hash="hash-a",
        expires_at=NOW + TTL,
        status_code=201,
        body='{"name":"たま"}',
        headers={"ETag": '"1"', "Location": "/municipalities/131016/cats/X"},
        started_at=NOW,
    )

    store.complete(key, completed)

    assert store.reserve(key, "hash-a", NOW + dt.timedelta(minutes=5), NOW + TTL) == completed


def test_a_released_key_can_be_claimed_again(backend: Backend) -> None:
    store: IdempotencyStore = backend.idempotency
    key = unique_key()
    store.reserve(key, "hash-a", NOW, NOW + TTL)

    store.release(key)

    assert store.reserve(key, "hash-b", NOW, NOW + TTL) is None
    again = store.reserve(key, "hash-c", NOW, NOW + TTL)
    assert again is not None and again.request_hash == "hash-b"


def test_an_expired_record_is_replaced_even_before_it_is_deleted(backend: Backend) -> None:
    store: IdempotencyStore = backend.idempotency
    key = unique_key()
    store.complete(key, IdempotencyRecord("hash-a", NOW + TTL, 200, "{}", {}, NOW))

    still_live = store.reserve(key, "hash-b", NOW + TTL, NOW + 2 * TTL)
    after_expiry = NOW + TTL + dt.timedelta(seconds=1)
    replaced = store.reserve(key, "hash-b", after_expiry, after_expiry + TTL)

    assert still_live is not None and still_live.request_hash == "hash-a"
    assert replaced is None
    current = store.reserve(key, "hash-c", after_expiry, after_expiry + TTL)
    assert current is not None and current.request_hash == "hash-b" and not current.completed


def test_keys_of_different_owners_do_not_meet(backend: Backend) -> None:
    store: IdempotencyStore = backend.idempotency
    shared = secrets.token_hex(8)

    assert store.reserve(f"aaaaaaaaaaaa#{shared}", "hash-a", NOW, NOW + TTL) is None
    assert store.reserve(f"bbbbbbbbbbbb#{shared}", "hash-b", NOW, NOW + TTL) is None
