"""Concurrent writers with the same expected version: exactly one wins (SQLite).

DynamoDB gets the same guarantee from its conditional writes, which the contract suite checks one
write at a time; moto applies concurrent transactions without isolation (two conditional
TransactWriteItems on one version can both pass), so racing it would test moto, not the adapter.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from chalicelib.domain.errors import PreconditionFailed
from chalicelib.domain.rules import apply_event
from chalicelib.ports import CatStore

from .factories import TODAY, event_request, increasing_id, new_cat

WRITERS = 8


def race(writers: list[Callable[[], None]]) -> list[str]:
    """Run the writers as close together as threads allow; 'ok' or the error's class name for each."""
    start = threading.Barrier(len(writers))

    def run(write: Callable[[], None]) -> str:
        start.wait()
        try:
            write()
        except PreconditionFailed:
            return "PreconditionFailed"
        return "ok"

    with ThreadPoolExecutor(len(writers)) as pool:
        return list(pool.map(run, writers))


def test_concurrent_saves_with_the_same_version_leave_exactly_one_winner(sqlite_cats: CatStore) -> None:
    cats = sqlite_cats
    cat = new_cat()
    cats.create_cat(cat)
    candidates = [cat.model_copy(update={"name": f"候補{i}", "version": 2}) for i in range(WRITERS)]

    outcomes = race([partial(cats.save_cat, c, expected_version=1) for c in candidates])

    assert sorted(outcomes) == ["PreconditionFailed"] * (WRITERS - 1) + ["ok"]
    stored = cats.get_cat(cat.municipality_id, cat.cat_id)
    assert stored == candidates[outcomes.index("ok")]


def test_concurrent_events_on_the_same_version_store_exactly_one(sqlite_cats: CatStore) -> None:
    cats = sqlite_cats
    cat = new_cat()
    cats.create_cat(cat)
    attempts = [
        apply_event(
            cat,
            event_request("sighting", dt.date(2024, 7, 1), notes=f"目撃{i}"),
            event_id=increasing_id(),
            recorded_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC),
            today=TODAY,
            last_event=None,
        )
        for i in range(WRITERS)
    ]

    outcomes = race([partial(cats.record_event, cat, event, expected_version=1) for cat, event in attempts])

    assert outcomes.count("ok") == 1
    winner = attempts[outcomes.index("ok")]
    assert cats.list_events(cat.municipality_id, cat.cat_id) == [winner[1]]
    assert cats.get_cat(cat.municipality_id, cat.cat_id) == winner[0]
