"""Local backend for photos: bytes as files under a root directory, records in SQLite, HMAC-signed URLs.

Upload and download URLs point at the local API server (routes `POST /local-uploads` and
`GET /local-photos/{token}`) and carry what S3's presigned POST/GET carry: the key, an expiry and the
limits, signed so a client cannot change them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..domain.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from ..domain.photos import (
    ALLOWED_CONTENT_TYPES,
    CONTENT_TYPES_BY_EXTENSION,
    MAX_UPLOAD_BYTES,
    PhotoRecord,
    PhotoState,
    PresignedUpload,
    parse_upload_key,
)

Clock = Callable[[], dt.datetime]

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LocalPhotoFiles:
    """PhotoStore and LocalPhotoEndpoints on the local file system."""

    def __init__(self, root: Path, base_url: str, secret: bytes, clock: Clock = _utc_now) -> None:
        if not secret:
            raise ValueError("a signing secret is required for local photo URLs")
        self._root = root
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._clock = clock

    # ---- PhotoStore ---------------------------------------------------------------------------------

    def presign_upload(self, key: str, expires_at: dt.datetime, content_type: str | None) -> PresignedUpload:
        policy = {
            "key": key,
            "expires_at": int(expires_at.timestamp()),
            "max_bytes": MAX_UPLOAD_BYTES,
            "content_type": content_type,
        }
        encoded = _b64encode(json.dumps(policy, sort_keys=True).encode())
        fields = {"key": key, "policy": encoded, "signature": self._sign("upload", encoded)}
        if content_type is not None:
            fields["Content-Type"] = content_type
        return PresignedUpload(url=f"{self._base_url}/local-uploads", fields=fields, expires_at=expires_at)

    def size_of(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def write(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a photo.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        directory = self._path(prefix.rstrip("/"))
        if not directory.is_dir():
            return 0
        removed = 0
        for path in sorted(directory.rglob("*"), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
                removed += 1
        directory.rmdir()
        return removed

    def presign_download(self, key: str, expires_at: dt.datetime) -> str:
        payload = _b64encode(json.dumps({"key": key, "expires_at": int(expires_at.timestamp())}).encode())
        return f"{self._base_url}/local-photos/{payload}.{self._sign('download', payload)}"

    # ---- LocalPhotoEndpoints ------------------------------------------------------------------------

    def accept_upload(self, fields: dict[str, str], data: bytes, content_type: str | None) -> str:
        missing = [name for name in ("key", "policy", "signature") if not fields.get(name)]
        if missing:
            raise InvalidInput(
                "the upload form lacks signed fields",
                errors=[{"loc": ["form", name], "msg": "required"} for name in missing],
            )
        if not hmac.compare_digest(fields["signature"].encode(), self._sign("upload", fields["policy"]).encode()):
            raise Forbidden("the upload signature does not match")
        policy = self._decode_json(fields["policy"])
        key = policy.get("key")
        if key != fields["key"] or not isinstance(key, str) or parse_upload_key(key) is None:
            raise Forbidden("the upload form names another key")
        if self._clock().timestamp() >= policy["expires_at"]:
            raise Forbidden("the upload URL has expired")
        declared = fields.get("Content-Type") or content_type
        pinned = policy.get("content_type")
        if declared not in ALLOWED_CONTENT_TYPES or (pinned is not None and declared != pinned):
            raise UnsupportedMediaType(f"uploads must be one of {', '.join(sorted(ALLOWED_CONTENT_TYPES))}")
        if len(data) > policy["max_bytes"]:
            raise PayloadTooLarge(f"the upload is larger than {policy['max_bytes']} bytes")
        if not data:
            raise InvalidInput("the upload is empty", errors=[{"loc": ["form", "file"], "msg": "empty"}])
        self.write(key, data, declared)
        return key

    def open_download(self, token: str) -> tuple[bytes, str]:
        payload, _, signature = token.partition(".")
        # Compared as bytes: compare_digest refuses non-ASCII text, and a token may hold anything.
        if not signature or not hmac.compare_digest(signature.encode(), self._sign("download", payload).encode()):
            raise Forbidden("the download link is not valid")
        claims = self._decode_json(payload)
        if self._clock().timestamp() >= claims["expires_at"]:
            raise Forbidden("the download link has expired")
        key = str(claims["key"])
        data = self.read(key)
        if data is None:
            raise NotFound("the photo no longer exists")
        return data, CONTENT_TYPES_BY_EXTENSION[key.rsplit(".", 1)[-1]]

    # ---- helpers --------------------------------------------------------------------------------------

    def _sign(self, purpose: str, payload: str) -> str:
        # The purpose is signed too, so an upload signature can never serve as a download token.
        return hmac.new(self._secret, f"{purpose}\n{payload}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _decode_json(encoded: str) -> dict[str, Any]:
        try:
            value = json.loads(_b64decode(encoded))
        except (binascii.Error, ValueError) as error:
            raise Forbidden("the signed data is malformed") from error
        if not isinstance(value, dict):
            raise Forbidden("the signed data is malformed")
        return value

    def _path(self, key: str) -> Path:
        # Keys are made by the service from ids; anything else is refused before it touches the disk.
        if not key or not set(key) <= _KEY_CHARS or ".." in key or key.startswith("/"):
            raise InvalidInput(f"not a photo key: {key!r}")
        return self._root / key


_SCHEMA = """
CREATE TABLE IF NOT EXISTS photos (
    municipality_id TEXT NOT NULL,
    cat_id TEXT NOT NULL,
    photo_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (municipality_id, cat_id, photo_id)
) WITHOUT ROWID;
"""


class SqlitePhotoRecords:
    """PhotoRecordStore in its own table of the local SQLite database (WAL, one connection per call)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self._path, timeout=10, isolation_level=None)) as connection:
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock before reading, so count-then-insert cannot interleave.
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def add_photo(self, record: PhotoRecord, *, limit: int, pending_since: dt.datetime) -> None:
        with self._write() as connection:
            (counted,) = connection.execute(
                "SELECT count(*) FROM photos WHERE municipality_id = ? AND cat_id = ?"
                " AND (state = ? OR (state = ? AND created_at >= ?))",
                (
                    record.municipality_id,
                    record.cat_id,
                    PhotoState.ready.value,
                    PhotoState.pending.value,
                    _sortable(pending_since),
                ),
            ).fetchone()
            if counted >= limit:
                raise Conflict(f"the cat already has {limit} photos")
            connection.execute(
                "INSERT INTO photos (municipality_id, cat_id, photo_id, state, created_at, doc)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (*self._row_key(record), record.state.value, _sortable(record.created_at), record.model_dump_json()),
            )

    def get_photo(self, municipality_id: str, cat_id: str, photo_id: str) -> PhotoRecord | None:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT doc FROM photos WHERE municipality_id = ? AND cat_id = ? AND photo_id = ?",
                (municipality_id, cat_id, photo_id),
            ).fetchone()
        return None if row is None else PhotoRecord.model_validate_json(row[0])

    def list_photos(self, municipality_id: str, cat_id: str) -> list[PhotoRecord]:
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT doc FROM photos WHERE municipality_id = ? AND cat_id = ? ORDER BY photo_id",
                (municipality_id, cat_id),
            ).fetchall()
        return [PhotoRecord.model_validate_json(doc) for (doc,) in rows]

    def update_photo(self, record: PhotoRecord) -> None:
        with self._write() as connection:
            cursor = connection.execute(
                "UPDATE photos SET state = ?, doc = ? WHERE municipality_id = ? AND cat_id = ? AND photo_id = ?",
                (record.state.value, record.model_dump_json(), *self._row_key(record)),
            )
            if cursor.rowcount == 0:
                raise NotFound("no such photo")

    def delete_photos(self, municipality_id: str, cat_id: str) -> int:
        with self._write() as connection:
            cursor = connection.execute(
                "DELETE FROM photos WHERE municipality_id = ? AND cat_id = ?", (municipality_id, cat_id)
            )
            return cursor.rowcount

    @staticmethod
    def _row_key(record: PhotoRecord) -> tuple[str, str, str]:
        return record.municipality_id, record.cat_id, record.photo_id


def _sortable(moment: dt.datetime) -> str:
    """UTC ISO text with fixed width, so SQLite's text comparison orders instants."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
