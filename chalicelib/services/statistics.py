"""Statistics use cases: read the events a statistic needs through the store's index reads, then compute.

Every method validates its codes (InvalidInput → 400 for a bad form, NotFound → 404 for an unknown code) and
returns a pydantic model: JSON with `model_dump(mode="json")`, CSV with `domain.statistics.to_csv(result)`.
None of them checks the caller's scope or role; the API layer must (see each docstring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from ..domain.models import Cat, CatFilter, CatStatus, today_in_japan
from ..domain.municipality import MunicipalityRegistry
from ..domain.statistics import (
    ComplaintsReport,
    MunicipalityIntakeOutcome,
    PrefectureIntakeOutcome,
    SacMatrix,
    TnrReport,
    add_months,
    complaints_report,
    fiscal_year_bounds,
    in_care_at_start_of,
    intake_outcome_table,
    prefecture_intake_outcome,
    sac_matrix,
    tnr_report,
)
from ..ports import CatStore

CAT_PAGE_SIZE = 100
DEFAULT_WINDOW_MONTHS = 6


class StatisticsService:
    def __init__(
        self,
        store: CatStore,
        registry: MunicipalityRegistry,
        today: Callable[[], dt.date] = today_in_japan,
    ) -> None:
        self._store = store
        self._registry = registry
        self._today = today

    def intake_outcome_for_municipality(self, municipality_id: str, fiscal_year: int) -> MunicipalityIntakeOutcome:
        """The MoE table of one municipality and fiscal year (all zeros for a year without events).

        Reads: one `events_between` over the fiscal year, nothing else. The caller must check that the key's
        scope covers `municipality_id` (403 otherwise); any role may read.
        """
        self._registry.get(municipality_id)
        start, end = fiscal_year_bounds(fiscal_year)
        return intake_outcome_table(
            self._store.events_between(municipality_id, start, end), municipality_id, fiscal_year
        )

    def intake_outcome_for_prefecture(self, prefecture_id: str, fiscal_year: int) -> PrefectureIntakeOutcome:
        """The sum of the MoE tables of every municipality of the prefecture, with the tables summed.

        Reads: one `events_between` over the fiscal year per municipality of the prefecture. The caller must
        check that the key's scope covers the whole prefecture (`*` or the 2-digit prefecture id); a scope that
        lists only some of its municipalities gets 403, not a partial sum.
        """
        self._registry.prefecture(prefecture_id)
        tables = [
            self.intake_outcome_for_municipality(municipality.municipality_id, fiscal_year)
            for municipality in self._registry.in_prefecture(prefecture_id)
        ]
        return prefecture_intake_outcome(prefecture_id, fiscal_year, tables)

    def sac(self, municipality_id: str, fiscal_year: int) -> SacMatrix:
        """The SAC Basic Data Matrix of one municipality and fiscal year.

        The beginning and ending counts are states, not flows, so they need more than the year's events: the cats
        in care now (`list_cats` with status in_care) and every event from April 1 of the fiscal year up to today
        (`events_between`), from which the state at April 1 and at the end of March 31 is rolled back. The reading
        grows with the years since the fiscal year, not with the municipality's whole history. For a year that has
        not started, the beginning count is the number of cats in care today. The caller must check that the key's
        scope covers `municipality_id`; any role may read.
        """
        self._registry.get(municipality_id)
        start, end = fiscal_year_bounds(fiscal_year)
        events = self._store.events_between(municipality_id, start, max(end, self._today()))
        in_care_now = [cat.cat_id for cat in self._cats(municipality_id, CatFilter(status=CatStatus.in_care))]
        beginning = in_care_at_start_of(start, in_care_now, events)
        ending = in_care_at_start_of(end + dt.timedelta(days=1), in_care_now, events)
        return sac_matrix(
            events,
            municipality_id,
            fiscal_year,
            beginning_count=len(beginning),
            recorded_ending_count=len(ending),
        )

    def tnr(self, municipality_id: str, fiscal_year: int) -> TnrReport:
        """TNR progress: the fiscal year's surgeries and releases, and each area's current census.

        Reads: one `events_between` over the fiscal year and every cat of the municipality (`list_cats`, paged)
        for the per-area census. The caller must check that the key's scope covers `municipality_id`.
        """
        self._registry.get(municipality_id)
        start, end = fiscal_year_bounds(fiscal_year)
        events = self._store.events_between(municipality_id, start, end)
        return tnr_report(events, self._cats(municipality_id, CatFilter()), municipality_id, fiscal_year)

    def complaints(
        self, municipality_id: str, fiscal_year: int, window_months: int = DEFAULT_WINDOW_MONTHS
    ) -> ComplaintsReport:
        """Complaints by category, month and area beside TNR surgeries, and before/after each area's first surgery.

        Reads: `events_between` from `window_months` before April 1 to March 31 (surgeries in the before
        windows) and `complaints_between` from `window_months` before April 1 to `window_months` after March 31.
        Complaints carry no personal data into the result (only category, area and date are used). The caller
        must check that the key's scope covers `municipality_id`.
        """
        self._registry.get(municipality_id)
        start, end = fiscal_year_bounds(fiscal_year)
        lookback = add_months(start, -window_months)
        events = self._store.events_between(municipality_id, lookback, end)
        complaints = self._store.complaints_between(municipality_id, lookback, add_months(end, window_months))
        return complaints_report(
            complaints, events, municipality_id, fiscal_year, window_months=window_months, today=self._today()
        )

    def _cats(self, municipality_id: str, flt: CatFilter) -> Iterator[Cat]:
        cursor = None
        while True:
            page = self._store.list_cats(municipality_id, flt, CAT_PAGE_SIZE, cursor)
            yield from page.items
            if page.cursor is None:
                return
            cursor = page.cursor
