"""One SQLite file shared by the local stores: connections, pragmas, schema and write transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Busy writers wait this long for the write lock before SQLite gives up ("database is locked").
BUSY_TIMEOUT_MS = 10_000
# Idle connections kept for reuse; chalice local starts a thread per request, so connections are
# pooled rather than pinned to threads that die after one request.
MAX_IDLE_CONNECTIONS = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS cats (
    municipality_id TEXT NOT NULL,
    cat_id TEXT NOT NULL,
    status TEXT NOT NULL,
    area TEXT,
    neutered INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (municipality_id, cat_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
    municipality_id TEXT NOT NULL,
    cat_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (municipality_id, cat_id, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_date ON events (municipality_id, occurred_on, event_id);

CREATE TABLE IF NOT EXISTS complaints (
    municipality_id TEXT NOT NULL,
    complaint_id TEXT NOT NULL,
    received_on TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (municipality_id, complaint_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS complaints_by_date ON complaints (municipality_id, received_on, complaint_id);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation TEXT NOT NULL,
    kind TEXT NOT NULL,
    municipality_id TEXT NOT NULL,
    sk TEXT NOT NULL,
    new_image TEXT,
    old_image TEXT,
    recorded_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
"""


class SqliteDatabase:
    """Pooled connections to one WAL-mode file; each connection is used by one thread at a time.

    WAL with synchronous=NORMAL keeps every committed transaction when the process is killed (only
    an OS crash or power loss can lose the last commits). Every read-modify-write runs in
    `transaction()`, which takes the write lock up front (BEGIN IMMEDIATE), so two writers can never
    both read the same version and both write.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        with self.connection() as conn:
            conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (each statement its own transaction), for reads."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"database {self.path} is closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.rollback()
            with self._lock:
                if self._closed or len(self._idle) >= MAX_IDLE_CONNECTIONS:
                    conn.close()
                else:
                    self._idle.append(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the write lock from its first statement; rolled back on any error."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
