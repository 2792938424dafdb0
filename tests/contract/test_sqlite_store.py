"""What only the SQLite store does: the transactional outbox, index use, and surviving a killed process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.aws.dynamo_schema import cat_sk, complaint_sk, event_sk
from chalicelib.adapters.sqlite.stores import SqliteCatStore
from chalicelib.domain.errors import Conflict, NotFound, PreconditionFailed
from chalicelib.domain.models import Cat, CatFilter, Complaint, Event
from chalicelib.ports import ChangeRecord

from .factories import CHIYODA, CHUO, japanese_cat, new_cat, new_complaint, record

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def image(model: Cat | Event | Complaint, sk: str, kind: str) -> dict[str, Any]:
    return {**model.model_dump(mode="json", exclude_none=True), "sk": sk, "kind": kind}


def cat_image(cat: Cat) -> dict[str, Any]:
    return image(cat, cat_sk(cat.cat_id), "cat")


def event_image(event: Event) -> dict[str, Any]:
    return image(event, event_sk(event.cat_id, event.event_id), "event")


def summary(changes: list[ChangeRecord]) -> list[tuple[str, str, str, str]]:
    return [(c.operation, c.kind, c.municipality_id, c.sk) for c in changes]


# ---- outbox -----------------------------------------------------------------------------------------


def test_every_write_appends_its_change_records_in_order(sqlite_cats: SqliteCatStore) -> None:
    store = sqlite_cats
    cat = japanese_cat()
    store.create_cat(cat)
    renamed = cat.model_copy(update={"name": "みけ", "version": 2})
    store.save_cat(renamed, expected_version=1)
    after_trap, trap = record(store, renamed, "trap", dt.date(2024, 7, 1))
    after_surgery, surgery = record(store, after_trap, "surgery", dt.date(2024, 7, 2), cost_yen=20000)
    complaint = new_complaint()
    store.add_complaint(complaint)
    store.delete_cat(cat.municipality_id, cat.cat_id, expected_version=after_surgery.version)
    bulk = [new_cat(CHUO) for _ in range(3)]
    store.create_cats(bulk)

    changes = store.read_changes(None, 100)

    c_sk = cat_sk(cat.cat_id)
    trap_sk, surgery_sk = event_sk(cat.cat_id, trap.event_id), event_sk(cat.cat_id, surgery.event_id)
    assert summary(changes) == [
        ("INSERT", "cat", CHIYODA, c_sk),
        ("MODIFY", "cat", CHIYODA, c_sk),
        ("INSERT", "event", CHIYODA, trap_sk),
        ("MODIFY", "cat", CHIYODA, c_sk),
        ("INSERT", "event", CHIYODA, surgery_sk),
        ("MODIFY", "cat", CHIYODA, c_sk),
        ("INSERT", "complaint", CHIYODA, complaint_sk(complaint.complaint_id)),
        ("REMOVE", "event", CHIYODA, trap_sk),
        ("REMOVE", "event", CHIYODA, surgery_sk),
        ("REMOVE", "cat", CHIYODA, c_sk),
        *[("INSERT", "cat", CHUO, cat_sk(c.cat_id)) for c in bulk],
    ]
    images = [(c.new_image, c.old_image) for c in changes]
    assert images[0] == (cat_image(cat), None)
    assert images[1] == (cat_image(renamed), cat_image(cat))
    assert images[2] == (event_image(trap), None)
    assert images[3] == (cat_image(after_trap), cat_image(renamed))
    assert images[4] == (event_image(surgery), None)
    assert images[5] == (cat_image(after_surgery), cat_image(after_trap))
    assert images[6] == (image(complaint, complaint_sk(complaint.complaint_id), "complaint"), None)
    assert images[7:10] == [(None, event_image(trap)), (None, event_image(surgery)), (None, cat_image(after_surgery))]
    assert [c.new_image for c in changes[10:]] == [cat_image(c) for c in bulk]
    assert images[0][0] is not None and images[0][0]["name"] == "みけ（三毛）" and "microchip_id" in images[0][0]
    assert "notes" not in event_image(trap) and "notes" not in (images[2][0] or {})


def test_sequences_are_zero_padded_increasing_and_resume_after_the_last_read(sqlite_cats: SqliteCatStore) -> None:
    store = sqlite_cats
    store.create_cats([new_cat() for _ in range(7)])

    everything = store.read_changes(None, 100)
    pages: list[ChangeRecord] = []
    after = None
    while batch := store.read_changes(after, 3):
        pages += batch
        after = batch[-1].sequence

    assert pages == everything
    assert all(len(c.sequence) == 20 and c.sequence.isdigit() for c in everything)
    assert [c.sequence for c in everything] == sorted({c.sequence for c in everything})
    assert store.read_changes(everything[-1].sequence, 10) == []


def test_a_refused_write_leaves_no_change_record(sqlite_cats: SqliteCatStore) -> None:
    store = sqlite_cats
    cat = new_cat()
    store.create_cat(cat)
    after, _ = record(store, cat, "trap", dt.date(2024, 7, 1))
    complaint = new_complaint()
    store.add_complaint(complaint)
    before = store.read_changes(None, 100)

    refused: list[tuple[type[Exception], Any]] = [
        (Conflict, lambda: store.create_cat(cat)),
        (Conflict, lambda: store.create_cats([new_cat(), new_cat(), cat])),
        (PreconditionFailed, lambda: store.save_cat(cat.model_copy(update={"version": 2}), expected_version=1)),
        (NotFound, lambda: store.save_cat(new_cat(version=2), expected_version=1)),
        (PreconditionFailed, lambda: record(store, cat, "sighting", dt.date(2024, 7, 2))),
        (NotFound, lambda: record(store, new_cat(), "sighting", dt.date(2024, 7, 2))),
        (PreconditionFailed, lambda: store.delete_cat(CHIYODA, cat.cat_id, expected_version=1)),
        (Conflict, lambda: store.add_complaint(complaint)),
    ]
    for error, write in refused:
        with pytest.raises(error):
            write()

    assert store.read_changes(None, 100) == before
    assert store.get_cat(CHIYODA, cat.cat_id) == after
    assert [c.cat_id for c in store.list_cats(CHIYODA, CatFilter(), 10, None).items] == [cat.cat_id]


# ---- index use --------------------------------------------------------------------------------------------


def query_plans(store: SqliteCatStore, read: Any) -> list[str]:
    """The query plan of every SELECT `read` runs (the pool hands this thread the same connection back)."""
    statements: list[str] = []
    with store.database.connection() as conn:
        conn.set_trace_callback(statements.append)
    read()
    with store.database.connection() as conn:
        conn.set_trace_callback(None)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        return [" | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {s}")) for s in selects]


def test_reading_one_municipality_year_searches_the_date_indexes_only_within_that_range(
    sqlite_cats: SqliteCatStore,
) -> None:
    store = sqlite_cats
    for municipality_id in (CHIYODA, CHUO):
        for year in (2022, 2023, 2024):
            cat = new_cat(municipality_id)
            store.create_cat(cat)
            record(store, cat, "sighting", dt.date(year, 6, 1))
            store.add_complaint(new_complaint(municipality_id, dt.date(year, 6, 1)))
    start, end = dt.date(2023, 4, 1), dt.date(2024, 3, 31)  # fiscal year 2023

    event_plans = query_plans(store, lambda: store.events_between(CHIYODA, start, end))
    complaint_plans = query_plans(store, lambda: store.complaints_between(CHIYODA, start, end))

    # Wording differs a little between SQLite versions ("SEARCH TABLE events" in old ones).
    assert len(event_plans) == 1 and "SCAN" not in event_plans[0]
    assert "USING INDEX events_by_date (municipality_id=? AND occurred_on>? AND occurred_on<?)" in event_plans[0]
    assert len(complaint_plans) == 1 and "SCAN" not in complaint_plans[0]
    assert (
        "USING INDEX complaints_by_date (municipality_id=? AND received_on>? AND received_on<?)" in complaint_plans[0]
    )
    assert len(store.events_between(CHIYODA, start, end)) == 1


def test_listing_a_municipalitys_cats_searches_its_key_range(sqlite_cats: SqliteCatStore) -> None:
    store = sqlite_cats
    store.create_cat(new_cat())

    plans = query_plans(store, lambda: store.list_cats(CHIYODA, CatFilter(), 10, {"after": "0"}))

    assert len(plans) == 1 and "SCAN" not in plans[0]
    assert "USING PRIMARY KEY (municipality_id=? AND cat_id>?)" in plans[0]


# ---- durability ----------------------------------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from tests.contract.factories import new_cat
from chalicelib.adapters.sqlite.stores import SqliteCatStore

store = SqliteCatStore(Path(sys.argv[1]))
while True:
    cat = new_cat()
    store.create_cat(cat)
    print(cat.cat_id, flush=True)
"""


def test_every_acknowledged_write_survives_the_process_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "catdata.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline().strip() for _ in range(200)]
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    acknowledged += [line.strip() for line in writer.stdout if line.strip()]

    store = SqliteCatStore(path)
    try:
        stored = {cat.cat_id for cat in store.list_cats(CHIYODA, CatFilter(), 100_000, None).items}
    finally:
        store.close()
    assert writer.returncode == -signal.SIGKILL
    assert set(acknowledged) <= stored
    assert len(acknowledged) >= 200
