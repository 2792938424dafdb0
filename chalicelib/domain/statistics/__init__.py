"""Statistics definitions: pure functions from recorded events to the figures municipalities report and plan with.

docs/statistics.md defines every number in words; the modules say the same in code.
"""

from .complaints import (
    BeforeAfterTnr,
    ComplaintArea,
    ComplaintCounts,
    ComplaintMonth,
    ComplaintsReport,
    complaints_report,
)
from .csv_export import CSV_CONTENT_TYPE, complaints_before_after_csv, csv_filename, to_csv
from .fiscal import (
    ComplaintStatisticsQuery,
    StatisticsQuery,
    add_months,
    fiscal_months,
    fiscal_year_bounds,
    fiscal_year_of,
)
from .moe import (
    MOE_COLUMN_HEADERS,
    MOE_COLUMNS,
    MOE_CSV_HEADERS,
    IntakeOutcomeCells,
    MunicipalityIntakeOutcome,
    PrefectureIntakeOutcome,
    intake_outcome_table,
    moe_cells,
    prefecture_intake_outcome,
)
from .sac import SacMatrix, in_care_at_start_of, sac_matrix
from .tnr import NEUTERED_SHARE_TARGET, TnrArea, TnrCounts, TnrMonth, TnrReport, tnr_report

__all__ = [
    "CSV_CONTENT_TYPE",
    "MOE_COLUMNS",
    "MOE_COLUMN_HEADERS",
    "MOE_CSV_HEADERS",
    "NEUTERED_SHARE_TARGET",
    "BeforeAfterTnr",
    "ComplaintArea",
    "ComplaintCounts",
    "ComplaintMonth",
    "ComplaintStatisticsQuery",
    "ComplaintsReport",
    "IntakeOutcomeCells",
    "MunicipalityIntakeOutcome",
    "PrefectureIntakeOutcome",
    "SacMatrix",
    "StatisticsQuery",
    "TnrArea",
    "TnrCounts",
    "TnrMonth",
    "TnrReport",
    "add_months",
    "complaints_before_after_csv",
    "complaints_report",
    "csv_filename",
    "fiscal_months",
    "fiscal_year_bounds",
    "fiscal_year_of",
    "in_care_at_start_of",
    "intake_outcome_table",
    "moe_cells",
    "prefecture_intake_outcome",
    "sac_matrix",
    "tnr_report",
    "to_csv",
]
