"""Reading one municipality-year must not read other years or other municipalities, on both real stores.

Each test records what the store actually read while StatisticsService computes one MoE table: on SQLite every
statement, its rows and its query plan (through a recording connection); on DynamoDB every call the client made,
with the Query parameters and the ScannedCount/Count of each answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.adapters.aws.dynamo import DynamoCatStore
from chalicelib.adapters.aws.dynamo_schema import DATE_INDEX
from chalicelib.adapters.sqlite.stores import SqliteCatStore
from chalicelib.domain.municipality import registry
from chalicelib.domain.statistics import MunicipalityIntakeOutcome
from chalicelib.ports import CatStore
from chalicelib.services.statistics import StatisticsService
from tests.contract.conftest import DynamoTables
from tests.contract.factories import CHIYODA, CHUO, new_cat, record

FISCAL_YEAR = 2023
FIRST_DAY, LAST_DAY = dt.date(2023, 4, 1), dt.date(2024, 3, 31)


def record_years_of_events(store: CatStore) -> int:
    """Events in fiscal years 2022-2024 for Chiyoda and Chuo, many on the March 31 / April 1 edges.

    Returns how many of Chiyoda's events are dated in fiscal year 2023.
    """
    in_year = 0
    for municipality_id in (CHIYODA, CHUO):
        cats = [new_cat(municipality_id) for _ in range(4)]
        for cat in cats:
            store.create_cat(cat)
        timelines = [
            [("intake", dt.date(2023, 3, 31)), ("adoption", dt.date(2023, 4, 1))],
            [("intake", dt.date(2023, 6, 1)), ("adoption", dt.date(2024, 3, 31))],
            [("intake", dt.date(2024, 3, 31)), ("adoption", dt.date(2024, 4, 1))],
            [("intake", dt.date(2022, 5, 1)), ("adoption", dt.date(2022, 6, 1)), ("intake", dt.date(2024, 10, 1))],
        ]
        for cat, timeline in zip(cats, timelines, strict=True):
            last = None
            for event_type, day in timeline:
                cat, last = record(store, cat, event_type, day, last_event=last)
                if municipality_id == CHIYODA and FIRST_DAY <= day <= LAST_DAY:
                    in_year += 1
    return in_year


def expected_table(table: MunicipalityIntakeOutcome) -> None:
    """Fiscal year 2023 of Chiyoda: two ownerless adult intakes (June 1, March 31), two adoptions (April 1,
    March 31); the edges' other sides belong to 2022 and 2024."""
    assert table.municipality_id == CHIYODA and table.fiscal_year == FISCAL_YEAR
    assert table.intake.ownerless.adult == 2 and table.intake.total == 2
    assert table.outcome.adopted.total == 2
    assert table.injured.intake == 0 and table.outcome.euthanized.total == 0


# ---- SQLite -------------------------------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    parameters: tuple[Any, ...]
    rows: list[Any] = field(default_factory=list)


class _RecordedCursor:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class _RecordingConnection:
    """Runs each statement on the real connection and keeps its SQL, parameters and every row it returned."""

    def __init__(self, connection: Any, log: list[Statement]) -> None:
        self._connection = connection
        self._log = log

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> _RecordedCursor:
        statement = Statement(sql, tuple(parameters), self._connection.execute(sql, parameters).fetchall())
        self._log.append(statement)
        return _RecordedCursor(statement.rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_sqlite_reads_one_municipality_year_through_the_date_index_and_only_that_years_rows(
    sqlite_cats: SqliteCatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_cats
    events_in_year = record_years_of_events(store)
    statements: list[Statement] = []
    real_connection = store.database.connection

    @contextmanager
    def recording_connection() -> Iterator[Any]:
        with real_connection() as conn:
            yield _RecordingConnection(conn, statements)

    monkeypatch.setattr(store.database, "connection", recording_connection)
    table = StatisticsService(store, registry()).intake_outcome_for_municipality(CHIYODA, FISCAL_YEAR)
    monkeypatch.undo()

    expected_table(table)
    assert events_in_year == 4
    assert len(statements) == 1
    (read,) = statements
    assert read.sql.lstrip().upper().startswith("SELECT") and " events " in f" {read.sql} "
    assert read.parameters == (CHIYODA, FIRST_DAY.isoformat(), LAST_DAY.isoformat())
    assert len(read.rows) == events_in_year
    with store.database.connection() as conn:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {read.sql}", read.parameters))
        # What the rows were: exactly Chiyoda's events of the year, nothing of another year or municipality.
        everything = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert "SCAN" not in plan
    assert "USING INDEX events_by_date (municipality_id=? AND occurred_on>? AND occurred_on<?)" in plan
    assert everything == 2 * 9 and len(read.rows) < everything


# ---- DynamoDB -----------------------------------------------------------------------------------------------


@dataclass
class Call:
    operation: str
    parameters: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)


def test_dynamodb_reads_one_municipality_year_by_one_key_range_of_the_date_index(
    dynamo_tables: DynamoTables, dynamo_cats: DynamoCatStore
) -> None:
    store = dynamo_cats
    events_in_year = record_years_of_events(store)
    calls: list[Call] = []

    def before(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append(Call(model.name, dict(params)))

    def after(parsed: dict[str, Any], **_: Any) -> None:
        calls[-1].response = parsed

    client_events = dynamo_tables.client.meta.events
    client_events.register("before-parameter-build.dynamodb", before)
    client_events.register("after-call.dynamodb", after)
    try:
        table = StatisticsService(store, registry()).intake_outcome_for_municipality(CHIYODA, FISCAL_YEAR)
    finally:
        client_events.unregister("before-parameter-build.dynamodb", before)
        client_events.unregister("after-call.dynamodb", after)

    expected_table(table)
    assert [call.operation for call in calls] == ["Query"], "one Query, no Scan, no item reads"
    (query,) = calls
    body = query.parameters
    assert body["IndexName"] == DATE_INDEX == "by_date"
    assert body["KeyConditionExpression"] == "#m = :m AND #date BETWEEN :start AND :end"
    assert body["ExpressionAttributeValues"] == {
        ":m": {"S": CHIYODA},
        ":start": {"S": f"EVENT#{FIRST_DAY.isoformat()}"},
        ":end": {"S": f"EVENT#{LAST_DAY.isoformat()}~"},
    }
    assert "FilterExpression" not in body
    assert query.response["ScannedCount"] == query.response["Count"] == events_in_year == 4
    assert "LastEvaluatedKey" not in query.response
