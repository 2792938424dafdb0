"""Analytics over HTTP: start a named query, poll it, page it; scope on every answer; the MoE cross-check."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.routing import OPERATIONS, use_container
from chalicelib.bootstrap import Container
from chalicelib.ports import AnalyticsPage, AnalyticsStatus
from chalicelib.services.analytics import QUERIES, AnalyticsService
from chalicelib.services.demo import DEMO_MUNICIPALITIES, DemoSeeder
from tests.conftest import CHIYODA, CHUO, SAPPORO, Api

QUERIES_PATH = "/analytics/queries"
STATS_ROUTE = "/municipalities/{municipality_id}/stats/intake-outcome"
DEMO_FISCAL_YEARS = (2024, 2025)


@pytest.fixture
def local_api(local_container: Container) -> Iterator[Api]:
    """The local backend only: DuckDB runs the real SQL over the lake files (Athena on moto returns queued rows)."""
    from app import app

    use_container(lambda: local_container)
    with Client(app) as client:
        yield Api(client, local_container)


def start(api: Api, key: str, query: str, **parameters: Any) -> str:
    response = api.call("POST", QUERIES_PATH, key, {"query": query, "parameters": parameters})
    assert response.status_code == 202, response.body
    query_id = response.json["query_id"]
    assert isinstance(query_id, str) and query_id
    return query_id


def all_rows(api: Api, key: str, query_id: str, limit: int = 3) -> tuple[list[str], list[list[Any]]]:
    response = api.call("GET", f"{QUERIES_PATH}/{query_id}?limit={limit}", key)
    assert response.status_code == 200, response.body
    page = response.json
    assert page["state"] == "SUCCEEDED", page
    rows = list(page["rows"])
    while page["next_token"]:
        page = api.call("GET", f"{QUERIES_PATH}/{query_id}?limit={limit}&next_token={page['next_token']}", key).json
        rows.extend(page["rows"])
    return page["columns"], rows


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, int]:
    """The MoE table's cells named by their path joined with `_` (api.md: the analytics column names)."""
    cells: dict[str, int] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            cells.update(flatten(value, f"{prefix}{name}_"))
        elif prefix:
            cells[f"{prefix}{name}"] = value
    return cells


def seed_cats(api: Api, municipality_id: str, count: int) -> None:
    key = api.key("editor", municipality_id)
    for number in range(count):
        cat = api.call("POST", f"/municipalities/{municipality_id}/cats", key, {"area": f"area-{number}"}).json
        event = {"type": "intake", "occurred_on": "2025-05-10", "intake_type": "ownerless", "age_class": "adult"}
        response = api.call("POST", f"/municipalities/{municipality_id}/cats/{cat['cat_id']}/events", key, event)
        assert response.status_code == 201, response.body


# ---- the "Done when" cross-check -----------------------------------------------------------------------


def test_on_the_demo_data_the_analytics_moe_table_equals_the_statistics_table_for_every_municipality_and_year(
    local_api: Api,
) -> None:
    container = local_api.container
    summary = DemoSeeder(container.cats, container.complaints).seed()
    assert summary.events > 0
    container.publish_changes()
    key = local_api.key("viewer", "*")
    stats_route_present = any(op.path == STATS_ROUTE and op.method == "GET" for op in OPERATIONS)
    compared = 0
    for municipality_id in DEMO_MUNICIPALITIES:
        for fiscal_year in DEMO_FISCAL_YEARS:
            query_id = start(local_api, key, "intake_outcome", municipality_id=municipality_id, fiscal_year=fiscal_year)
            columns, rows = all_rows(local_api, key, query_id, limit=100)
            assert len(rows) == 1, rows
            from_analytics = dict(zip(columns, rows[0], strict=True))
            assert (from_analytics.pop("municipality_id"), from_analytics.pop("fiscal_year")) == (
                municipality_id,
                fiscal_year,
            )
            if stats_route_present:
                path = STATS_ROUTE.format(municipality_id=municipality_id) + f"?fiscal_year={fiscal_year}"
                response = local_api.call("GET", path, key)
                assert response.status_code == 200, response.body
                table = response.json
            else:
                table = container.statistics.intake_outcome_for_municipality(municipality_id, fiscal_year).model_dump(
                    mode="json"
                )
            from_statistics = flatten(table)
            assert set(from_analytics) == set(from_statistics)
            assert from_analytics == from_statistics, (municipality_id, fiscal_year)
            compared += 1
            assert sum(from_statistics.values()) > 0, "the demo data has events in every municipality and year"
    assert compared == len(DEMO_MUNICIPALITIES) * len(DEMO_FISCAL_YEARS)


