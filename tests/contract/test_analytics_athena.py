"""The Athena adapter: start with execution parameters, poll, page results, failures (moto's queued results)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api import state_manager

from chalicelib.adapters.aws.athena import (
    AthenaAnalyticsEngine,
    AthenaLakeCompactor,
    AthenaRefused,
    execution_parameter,
)
from chalicelib.domain.errors import DomainError
from chalicelib.lake.sql_files import load_sql

REGION = "ap-northeast-1"


@pytest.fixture
def athena(aws_env):
    with mock_aws():
        client = boto3.client("athena", region_name=REGION)
        workgroup = f"wg-{uuid.uuid4().hex[:8]}"
        client.create_work_group(Name=workgroup, Configuration={})
        yield client, workgroup


def _queue(rows: list[list[str]], columns: list[tuple[str, str]]) -> None:
    backend = athena_backends[DEFAULT_ACCOUNT_ID][REGION]
    header = {"Data": [{"VarCharValue": name} for name, _ in columns]}
    data = [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
    info = [{"Name": name, "Type": kind, "Label": name} for name, kind in columns]
    backend.query_results_queue.append(QueryResults(rows=[header, *data], column_info=info))


def test_start_sends_the_repository_sql_with_quoted_execution_parameters(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata", "s3://results/")
    sql = load_sql("intake_outcome")
    query_id = engine.start("intake_outcome", sql.text, ["13", "131016,011002", 2025])
    execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    assert execution["Query"] == sql.text
    assert execution["WorkGroup"] == workgroup
    assert execution["QueryExecutionContext"]["Database"] == "catdata"
    assert execution["ExecutionParameters"] == ["'13'", "'131016,011002'", "2025"]


def test_parameters_are_literals_never_sql():
    assert execution_parameter("x' OR '1'='1") == "'x'' OR ''1''=''1'"
    assert execution_parameter(True) == "true"
    with pytest.raises(TypeError):
        execution_parameter(object())


def test_poll_goes_from_queued_through_running_to_succeeded(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata")
    state_manager.set_transition(model_name="athena::execution", transition={"progression": "manual", "times": 1})
    try:
        query_id = engine.start("events", "SELECT 1", [])
        states = [engine.status(query_id).state for _ in range(4)]
    finally:
        state_manager.unset_transition("athena::execution")
    assert states[0] in ("QUEUED", "RUNNING")
    assert states[-1] == "SUCCEEDED"
    assert states.index("SUCCEEDED") >= 1


def test_results_drop_the_header_row_and_convert_types(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata")
    _queue(
        [["131016", "2025", "3", "0.5"]],
        [("municipality_id", "varchar"), ("fiscal_year", "integer"), ("cats", "bigint"), ("share", "double")],
    )
    query_id = engine.start("intake_outcome", "SELECT 1", [])
    assert engine.status(query_id).state == "SUCCEEDED"
    page = engine.results(query_id, None, 100)
    assert page.columns == ["municipality_id", "fiscal_year", "cats", "share"]
    assert page.rows == [["131016", 2025, 3, 0.5]]
    assert page.next_token is None


def test_failed_query_reports_athenas_reason(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata")
    with Stubber(client) as stub:
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "QueryExecutionId": "q-1",
                    "Status": {"State": "FAILED", "StateChangeReason": "COLUMN_NOT_FOUND: line 3"},
                }
            },
            {"QueryExecutionId": "q-1"},
        )
        status = engine.status("q-1")
    assert (status.state, status.reason) == ("FAILED", "COLUMN_NOT_FOUND: line 3")


def test_a_refused_start_is_a_server_error_carrying_athenas_message(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata")
    with Stubber(client) as stub:
        stub.add_client_error("start_query_execution", "InvalidRequestException", "line 1: mismatched input")
        with pytest.raises(AthenaRefused, match="mismatched input") as refused:
            engine.start("events", "SELECT", [])
    assert not isinstance(refused.value, DomainError)


def test_results_page_with_athenas_next_token(athena):
    client, workgroup = athena
    engine = AthenaAnalyticsEngine(client, workgroup, "catdata")
    meta = {"ColumnInfo": [{"Name": "n", "Type": "integer"}]}
    with Stubber(client) as stub:
        stub.add_response(
            "get_query_results",
            {
                "ResultSet": {
                    "Rows": [
                        {"Data": [{"VarCharValue": "n"}]},
                        {"Data": [{"VarCharValue": "1"}]},
                        {"Data": [{"VarCharValue": "2"}]},
                    ],
                    "ResultSetMetadata": meta,
                },
                "NextToken": "page-2",
            },
            {"QueryExecutionId": "q-2", "MaxResults": 3},
        )
        stub.add_response(
            "get_query_results",
            {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": "3"}]}], "ResultSetMetadata": meta}},
            {"QueryExecutionId": "q-2", "MaxResults": 2, "NextToken": "page-2"},
        )
        first = engine.results("q-2", None, 2)
        second = engine.results("q-2", first.next_token, 2)
    assert (first.rows, first.next_token) == ([[1], [2]], "page-2")
    assert (second.rows, second.next_token) == ([[3]], None)


def test_compaction_starts_one_merge_per_curated_table(athena):
    client, workgroup = athena
    report = AthenaLakeCompactor(AthenaAnalyticsEngine(client, workgroup, "catdata")).compact()
    assert set(report.tables) == {"curated_cat", "curated_event", "curated_complaint"}
    queries = [
        client.get_query_execution(QueryExecutionId=q)["QueryExecution"]["Query"]
        for q in client.list_query_executions(WorkGroup=workgroup)["QueryExecutionIds"]
    ]
    assert sorted(q.split("MERGE INTO ")[1].split()[0] for q in queries) == [
        "curated_cat",
        "curated_complaint",
        "curated_event",
    ]
