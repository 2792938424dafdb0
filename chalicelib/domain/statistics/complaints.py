"""Complaints (苦情) for one municipality and fiscal year, beside the TNR surgeries of the same place and period.

- A complaint counts in the fiscal year and month of its `received_on` (a Japan date), under its category and area.
- Beside each month: the municipality's TNR surgeries that month; beside each area: the area's surgeries in the
  fiscal year (the area snapshot on the surgery event). Surgeries without an area have no area row.
- Before/after TNR, for each area with a surgery in the fiscal year: F = the area's first surgery date in the
  fiscal year; N = window_months. Before = complaints received in [F − N months, F − 1 day]; after = complaints
  received in [F + 1 day, F + N months]; complaints received on F itself are in neither (it cannot be told which
  side they fall on). `surgeries_before` counts the area's surgeries in the before window, so an area where TNR
  was already under way before F can be told apart; `after_window_complete` is false while F + N months is
  still after today (the after count is then partial).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from pydantic import ConfigDict, Field

from ..base import Model
from ..models import Complaint, ComplaintCategory, Event, EventType
from .fiscal import add_months, fiscal_months, in_fiscal_year, month_label


class ComplaintCounts(Model):
    model_config = ConfigDict(extra="forbid")

    waste: int = Field(default=0, ge=0, description="糞尿")
    noise: int = Field(default=0, ge=0, description="鳴き声")
    feeding: int = Field(default=0, ge=0, description="餌やり")
    garbage: int = Field(default=0, ge=0, description="ゴミ荒らし")
    other: int = Field(default=0, ge=0, description="その他")
    total: int = Field(default=0, ge=0)

    def add(self, category: ComplaintCategory) -> None:
        setattr(self, category.value, getattr(self, category.value) + 1)
        self.total += 1


class ComplaintMonth(ComplaintCounts):
    month: str = Field(description="YYYY-MM")
    tnr_surgeries: int = Field(default=0, ge=0, description="The municipality's TNR surgeries that month")


class ComplaintArea(ComplaintCounts):
    area: str
    tnr_surgeries: int = Field(default=0, ge=0, description="The area's TNR surgeries in the fiscal year")


class BeforeAfterTnr(Model):
    model_config = ConfigDict(extra="forbid")

    area: str
    first_surgery_on: dt.date = Field(description="The area's first TNR surgery in the fiscal year (F)")
    before_from: dt.date = Field(description="F − window_months")
    before_to: dt.date = Field(description="F − 1 day")
    after_from: dt.date = Field(description="F + 1 day")
    after_to: dt.date = Field(description="F + window_months")
    complaints_before: int = Field(ge=0)
    complaints_after: int = Field(ge=0)
    surgeries_before: int = Field(ge=0, description="The area's surgeries in the before window")
    after_window_complete: bool = Field(description="false while after_to is later than today")


class ComplaintsReport(Model):
    model_config = ConfigDict(extra="forbid")

    municipality_id: str
    fiscal_year: int
    window_months: int
    totals: ComplaintCounts
    by_month: list[ComplaintMonth]
    by_area: list[ComplaintArea]
    before_after: list[BeforeAfterTnr]


def complaints_report(
    complaints: Iterable[Complaint],
    events: Iterable[Event],
    municipality_id: str,
    fiscal_year: int,
    *,
    window_months: int,
    today: dt.date,
) -> ComplaintsReport:
    """The report from the municipality's complaints and events; for the before/after comparison both must
    cover the fiscal year widened by `window_months` on each side (events: before it only). Others are ignored."""
    own_complaints = [c for c in complaints if c.municipality_id == municipality_id]
    surgeries = sorted(
        (e for e in events if e.municipality_id == municipality_id and e.type == EventType.surgery),
        key=lambda e: e.occurred_on,
    )
    year_surgeries = [e for e in surgeries if in_fiscal_year(e.occurred_on, fiscal_year)]

    totals = ComplaintCounts()
    months = {label: ComplaintMonth(month=label) for label in fiscal_months(fiscal_year)}
    areas: dict[str, ComplaintArea] = {}
    for complaint in own_complaints:
        if not in_fiscal_year(complaint.received_on, fiscal_year):
            continue
        totals.add(complaint.category)
        months[month_label(complaint.received_on)].add(complaint.category)
        areas.setdefault(complaint.area, ComplaintArea(area=complaint.area)).add(complaint.category)
    for surgery in year_surgeries:
        months[month_label(surgery.occurred_on)].tnr_surgeries += 1
        if surgery.area is not None:
            areas.setdefault(surgery.area, ComplaintArea(area=surgery.area)).tnr_surgeries += 1

    first_surgery: dict[str, dt.date] = {}
    for surgery in year_surgeries:
        if surgery.area is not None:
            first_surgery.setdefault(surgery.area, surgery.occurred_on)
    before_after = [
        _before_after(area, first, own_complaints, surgeries, window_months, today)
        for area, first in sorted(first_surgery.items())
    ]
    return ComplaintsReport(
        municipality_id=municipality_id,
        fiscal_year=fiscal_year,
        window_months=window_months,
        totals=totals,
        by_month=list(months.values()),
        by_area=[areas[name] for name in sorted(areas)],
        before_after=before_after,
    )


def _before_after(
    area: str,
    first: dt.date,
    complaints: list[Complaint],
    surgeries: list[Event],
    window_months: int,
    today: dt.date,
) -> BeforeAfterTnr:
    before_from, before_to = add_months(first, -window_months), first - dt.timedelta(days=1)
    after_from, after_to = first + dt.timedelta(days=1), add_months(first, window_months)
    received: Counter[str] = Counter()
    for complaint in complaints:
        if complaint.area != area:
            continue
        if before_from <= complaint.received_on <= before_to:
            received["before"] += 1
        elif after_from <= complaint.received_on <= after_to:
            received["after"] += 1
    return BeforeAfterTnr(
        area=area,
        first_surgery_on=first,
        before_from=before_from,
        before_to=before_to,
        after_from=after_from,
        after_to=after_to,
        complaints_before=received["before"],
        complaints_after=received["after"],
        surgeries_before=sum(1 for s in surgeries if s.area == area and before_from <= s.occurred_on <= before_to),
        after_window_complete=after_to <= today,
    )
