"""Lake and analytics benchmarks (called by `make bench`; each function returns a dict of figures).

- moe_query: the MoE SQL (chalicelib/lake/sql/intake_outcome.sql, transpiled for DuckDB) over 1,000,000
  generated events in raw NDJSON gzip partitions, all municipalities at once.
- partition_pruning: bytes in the files a one-municipality, one-year query reads vs the whole raw lake
  (the Athena cost proxy; target ≤ 1/50).
- stream_export: DynamoDB stream records (DynamoDB JSON, as Lambda receives them) → lake rows → gzip
  objects per second through the real handler (target ≥ 20,000/s); the writer keeps bytes in memory.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from boto3.dynamodb.types import TypeSerializer

from chalicelib.adapters.duckdb_analytics import connect_lake, to_duckdb
from chalicelib.domain.municipality import registry
from chalicelib.lake.sql_files import load_sql
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.lake.tables import RAW_PREFIX, RAW_SUFFIX
from chalicelib.ports import ChangeRecord
from chalicelib.services.change_feed import handle_stream_event

FISCAL_YEARS = (2021, 2022, 2023, 2024, 2025)
MUNICIPALITY_SAMPLE = 120  # spread over every prefecture; 120 × 5 years = 600 partitions


def _municipalities(count: int) -> list[str]:
    codes = sorted(m.municipality_id for m in registry().all())
    step = max(1, len(codes) // count)
    return codes[::step][:count]


def generate_event_lake(root: Path, events: int, municipalities: list[str]) -> float:
    """Write `events` raw event rows (partitioned as the stream handler writes them) with DuckDB; seconds taken."""
    started = time.perf_counter()
    codes = ",".join(f"'{m}'" for m in municipalities)
    years = ",".join(str(y) for y in FISCAL_YEARS)
    target = root / RAW_PREFIX / "event"
    target.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        connection.execute(f"""
            COPY (
                WITH g AS (
                    SELECT i, hash(i) AS h, [{codes}][1 + (hash(i * 7) % {len(municipalities)})::INTEGER] AS m,
                           [{years}][1 + (hash(i * 13) % {len(FISCAL_YEARS)})::INTEGER] AS fy
                    FROM range({events}) AS t(i)
                )
                SELECT
                    lpad(CAST(i + 1 AS VARCHAR), 40, '0') AS record_id,
                    'INSERT' AS op, 'event' AS kind, false AS deleted,
                    TIMESTAMP '2025-06-01 00:00:00' AS changed_at,
                    lpad(CAST(i AS VARCHAR), 26, '0') AS entity_id,
                    m AS municipality_id, substr(m, 1, 2) AS prefecture_id, fy AS fiscal_year,
                    lpad(CAST(i AS VARCHAR), 26, '0') AS event_id,
                    lpad(CAST(i // 3 AS VARCHAR), 26, '0') AS cat_id,
                    ['intake', 'intake', 'return_to_owner', 'adoption', 'transfer_out', 'euthanasia', 'death',
                     'release', 'surgery', 'trap'][1 + (h % 10)::INTEGER] AS type,
                    make_date(fy, 4, 1) + CAST(h % 360 AS INTEGER) AS occurred_on,
                    TIMESTAMP '2025-06-01 00:00:00' AS recorded_at,
                    ['owner_surrender', 'ownerless', 'injured', 'transfer_in'][1 + ((h // 10) % 4)::INTEGER]
                        AS intake_type,
                    ['adult', 'juvenile'][1 + ((h // 40) % 2)::INTEGER] AS age_class,
                    1 + ((h // 80) % 2)::INTEGER AS category,
                    NULL::VARCHAR AS procedure, NULL::BOOLEAN AS ear_tip, NULL::BIGINT AS cost_yen,
                    NULL::BIGINT AS subsidy_yen, '駅前' AS area,
                    CASE WHEN h % 10 < 2 THEN 'ownerless' ELSE 'in_care' END AS status_before,
                    CASE WHEN (h // 160) % 5 = 0 THEN 'injured' ELSE 'ownerless' END AS latest_intake_type,
                    m AS p_municipality_id, substr(m, 1, 2) AS p_prefecture_id, fy AS p_fiscal_year
                FROM g
            ) TO '{target}' (FORMAT json, COMPRESSION gzip, FILE_EXTENSION '{RAW_SUFFIX.lstrip(".")}',
                             PARTITION_BY (p_prefecture_id, p_fiscal_year, p_municipality_id))
        """)
    # COPY names directories after the p_ columns; rename to the lake's partition names.
    for directory in sorted(target.rglob("p_*=*"), key=lambda p: -len(p.parts)):
        directory.rename(directory.with_name(directory.name[2:]))
    return time.perf_counter() - started


def _lake_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / RAW_PREFIX).rglob(f"*{RAW_SUFFIX}"))


def moe_query(events: int = 1_000_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        municipalities = _municipalities(MUNICIPALITY_SAMPLE)
        generation = generate_event_lake(root, events, municipalities)
        sql = load_sql("intake_outcome")
        prefectures = ",".join(sorted({m[:2] for m in municipalities}))
        with connect_lake(root) as connection:
            started = time.perf_counter()
            rows = connection.execute(to_duckdb(sql.text), [prefectures, "", FISCAL_YEARS[-1]]).fetchall()
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            counted = connection.execute("SELECT count(*) FROM raw_event").fetchone()
            scan_seconds = time.perf_counter() - started
        return {
            "events": events,
            "generation_s": round(generation, 2),
            "moe_query_s": round(seconds, 3),
            "baseline_count_all_s": round(scan_seconds, 3),
            "rows": len(rows),
            "events_in_lake": counted[0] if counted else 0,
        }


def partition_pruning(events: int = 300_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        municipalities = _municipalities(MUNICIPALITY_SAMPLE)
        generate_event_lake(root, events, municipalities)
        target, year = municipalities[len(municipalities) // 2], FISCAL_YEARS[-1]
        with connect_lake(root) as connection:
            # The files the scan opens under the query's own scope and year filter (DuckDB prunes by path).
            files = connection.execute(
                to_duckdb(
                    "SELECT DISTINCT filename FROM raw_event_files "
                    "WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id)) "
                    "AND fiscal_year = ?"
                ).replace("raw_event_files", _files_source(root)),
                ["", target, year],
            ).fetchall()
        read = sum(Path(f[0]).stat().st_size for f in files)
        total = _lake_bytes(root)
        return {
            "partitions": len(municipalities) * len(FISCAL_YEARS),
            "bytes_read": read,
            "bytes_total": total,
            "ratio": round(read / total, 5) if total else None,
            "target_ratio": round(1 / 50, 5),
        }


def _files_source(root: Path) -> str:
    glob = str(root / RAW_PREFIX / "event" / "**" / f"*{RAW_SUFFIX}")
    return (
        f"read_json('{glob}', format='newline_delimited', compression='gzip', hive_partitioning=true, "
        "filename=true, columns={'record_id': 'VARCHAR'}, "
        "hive_types={'prefecture_id': 'VARCHAR', 'fiscal_year': 'INTEGER', 'municipality_id': 'VARCHAR'})"
    )


class _MemoryWriter:
    def __init__(self) -> None:
        self.bytes = 0
        self.objects = 0

    def write(self, key: str, body: bytes) -> None:
        self.bytes += len(body)
        self.objects += 1


def _stream_events(records: int, batch_size: int) -> list[dict[str, Any]]:
    serializer = TypeSerializer()
    generator = SyntheticLake(seed=17)
    municipalities = _municipalities(40)
    changes: list[ChangeRecord] = []
    while len(changes) < records:
        for municipality in municipalities:
            changes.extend(generator.cat_lifecycle(municipality, 2025))
    raw = []
    for change in changes[:records]:
        dynamodb: dict[str, Any] = {
            "ApproximateCreationDateTime": 1748736000,
            "SequenceNumber": change.sequence.lstrip("0"),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        for name, image in (("NewImage", change.new_image), ("OldImage", change.old_image)):
            if image is not None:
                plain = json.loads(json.dumps(image), parse_float=Decimal)
                dynamodb[name] = {k: serializer.serialize(v) for k, v in plain.items()}
        raw.append(
            {
                "eventID": uuid.uuid4().hex,
                "eventName": change.operation,
                "eventSource": "aws:dynamodb",
                "dynamodb": dynamodb,
            }
        )
    return [{"Records": raw[i : i + batch_size]} for i in range(0, len(raw), batch_size)]


def stream_export(records: int = 100_000, batch_size: int = 1000) -> dict[str, Any]:
    batches = _stream_events(records, batch_size)
    writer = _MemoryWriter()
    started, cpu_started = time.perf_counter(), time.process_time()
    failures = 0
    for event in batches:
        failures += len(handle_stream_event(event, writer)["batchItemFailures"])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "records": records,
        "batch_size": batch_size,
        "seconds": round(seconds, 3),
        "rows_per_s": round(records / seconds),
        # CPU time of this process alone: the figure to compare when the machine is shared.
        "rows_per_cpu_s": round(records / cpu_seconds),
        "target_rows_per_s": 20_000,
        "objects": writer.objects,
        "gzip_bytes": writer.bytes,
        "failures": failures,
    }


def run_all() -> dict[str, dict[str, Any]]:
    return {
        "lake_moe_query": moe_query(),
        "lake_partition_pruning": partition_pruning(),
        "lake_stream_export": stream_export(),
    }


if __name__ == "__main__":
    for name, figures in run_all().items():
        print(name, figures)
