"""The repository's SQL: Trino that sqlglot parses, parameters that match, compaction that stays in step."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from chalicelib.adapters.duckdb_analytics import to_duckdb
from chalicelib.lake.sql_files import SQL_DIR, latest_state_sql, load_sql, merge_sql, query_names
from chalicelib.lake.tables import KINDS, curated_columns
from chalicelib.services.analytics import QUERIES

ALL_FILES = sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql"))


def test_every_sql_file_parses_as_trino_and_transpiles_to_duckdb():
    assert len(ALL_FILES) >= 12
    for name in ALL_FILES:
        text = load_sql(name).text
        statements = sqlglot.parse(text, read="trino")
        assert len(statements) == 1, name
        if not name.startswith("compact/merge_"):
            assert to_duckdb(text)


def test_each_query_declares_one_name_per_placeholder_and_filters_on_the_scope():
    for name in query_names():
        sql = load_sql(name)
        placeholders = list(sqlglot.parse_one(sql.text, read="trino").find_all(exp.Placeholder))
        assert len(placeholders) == len(sql.params), name
        assert {"scope_prefectures", "scope_municipalities"} <= set(sql.params), name


def test_every_named_query_has_a_file_and_a_parameter_model_that_binds_each_placeholder():
    assert set(QUERIES) == set(query_names())
    for named in QUERIES.values():
        fields = set(named.parameters.model_fields) | {"scope_prefectures", "scope_municipalities"}
        assert set(load_sql(named.sql_file).params) <= fields, named.name


def test_merge_statements_use_exactly_the_latest_state_select_and_curated_columns():
    for kind in KINDS:
        merge = sqlglot.parse_one(merge_sql(kind).text, read="trino")
        latest = sqlglot.parse_one(latest_state_sql(kind).text, read="trino")
        source = merge.args["using"].this
        assert source == latest, kind
        selected = [e.alias_or_name for e in latest.expressions]
        assert selected == [c.name for c in curated_columns(kind)] + ["deleted"]


def test_intake_outcome_columns_are_the_statistics_modules_columns_in_order():
    from chalicelib.domain.statistics.moe import MOE_COLUMNS

    select = sqlglot.parse_one(load_sql("intake_outcome").text, read="trino")
    assert [e.alias_or_name for e in select.expressions] == ["municipality_id", "fiscal_year", *MOE_COLUMNS]
