"""The local lake: the outbox publisher writes the same records as the stream handler; compaction to Parquet."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.adapters.duckdb_analytics import DuckDbLakeCompactor, connect_lake
from chalicelib.adapters.local_lake import LocalLakeWriter, OutboxPublisher
from chalicelib.lake.records import decode_ndjson_gzip
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.ports import ChangeRecord


class ListOutbox:
    """ChangeOutbox over a list (the SQLite outbox's contract: changes after a sequence, in order)."""

    def __init__(self, changes: list[ChangeRecord]) -> None:
        self.changes = changes

    def read_changes(self, after_sequence: str | None, limit: int) -> list[ChangeRecord]:
        return [c for c in self.changes if after_sequence is None or c.sequence > after_sequence][:limit]


class BrokenWriter:
    def write(self, key: str, body: bytes) -> None:
        raise OSError("disk full")


def _rows(root: Path) -> list[dict]:
    return [
        row for path in sorted((root / "raw").rglob("*.ndjson.gz")) for row in decode_ndjson_gzip(path.read_bytes())
    ]


def _changes(seed: int = 3) -> tuple[SyntheticLake, list[ChangeRecord]]:
    lake = SyntheticLake(seed=seed)
    changes = [c for m in ("131016", "011002") for _ in range(5) for c in lake.cat_lifecycle(m, 2025)]
    return lake, changes


def test_publisher_writes_each_outbox_change_once_and_remembers_where_it_stopped(tmp_path):
    lake, changes = _changes()
    outbox = ListOutbox(list(changes))
    publisher = OutboxPublisher(outbox, tmp_path)
    assert publisher.publish().changes == len(changes)
    assert publisher.publish().changes == 0
    outbox.changes.append(lake.complaint("131016", 2025))
    report = OutboxPublisher(outbox, tmp_path).publish()  # a new process resumes from the saved position
    assert report.changes == 1
    rows = _rows(tmp_path)
    assert len(rows) == len(changes) + 1 == len({r["record_id"] for r in rows})


def test_a_failed_write_keeps_the_position_so_the_next_publish_retries(tmp_path):
    _, changes = _changes()
    outbox = ListOutbox(changes)
    with pytest.raises(OSError):
        OutboxPublisher(outbox, tmp_path, writer=BrokenWriter()).publish()
    assert _rows(tmp_path) == []
    assert OutboxPublisher(outbox, tmp_path).publish().changes == len(changes)


def test_lake_keys_cannot_leave_the_lake_root(tmp_path):
    with pytest.raises(ValueError):
        LocalLakeWriter(tmp_path / "lake").write("../outside.ndjson.gz", b"x")


def test_compaction_keeps_the_latest_state_of_each_entity_and_drops_deleted_ones(tmp_path):
    lake, changes = _changes()
    cat_insert = changes[0]
    events_of_first_cat = [
        c
        for c in changes
        if c.kind == "event" and c.new_image and c.new_image["cat_id"] == cat_insert.new_image["cat_id"]
    ]
    deletions = [lake.removal(cat_insert), *(lake.removal(e) for e in events_of_first_cat)]
    OutboxPublisher(ListOutbox(changes + deletions), tmp_path).publish()
    report = DuckDbLakeCompactor(tmp_path).compact()
    cats = {c.new_image["cat_id"] for c in changes if c.kind == "cat" and c.new_image}
    events = {c.new_image["event_id"] for c in changes if c.kind == "event" and c.new_image}
    assert report.tables["curated_cat"] == len(cats) - 1
    assert report.tables["curated_event"] == len(events) - len(events_of_first_cat)
    assert list((tmp_path / "curated" / "cat").rglob("*.parquet"))
    with connect_lake(tmp_path) as connection:
        latest = connection.execute("SELECT cat_id, status, version FROM curated_cat ORDER BY cat_id").fetchall()
    final_state = {}
    for change in changes:
        if change.kind == "cat" and change.new_image:
            final_state[change.new_image["cat_id"]] = (change.new_image["status"], change.new_image["version"])
    final_state.pop(cat_insert.new_image["cat_id"])
    assert {row[0]: (row[1], row[2]) for row in latest} == final_state
    DuckDbLakeCompactor(tmp_path).compact()  # running again gives the same table
    with connect_lake(tmp_path) as connection:
        assert connection.execute("SELECT count(*) FROM curated_cat").fetchone() == (len(cats) - 1,)


def test_an_empty_lake_has_empty_tables(tmp_path):
    with connect_lake(tmp_path) as connection:
        assert connection.execute("SELECT count(*) FROM raw_event").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM curated_cat").fetchone() == (0,)
    assert DuckDbLakeCompactor(tmp_path).compact().tables == {
        "curated_cat": 0,
        "curated_event": 0,
        "curated_complaint": 0,
    }
