"""Complaints by category, fiscal month and area, beside TNR surgeries; before/after each area's first surgery."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.models import CatStatus
from chalicelib.domain.statistics import complaints_report
from tests.unit.test_statistics_builders import CHIYODA, OSAKA, CatHistory, complaint, day, events_of

HONCHO, MIDORI, MINATO = "本町1丁目", "緑町2丁目", "港3丁目"
TODAY = dt.date(2026, 4, 20)


def build():
    surgeries = [
        CatHistory(status=CatStatus.community, area=HONCHO).surgery("2025-03-20", "spay"),  # in the before window
        CatHistory(status=CatStatus.community, area=HONCHO).surgery("2025-06-15", "spay"),  # F for 本町
        CatHistory(status=CatStatus.community, area=HONCHO).surgery("2025-08-01", "neuter"),
        CatHistory(status=CatStatus.community, area=None).surgery("2025-07-01", "neuter"),
        CatHistory(status=CatStatus.community, area=MINATO).surgery("2026-03-01", "spay"),  # F for 港
        CatHistory(OSAKA, status=CatStatus.community, area=HONCHO).surgery("2025-06-01", "spay"),
    ]
    complaints = [
        complaint("2025-03-14", "waste", HONCHO),  # a day before the before window
        complaint("2025-03-15", "waste", HONCHO),  # first day of the before window (fiscal year 2024)
        complaint("2025-05-01", "noise", HONCHO),
        complaint("2025-06-15", "waste", HONCHO),  # the day of the first surgery: neither before nor after
        complaint("2025-06-16", "feeding", HONCHO),
        complaint("2025-09-15", "garbage", HONCHO),  # last day of the after window
        complaint("2025-09-16", "other", HONCHO),
        complaint("2025-03-31", "waste", MIDORI),  # fiscal year 2024
        complaint("2025-04-01", "waste", MIDORI),
        complaint("2026-03-31", "noise", MIDORI),
        complaint("2026-04-10", "waste", MINATO),  # fiscal year 2026, but after 港's first surgery
        complaint("2025-05-01", "noise", HONCHO, municipality_id=OSAKA),
    ]
    return complaints, events_of(*surgeries)


def test_complaints_count_by_category_and_fiscal_month_with_the_months_surgeries_beside_them():
    complaints, events = build()
    report = complaints_report(complaints, events, CHIYODA, 2025, window_months=3, today=TODAY)

    totals = report.totals
    assert (totals.waste, totals.noise, totals.feeding, totals.garbage, totals.other, totals.total) == (
        2,
        2,
        1,
        1,
        1,
        7,
    )
    months = {m.month: (m.total, m.tnr_surgeries) for m in report.by_month if m.total or m.tnr_surgeries}
    assert months == {
        "2025-04": (1, 0),
        "2025-05": (1, 0),
        "2025-06": (2, 1),
        "2025-07": (0, 1),
        "2025-08": (0, 1),
        "2025-09": (2, 0),
        "2026-03": (1, 1),
    }
    june = next(m for m in report.by_month if m.month == "2025-06")
    assert (june.waste, june.feeding) == (1, 1)


def test_each_area_shows_its_complaints_and_its_surgeries_of_the_fiscal_year():
    complaints, events = build()
    report = complaints_report(complaints, events, CHIYODA, 2025, window_months=3, today=TODAY)

    rows = {row.area: (row.total, row.tnr_surgeries) for row in report.by_area}
    assert rows == {HONCHO: (5, 2), MINATO: (0, 1), MIDORI: (2, 0)}
    assert [row.area for row in report.by_area] == sorted(rows)


def test_before_and_after_compare_the_windows_around_each_areas_first_surgery_of_the_year():
    complaints, events = build()
    report = complaints_report(complaints, events, CHIYODA, 2025, window_months=3, today=TODAY)

    honcho, minato = report.before_after
    assert (honcho.area, honcho.first_surgery_on) == (HONCHO, day("2025-06-15"))
    assert (honcho.before_from, honcho.before_to) == (day("2025-03-15"), day("2025-06-14"))
    assert (honcho.after_from, honcho.after_to) == (day("2025-06-16"), day("2025-09-15"))
    assert (honcho.complaints_before, honcho.complaints_after, honcho.surgeries_before) == (2, 2, 1)
    assert honcho.after_window_complete
    assert (minato.area, minato.first_surgery_on, minato.after_to) == (MINATO, day("2026-03-01"), day("2026-06-01"))
    assert (minato.complaints_before, minato.complaints_after, minato.surgeries_before) == (0, 1, 0)
    assert not minato.after_window_complete


def test_a_year_without_complaints_or_surgeries_is_all_zeros():
    report = complaints_report([], [], CHIYODA, 2030, window_months=6, today=TODAY)
    assert report.totals.total == 0 and len(report.by_month) == 12
    assert report.by_area == [] and report.before_after == []
