"""Analytics (分析): named queries over the data lake, started and polled; never raw SQL."""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from ..domain.keys import Role
from ..services.analytics import DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS, StartQueryRequest
from .docs import ok
from .problems import TYPE_BASE
from .routing import ApiBlueprint, RequestContext, json_response
from .schemas import Problem

api = ApiBlueprint(__name__)

QUERIES_PATH = "/analytics/queries"
QUERY_PATH = QUERIES_PATH + "/{query_id}"
QUERY_FAILED_TYPE = TYPE_BASE + "query-failed"
# A failed query is reported inside a 200 answer; its problem's status says what the failure was: the query
# could not be completed by the engine (Athena or DuckDB), not something the client sent.
QUERY_FAILED_STATUS = 500


class QueryStarted(BaseModel):
    query_id: str = Field(description="Poll GET /analytics/queries/{query_id}; usable only by keys of the same scope")


class QueryResultQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_PAGE_ROWS, ge=1, le=MAX_PAGE_ROWS, description="Rows per page")
    next_token: str | None = Field(default=None, max_length=2048, description="From the previous page")


class QueryResultPage(BaseModel):
    """The state of a query and, once it has succeeded, one page of its rows (lists in the order of `columns`)."""

    query_id: str
    state: Literal["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]
    columns: list[str]
    rows: list[list[Any]]
    next_token: str | None
    reason: str | None = Field(default=None, description="Why a FAILED query failed (also in `error`)")
    error: Problem | None = Field(default=None, description="A FAILED query's reason as problem details")


@api.route(
    QUERIES_PATH,
    "POST",
    operation_id="startAnalyticsQuery",
    summary="Start a named analytics query; the key's scope is added as a filter",
    description=(
        "Queries and their parameters: intake_outcome, sac, tnr_by_area, complaints_by_area_month, events "
        "(fiscal_year, and municipality_id or prefecture_id); cats_now (as_of, and municipality_id or "
        "prefecture_id). Without municipality_id or prefecture_id the query covers the key's whole scope; "
        "naming one outside it is 403. Any role may run analytics."
    ),
    tag="analytics",
    body=StartQueryRequest,
    role=Role.viewer,
    responses={202: ok(QueryStarted, "Started")},
)
def start_query(ctx: RequestContext) -> Response:
    # Locally the change feed is published after each write; publishing again here makes sure the lake
    # has every committed change before the query reads it (a no-op in AWS, where Streams does it).
    ctx.services.publish_changes()
    query_id = ctx.services.analytics.start(ctx.caller, ctx.body)
    return json_response(QueryStarted(query_id=query_id).model_dump(mode="json"), 202)


@api.route(
    QUERY_PATH,
    "GET",
    operation_id="getAnalyticsQuery",
    summary="A query's state, and when it has succeeded one page of its columns and rows",
    tag="analytics",
    query=QueryResultQuery,
    responses={200: ok(QueryResultPage)},
)
def get_query(ctx: RequestContext, query_id: str) -> Response:
    query: QueryResultQuery = ctx.query
    result = ctx.services.analytics.result(ctx.caller, query_id, query.next_token, query.limit)
    error = None
    if result.state == "FAILED":
        error = Problem(
            type=QUERY_FAILED_TYPE,
            title="The query failed",
            status=QUERY_FAILED_STATUS,
            detail=result.reason or "the query failed",
        )
    page = QueryResultPage(
        query_id=result.query_id,
        state=result.state,
        columns=result.columns,
        rows=result.rows,
        next_token=result.next_token,
        reason=result.reason,
        error=error,
    )
    body = page.model_dump(mode="json", exclude={"error"})
    body["error"] = error.model_dump(mode="json", exclude_none=True) if error else None
    return json_response(body)
