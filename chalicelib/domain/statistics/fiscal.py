"""Japanese fiscal years (年度: April 1 – March 31) and the query parameters of the statistics routes."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from ..base import Model

FISCAL_YEAR_MIN = 2000
FISCAL_YEAR_MAX = 2100
FISCAL_YEAR_FIRST_MONTH = 4


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a Japan date belongs to: 2026-03-31 is in 2025, 2026-04-01 in 2026."""
    return day.year if day.month >= FISCAL_YEAR_FIRST_MONTH else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the fiscal year, both inclusive."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def fiscal_months(fiscal_year: int) -> list[str]:
    """The twelve months of the fiscal year as YYYY-MM, April first."""
    start, _ = fiscal_year_bounds(fiscal_year)
    return [month_label(add_months(start, offset)) for offset in range(12)]


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier if negative), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


def in_fiscal_year(day: dt.date, fiscal_year: int) -> bool:
    start, end = fiscal_year_bounds(fiscal_year)
    return start <= day <= end


class StatisticsQuery(Model):
    """Query string of every `stats/...` route."""

    model_config = ConfigDict(extra="forbid")

    fiscal_year: int = Field(
        ge=FISCAL_YEAR_MIN,
        le=FISCAL_YEAR_MAX,
        description="年度: fiscal year Y runs from Y-04-01 to (Y+1)-03-31 (Japan dates)",
    )
    format: Literal["json", "csv"] = Field(
        default="json", description="csv: UTF-8 with BOM and Japanese headers, for Excel"
    )


class ComplaintStatisticsQuery(StatisticsQuery):
    window_months: int = Field(
        default=6,
        ge=1,
        le=12,
        description="Months compared before and after each area's first TNR surgery of the fiscal year",
    )
