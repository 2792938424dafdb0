"""The local backend's stores: cats, events and complaints (with a transactional outbox), keys, idempotency.

Each row keeps the model as JSON (`doc`, None fields omitted) plus the columns needed to find,
filter and sort it. Every write to cats, events and complaints also appends its change records to
`outbox` in the same transaction, in the image format of ports.ChangeRecord.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from ...domain.errors import Conflict, NotFound, PreconditionFailed
from ...domain.keys import ApiKeyRecord
from ...domain.models import Cat, CatFilter, Complaint, Event
from ...ports import ChangeKind, ChangeOperation, ChangeRecord, Cursor, IdempotencyRecord, Page, cursor_position
from ..aws.dynamo_schema import cat_sk, complaint_sk, event_sk
from .database import SqliteDatabase

_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)
_SEQUENCE_DIGITS = 20

# One outbox row: (operation, kind, municipality_id, sk, new_image, old_image, recorded_at)
_OutboxRow = tuple[str, str, str, str, str | None, str | None, str]

_INSERT_OUTBOX = (
    "INSERT INTO outbox (operation, kind, municipality_id, sk, new_image, old_image, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_CAT = (
    "INSERT INTO cats (municipality_id, cat_id, status, area, neutered, updated_at_us, version, doc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _epoch_us(moment: dt.datetime) -> int:
    """Microseconds since the epoch, so datetimes with different offsets compare by instant (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # A float timestamp resolves well under a microsecond for centuries around now, so rounding is exact.
    return round(moment.timestamp() * 1_000_000)


def _now_text() -> str:
    return _DATETIME.dump_python(dt.datetime.now(dt.UTC), mode="json")  # type: ignore[no-any-return]


def _cat_row(cat: Cat, doc: str) -> tuple[Any, ...]:
    return (
        cat.municipality_id,
        cat.cat_id,
        cat.status.value,
        cat.area,
        int(cat.neutered),
        _epoch_us(cat.updated_at),
        cat.version,
        doc,
    )


class SqliteCatStore:
    """CatStore and ChangeOutbox on one SQLite file (WAL)."""

    def __init__(self, path: Path) -> None:
        self.database = SqliteDatabase(path)

    def close(self) -> None:
        self.database.close()

    # ---- cats ----------------------------------------------------------------------------------

    def create_cat(self, cat: Cat) -> None:
        self.create_cats([cat])

    def create_cats(self, cats: Sequence[Cat]) -> None:
        now = _now_text()
        rows = []
        changes: list[_OutboxRow] = []
        for cat in cats:
            doc = cat.model_dump_json(exclude_none=True)
            sk = cat_sk(cat.cat_id)
            rows.append(_cat_row(cat, doc))
            changes.append(("INSERT", "cat", cat.municipality_id, sk, doc, None, now))
        try:
            with self.database.transaction() as conn:
                conn.executemany(_INSERT_CAT, rows)
                conn.executemany(_INSERT_OUTBOX, changes)
        except sqlite3.IntegrityError as error:
            raise Conflict("a cat with this id already exists; nothing was written") from error

    def get_cat(self, municipality_id: str, cat_id: str) -> Cat | None:
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT doc FROM cats WHERE municipality_id = ? AND cat_id = ?", (municipality_id, cat_id)
            ).fetchone()
        return None if row is None else Cat.model_validate_json(row[0])

    def list_cats(self, municipality_id: str, flt: CatFilter, limit: int, cursor: Cursor | None) -> Page[Cat]:
        conditions = ["municipality_id = ?"]
        params: list[Any] = [municipality_id]
        after = cursor_position(cursor)
        if after is not None:
            conditions.append("cat_id > ?")
            params.append(after)
        if flt.status is not None:
            conditions.append("status = ?")
            params.append(flt.status.value)
        if flt.area is not None:
            conditions.append("area = ?")
            params.append(flt.area)
        if flt.neutered is not None:
            conditions.append("neutered = ?")
            params.append(int(flt.neutered))
        if flt.updated_since is not None:
            conditions.append("updated_at_us >= ?")
            params.append(_epoch_us(flt.updated_since))
        # One row more than asked tells whether another page exists.
        params.append(limit + 1)
        sql = f"SELECT doc FROM cats WHERE {' AND '.join(conditions)} ORDER BY cat_id LIMIT ?"
        with self.database.connection() as conn:
            docs = [row[0] for row in conn.execute(sql, params)]
        cats = [Cat.model_validate_json(doc) for doc in docs[:limit]]
        more = len(docs) > limit
        return Page(cats, {"after": cats[-1].cat_id} if more and cats else None)

    def save_cat(self, cat: Cat, expected_version: int) -> None:
        doc = cat.model_dump_json(exclude_none=True)
        sk = cat_sk(cat.cat_id)
        now = _now_text()
        with self.database.transaction() as conn:
            old_doc = self._check_version(conn, cat.municipality_id, cat.cat_id, expected_version)
            conn.execute(
                "UPDATE cats SET status = ?, area = ?, neutered = ?, updated_at_us = ?, version = ?, doc = ? "
                "WHERE municipality_id = ? AND cat_id = ?",
                (*_cat_row(cat, doc)[2:], cat.municipality_id, cat.cat_id),
            )
            conn.execute(
                _INSERT_OUTBOX,
                ("MODIFY", "cat", cat.municipality_id, sk, doc, old_doc, now),
            )

    def delete_cat(self, municipality_id: str, cat_id: str, expected_version: int | None) -> None:
        now = _now_text()
        with self.database.transaction() as conn:
            old_doc = self._check_version(conn, municipality_id, cat_id, expected_version)
            keys = (municipality_id, cat_id)
            events = conn.execute(
                "SELECT event_id, doc FROM events WHERE municipality_id = ? AND cat_id = ? ORDER BY event_id", keys
            ).fetchall()
            conn.execute("DELETE FROM events WHERE municipality_id = ? AND cat_id = ?", keys)
            conn.execute("DELETE FROM cats WHERE municipality_id = ? AND cat_id = ?", keys)
            changes: list[_OutboxRow] = []
            for event_id, event_doc in events:
                sk = event_sk(cat_id, event_id)
                changes.append(("REMOVE", "event", municipality_id, sk, None, event_doc, now))
            sk = cat_sk(cat_id)
            changes.append(("REMOVE", "cat", municipality_id, sk, None, old_doc, now))
            conn.executemany(_INSERT_OUTBOX, changes)

    @staticmethod
    def _check_version(conn: sqlite3.Connection, municipality_id: str, cat_id: str, expected: int | None) -> str:
        """The stored cat's JSON, inside the caller's write transaction; NotFound or PreconditionFailed."""
        row = conn.execute(
            "SELECT version, doc FROM cats WHERE municipality_id = ? AND cat_id = ?", (municipality_id, cat_id)
        ).fetchone()
        if row is None:
            raise NotFound(f"no cat {cat_id} in municipality {municipality_id}")
        if expected is not None and row[0] != expected:
            raise PreconditionFailed(f"the cat is at version {row[0]}, not {expected}; nothing was changed")
        doc: str = row[1]
        return doc

    # ---- events --------------------------------------------------------------------------------

    def record_event(self, cat: Cat, event: Event, expected_version: int) -> None:
        cat_doc = cat.model_dump_json(exclude_none=True)
        event_doc = event.model_dump_json(exclude_none=True)
        c_sk = cat_sk(cat.cat_id)
        e_sk = event_sk(event.cat_id, event.event_id)
        now = _now_text()
        try:
            with self.database.transaction() as conn:
                old_doc = self._check_version(conn, cat.municipality_id, cat.cat_id, expected_version)
                conn.execute(
                    "INSERT INTO events (municipality_id, cat_id, event_id, occurred_on, doc) VALUES (?, ?, ?, ?, ?)",
                    (event.municipality_id, event.cat_id, event.event_id, event.occurred_on.isoformat(), event_doc),
                )
                conn.execute(
                    "UPDATE cats SET status = ?, area = ?, neutered = ?, updated_at_us = ?, version = ?, doc = ? "
                    "WHERE municipality_id = ? AND cat_id = ?",
                    (*_cat_row(cat, cat_doc)[2:], cat.municipality_id, cat.cat_id),
                )
                conn.executemany(
                    _INSERT_OUTBOX,
                    [
                        ("INSERT", "event", event.municipality_id, e_sk, event_doc, None, now),
                        (
                            "MODIFY",
                            "cat",
                            cat.municipality_id,
                            c_sk,
                            cat_doc,
                            old_doc,
                            now,
                        ),
                    ],
                )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"event {event.event_id} is already recorded; nothing was changed") from error

    def list_events(self, municipality_id: str, cat_id: str) -> list[Event]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT doc FROM events WHERE municipality_id = ? AND cat_id = ? ORDER BY occurred_on, event_id",
                (municipality_id, cat_id),
            ).fetchall()
        return [Event.model_validate_json(row[0]) for row in rows]

    def last_event(self, municipality_id: str, cat_id: str) -> Event | None:
        # Event ids are ULIDs in recording order, and events are recorded in the order they happened.
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT doc FROM events WHERE municipality_id = ? AND cat_id = ? ORDER BY event_id DESC LIMIT 1",
                (municipality_id, cat_id),
            ).fetchone()
        return None if row is None else Event.model_validate_json(row[0])

    def events_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Event]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT doc FROM events WHERE municipality_id = ? AND occurred_on BETWEEN ? AND ? "
                "ORDER BY occurred_on, event_id",
                (municipality_id, start.isoformat(), end.isoformat()),
            ).fetchall()
        return [Event.model_validate_json(row[0]) for row in rows]

    # ---- complaints ----------------------------------------------------------------------------

    def add_complaint(self, complaint: Complaint) -> None:
        doc = complaint.model_dump_json(exclude_none=True)
        sk = complaint_sk(complaint.complaint_id)
        now = _now_text()
        try:
            with self.database.transaction() as conn:
                conn.execute(
                    "INSERT INTO complaints (municipality_id, complaint_id, received_on, doc) VALUES (?, ?, ?, ?)",
                    (complaint.municipality_id, complaint.complaint_id, complaint.received_on.isoformat(), doc),
                )
                conn.execute(
                    _INSERT_OUTBOX,
                    ("INSERT", "complaint", complaint.municipality_id, sk, doc, None, now),
                )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"complaint {complaint.complaint_id} already exists") from error

    def list_complaints(self, municipality_id: str, limit: int, cursor: Cursor | None) -> Page[Complaint]:
        after = cursor_position(cursor) or ""
        with self.database.connection() as conn:
            docs = [
                row[0]
                for row in conn.execute(
                    "SELECT doc FROM complaints WHERE municipality_id = ? AND complaint_id > ? "
                    "ORDER BY complaint_id LIMIT ?",
                    (municipality_id, after, limit + 1),
                )
            ]
        complaints = [Complaint.model_validate_json(doc) for doc in docs[:limit]]
        more = len(docs) > limit
        return Page(complaints, {"after": complaints[-1].complaint_id} if more and complaints else None)

    def complaints_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Complaint]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT doc FROM complaints WHERE municipality_id = ? AND received_on BETWEEN ? AND ? "
                "ORDER BY received_on, complaint_id",
                (municipality_id, start.isoformat(), end.isoformat()),
            ).fetchall()
        return [Complaint.model_validate_json(row[0]) for row in rows]

    # ---- change feed ---------------------------------------------------------------------------

    def read_changes(self, after_sequence: str | None, limit: int) -> list[ChangeRecord]:
        after_id = int(after_sequence) if after_sequence else 0
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT id, operation, kind, municipality_id, sk, new_image, old_image, recorded_at "
                "FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [_change_record(*row) for row in rows]


