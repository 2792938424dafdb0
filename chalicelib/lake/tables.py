"""The lake's tables: one definition that the record format, DuckDB views and infra's Glue tables all read.

Layout (both backends; S3 bucket root in AWS, CATDATA_HOME/lake locally):

  raw/{kind}/prefecture_id=PP/fiscal_year=YYYY/municipality_id=MMMMMM/{first}-{last}.ndjson.gz
  curated/{kind}/...                                       (Parquet: latest state, deletions removed)

`kind` is cat, event or complaint. A one-municipality, one-year query touches one raw partition of
each kind it reads. Glue uses partition projection, so no partition is ever registered or listed:
prefecture_id is an enum of the 47 codes, fiscal_year an integer range, municipality_id an enum of the
JIS X 0402 codes (infra generates it from chalicelib/domain/data/jisx0402.csv; 1,788 values fit in one
table parameter). The partition columns are not data columns of the Glue table (the JSON rows carry
them too, which the SerDe ignores), exactly as the DuckDB views read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

LakeKind = Literal["cat", "event", "complaint"]
KINDS: tuple[LakeKind, ...] = ("cat", "event", "complaint")

GlueType = Literal["string", "boolean", "int", "bigint", "double", "date", "timestamp"]

_DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

RAW_PREFIX = "raw"
CURATED_PREFIX = "curated"
RAW_SUFFIX = ".ndjson.gz"
FISCAL_YEAR_RANGE = (2000, 2100)  # projection range; empty years cost one S3 list each, only when queried


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    glue_type: GlueType
    comment: str = ""

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self.glue_type]


PARTITION_COLUMNS: tuple[Column, ...] = (
    Column("prefecture_id", "string", "都道府県コード, 2 digits"),
    Column("fiscal_year", "int", "年度 (April-March) of the entity's date; cats: of registration"),
    Column("municipality_id", "string", "JIS X 0402, 6 digits"),
)

# Every row, whatever its kind: change metadata. record_id is the change's sequence left-padded to 40
# digits, so string order is change order and a replayed record keeps its id.
CHANGE_COLUMNS: tuple[Column, ...] = (
    Column("record_id", "string", "change sequence, 40 digits: idempotency and latest-state order"),
    Column("op", "string", "INSERT | MODIFY | REMOVE"),
    Column("kind", "string", "cat | event | complaint"),
    Column("deleted", "boolean", "true for REMOVE: the entity no longer exists"),
    Column("changed_at", "timestamp", "approximate commit time, UTC"),
    Column("entity_id", "string", "cat_id, event_id or complaint_id"),
)

# Allow-lists: only these fields leave the operational store. Names, contacts, notes, descriptions,
# destinations and microchip numbers (linkable to the owner registry) never do; locations only coarsened.
ENTITY_COLUMNS: dict[LakeKind, tuple[Column, ...]] = {
    "cat": (
        Column("cat_id", "string"),
        Column("sex", "string"),
        Column("status", "string"),
        Column("neutered", "boolean"),
        Column("ear_tipped", "boolean"),
        Column("area", "string", "町丁目・活動地域 label"),
        Column("has_microchip", "boolean", "the number itself stays in the operational store"),
        Column("lat_coarse", "double", "latitude rounded to 2 decimals (about 1 km)"),
        Column("lon_coarse", "double", "longitude rounded to 2 decimals"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("version", "int"),
    ),
    "event": (
        Column("event_id", "string"),
        Column("cat_id", "string"),
        Column("type", "string"),
        Column("occurred_on", "date"),
        Column("recorded_at", "timestamp"),
        Column("intake_type", "string"),
        Column("age_class", "string"),
        Column("category", "int", "euthanasia ① 1 / ② 2"),
        Column("procedure", "string"),
        Column("ear_tip", "boolean"),
        Column("cost_yen", "bigint"),
        Column("subsidy_yen", "bigint"),
        Column("area", "string", "the cat's area when the event was recorded"),
        Column("status_before", "string"),
        Column("latest_intake_type", "string"),
    ),
    "complaint": (
        Column("complaint_id", "string"),
        Column("category", "string"),
        Column("area", "string"),
        Column("received_on", "date"),
        Column("created_at", "timestamp"),
    ),
}

# Columns every row carries in its body (the partition values too, so a row read alone is complete).
ROW_IDENTITY_COLUMNS: tuple[Column, ...] = (
    Column("municipality_id", "string"),
    Column("prefecture_id", "string"),
    Column("fiscal_year", "int"),
)


def raw_table_name(kind: LakeKind) -> str:
    return f"raw_{kind}"


def curated_table_name(kind: LakeKind) -> str:
    return f"curated_{kind}"


def data_columns(kind: LakeKind) -> tuple[Column, ...]:
    """Glue data columns of raw_{kind} (partition columns excluded)."""
    return CHANGE_COLUMNS + ENTITY_COLUMNS[kind]


@cache
def row_columns(kind: LakeKind) -> tuple[str, ...]:
    """Keys of a raw row's JSON body, in order."""
    return tuple(c.name for c in CHANGE_COLUMNS + ROW_IDENTITY_COLUMNS + ENTITY_COLUMNS[kind])


def curated_columns(kind: LakeKind) -> tuple[Column, ...]:
    """Curated tables: latest state per entity; partition values are ordinary columns (Iceberg partitions by them)."""
    return (Column("record_id", "string"), Column("changed_at", "timestamp")) + PARTITION_COLUMNS + ENTITY_COLUMNS[kind]


def raw_location(bucket: str, kind: LakeKind) -> str:
    return f"s3://{bucket}/{RAW_PREFIX}/{kind}/"


def curated_location(bucket: str, kind: LakeKind) -> str:
    return f"s3://{bucket}/{CURATED_PREFIX}/{kind}/"


def partition_projection_parameters(
    bucket: str, kind: LakeKind, municipality_ids: list[str], prefecture_ids: list[str]
) -> dict[str, str]:
    """Glue table Parameters for raw_{kind}: partition projection, no registered partitions.

    infra passes the JIS X 0402 lists (chalicelib.domain.municipality) so enum values are the real codes.
    """
    return {
        "classification": "json",
        "compressionType": "gzip",
        "projection.enabled": "true",
        "projection.prefecture_id.type": "enum",
        "projection.prefecture_id.values": ",".join(prefecture_ids),
        "projection.fiscal_year.type": "integer",
        "projection.fiscal_year.range": f"{FISCAL_YEAR_RANGE[0]},{FISCAL_YEAR_RANGE[1]}",
        "projection.municipality_id.type": "enum",
        "projection.municipality_id.values": ",".join(municipality_ids),
        "storage.location.template": (
            f"s3://{bucket}/{RAW_PREFIX}/{kind}/prefecture_id=${{prefecture_id}}/fiscal_year=${{fiscal_year}}"
            "/municipality_id=${municipality_id}/"
        ),
    }


# Glue StorageDescriptor for the raw tables (OpenX JSON SerDe reads gzip NDJSON; timestamps are written as
# "YYYY-MM-DD HH:MM:SS.fff", the Hive form both it and DuckDB parse).
RAW_SERDE = {
    "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
    "Parameters": {"ignore.malformed.json": "false", "case.insensitive": "false"},
}
RAW_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
RAW_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