# ---- scope ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {"prefecture_id": "13"},
        {"prefecture_id": "01"},
        {"municipality_id": CHUO},
        {"municipality_id": SAPPORO},
        {"scope_municipalities": CHUO},
        {"scope_prefectures": "13"},
        {"municipality_id": f"{CHIYODA}' OR '1'='1"},
        {"prefecture_id": "13", "municipality_id": CHIYODA},
    ],
)
def test_a_key_of_one_municipality_never_sees_another_municipalitys_rows_whatever_it_sends(
    local_api: Api, parameters: dict[str, Any]
) -> None:
    for municipality_id in (CHIYODA, CHUO, SAPPORO):
        seed_cats(local_api, municipality_id, 2)
    key = local_api.key("viewer", CHIYODA)
    seen_any = False
    for name in QUERIES:
        body_parameters = {**parameters, **({} if name == "cats_now" else {"fiscal_year": 2025})}
        response = local_api.call("POST", QUERIES_PATH, key, {"query": name, "parameters": body_parameters})
        if response.status_code in (400, 403):
            assert response.headers["Content-Type"] == "application/problem+json"
            assert CHUO not in response.body.decode() or CHUO in str(parameters)
            continue
        assert response.status_code == 202, response.body
        columns, rows = all_rows(local_api, key, response.json["query_id"])
        foreign = [row for row in rows if row[columns.index("municipality_id")] != CHIYODA]
        assert not foreign, (name, foreign)
        seen_any = seen_any or bool(rows)
    if parameters in ({}, {"municipality_id": CHIYODA}):
        assert seen_any


def test_naming_a_municipality_or_prefecture_outside_the_scope_is_403(api: Api) -> None:
    key = api.key("viewer", CHIYODA)
    for parameters in ({"municipality_id": CHUO}, {"prefecture_id": "01"}):
        response = api.call(
            "POST", QUERIES_PATH, key, {"query": "intake_outcome", "parameters": {**parameters, "fiscal_year": 2025}}
        )
        assert response.status_code == 403, response.body
        assert response.json["status"] == 403


def test_a_query_id_is_not_found_for_a_key_of_another_scope(api: Api) -> None:
    chiyoda = api.key("viewer", CHIYODA)
    query_id = start(api, chiyoda, "intake_outcome", fiscal_year=2025)
    same_scope = api.key("viewer", CHIYODA)
    assert api.call("GET", f"{QUERIES_PATH}/{query_id}", same_scope).status_code == 200
    for stranger in (api.key("viewer", CHUO), api.key("viewer", "13"), api.key("admin", "*")):
        response = api.call("GET", f"{QUERIES_PATH}/{query_id}", stranger)
        assert response.status_code == 404, response.body
        assert response.headers["Content-Type"] == "application/problem+json"
    for forged in (query_id[:-2] + "AA", "0" * 32, "not-a-query", query_id[:-4], query_id + "A"):
        assert api.call("GET", f"{QUERIES_PATH}/{forged}", chiyoda).status_code == 404


def test_getting_a_query_needs_a_key(api: Api) -> None:
    query_id = start(api, api.key("viewer", CHIYODA), "intake_outcome", fiscal_year=2025)
    assert api.call("GET", f"{QUERIES_PATH}/{query_id}").status_code == 401
    assert api.call("POST", QUERIES_PATH, None, {"query": "intake_outcome"}).status_code == 401


# ---- start, poll, page --------------------------------------------------------------------------------


def test_a_viewer_starts_a_query_and_polls_its_state(api: Api) -> None:
    key = api.key("viewer", CHIYODA)
    query_id = start(api, key, "intake_outcome", municipality_id=CHIYODA, fiscal_year=2025)
    response = api.call("GET", f"{QUERIES_PATH}/{query_id}", key)
    assert response.status_code == 200, response.body
    page = response.json
    assert page["query_id"] == query_id
    assert page["state"] in ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED")
    assert set(page) >= {"state", "columns", "rows", "next_token"}
    assert all(len(row) == len(page["columns"]) for row in page["rows"])
    if page["state"] == "FAILED":
        assert page["error"]["status"] and page["error"]["detail"]


def test_local_results_page_with_limit_and_next_token(local_api: Api) -> None:
    seed_cats(local_api, CHIYODA, 7)
    key = local_api.key("viewer", CHIYODA)
    query_id = start(local_api, key, "events", fiscal_year=2025)
    first = local_api.call("GET", f"{QUERIES_PATH}/{query_id}?limit=3", key).json
    assert first["state"] == "SUCCEEDED" and len(first["rows"]) == 3 and first["next_token"]
    columns, rows = all_rows(local_api, key, query_id, limit=3)
    assert len(rows) == 7
    assert {row[columns.index("municipality_id")] for row in rows} == {CHIYODA}
    assert len({row[columns.index("event_id")] for row in rows}) == 7