def _image(doc: str | None, sk: str, kind: ChangeKind) -> dict[str, Any] | None:
    """The change image: the model's JSON (it already has municipality_id) plus `sk` and `kind`."""
    if doc is None:
        return None
    image: dict[str, Any] = json.loads(doc)
    image["sk"] = sk
    image["kind"] = kind
    return image


def _change_record(
    row_id: int,
    operation: ChangeOperation,
    kind: ChangeKind,
    municipality_id: str,
    sk: str,
    new_image: str | None,
    old_image: str | None,
    recorded_at: str,
) -> ChangeRecord:
    return ChangeRecord(
        sequence=str(row_id).zfill(_SEQUENCE_DIGITS),
        operation=operation,
        kind=kind,
        municipality_id=municipality_id,
        sk=sk,
        new_image=_image(new_image, sk, kind),
        old_image=_image(old_image, sk, kind),
        approximate_time=_DATETIME.validate_python(recorded_at),
    )


class SqliteKeyStore:
    """KeyStore: API key records (hashes only) in the same SQLite file."""

    def __init__(self, path: Path) -> None:
        self.database = SqliteDatabase(path)

    def close(self) -> None:
        self.database.close()

    def put_key(self, record: ApiKeyRecord) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO api_keys (key_id, doc) VALUES (?, ?)",
                (record.key_id, record.model_dump_json(exclude_none=True)),
            )

    def get_key(self, key_id: str) -> ApiKeyRecord | None:
        with self.database.connection() as conn:
            row = conn.execute("SELECT doc FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else ApiKeyRecord.model_validate_json(row[0])

    def list_keys(self) -> list[ApiKeyRecord]:
        with self.database.connection() as conn:
            rows = conn.execute("SELECT doc FROM api_keys").fetchall()
        records = [ApiKeyRecord.model_validate_json(row[0]) for row in rows]
        return sorted(records, key=lambda record: (record.created_at, record.key_id))

    def revoke_key(self, key_id: str, at: dt.datetime) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET doc = json_set(doc, '$.revoked_at', "
                "coalesce(json_extract(doc, '$.revoked_at'), ?)) WHERE key_id = ?",
                (_DATETIME.dump_python(at, mode="json"), key_id),
            )
            return cursor.rowcount > 0

    def touch_key(self, key_id: str, at: dt.datetime) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE api_keys SET doc = json_set(doc, '$.last_used_at', ?) WHERE key_id = ?",
                (_DATETIME.dump_python(at, mode="json"), key_id),
            )


