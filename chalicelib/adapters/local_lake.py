"""The local lake: the same layout as S3 under CATDATA_HOME/lake, fed from the SQLite store's outbox."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from ..ports import ChangeOutbox, LakeWriter
from ..services.change_feed import PublishReport, publish_outbox


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename: readers never see half an object."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalLakeWriter:
    """LakeWriter on a directory (CATDATA_HOME/lake)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, key: str, body: bytes) -> None:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"lake key {key[:80]!r} leaves the lake root")
        _atomic_write(path, body)


class FilePosition:
    """ChangeFeedPosition in a small file next to the lake."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return text or None

    def save(self, sequence: str) -> None:
        _atomic_write(self.path, sequence.encode("ascii"))


class OutboxPublisher:
    """Publishes the local outbox to the lake: call `publish()` after a commit or on demand.

    One publisher per process serialises its own runs; two processes may both publish the same changes,
    which is harmless (same keys, same bytes).
    """

    def __init__(self, outbox: ChangeOutbox, lake_root: Path, writer: LakeWriter | None = None) -> None:
        self._outbox = outbox
        self._writer = writer or LocalLakeWriter(lake_root)
        self._position = FilePosition(lake_root / "_published_sequence")
        self._lock = threading.Lock()

    def publish(self) -> PublishReport:
        with self._lock:
            return publish_outbox(self._outbox, self._writer, self._position)