def test_a_tampered_or_foreign_next_token_is_400(local_api: Api) -> None:
    seed_cats(local_api, CHIYODA, 4)
    key = local_api.key("viewer", CHIYODA)
    query_id = start(local_api, key, "events", fiscal_year=2025)
    other_query = start(local_api, key, "events", fiscal_year=2025)
    token = local_api.call("GET", f"{QUERIES_PATH}/{query_id}?limit=2", key).json["next_token"]
    for bad in (token[:-3] + "xyz", "garbage", token):
        target = other_query if bad == token else query_id
        response = local_api.call("GET", f"{QUERIES_PATH}/{target}?limit=2&next_token={bad}", key)
        assert response.status_code == 400, response.body
        assert response.json["errors"][0]["loc"] == ["query", "next_token"]


def test_the_lake_is_current_when_a_query_starts(local_api: Api) -> None:
    key = local_api.key("editor", CHIYODA)
    seed_cats(local_api, CHIYODA, 1)
    query_id = start(local_api, key, "intake_outcome", municipality_id=CHIYODA, fiscal_year=2025)
    columns, rows = all_rows(local_api, key, query_id)
    assert rows[0][columns.index("intake_ownerless_adult")] == 1
    seed_cats(local_api, CHIYODA, 2)
    query_id = start(local_api, key, "intake_outcome", municipality_id=CHIYODA, fiscal_year=2025)
    columns, rows = all_rows(local_api, key, query_id)
    assert rows[0][columns.index("intake_ownerless_adult")] == 3


class FailingEngine:
    """An analytics engine whose every query fails, as Athena reports a failed execution."""

    def start(self, query_name: str, sql: str, params: Sequence[Any]) -> str:
        return "failing-" + query_name

    def status(self, query_id: str) -> AnalyticsStatus:
        return AnalyticsStatus(state="FAILED", reason="COLUMN_NOT_FOUND: line 3:8: Column 'x' cannot be resolved")

    def results(self, query_id: str, page_token: str | None, limit: int) -> AnalyticsPage:
        raise AssertionError("a failed query has no results")


def test_a_failed_query_answers_failed_with_problem_details(api: Api) -> None:
    container = api.container
    container.analytics = AnalyticsService(FailingEngine(), container.secret, container.registry)
    key = api.key("viewer", CHIYODA)
    query_id = start(api, key, "sac", fiscal_year=2025)
    response = api.call("GET", f"{QUERIES_PATH}/{query_id}", key)
    assert response.status_code == 200, response.body
    page = response.json
    assert page["state"] == "FAILED" and page["rows"] == [] and page["next_token"] is None
    assert page["error"]["type"].endswith("/query-failed") and page["error"]["title"]
    assert page["error"]["detail"] == page["reason"] and "COLUMN_NOT_FOUND" in page["reason"]


# ---- bad input -----------------------------------------------------------------------------------------


def test_an_unknown_query_is_400_naming_the_known_ones(api: Api) -> None:
    response = api.call("POST", QUERIES_PATH, api.key("viewer", CHIYODA), {"query": "DROP TABLE raw_event"})
    assert response.status_code == 400
    message = " ".join(error["msg"] for error in response.json["errors"])
    assert all(name in message for name in QUERIES)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "intake_outcome", "parameters": {"fiscal_year": 2025, "sql": "SELECT 1"}},
        {"query": "intake_outcome", "parameters": {"fiscal_year": 1800}},
        {"query": "intake_outcome", "parameters": {}},
        {"query": "intake_outcome", "parameters": {"fiscal_year": 2025, "municipality_id": "131017"}},
        {"query": "intake_outcome", "parameters": {"fiscal_year": 2025, "prefecture_id": "48"}},
        {"query": "intake_outcome", "parameters": {"fiscal_year": 2025}, "sql": "SELECT 1"},
        {"query": "cats_now", "parameters": {"as_of": "yesterday"}},
        {"query": 5, "parameters": {}},
        {"parameters": {"fiscal_year": 2025}},
    ],
)
def test_bad_queries_and_parameters_are_400_and_name_the_field(api: Api, body: dict[str, Any]) -> None:
    response = api.call("POST", QUERIES_PATH, api.key("viewer", "*"), body)
    assert response.status_code == 400, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["errors"] and all(error["loc"][0] == "body" for error in response.json["errors"])


def test_a_limit_out_of_range_is_400(api: Api) -> None:
    key = api.key("viewer", CHIYODA)
    query_id = start(api, key, "intake_outcome", fiscal_year=2025)
    for limit in ("0", "1001", "many"):
        assert api.call("GET", f"{QUERIES_PATH}/{query_id}?limit={limit}", key).status_code == 400


def test_the_analytics_routes_are_in_the_openapi_document(api: Api) -> None:
    document = api.call("GET", "/openapi.json").json
    start_operation = document["paths"][QUERIES_PATH]["post"]
    assert "202" in start_operation["responses"]
    body_schema = document["components"]["schemas"]["StartQueryRequest"]
    assert set(body_schema["properties"]) == {"query", "parameters"}
    poll = document["paths"][QUERIES_PATH + "/{query_id}"]["get"]
    assert {p["name"] for p in poll["parameters"]} == {"query_id", "limit", "next_token"}
