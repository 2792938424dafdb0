"""infra/lake.yaml is generated from chalicelib/lake: the committed file is what the generator writes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.domain.municipality import registry
from chalicelib.lake import tables
from chalicelib.lake.sql_files import load_sql, merge_sql, query_names
from scripts import generate_lake_infra

pytestmark = pytest.mark.infra


def test_regenerating_the_lake_catalog_gives_the_committed_file() -> None:
    assert generate_lake_infra.OUTPUT.read_text(encoding="utf-8") == generate_lake_infra.render()


def _glue_tables(infra_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["TableInput"]["Name"]: r["Properties"]
        for r in infra_template["Resources"].values()
        if r.get("Type") == "AWS::Glue::Table"
    }


def _raw_tables(infra_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: properties["TableInput"] for name, properties in _glue_tables(infra_template).items()}


@pytest.mark.parametrize("kind", tables.KINDS)
def test_the_glue_columns_are_the_ones_the_lake_writer_writes(infra_template: dict[str, Any], kind: str) -> None:
    table = _raw_tables(infra_template)[tables.raw_table_name(kind)]  # type: ignore[arg-type]
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(c.name, c.glue_type) for c in tables.data_columns(kind)]  # type: ignore[arg-type]
    partitions = [(c["Name"], c["Type"]) for c in table["PartitionKeys"]]
    assert partitions == [(c.name, c.glue_type) for c in tables.PARTITION_COLUMNS]


@pytest.mark.parametrize("kind", tables.KINDS)
def test_partition_projection_enumerates_every_municipality_code(infra_template: dict[str, Any], kind: str) -> None:
    parameters = _raw_tables(infra_template)[tables.raw_table_name(kind)]["Parameters"]  # type: ignore[arg-type]
    assert parameters["projection.enabled"] == "true"
    codes = parameters["projection.municipality_id.values"].split(",")
    assert len(codes) == len(registry()) and len(set(codes)) == len(codes)
    template = parameters["storage.location.template"]["Fn::Sub"]
    assert template.startswith(f"s3://${{LakeBucket}}/raw/{kind}/prefecture_id=${{!prefecture_id}}/")


def test_the_registered_sql_is_the_repositorys_files(infra_template: dict[str, Any]) -> None:
    registered = {
        r["Properties"]["Name"]: r["Properties"]["QueryString"]
        for r in infra_template["Resources"].values()
        if r.get("Type") == "AWS::Athena::NamedQuery"
    }
    assert registered == {name: load_sql(name).text for name in query_names()}


@pytest.mark.parametrize("kind", tables.KINDS)
def test_the_curated_iceberg_table_is_the_one_the_compaction_merge_writes(
    infra_template: dict[str, Any], kind: tables.LakeKind
) -> None:
    target = re.search(r"^MERGE INTO (\w+)", merge_sql(kind).text, re.MULTILINE)
    assert target is not None and target.group(1) == tables.curated_table_name(kind)
    properties = _glue_tables(infra_template)[target.group(1)]
    assert properties["OpenTableFormatInput"] == {"IcebergInput": {"MetadataOperation": "CREATE", "Version": "2"}}
    descriptor = properties["TableInput"]["StorageDescriptor"]
    assert descriptor["Location"] == {"Fn::Sub": f"s3://${{LakeBucket}}/curated/{kind}/"}
    assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [
        (c.name, c.glue_type) for c in tables.curated_columns(kind)
    ]


@pytest.mark.parametrize("kind", tables.KINDS)
def test_the_merge_inserts_exactly_the_curated_columns(kind: tables.LakeKind) -> None:
    inserted = re.search(r"INSERT \(([^)]*)\)", merge_sql(kind).text)
    assert inserted is not None
    assert [name.strip() for name in inserted.group(1).split(",")] == [c.name for c in tables.curated_columns(kind)]
