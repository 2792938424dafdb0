"""Analytics on Athena: StartQueryExecution with execution parameters, GetQueryExecution, GetQueryResults.

Execution parameters are values, not SQL: Athena substitutes each as a literal, so strings are sent
quoted (with quotes doubled), numbers as digits. The SQL text itself is always a file of the repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ...domain.errors import NotFound
from ...lake.sql_files import merge_sql
from ...lake.tables import KINDS, curated_table_name
from ...ports import AnalyticsPage, AnalyticsState, AnalyticsStatus, CompactionReport

if TYPE_CHECKING:
    from mypy_boto3_athena import AthenaClient

_STATES: dict[str, AnalyticsState] = {
    "QUEUED": "QUEUED",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "CANCELLED": "FAILED",
}
_INTEGER_TYPES = frozenset({"tinyint", "smallint", "integer", "bigint"})
_FLOAT_TYPES = frozenset({"float", "real", "double", "decimal"})
MAX_PAGE = 1000  # GetQueryResults' own maximum


def execution_parameter(value: Any) -> str:
    """A Python value as the literal Athena substitutes for one `?`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"unsupported query parameter type {type(value).__name__}")


def _typed(value: str | None, athena_type: str) -> Any:
    if value is None:
        return None
    if athena_type in _INTEGER_TYPES:
        return int(value)
    if athena_type in _FLOAT_TYPES:
        return float(value)
    if athena_type == "boolean":
        return value == "true"
    return value


class AthenaRefused(RuntimeError):
    """Athena would not start one of our queries: a server-side problem, not the client's."""


class AthenaAnalyticsEngine:
    """AnalyticsEngine on one workgroup (its output location and encryption come from the workgroup)."""

    def __init__(self, client: AthenaClient, workgroup: str, database: str, output_location: str = "") -> None:
        self._client = client
        self.workgroup = workgroup
        self.database = database
        self.output_location = output_location

    def start(self, query_name: str, sql: str, params: Sequence[Any]) -> str:
        arguments: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database},
        }
        if params:  # Athena refuses an empty ExecutionParameters list
            arguments["ExecutionParameters"] = [execution_parameter(p) for p in params]
        if self.output_location:
            arguments["ResultConfiguration"] = {"OutputLocation": self.output_location}
        try:
            response = self._client.start_query_execution(**arguments)
        except ClientError as exc:
            # The SQL is the repository's and the parameters were validated: a refusal is the deployment's
            # fault (workgroup, catalog), a 500 for the client and a logged error for the operator.
            message = exc.response.get("Error", {}).get("Message", "")
            raise AthenaRefused(f"Athena refused query {query_name}: {message}") from exc
        return response["QueryExecutionId"]

    def status(self, query_id: str) -> AnalyticsStatus:
        try:
            execution = self._client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("InvalidRequestException", "ResourceNotFoundException"):
                raise NotFound("no such query") from None
            raise
        status = execution.get("Status", {})
        state = _STATES.get(str(status.get("State")), "FAILED")
        reason = None
        if state == "FAILED":
            reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get("ErrorMessage")
            reason = reason or f"query {str(status.get('State', 'failed')).lower()}"
        return AnalyticsStatus(state=state, reason=reason)

    def results(self, query_id: str, page_token: str | None, limit: int) -> AnalyticsPage:
        """One page. The first page of Athena's results starts with the header row, which is dropped."""
        first_page = page_token is None
        arguments: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": min(limit + first_page, MAX_PAGE)}
        if page_token:
            arguments["NextToken"] = page_token
        response = self._client.get_query_results(**arguments)
        result_set = response["ResultSet"]
        column_info = result_set.get("ResultSetMetadata", {}).get("ColumnInfo", [])
        columns = [c["Name"] for c in column_info]
        types = [c.get("Type", "varchar") for c in column_info]
        raw_rows = [[cell.get("VarCharValue") for cell in row.get("Data", [])] for row in result_set.get("Rows", [])]
        if first_page and raw_rows and raw_rows[0] == columns:
            raw_rows = raw_rows[1:]
        rows = [[_typed(v, t) for v, t in zip(row, types, strict=False)] for row in raw_rows]
        return AnalyticsPage(columns=columns, rows=rows, next_token=response.get("NextToken"))


class AthenaLakeCompactor:
    """LakeCompactor for the scheduled Lambda: starts the MERGE of each curated Iceberg table.

    The statements run in Athena after the Lambda returns (they take longer than it should wait); a
    failed run leaves the tables as they were, and the next schedule folds in everything again.
    """

    def __init__(self, engine: AthenaAnalyticsEngine) -> None:
        self._engine = engine

    def compact(self) -> CompactionReport:
        started: dict[str, int] = {}
        for kind in KINDS:
            self._engine.start(f"compact_{kind}", merge_sql(kind).text, ())
            started[curated_table_name(kind)] = -1
        return CompactionReport(tables=started)
