"""Analytics and compaction on the local lake with DuckDB (only its built-in json and parquet readers).

The repository's Trino SQL is transpiled once per file with sqlglot. Tables are views over the lake files:
raw_{kind} reads raw/{kind}/**.ndjson.gz with hive partitions (so a filter on prefecture_id, fiscal_year or
municipality_id skips other directories, as partition projection does in Athena), curated_{kind} reads the
Parquet that `compact` writes. Query results are kept as JSON under CATDATA_HOME/analytics/{query_id}.json,
so a GET in another request or process finds them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

from ..domain.errors import NotFound
from ..lake.sql_files import latest_state_sql
from ..lake.tables import (
    CURATED_PREFIX,
    KINDS,
    PARTITION_COLUMNS,
    RAW_PREFIX,
    RAW_SUFFIX,
    LakeKind,
    curated_columns,
    curated_table_name,
    data_columns,
    raw_table_name,
)
from ..ports import AnalyticsPage, AnalyticsStatus, CompactionReport

_QUERY_ID_CHARS = frozenset("0123456789abcdef")


@lru_cache(maxsize=64)
def to_duckdb(trino_sql: str) -> str:
    """Trino (Athena) SQL → DuckDB SQL; `?` placeholders stay positional."""
    statements = sqlglot.transpile(trino_sql, read="trino", write="duckdb")
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, got {len(statements)}")
    return str(statements[0])


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{sql_type}'" for name, sql_type in columns.items()) + "}"


def _hive_types() -> str:
    return _struct({c.name: c.duckdb_type for c in PARTITION_COLUMNS})


def _path_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def raw_files_glob(lake_root: Path, kind: LakeKind) -> Path:
    return lake_root / RAW_PREFIX / kind / "**" / f"*{RAW_SUFFIX}"


def raw_source_sql(lake_root: Path, kind: LakeKind) -> str:
    """A FROM-clause source over the raw files of `kind` with the Glue table's columns and partitions."""
    columns = {c.name: c.duckdb_type for c in data_columns(kind)}
    return (
        f"read_json({_path_literal(raw_files_glob(lake_root, kind))}, format='newline_delimited', "
        f"compression='gzip', hive_partitioning=true, columns={_struct(columns)}, hive_types={_hive_types()})"
    )


def _empty_source_sql(columns: dict[str, str]) -> str:
    selected = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in columns.items())
    return f"(SELECT {selected} WHERE false)"


def connect_lake(lake_root: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake's raw_* and curated_* tables as views (empty when no files yet)."""
    connection = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    connection.execute("SET enable_progress_bar = false")
    for kind in KINDS:
        raw_dir = lake_root / RAW_PREFIX / kind
        if raw_dir.is_dir() and any(raw_dir.rglob(f"*{RAW_SUFFIX}")):
            source = raw_source_sql(lake_root, kind)
        else:
            columns = {c.name: c.duckdb_type for c in data_columns(kind) + PARTITION_COLUMNS}
            source = _empty_source_sql(columns)
        connection.execute(f"CREATE VIEW {raw_table_name(kind)} AS SELECT * FROM {source}")
        curated_dir = lake_root / CURATED_PREFIX / kind
        if curated_dir.is_dir() and any(curated_dir.rglob("*.parquet")):
            glob = _path_literal(curated_dir / "**" / "*.parquet")
            curated = f"read_parquet({glob}, hive_partitioning=true, hive_types={_hive_types()})"
        else:
            curated = _empty_source_sql({c.name: c.duckdb_type for c in curated_columns(kind)})
        connection.execute(f"CREATE VIEW {curated_table_name(kind)} AS SELECT * FROM {curated}")
    return connection


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class DuckDbAnalyticsEngine:
    """AnalyticsEngine: runs each query to completion in `start` (local data is small) and keeps the result."""

    def __init__(self, lake_root: Path, results_dir: Path) -> None:
        self.lake_root = lake_root
        self.results_dir = results_dir

    def start(self, query_name: str, sql: str, params: Sequence[Any]) -> str:
        query_id = uuid.uuid4().hex
        record: dict[str, Any] = {"query_name": query_name, "state": "SUCCEEDED", "reason": None}
        try:
            with connect_lake(self.lake_root) as connection:
                cursor = connection.execute(to_duckdb(sql), list(params))
                record["columns"] = [d[0] for d in cursor.description or []]
                record["rows"] = [[_json_value(v) for v in row] for row in cursor.fetchall()]
        except (duckdb.Error, sqlglot.errors.SqlglotError, ValueError) as exc:
            record.update(state="FAILED", reason=f"{type(exc).__name__}: {exc}", columns=[], rows=[])
        self._save(query_id, record)
        return query_id

    def status(self, query_id: str) -> AnalyticsStatus:
        record = self._load(query_id)
        return AnalyticsStatus(state=record["state"], reason=record.get("reason"))

    def results(self, query_id: str, page_token: str | None, limit: int) -> AnalyticsPage:
        record = self._load(query_id)
        start = int(page_token) if page_token else 0
        rows: list[list[Any]] = record["rows"]
        end = start + limit
        return AnalyticsPage(
            columns=list(record["columns"]), rows=rows[start:end], next_token=str(end) if end < len(rows) else None
        )

    def _path(self, query_id: str) -> Path:
        if len(query_id) != 32 or not set(query_id) <= _QUERY_ID_CHARS:
            raise NotFound("no such query")
        return self.results_dir / f"{query_id}.json"

    def _save(self, query_id: str, record: dict[str, Any]) -> None:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        path = self._path(query_id)
        tmp = path.with_suffix(".json.part")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def _load(self, query_id: str) -> dict[str, Any]:
        try:
            record: dict[str, Any] = json.loads(self._path(query_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound("no such query") from None
        return record


class DuckDbLakeCompactor:
    """LakeCompactor: curated/{kind}/ Parquet (hive-partitioned like raw/) = latest state, deletions removed."""

    def __init__(self, lake_root: Path) -> None:
        self.lake_root = lake_root

    def compact(self) -> CompactionReport:
        tables: dict[str, int] = {}
        with connect_lake(self.lake_root) as connection:
            for kind in KINDS:
                tables[curated_table_name(kind)] = self._compact_kind(connection, kind)
        return CompactionReport(tables=tables)

    def _compact_kind(self, connection: duckdb.DuckDBPyConnection, kind: LakeKind) -> int:
        target = self.lake_root / CURATED_PREFIX / kind
        staging = target.with_name(f".{kind}.{uuid.uuid4().hex}.staging")
        columns = ", ".join(c.name for c in curated_columns(kind))
        latest = to_duckdb(latest_state_sql(kind).text)
        selected = f"SELECT {columns} FROM ({latest}) AS latest WHERE NOT deleted"
        row = connection.execute(f"SELECT count(*) FROM ({selected}) AS s").fetchone()
        count = int(row[0]) if row else 0
        staging.parent.mkdir(parents=True, exist_ok=True)
        if count:
            partitions = ", ".join(c.name for c in PARTITION_COLUMNS)
            connection.execute(
                f"COPY ({selected}) TO {_path_literal(staging)} "
                f"(FORMAT parquet, PARTITION_BY ({partitions}), FILENAME_PATTERN 'part_{{i}}')"
            )
        else:
            staging.mkdir()
        # Swap directories so readers see the old or the new table, never a mix.
        retired = target.with_name(f".{kind}.{uuid.uuid4().hex}.retired")
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
        return count