def _epoch_seconds(moment: dt.datetime) -> int:
    return _epoch_us(moment) // 1_000_000


class SqliteIdempotencyStore:
    """IdempotencyStore in the same SQLite file; expiry in whole epoch seconds, as DynamoDB's TTL."""

    def __init__(self, path: Path) -> None:
        self.database = SqliteDatabase(path)

    def close(self) -> None:
        self.database.close()

    def reserve(
        self, key: str, request_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> IdempotencyRecord | None:
        with self.database.transaction() as conn:
            row = conn.execute("SELECT expires_at, doc FROM idempotency WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] >= _epoch_seconds(now):
                return _idempotency_record(row[0], row[1])
            reservation = IdempotencyRecord(request_hash=request_hash, expires_at=expires_at, started_at=now)
            conn.execute(
                "INSERT OR REPLACE INTO idempotency (key, expires_at, doc) VALUES (?, ?, ?)",
                (key, _epoch_seconds(expires_at), _idempotency_doc(reservation)),
            )
        return None

    def complete(self, key: str, record: IdempotencyRecord) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO idempotency (key, expires_at, doc) VALUES (?, ?, ?)",
                (key, _epoch_seconds(record.expires_at), _idempotency_doc(record)),
            )

    def release(self, key: str) -> None:
        with self.database.transaction() as conn:
            conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))


def _idempotency_doc(record: IdempotencyRecord) -> str:
    fields: dict[str, Any] = {
        "request_hash": record.request_hash,
        "status_code": record.status_code,
        "body": record.body,
        "headers": record.headers,
        "started_at": None if record.started_at is None else _DATETIME.dump_python(record.started_at, mode="json"),
    }
    return json.dumps(fields, ensure_ascii=False)


def _idempotency_record(expires_at: int, doc: str) -> IdempotencyRecord:
    fields = json.loads(doc)
    started_at = fields["started_at"]
    return IdempotencyRecord(
        request_hash=fields["request_hash"],
        expires_at=dt.datetime.fromtimestamp(expires_at, dt.UTC),
        status_code=fields["status_code"],
        body=fields["body"],
        headers=fields["headers"],
        started_at=None if started_at is None else _DATETIME.validate_python(started_at),
    )
