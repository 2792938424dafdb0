"""Fiscal-year arithmetic and the statistics query string."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from chalicelib.domain.statistics import (
    ComplaintsReport,
    ComplaintStatisticsQuery,
    MunicipalityIntakeOutcome,
    PrefectureIntakeOutcome,
    SacMatrix,
    StatisticsQuery,
    TnrReport,
    add_months,
    fiscal_months,
    fiscal_year_bounds,
    fiscal_year_of,
)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [("2026-03-31", 2025), ("2026-04-01", 2026), ("2025-04-01", 2025), ("2026-01-01", 2025)],
)
def test_a_date_belongs_to_the_fiscal_year_that_started_on_the_april_before_it(day, fiscal_year):
    assert fiscal_year_of(dt.date.fromisoformat(day)) == fiscal_year


def test_a_fiscal_year_runs_april_to_march_in_twelve_months():
    assert fiscal_year_bounds(2025) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    months = fiscal_months(2025)
    assert (months[0], months[-1], len(months)) == ("2025-04", "2026-03", 12)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-08-31", 6, "2026-02-28"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2023-08-31", 6, "2024-02-29"),
        ("2025-04-01", -6, "2024-10-01"),
        ("2026-03-31", 6, "2026-09-30"),
        ("2025-01-15", -1, "2024-12-15"),
    ],
)
def test_adding_months_keeps_the_day_clamped_to_the_months_end(start, months, expected):
    assert add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(expected)


def test_the_query_string_takes_a_fiscal_year_and_an_optional_format():
    assert StatisticsQuery.model_validate({"fiscal_year": "2025"}) == StatisticsQuery(fiscal_year=2025, format="json")
    assert ComplaintStatisticsQuery.model_validate({"fiscal_year": "2025", "format": "csv"}).window_months == 6
    for bad in ({}, {"fiscal_year": "1999"}, {"fiscal_year": "x"}, {"fiscal_year": "2025", "format": "xml"}):
        with pytest.raises(ValidationError):
            StatisticsQuery.model_validate(bad)
    with pytest.raises(ValidationError):
        StatisticsQuery.model_validate({"fiscal_year": "2025", "fiscal_yaer": "2024"})


@pytest.mark.parametrize(
    "model", [MunicipalityIntakeOutcome, PrefectureIntakeOutcome, SacMatrix, TnrReport, ComplaintsReport]
)
def test_every_result_model_has_a_json_schema_for_the_openapi_document(model):
    schema = model.model_json_schema(mode="serialization")
    assert schema["type"] == "object" and schema["properties"]
