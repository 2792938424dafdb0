"""Change records → lake rows: the allow-listed, coarsened form in which data leaves the operational store."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ..domain.models import JST
from ..ports import ChangeRecord
from .tables import RAW_PREFIX, RAW_SUFFIX, LakeKind

RECORD_ID_DIGITS = 40  # DynamoDB stream sequence numbers are at most 40 digits

LakeRow = dict[str, Any]

# Every attribute of a stored item that `lake_row` reads; decoders may skip the rest.
IMAGE_FIELDS_READ: frozenset[str] = frozenset(
    {
        "municipality_id",
        "sk",
        "kind",
        "cat_id",
        "event_id",
        "complaint_id",
        "sex",
        "status",
        "neutered",
        "ear_tipped",
        "area",
        "microchip_id",
        "location",
        "created_at",
        "updated_at",
        "version",
        "type",
        "occurred_on",
        "recorded_at",
        "intake_type",
        "age_class",
        "category",
        "procedure",
        "ear_tip",
        "cost_yen",
        "subsidy_yen",
        "status_before",
        "latest_intake_type",
        "received_on",
    }
)


class UndecodableChange(ValueError):
    """A change that cannot become a lake row (a poison record): reported, never silently dropped."""


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    kind: LakeKind
    prefecture_id: str
    fiscal_year: int
    municipality_id: str

    @property
    def prefix(self) -> str:
        return (
            f"{RAW_PREFIX}/{self.kind}/prefecture_id={self.prefecture_id}/fiscal_year={self.fiscal_year}"
            f"/municipality_id={self.municipality_id}/"
        )


def fiscal_year_of(day: dt.date) -> int:
    """年度: April 1 to March 31, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def record_id_of(sequence: str) -> str:
    if not sequence.isdigit() or len(sequence) > RECORD_ID_DIGITS:
        raise UndecodableChange(f"sequence {sequence[:50]!r} is not a number of at most {RECORD_ID_DIGITS} digits")
    return sequence.zfill(RECORD_ID_DIGITS)


