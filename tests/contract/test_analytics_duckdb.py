"""Analytics on the local lake: every named query runs, the MoE table equals the statistics module's, scope holds."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.adapters.duckdb_analytics import DuckDbAnalyticsEngine
from chalicelib.adapters.local_lake import LocalLakeWriter
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.keys import Principal, Role
from chalicelib.domain.models import Event
from chalicelib.domain.municipality import registry
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.services.analytics import QUERIES, AnalyticsService
from chalicelib.services.change_feed import write_changes

MUNICIPALITIES = ("131016", "131024", "011002")


@pytest.fixture
def lake(tmp_path):
    generator = SyntheticLake(seed=5)
    changes = []
    for municipality in MUNICIPALITIES:
        for fiscal_year in (2024, 2025):
            changes.extend(c for _ in range(40) for c in generator.cat_lifecycle(municipality, fiscal_year))
            changes.append(generator.complaint(municipality, fiscal_year))
    outcome = write_changes(((c.sequence, c) for c in changes), LocalLakeWriter(tmp_path / "lake"))
    assert not outcome.failures
    engine = DuckDbAnalyticsEngine(tmp_path / "lake", tmp_path / "analytics")
    service = AnalyticsService(engine, b"test-secret", registry(), today=lambda: dt.date(2026, 1, 15))
    return service, changes, tmp_path


def _principal(*scope: str) -> Principal:
    return Principal(key_id="k" + "".join(scope)[:11], role=Role.viewer, scope=scope)


def _all_rows(service, principal, query_id):
    result = service.result(principal, query_id, limit=7)
    rows = list(result.rows)
    while result.next_token:
        result = service.result(principal, query_id, result.next_token, limit=7)
        rows.extend(result.rows)
    return result.columns, rows


def test_every_named_query_succeeds_on_generated_lake_files(lake):
    service, _, _ = lake
    everyone = _principal("*")
    for name in QUERIES:
        parameters = {} if name == "cats_now" else {"fiscal_year": 2025}
        result = service.result(everyone, service.start(everyone, {"query": name, "parameters": parameters}))
        assert result.state == "SUCCEEDED", (name, result.reason)
        assert result.rows and len(result.columns) == len(result.rows[0])


def test_moe_table_from_analytics_equals_the_statistics_module_for_every_municipality_and_year(lake):
    from chalicelib.domain.statistics.moe import MOE_COLUMNS, count_cells

    service, changes, _ = lake
    events = [
        Event.model_validate({k: v for k, v in c.new_image.items() if k not in ("sk", "kind", "date_sk")})
        for c in changes
        if c.kind == "event" and c.new_image
    ]
    everyone = _principal("*")
    compared = 0
    for fiscal_year in (2024, 2025):
        query_id = service.start(everyone, {"query": "intake_outcome", "parameters": {"fiscal_year": fiscal_year}})
        columns, rows = _all_rows(service, everyone, query_id)
        assert columns == ["municipality_id", "fiscal_year", *MOE_COLUMNS]
        assert {row[0] for row in rows} == set(MUNICIPALITIES)
        for row in rows:
            expected = count_cells(events, row[0], fiscal_year)
            assert dict(zip(MOE_COLUMNS, row[2:], strict=True)) == expected
            compared += 1
    assert compared == 2 * len(MUNICIPALITIES)


@pytest.mark.parametrize(
    "parameters",
    [
        {"fiscal_year": 2025},
        {"fiscal_year": 2025, "prefecture_id": "13"},
        {"fiscal_year": 2025, "prefecture_id": "01"},
        {"fiscal_year": 2025, "scope_municipalities": "011002"},
        {"fiscal_year": 2025, "municipality_id": "131016' OR '1'='1"},
    ],
)
def test_a_key_of_one_municipality_never_sees_another_municipalitys_rows(lake, parameters):
    service, _, _ = lake
    shinjuku = _principal("131016")
    for name in QUERIES:
        params = {k: v for k, v in parameters.items() if name != "cats_now" or k != "fiscal_year"}
        try:
            query_id = service.start(shinjuku, {"query": name, "parameters": params})
        except (Forbidden, InvalidInput):
            continue
        columns, rows = _all_rows(service, shinjuku, query_id)
        assert rows, name
        assert {row[columns.index("municipality_id")] for row in rows} == {"131016"}, name


def test_naming_a_municipality_outside_the_scope_is_forbidden(lake):
    service, _, _ = lake
    with pytest.raises(Forbidden):
        service.start(
            _principal("131016"),
            {"query": "intake_outcome", "parameters": {"municipality_id": "011002", "fiscal_year": 2025}},
        )
    with pytest.raises(Forbidden):
        service.start(
            _principal("131016"), {"query": "events", "parameters": {"prefecture_id": "01", "fiscal_year": 2025}}
        )


def test_a_prefecture_key_sees_only_its_prefecture(lake):
    service, _, _ = lake
    tokyo = _principal("13")
    query_id = service.start(tokyo, {"query": "intake_outcome", "parameters": {"fiscal_year": 2025}})
    _, rows = _all_rows(service, tokyo, query_id)
    assert {row[0] for row in rows} == {"131016", "131024"}


def test_a_query_id_is_usable_only_by_keys_of_the_same_scope(lake):
    service, _, _ = lake
    shinjuku = _principal("131016")
    query_id = service.start(shinjuku, {"query": "intake_outcome", "parameters": {"fiscal_year": 2025}})
    same_scope_other_key = Principal(key_id="other", role=Role.viewer, scope=("131016",))
    assert service.result(same_scope_other_key, query_id).state == "SUCCEEDED"
    for stranger in (_principal("011002"), _principal("13"), _principal("*")):
        with pytest.raises(NotFound):
            service.result(stranger, query_id)
    with pytest.raises(NotFound):
        service.result(shinjuku, query_id[:-2] + "AA")


def test_a_tampered_next_token_is_invalid_input(lake):
    service, _, _ = lake
    everyone = _principal("*")
    query_id = service.start(everyone, {"query": "events", "parameters": {"fiscal_year": 2025}})
    first = service.result(everyone, query_id, limit=5)
    assert first.next_token
    with pytest.raises(InvalidInput):
        service.result(everyone, query_id, first.next_token[:-3] + "xyz", limit=5)


def test_unknown_queries_unknown_parameters_and_bad_values_are_invalid_input(lake):
    service, _, _ = lake
    everyone = _principal("*")
    for body in (
        {"query": "DROP TABLE raw_event", "parameters": {}},
        {"query": "events", "parameters": {"fiscal_year": 2025, "sql": "SELECT 1"}},
        {"query": "events", "parameters": {"fiscal_year": 1800}},
        {"query": "events", "parameters": {"fiscal_year": 2025, "municipality_id": "131016", "prefecture_id": "13"}},
        {"query": "events"},
        {"query": "events", "parameters": {"fiscal_year": 2025}, "extra": 1},
    ):
        with pytest.raises(InvalidInput):
            service.start(everyone, body)


def test_a_failing_query_is_failed_with_a_reason(tmp_path):
    engine = DuckDbAnalyticsEngine(tmp_path / "lake", tmp_path / "analytics")
    query_id = engine.start("broken", "SELECT no_such_column FROM raw_event", [])
    status = engine.status(query_id)
    assert status.state == "FAILED" and "no_such_column" in (status.reason or "")
    with pytest.raises(NotFound):
        engine.status("0" * 32)
    with pytest.raises(NotFound):
        engine.status("../../etc/passwd")


def test_results_are_readable_from_another_engine_instance(lake):
    service, _, tmp_path = lake
    everyone = _principal("*")
    query_id = service.start(everyone, {"query": "sac", "parameters": {"fiscal_year": 2025}})
    other_process = AnalyticsService(
        DuckDbAnalyticsEngine(tmp_path / "lake", tmp_path / "analytics"), b"test-secret", registry()
    )
    assert other_process.result(everyone, query_id).rows == service.result(everyone, query_id).rows
