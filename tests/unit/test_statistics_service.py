"""StatisticsService over an in-memory store that records what it was asked to read."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.models import Cat, CatFilter, CatStatus, Complaint, Event
from chalicelib.domain.municipality import registry
from chalicelib.domain.statistics import MOE_COLUMNS, moe_cells
from chalicelib.ports import Cursor, Page
from chalicelib.services.statistics import StatisticsService
from tests.unit.test_statistics_builders import CHIYODA, CHUO, OSAKA, CatHistory, complaint, day

TODAY = dt.date(2026, 5, 1)


class InMemoryCatStore:
    """The CatStore methods the statistics read, with a log of each read (kind, municipality, range or filter)."""

    PAGE_CAP = 2  # small pages, so paging is exercised

    def __init__(self) -> None:
        self.cats: dict[str, Cat] = {}
        self.events: list[Event] = []
        self.complaints: list[Complaint] = []
        self.reads: list[tuple[object, ...]] = []

    def add(self, *histories: CatHistory) -> None:
        for history in histories:
            self.cats[history.cat.cat_id] = history.cat
            self.events.extend(history.events)

    def delete_cat(self, municipality_id: str, cat_id: str, expected_version: int | None) -> None:
        del self.cats[cat_id]
        self.events = [e for e in self.events if e.cat_id != cat_id]

    def events_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Event]:
        self.reads.append(("events", municipality_id, start, end))
        found = [e for e in self.events if e.municipality_id == municipality_id and start <= e.occurred_on <= end]
        return sorted(found, key=lambda e: (e.occurred_on, e.recorded_at))

    def complaints_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Complaint]:
        self.reads.append(("complaints", municipality_id, start, end))
        return [c for c in self.complaints if c.municipality_id == municipality_id and start <= c.received_on <= end]

    def list_cats(self, municipality_id: str, flt: CatFilter, limit: int, cursor: Cursor | None) -> Page[Cat]:
        self.reads.append(("cats", municipality_id, flt.status))
        matching = sorted(
            (c for c in self.cats.values() if c.municipality_id == municipality_id and flt.matches(c)),
            key=lambda c: c.cat_id,
        )
        after = cursor["after"] if cursor else ""
        remaining = [c for c in matching if c.cat_id > after]
        page = remaining[: min(limit, self.PAGE_CAP)]
        more = len(remaining) > len(page)
        return Page(items=page, cursor={"after": page[-1].cat_id} if more else None)


@pytest.fixture
def store() -> InMemoryCatStore:
    return InMemoryCatStore()


@pytest.fixture
def service(store: InMemoryCatStore) -> StatisticsService:
    return StatisticsService(store, registry(), today=lambda: TODAY)  # type: ignore[arg-type]


def nonzero(table) -> dict[str, int]:
    return {column: value for column, value in moe_cells(table) if value}


def test_a_municipality_year_reads_only_that_municipalitys_events_of_that_year(store, service):
    store.add(
        CatHistory(CHIYODA).intake("2025-03-31").outcome("adoption", "2025-04-01"),
        CatHistory(CHUO).intake("2025-06-01"),
    )

    table = service.intake_outcome_for_municipality(CHIYODA, 2025)

    assert nonzero(table) == {"outcome_adopted_total": 1}
    assert store.reads == [("events", CHIYODA, day("2025-04-01"), day("2026-03-31"))]


def test_a_deleted_cat_and_its_events_count_nowhere(store, service):
    kept = CatHistory().intake("2025-06-01")
    deleted = CatHistory().intake("2025-06-01", "owner_surrender").euthanize("2025-06-02", 1)
    store.add(kept, deleted)

    store.delete_cat(CHIYODA, deleted.cat.cat_id, None)

    assert nonzero(service.intake_outcome_for_municipality(CHIYODA, 2025)) == {
        "intake_ownerless_adult": 1,
        "intake_total": 1,
    }


def test_an_empty_year_is_all_zeros_not_an_error(service):
    table = service.intake_outcome_for_municipality(CHIYODA, 2040)
    assert [value for _, value in moe_cells(table)] == [0] * len(MOE_COLUMNS)


def test_a_prefecture_sums_each_of_its_municipalities_and_reads_nothing_else(store, service):
    tottori, kurayoshi = "312011", "312037"
    store.add(
        CatHistory(tottori).intake("2025-06-01", age="juvenile"),
        CatHistory(kurayoshi).intake("2025-06-01", "owner_surrender").outcome("adoption", "2025-07-01"),
        CatHistory(OSAKA).intake("2025-06-01"),
    )

    total = service.intake_outcome_for_prefecture("31", 2025)

    assert nonzero(total) == {
        "intake_owner_surrender_adult": 1,
        "intake_ownerless_juvenile": 1,
        "intake_total": 2,
        "outcome_adopted_total": 1,
    }
    read_municipalities = [read[1] for read in store.reads]
    assert read_municipalities == [m.municipality_id for m in registry().in_prefecture("31")]
    assert all(read[2:] == (day("2025-04-01"), day("2026-03-31")) for read in store.reads)
    assert len(total.municipalities) == len(read_municipalities)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.intake_outcome_for_municipality("131017", 2025), InvalidInput),  # wrong check digit
        (lambda s: s.intake_outcome_for_municipality("139998", 2025), NotFound),  # valid form, no such code
        (lambda s: s.intake_outcome_for_prefecture("1", 2025), InvalidInput),
        (lambda s: s.intake_outcome_for_prefecture("99", 2025), NotFound),
        (lambda s: s.sac("12345", 2025), InvalidInput),
        (lambda s: s.tnr("12345", 2025), InvalidInput),
        (lambda s: s.complaints("12345", 2025), InvalidInput),
    ],
)
def test_bad_or_unknown_codes_are_refused_before_anything_is_read(store, service, call, error):
    with pytest.raises(error):
        call(service)
    assert store.reads == []


def test_sac_rolls_todays_in_care_cats_back_to_the_years_beginning_and_end(store, service):
    store.add(
        CatHistory().intake("2025-02-01").outcome("adoption", "2025-05-01"),
        CatHistory().intake("2025-03-31", "owner_surrender", "juvenile").outcome("death", "2025-04-15", "juvenile"),
        CatHistory().intake("2025-06-01", "injured").outcome("release", "2025-07-01"),
        CatHistory().intake("2025-08-01", "transfer_in", "juvenile").outcome("transfer_out", "2026-04-02"),
        CatHistory().intake("2025-09-01").euthanize("2025-09-10", 1),
        CatHistory().intake("2025-10-01", "owner_surrender").outcome("return_to_owner", "2026-03-31"),
        *(CatHistory().intake("2024-12-01") for _ in range(3)),  # in care since last year, still in care today
        CatHistory().intake("2026-04-10"),  # taken in after the year: in care today, not at its end
        CatHistory(CHUO).intake("2024-12-01"),
    )

    matrix = service.sac(CHIYODA, 2025)

    assert (matrix.beginning_count, matrix.ending_count, matrix.recorded_ending_count) == (5, 4, 4)
    assert matrix.balanced
    assert (matrix.intakes.total.total, matrix.total_outcomes.total, matrix.live_release_rate) == (4, 5, 0.6)
    assert store.reads[0] == ("events", CHIYODA, day("2025-04-01"), TODAY)
    assert {read for read in store.reads[1:]} == {("cats", CHIYODA, CatStatus.in_care)}
    assert len(store.reads) == 1 + 2  # four cats in care today, in pages of two


def test_tnr_reads_the_years_events_and_the_municipalitys_cats(store, service):
    store.add(
        CatHistory(status=CatStatus.community, area="本町1丁目").surgery("2025-06-01", "spay", cost_yen=10000),
        CatHistory(status=CatStatus.community, area="本町1丁目"),
    )

    report = service.tnr(CHIYODA, 2025)

    assert (report.totals.surgeries_female, report.totals.cost_yen) == (1, 10000)
    (area,) = report.by_area
    assert (area.known_cats, area.neutered_cats, area.neutered_share, area.below_target) == (2, 1, 0.5, True)
    assert store.reads[0] == ("events", CHIYODA, day("2025-04-01"), day("2026-03-31"))
    assert {read for read in store.reads[1:]} == {("cats", CHIYODA, None)}


def test_complaints_read_the_year_widened_by_the_window_and_nothing_of_other_municipalities(store, service):
    store.add(CatHistory(status=CatStatus.community, area="本町1丁目").surgery("2025-06-15", "spay"))
    store.complaints += [
        complaint("2025-05-01", "noise", "本町1丁目"),
        complaint("2025-07-01", "waste", "本町1丁目"),
        complaint("2025-07-01", "waste", "本町1丁目", municipality_id=CHUO),
    ]

    report = service.complaints(CHIYODA, 2025, window_months=3)

    assert report.totals.total == 2
    (row,) = report.before_after
    assert (row.complaints_before, row.complaints_after, row.after_window_complete) == (1, 1, True)
    assert store.reads == [
        ("events", CHIYODA, day("2025-01-01"), day("2026-03-31")),
        ("complaints", CHIYODA, day("2025-01-01"), day("2026-06-30")),
    ]
