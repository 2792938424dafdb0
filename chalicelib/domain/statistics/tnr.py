"""TNR progress (trap-neuter-return) for one municipality and fiscal year.

- Surgeries are `surgery` events dated in the fiscal year: spay counts as female, neuter as male; by fiscal month.
- Ear-tipped = surgeries of the year recorded with `ear_tip` true (さくら耳 cut during that surgery).
- cost_yen / subsidy_yen = sums over those surgeries (a missing amount counts 0).
- Releases = `release` events of the year, whether after TNR or from care (both return a cat to its area).
- Per area (the area snapshot on each event, the cat's current area for the census): known cats = cats now
  recorded in the area as community or ownerless (the free-roaming colony), neutered cats = those of them
  recorded as neutered, neutered share = neutered / known. The census is the current state, not the state
  at the end of the fiscal year: the store keeps no history of `neutered` outside events.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ConfigDict, Field

from ..base import Model
from ..models import Cat, CatStatus, Event, EventType, Procedure
from .fiscal import fiscal_months, in_fiscal_year, month_label

# Colonies with fewer than about 70 % of cats neutered keep growing (product brief; population models put the
# threshold at roughly 70-75 % or more: Andersen, Martin & Roemer, JAVMA 2004;225:1871; Foley et al.,
# JAVMA 2005;227:1775). Areas below it are flagged.
NEUTERED_SHARE_TARGET = 0.70
SHARE_DIGITS = 4
COLONY_STATUSES = frozenset({CatStatus.community, CatStatus.ownerless})


class TnrCounts(Model):
    model_config = ConfigDict(extra="forbid")

    surgeries_female: int = Field(default=0, ge=0, description="spay surgeries")
    surgeries_male: int = Field(default=0, ge=0, description="neuter surgeries")
    surgeries: int = Field(default=0, ge=0)
    ear_tipped: int = Field(default=0, ge=0, description="surgeries with ear_tip (さくら耳)")
    cost_yen: int = Field(default=0, ge=0)
    subsidy_yen: int = Field(default=0, ge=0)
    releases: int = Field(default=0, ge=0)

    def add(self, event: Event) -> None:
        if event.type == EventType.release:
            self.releases += 1
            return
        if event.type != EventType.surgery:
            return
        self.surgeries += 1
        if event.procedure == Procedure.spay:
            self.surgeries_female += 1
        elif event.procedure == Procedure.neuter:
            self.surgeries_male += 1
        if event.ear_tip:
            self.ear_tipped += 1
        self.cost_yen += event.cost_yen or 0
        self.subsidy_yen += event.subsidy_yen or 0


class TnrMonth(TnrCounts):
    month: str = Field(description="YYYY-MM")


class TnrArea(TnrCounts):
    area: str | None = Field(description="町丁目・活動地域; null for cats and events without an area")
    known_cats: int = Field(default=0, ge=0, description="community or ownerless cats now recorded in the area")
    neutered_cats: int = Field(default=0, ge=0)
    neutered_share: float | None = Field(default=None, description="neutered_cats / known_cats; null if none known")
    below_target: bool = Field(default=False, description="neutered_share under neutered_share_target")


class TnrReport(Model):
    model_config = ConfigDict(extra="forbid")

    municipality_id: str
    fiscal_year: int
    neutered_share_target: float = NEUTERED_SHARE_TARGET
    totals: TnrCounts
    by_month: list[TnrMonth]
    by_area: list[TnrArea]
    areas_below_target: int = Field(ge=0)


def tnr_report(events: Iterable[Event], cats: Iterable[Cat], municipality_id: str, fiscal_year: int) -> TnrReport:
    """TNR figures from the municipality's events of the fiscal year (others ignored) and its current cats."""
    totals = TnrCounts()
    months = {label: TnrMonth(month=label) for label in fiscal_months(fiscal_year)}
    areas: dict[str | None, TnrArea] = {}

    def area_row(area: str | None) -> TnrArea:
        if area not in areas:
            areas[area] = TnrArea(area=area)
        return areas[area]

    for event in events:
        if event.municipality_id != municipality_id or not in_fiscal_year(event.occurred_on, fiscal_year):
            continue
        if event.type not in (EventType.surgery, EventType.release):
            continue
        totals.add(event)
        months[month_label(event.occurred_on)].add(event)
        area_row(event.area).add(event)
    for cat in cats:
        if cat.municipality_id != municipality_id or cat.status not in COLONY_STATUSES:
            continue
        row = area_row(cat.area)
        row.known_cats += 1
        row.neutered_cats += int(cat.neutered)
    for row in areas.values():
        if row.known_cats:
            row.neutered_share = round(row.neutered_cats / row.known_cats, SHARE_DIGITS)
            row.below_target = row.neutered_cats / row.known_cats < NEUTERED_SHARE_TARGET
    by_area = sorted(areas.values(), key=lambda row: (row.area is None, row.area or ""))
    return TnrReport(
        municipality_id=municipality_id,
        fiscal_year=fiscal_year,
        totals=totals,
        by_month=list(months.values()),
        by_area=by_area,
        areas_below_target=sum(row.below_target for row in by_area),
    )
