"""Statistics routes: the 環境省 intake/outcome table (municipality and prefecture), the SAC matrix, TNR progress
and complaints, each as JSON or, with `?format=csv`, as a CSV file Excel opens (UTF-8 with BOM)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import Response
from pydantic import BaseModel

from ..domain.errors import Forbidden
from ..domain.statistics import (
    CSV_CONTENT_TYPE,
    ComplaintsReport,
    ComplaintStatisticsQuery,
    MunicipalityIntakeOutcome,
    PrefectureIntakeOutcome,
    SacMatrix,
    StatisticsQuery,
    TnrReport,
    csv_filename,
    to_csv,
)
from .routing import ApiBlueprint, RequestContext, ResponseDoc, model_response

api = ApiBlueprint(__name__)

MUNICIPALITY_STATS = "/municipalities/{municipality_id}/stats"
PREFECTURE_STATS = "/prefectures/{prefecture_id}/stats"
TAG = "statistics"
CSV_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "CSV (RFC 4180, CRLF line ends), UTF-8 starting with a BOM so Excel detects the encoding; "
    "Japanese column headers on the first line",
}


def _ok(schema: type[BaseModel], description: str) -> dict[int, ResponseDoc]:
    return {
        200: ResponseDoc(
            f"{description}. JSON by default; with format=csv a CSV download (Content-Disposition attachment)",
            schema,
            headers=("Content-Disposition",),
            alternatives=(("text/csv", CSV_SCHEMA),),
        )
    }


def _answer(report: BaseModel, query: StatisticsQuery) -> Response:
    if query.format == "json":
        return model_response(report)
    # A str body (the BOM is U+FEFF at its start): API Gateway and `chalice local` encode it as UTF-8, whereas
    # a bytes body would need text/csv declared as a binary media type.
    return Response(
        body=to_csv(report).decode("utf-8"),
        status_code=200,
        headers={
            "Content-Type": CSV_CONTENT_TYPE,
            "Content-Disposition": f'attachment; filename="{csv_filename(report)}"',
        },
    )


def _authorize_prefecture(ctx: RequestContext, path_params: Mapping[str, str]) -> None:
    """A prefecture total is visible only to a key covering every municipality of the prefecture:
    a partial sum would pass for the prefecture's figure."""
    prefecture_id = path_params["prefecture_id"]
    registry = ctx.services.registry
    registry.prefecture(prefecture_id)
    municipality_ids = [m.municipality_id for m in registry.in_prefecture(prefecture_id)]
    if not ctx.caller.covers_prefecture(prefecture_id, municipality_ids):
        raise Forbidden(f"this key's scope does not cover every municipality of prefecture {prefecture_id}")


@api.route(
    MUNICIPALITY_STATS + "/intake-outcome",
    "GET",
    operation_id="getMunicipalityIntakeOutcome",
    summary="環境省 intake/outcome table (引取り・負傷動物・返還・譲渡・殺処分) of a municipality and fiscal year",
    description="Counts the events dated in the fiscal year (April 1 – March 31, Japan dates); a year without "
    "events is all zeros. docs/statistics.md defines every cell. CSV columns follow the ministry's order.",
    tag=TAG,
    query=StatisticsQuery,
    responses=_ok(MunicipalityIntakeOutcome, "The MoE table"),
)
def municipality_intake_outcome(ctx: RequestContext, municipality_id: str) -> Response:
    query: StatisticsQuery = ctx.query
    return _answer(ctx.services.statistics.intake_outcome_for_municipality(municipality_id, query.fiscal_year), query)


@api.route(
    PREFECTURE_STATS + "/intake-outcome",
    "GET",
    operation_id="getPrefectureIntakeOutcome",
    summary="環境省 intake/outcome table summed over every municipality of a prefecture",
    description="Needs a key whose scope covers the whole prefecture (`*`, the prefecture code, or every one of "
    "its municipalities); any other key gets 403, never a partial sum. The response lists the municipality tables "
    "it sums; the CSV has one row per municipality, then the prefecture total.",
    tag=TAG,
    query=StatisticsQuery,
    authorize=_authorize_prefecture,
    responses=_ok(PrefectureIntakeOutcome, "The MoE table of the prefecture"),
)
def prefecture_intake_outcome(ctx: RequestContext, prefecture_id: str) -> Response:
    query: StatisticsQuery = ctx.query
    return _answer(ctx.services.statistics.intake_outcome_for_prefecture(prefecture_id, query.fiscal_year), query)


@api.route(
    MUNICIPALITY_STATS + "/sac",
    "GET",
    operation_id="getSacMatrix",
    summary="Shelter Animals Count Basic Data Matrix (cats) of a municipality and fiscal year",
    description="Beginning and ending counts, intakes, live and other outcomes, adult vs up to 5 months, live "
    "release rate.",
    tag=TAG,
    query=StatisticsQuery,
    responses=_ok(SacMatrix, "The SAC matrix"),
)
def sac_matrix(ctx: RequestContext, municipality_id: str) -> Response:
    query: StatisticsQuery = ctx.query
    return _answer(ctx.services.statistics.sac(municipality_id, query.fiscal_year), query)


@api.route(
    MUNICIPALITY_STATS + "/tnr",
    "GET",
    operation_id="getTnrProgress",
    summary="TNR progress: surgeries by sex and month, ear-tipped, cost and subsidy, per-area neutered share",
    description="Areas whose neutered share is under the target (70 %) are flagged below_target.",
    tag=TAG,
    query=StatisticsQuery,
    responses=_ok(TnrReport, "TNR progress"),
)
def tnr_progress(ctx: RequestContext, municipality_id: str) -> Response:
    query: StatisticsQuery = ctx.query
    return _answer(ctx.services.statistics.tnr(municipality_id, query.fiscal_year), query)


@api.route(
    MUNICIPALITY_STATS + "/complaints",
    "GET",
    operation_id="getComplaintStatistics",
    summary="Complaints by category, month and area, with TNR surgeries beside them and before/after TNR",
    description="Only category, area and date of each complaint are used: no personal data is in the result.",
    tag=TAG,
    query=ComplaintStatisticsQuery,
    responses=_ok(ComplaintsReport, "Complaint statistics"),
)
def complaint_statistics(ctx: RequestContext, municipality_id: str) -> Response:
    query: ComplaintStatisticsQuery = ctx.query
    report = ctx.services.statistics.complaints(municipality_id, query.fiscal_year, query.window_months)
    return _answer(report, query)
