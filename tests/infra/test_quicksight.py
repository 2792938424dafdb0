"""infra/quicksight.yaml: generated from scripts/quicksight_spec.json and the repository's SQL, and what it promises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.duckdb_analytics import connect_lake, to_duckdb
from chalicelib.adapters.local_lake import LocalLakeWriter
from chalicelib.domain.municipality import registry
from chalicelib.domain.statistics.moe import MOE_COLUMNS
from chalicelib.lake.sql_files import load_sql
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.ports import ChangeRecord
from chalicelib.services.change_feed import write_changes
from scripts import generate_quicksight
from scripts.generate_quicksight import MAX_PRINCIPALS, load_spec, output_columns

pytestmark = pytest.mark.infra

Template = dict[str, Any]
MUNICIPALITIES = ("131016", "011002")
FISCAL_YEARS = (2024, 2025)


def test_regenerating_the_quicksight_template_gives_the_committed_file() -> None:
    assert generate_quicksight.OUTPUT.read_text(encoding="utf-8") == generate_quicksight.render()


def _of_type(template: Template, resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == resource_type}


def _datasets(fragments: dict[str, Template]) -> dict[str, dict[str, Any]]:
    """Spec id → the CustomSql physical table of its data set."""
    found = {}
    for resource in _of_type(fragments["quicksight.yaml"], "AWS::QuickSight::DataSet").values():
        ((table_id, table),) = resource["Properties"]["PhysicalTableMap"].items()
        found[table_id] = table["CustomSql"]
    return found


def test_every_data_set_declares_the_columns_its_sql_file_returns() -> None:
    for dataset in load_spec().datasets:
        assert [name for name, _ in dataset.columns] == output_columns(dataset.sql), dataset.id


def test_the_moe_data_set_has_every_cell_of_the_statistics_module() -> None:
    moe = next(d for d in load_spec().datasets if d.sql == "intake_outcome")
    assert [name for name, _ in moe.columns] == ["municipality_id", "fiscal_year", *MOE_COLUMNS]


def test_every_data_set_reads_the_stacks_glue_database_and_binds_no_parameter(fragments: dict[str, Template]) -> None:
    for dataset_id, custom_sql in _datasets(fragments).items():
        sql = custom_sql["SqlQuery"]["Fn::Sub"]
        assert "?" not in sql, dataset_id
        assert "${GlueDatabaseName}.raw_" in sql, dataset_id
        assert custom_sql["DataSourceArn"] == {"Ref": "QuickSightDataSourceArn"}


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    generator = SyntheticLake(seed=11)
    changes: list[ChangeRecord] = []
    for municipality in MUNICIPALITIES:
        for fiscal_year in FISCAL_YEARS:
            changes.extend(c for _ in range(12) for c in generator.cat_lifecycle(municipality, fiscal_year))
            changes.extend(generator.complaint(municipality, fiscal_year) for _ in range(3))
    outcome = write_changes(((c.sequence, c) for c in changes), LocalLakeWriter(root))
    assert not outcome.failures
    return root


def _api_rows(connection: Any, name: str, fiscal_year: int) -> list[tuple[Any, ...]]:
    everywhere = ",".join(sorted({m.prefecture_id for m in registry().all()}))
    bound = {"scope_prefectures": everywhere, "scope_municipalities": "", "fiscal_year": fiscal_year}
    sql = load_sql(name)
    return sorted(connection.execute(to_duckdb(sql.text), [bound[p] for p in sql.params]).fetchall(), key=repr)


def _rows_by_year(rows: list[tuple[Any, ...]], columns: list[str]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    year = columns.index("fiscal_year")
    for fiscal_year in FISCAL_YEARS:
        yield fiscal_year, sorted((row for row in rows if row[year] == fiscal_year), key=repr)


def test_each_data_set_computes_the_apis_rows_for_every_municipality_and_year(
    fragments: dict[str, Template], lake_root: Path
) -> None:
    connection = connect_lake(lake_root)
    compared = 0
    for dataset in load_spec().datasets:
        sql = _datasets(fragments)[dataset.id]["SqlQuery"]["Fn::Sub"].replace("${GlueDatabaseName}.", "")
        rows = connection.execute(to_duckdb(sql)).fetchall()
        for fiscal_year, dashboard_rows in _rows_by_year(rows, output_columns(dataset.sql)):
            api_rows = _api_rows(connection, dataset.sql, fiscal_year)
            assert dashboard_rows == api_rows, (dataset.id, fiscal_year)
            compared += len(api_rows)
    assert compared > 20, compared


def _columns_used(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if set(node) == {"DataSetIdentifier", "ColumnName"}:
            yield node["DataSetIdentifier"], node["ColumnName"]
        for value in node.values():
            yield from _columns_used(value)
    elif isinstance(node, list):
        for item in node:
            yield from _columns_used(item)


def _dashboard(fragments: dict[str, Template]) -> dict[str, Any]:
    ((resource),) = _of_type(fragments["quicksight.yaml"], "AWS::QuickSight::Dashboard").values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def test_every_column_the_dashboard_uses_exists_in_its_data_set(fragments: dict[str, Template]) -> None:
    declared = {d.id: {name for name, _ in d.columns} for d in load_spec().datasets}
    used = set(_columns_used(_dashboard(fragments)["Definition"]))
    assert used and all(column in declared[dataset] for dataset, column in used), used


def _visuals(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        kind: visual
        for sheet in dashboard["Definition"]["Sheets"]
        for entry in sheet["Visuals"]
        for kind, visual in entry.items()
    }


def test_the_dashboard_has_the_moe_table_monthly_line_tnr_bars_and_complaint_heat_map(
    fragments: dict[str, Template],
) -> None:
    dashboard = _dashboard(fragments)
    assert dashboard["Name"] == "自治体別の猫データ分析"
    visuals = [(kind, v) for s in dashboard["Definition"]["Sheets"] for e in s["Visuals"] for kind, v in e.items()]
    table = next(v for kind, v in visuals if kind == "TableVisual")
    table_wells = table["ChartConfiguration"]["FieldWells"]["TableAggregatedFieldWells"]
    assert [c for _, c in _columns_used(table_wells["Values"])] == list(MOE_COLUMNS)
    line = next(v for kind, v in visuals if kind == "LineChartVisual")
    (x,) = line["ChartConfiguration"]["FieldWells"]["LineChartAggregatedFieldWells"]["Category"]
    assert x["DateDimensionField"]["DateGranularity"] == "MONTH"
    bars = [v for kind, v in visuals if kind == "BarChartVisual"]
    assert ("tnr-by-area", "neutered_share") in {c for bar in bars for c in _columns_used(bar)}
    heat_map = next(v for kind, v in visuals if kind == "HeatMapVisual")
    wells = heat_map["ChartConfiguration"]["FieldWells"]["HeatMapAggregatedFieldWells"]
    assert [c for _, c in _columns_used(wells["Rows"] + wells["Columns"])] == ["area", "month"]


def test_every_quicksight_resource_waits_for_a_subscribed_admin(fragments: dict[str, Template]) -> None:
    template = fragments["quicksight.yaml"]
    quicksight = {n: r for n, r in template["Resources"].items() if r["Type"].startswith("AWS::QuickSight::")}
    assert len(quicksight) == len(load_spec().datasets) + 1
    assert all(resource["Condition"] == "WithQuickSight" for resource in quicksight.values())
    assert template["Conditions"]["WithQuickSight"] == fragments["analytics.yaml"]["Conditions"]["WithQuickSight"]


def test_every_data_set_applies_the_row_level_permission_data_set_when_given(fragments: dict[str, Template]) -> None:
    for resource in _of_type(fragments["quicksight.yaml"], "AWS::QuickSight::DataSet").values():
        condition, given, absent = resource["Properties"]["RowLevelPermissionDataSet"]["Fn::If"]
        assert condition == "WithRowLevelSecurity" and absent == {"Ref": "AWS::NoValue"}
        assert given["Arn"] == {"Ref": "QuickSightRowLevelPermissionDataSetArn"} and given["Status"] == "ENABLED"


def _evaluate(node: Any, parameters: dict[str, Any], conditions: dict[str, Any]) -> Any:
    """The intrinsic functions the principal slots use, evaluated as CloudFormation would."""
    if isinstance(node, list):
        return [_evaluate(item, parameters, conditions) for item in node]
    if not isinstance(node, dict):
        return node
    if node == {"Ref": "AWS::NoValue"}:
        return None
    if len(node) != 1:
        return {key: _evaluate(value, parameters, conditions) for key, value in node.items()}
    function: str
    argument: Any
    function, argument = next(iter(node.items()))
    if function == "Ref":
        return parameters[argument]
    if function == "Fn::Join":
        return argument[0].join(_evaluate(argument[1], parameters, conditions))
    if function == "Fn::Split":
        return _evaluate(argument[1], parameters, conditions).split(argument[0])
    if function == "Fn::Select":
        return _evaluate(argument[1], parameters, conditions)[argument[0]]
    if function == "Fn::Equals":
        left, right = _evaluate(argument, parameters, conditions)
        return left == right
    if function == "Fn::Not":
        return not _evaluate(argument[0], parameters, conditions)
    if function == "Fn::If":
        chosen = argument[1] if _evaluate(conditions[argument[0]], parameters, conditions) else argument[2]
        return _evaluate(chosen, parameters, conditions)
    return {key: _evaluate(value, parameters, conditions) for key, value in node.items()}


READER_LISTS = [
    [],
    ["arn:aws:quicksight:ap-northeast-1:111122223333:group/default/readers"],
    [f"r{i}" for i in range(3)],
]


@pytest.mark.parametrize("readers", [*READER_LISTS, [f"r{i}" for i in range(MAX_PRINCIPALS)]])
def test_the_dashboard_is_shared_with_exactly_the_given_readers(
    fragments: dict[str, Template], readers: list[str]
) -> None:
    template = fragments["quicksight.yaml"]
    # A CommaDelimitedList parameter left at its default "" arrives as [""].
    parameters = {
        "QuickSightAdminPrincipalArn": "admin",
        "QuickSightAuthorArns": ["author"],
        "QuickSightReaderArns": readers or [""],
    }
    permissions = _evaluate(_dashboard(fragments)["Permissions"], parameters, template["Conditions"])
    granted = [p for p in permissions if p is not None]
    assert [p["Principal"] for p in granted] == ["admin", "author", *readers]
    assert "quicksight:UpdateDashboard" in granted[0]["Actions"]
    assert all("quicksight:UpdateDashboard" not in p["Actions"] for p in granted[1:])
