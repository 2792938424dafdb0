"""CSV renderings of the statistics: UTF-8 with a BOM (so Excel detects the encoding), Japanese headers.

Pure functions returning bytes; a route only sets Content-Type (CSV_CONTENT_TYPE) and Content-Disposition
(csv_filename). Codes are written as text ("011002"); Excel may still drop a leading zero when it opens a CSV
directly, which the docs mention.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from functools import singledispatch

from .complaints import ComplaintCounts, ComplaintsReport
from .moe import MOE_CSV_HEADERS, IntakeOutcomeCells, MunicipalityIntakeOutcome, PrefectureIntakeOutcome, moe_cells
from .sac import SacCount, SacMatrix
from .tnr import TnrCounts, TnrReport

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
NO_AREA_LABEL = "(地域未設定)"
CsvValue = str | int | float | None


def render_csv(header: Sequence[str], rows: Iterable[Sequence[CsvValue]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


@singledispatch
def to_csv(report: object) -> bytes:
    """The CSV of any statistics result (the route's `?format=csv`)."""
    raise TypeError(f"no CSV rendering for {type(report).__name__}")


def _yes_no(flag: bool) -> str:
    return "はい" if flag else "いいえ"


# ---- MoE table ----------------------------------------------------------------------------------

MOE_SCOPE_HEADERS = ("団体コード", "年度")


def _moe_row(scope_id: str, fiscal_year: int, cells: IntakeOutcomeCells) -> list[CsvValue]:
    return [scope_id, fiscal_year, *(value for _, value in moe_cells(cells))]


@to_csv.register
def moe_municipality_csv(table: MunicipalityIntakeOutcome) -> bytes:
    """One row: the municipality's table in the ministry's column order."""
    return render_csv(
        (*MOE_SCOPE_HEADERS, *MOE_CSV_HEADERS), [_moe_row(table.municipality_id, table.fiscal_year, table)]
    )


@to_csv.register
def moe_prefecture_csv(table: PrefectureIntakeOutcome) -> bytes:
    """One row per municipality, then the prefecture total (団体コード = the 2-digit prefecture code)."""
    rows = [_moe_row(m.municipality_id, m.fiscal_year, m) for m in table.municipalities]
    rows.append(_moe_row(table.prefecture_id, table.fiscal_year, table))
    return render_csv((*MOE_SCOPE_HEADERS, *MOE_CSV_HEADERS), rows)


# ---- SAC Basic Data Matrix ----------------------------------------------------------------------

SAC_HEADERS = ("団体コード", "年度", "区分", "項目", "SAC item", "成熟", "幼齢(5か月以下)", "合計")


@to_csv.register
def sac_csv(matrix: SacMatrix) -> bytes:
    """The matrix as rows (section, item, adult, juvenile, total); counts of cats in care have only a total."""

    def count_row(section: str, label: str, item: str, count: SacCount) -> list[CsvValue]:
        return [section, label, item, count.adult, count.juvenile, count.total]

    def single(section: str, label: str, item: str, value: CsvValue) -> list[CsvValue]:
        return [section, label, item, None, None, value]

    intakes, live, other = matrix.intakes, matrix.live_outcomes, matrix.other_outcomes
    rows = [
        single("期首", "期首頭数", "Beginning count", matrix.beginning_count),
        count_row("収容", "所有者不明・負傷 (迷い)", "Stray/at large", intakes.stray),
        count_row("収容", "所有者からの引取り", "Relinquished by owner", intakes.relinquished_by_owner),
        count_row("収容", "移入", "Transferred in", intakes.transferred_in),
        count_row("収容", "その他の収容", "Other intakes", intakes.other_intakes),
        count_row("収容", "収容 計", "Total intakes", intakes.total),
        count_row("生存退所", "譲渡", "Adoption", live.adoption),
        count_row("生存退所", "返還", "Returned to owner", live.returned_to_owner),
        count_row("生存退所", "移出 (団体譲渡)", "Transferred out", live.transferred_out),
        count_row("生存退所", "元の場所へ放す", "Returned to field", live.returned_to_field),
        count_row("生存退所", "その他の生存退所", "Other live outcome", live.other_live_outcome),
        count_row("生存退所", "生存退所 計", "Total live outcomes", live.total),
        count_row("その他の退所", "収容中の死亡", "Died in care", other.died_in_care),
        count_row("その他の退所", "収容中の行方不明", "Lost in care", other.lost_in_care),
        count_row("その他の退所", "殺処分 (安楽死)", "Shelter euthanasia", other.euthanasia),
        count_row("その他の退所", "その他の退所 計", "Total other outcomes", other.total),
        count_row("退所", "退所 計", "Total outcomes", matrix.total_outcomes),
        single("期末", "期末頭数", "Ending count", matrix.ending_count),
        single("期末", "期末頭数 (記録)", "Ending count (recorded)", matrix.recorded_ending_count),
        single("期末", "整合", "Balanced", _yes_no(matrix.balanced)),
        single("率", "生存退所率", "Live release rate", matrix.live_release_rate),
    ]
    return render_csv(SAC_HEADERS, ([matrix.municipality_id, matrix.fiscal_year, *row] for row in rows))


# ---- TNR --------------------------------------------------------------------------------------------

TNR_HEADERS = (
    "団体コード",
    "年度",
    "集計",
    "月",
    "地域",
    "手術数 メス",
    "手術数 オス",
    "手術数 計",
    "さくら耳",
    "費用 (円)",
    "補助金 (円)",
    "リリース数",
    "把握頭数",
    "不妊去勢済み頭数",
    "不妊去勢率",
    "目標 (70%) 未満",
)


def _tnr_counts(counts: TnrCounts) -> list[CsvValue]:
    return [
        counts.surgeries_female,
        counts.surgeries_male,
        counts.surgeries,
        counts.ear_tipped,
        counts.cost_yen,
        counts.subsidy_yen,
        counts.releases,
    ]


@to_csv.register
def tnr_csv(report: TnrReport) -> bytes:
    """A total row, one row per fiscal month, then one row per area with its census and flag."""
    rows: list[list[CsvValue]] = [["合計", None, None, *_tnr_counts(report.totals), None, None, None, None]]
    rows += [["月別", m.month, None, *_tnr_counts(m), None, None, None, None] for m in report.by_month]
    rows += [
        [
            "地域別",
            None,
            a.area if a.area is not None else NO_AREA_LABEL,
            *_tnr_counts(a),
            a.known_cats,
            a.neutered_cats,
            a.neutered_share,
            _yes_no(a.below_target),
        ]
        for a in report.by_area
    ]
    return render_csv(TNR_HEADERS, ([report.municipality_id, report.fiscal_year, *row] for row in rows))


# ---- complaints ---------------------------------------------------------------------------------

COMPLAINT_HEADERS = (
    "団体コード",
    "年度",
    "集計",
    "月",
    "地域",
    "糞尿",
    "鳴き声",
    "餌やり",
    "ゴミ荒らし",
    "その他",
    "合計",
    "TNR手術数",
)
BEFORE_AFTER_HEADERS = (
    "団体コード",
    "年度",
    "地域",
    "初回手術日",
    "前 開始",
    "前 終了",
    "後 開始",
    "後 終了",
    "苦情 前",
    "苦情 後",
    "前期間の手術数",
    "後期間 経過済み",
)


def _complaint_counts(counts: ComplaintCounts) -> list[CsvValue]:
    return [counts.waste, counts.noise, counts.feeding, counts.garbage, counts.other, counts.total]


@to_csv.register
def complaints_csv(report: ComplaintsReport) -> bytes:
    """A total row, one row per fiscal month, then one row per area, each with TNR surgeries beside it."""
    surgeries = sum(m.tnr_surgeries for m in report.by_month)
    rows: list[list[CsvValue]] = [["合計", None, None, *_complaint_counts(report.totals), surgeries]]
    rows += [["月別", m.month, None, *_complaint_counts(m), m.tnr_surgeries] for m in report.by_month]
    rows += [["地域別", None, a.area, *_complaint_counts(a), a.tnr_surgeries] for a in report.by_area]
    return render_csv(COMPLAINT_HEADERS, ([report.municipality_id, report.fiscal_year, *row] for row in rows))


def complaints_before_after_csv(report: ComplaintsReport) -> bytes:
    """The before/after-TNR comparison, one row per area."""
    rows: list[list[CsvValue]] = [
        [
            report.municipality_id,
            report.fiscal_year,
            row.area,
            row.first_surgery_on.isoformat(),
            row.before_from.isoformat(),
            row.before_to.isoformat(),
            row.after_from.isoformat(),
            row.after_to.isoformat(),
            row.complaints_before,
            row.complaints_after,
            row.surgeries_before,
            _yes_no(row.after_window_complete),
        ]
        for row in report.before_after
    ]
    return render_csv(BEFORE_AFTER_HEADERS, rows)


def csv_filename(report: object) -> str:
    """A download name such as intake-outcome_131016_2025.csv."""
    match report:
        case MunicipalityIntakeOutcome():
            return f"intake-outcome_{report.municipality_id}_{report.fiscal_year}.csv"
        case PrefectureIntakeOutcome():
            return f"intake-outcome_{report.prefecture_id}_{report.fiscal_year}.csv"
        case SacMatrix():
            return f"sac_{report.municipality_id}_{report.fiscal_year}.csv"
        case TnrReport():
            return f"tnr_{report.municipality_id}_{report.fiscal_year}.csv"
        case ComplaintsReport():
            return f"complaints_{report.municipality_id}_{report.fiscal_year}.csv"
    raise TypeError(f"no CSV rendering for {type(report).__name__}")