def _plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal; the lake wants JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _timestamp(value: Any) -> str | None:
    """ISO 8601 with offset → 'YYYY-MM-DD HH:MM:SS.fff' in UTC (the form Hive SerDes and DuckDB both read)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 32 and value.endswith("+00:00") and value[10] == "T":
            return f"{value[:10]} {value[11:23]}"  # already UTC with milliseconds: the stores' own form
        if len(value) == 25 and value.endswith("+00:00") and value[10] == "T":
            return f"{value[:10]} {value[11:19]}.000"
        moment = dt.datetime.fromisoformat(value)
    else:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(dt.UTC)
    # isoformat truncates to milliseconds and is much cheaper than strftime; drop its "+00:00".
    return moment.isoformat(" ", "milliseconds")[:23]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _coarse(location: Any, axis: str) -> float | None:
    if not isinstance(location, dict) or location.get(axis) is None:
        return None
    return round(float(_plain(location[axis])), 2)


def _entity_fields(kind: LakeKind, image: Mapping[str, Any]) -> tuple[str, dt.date, dict[str, Any]]:
    """(entity id, the date that decides the fiscal year, allow-listed fields) of one stored item."""
    get = image.get
    if kind == "cat":
        created_at = _timestamp(get("created_at"))
        if created_at is None:
            raise UndecodableChange("cat image without created_at")
        registered_on = dt.datetime.fromisoformat(str(get("created_at"))).astimezone(JST).date()
        location = get("location")
        return (
            str(image["cat_id"]),
            registered_on,
            {
                "cat_id": image["cat_id"],
                "sex": get("sex"),
                "status": get("status"),
                "neutered": bool(get("neutered", False)),
                "ear_tipped": bool(get("ear_tipped", False)),
                "area": get("area"),
                "has_microchip": get("microchip_id") is not None,
                "lat_coarse": _coarse(location, "lat"),
                "lon_coarse": _coarse(location, "lon"),
                "created_at": created_at,
                "updated_at": _timestamp(get("updated_at")),
                "version": _plain(get("version")),
            },
        )
    if kind == "event":
        occurred_on = _date(image["occurred_on"])
        return (
            str(image["event_id"]),
            occurred_on,
            {
                "event_id": image["event_id"],
                "cat_id": image["cat_id"],
                "type": image["type"],
                "occurred_on": occurred_on.isoformat(),
                "recorded_at": _timestamp(get("recorded_at")),
                "intake_type": get("intake_type"),
                "age_class": get("age_class"),
                "category": _plain(get("category")),
                "procedure": get("procedure"),
                "ear_tip": get("ear_tip"),
                "cost_yen": _plain(get("cost_yen")),
                "subsidy_yen": _plain(get("subsidy_yen")),
                "area": get("area"),
                "status_before": get("status_before"),
                "latest_intake_type": get("latest_intake_type"),
            },
        )
    received_on = _date(image["received_on"])
    return (
        str(image["complaint_id"]),
        received_on,
        {
            "complaint_id": image["complaint_id"],
            "category": image["category"],
            "area": get("area"),
            "received_on": received_on.isoformat(),
            "created_at": _timestamp(get("created_at")),
        },
    )


# A batch has few partitions and few distinct commit times (stream times are whole seconds): building each
# once per process, not once per row, is a measurable part of the stream handler's time.
_partition = lru_cache(maxsize=4096)(Partition)
_changed_at = lru_cache(maxsize=1024)(_timestamp)


def lake_row(change: ChangeRecord) -> tuple[Partition, LakeRow]:
    """The one lake row of a change, and the partition it belongs to.

    REMOVE rows carry the old image's allow-listed fields with deleted = true, in the same partition as
    the entity's other rows (cats are partitioned by registration date, which never changes).
    """
    deleted = change.operation == "REMOVE"
    image = change.old_image if deleted else change.new_image
    if not image:
        raise UndecodableChange(
            f"{change.operation} change {change.sequence} has no {'old' if deleted else 'new'} image"
        )
    if change.kind not in ("cat", "event", "complaint"):
        raise UndecodableChange(f"unknown kind {change.kind!r}")
    municipality_id = str(image.get("municipality_id") or change.municipality_id)
    if len(municipality_id) != 6 or not municipality_id.isdigit():
        raise UndecodableChange(f"municipality_id {municipality_id[:20]!r} is not 6 digits")
    try:
        entity_id, decisive_date, fields = _entity_fields(change.kind, image)
    except (KeyError, TypeError, ValueError) as exc:
        raise UndecodableChange(f"{change.kind} image of change {change.sequence} is malformed: {exc}") from exc
    partition = _partition(change.kind, municipality_id[:2], fiscal_year_of(decisive_date), municipality_id)
    row: LakeRow = {
        "record_id": record_id_of(change.sequence),
        "op": change.operation,
        "kind": change.kind,
        "deleted": deleted,
        "changed_at": _changed_at(change.approximate_time),
        "entity_id": entity_id,
        "municipality_id": municipality_id,
        "prefecture_id": partition.prefecture_id,
        "fiscal_year": partition.fiscal_year,
        **fields,
    }
    return partition, row  # keys in row_columns(kind) order: CHANGE, ROW_IDENTITY, then the entity's columns


@dataclass(frozen=True, slots=True)
class LakeObject:
    """One file of the raw lake: the rows of one partition from one batch, named by their first and last ids."""

    partition: Partition
    rows: tuple[LakeRow, ...]

    @property
    def key(self) -> str:
        ids = [row["record_id"] for row in self.rows]
        return f"{self.partition.prefix}{min(ids)}-{max(ids)}{RAW_SUFFIX}"

    def body(self) -> bytes:
        return encode_ndjson_gzip(self.rows)


# One encoder for every line (json.dumps with options builds a new one per call); rows are flat and acyclic.
_JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


_ROW_START = '{"record_id":'
_ROW_BOUNDARY = "}," + _ROW_START


def encode_ndjson_gzip(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Newline-delimited JSON, gzip with mtime 0: the same rows always give the same bytes.

    Lake rows are flat and start with record_id, so the JSON array of all rows, encoded in one call, has
    `},{"record_id":` exactly between rows (inside a string every `"` is escaped): encoding once per object
    and turning those boundaries into newlines is a third faster than one encode per row. Rows that do not
    split into exactly one line each (not lake rows) are encoded one by one, to the same bytes: when every row
    starts with record_id, every real boundary is found, so one more would be inside a nested value.
    """
    text = ""
    if rows and all(next(iter(row), None) == "record_id" for row in rows):
        text = _JSON_LINE.encode(rows)[1:-1].replace(_ROW_BOUNDARY, "}\n" + _ROW_START) + "\n"
    if text.count("\n") != len(rows):
        text = "".join(_JSON_LINE.encode(row) + "\n" for row in rows)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def decode_ndjson_gzip(body: bytes) -> list[LakeRow]:
    return [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines() if line]


def group_into_objects(rows: Sequence[tuple[Partition, LakeRow]]) -> list[LakeObject]:
    """Rows of one batch → one object per partition, rows in change order (deterministic keys and bytes)."""
    by_partition: dict[Partition, list[LakeRow]] = {}
    for partition, row in rows:
        by_partition.setdefault(partition, []).append(row)
    return [
        LakeObject(partition, tuple(sorted(group, key=lambda r: r["record_id"])))
        for partition, group in sorted(by_partition.items())
    ]
