"""The SAC Basic Data Matrix: beginning/ending counts rolled back from today's state, flows from the year's events."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.models import CatStatus
from chalicelib.domain.statistics import in_care_at_start_of, sac_matrix
from chalicelib.domain.statistics.sac import SacCount
from tests.unit.test_statistics_builders import CHIYODA, OSAKA, CatHistory, events_of

START = dt.date(2025, 4, 1)
NEXT_START = dt.date(2026, 4, 1)


def a_year_of_a_shelter() -> tuple[list[CatHistory], list[str]]:
    """Fiscal year 2025 of one centre; returns the cats and the ids of those in care today (2026-05-01)."""
    adopted = CatHistory().intake("2025-02-01").outcome("adoption", "2025-05-01")
    died = CatHistory().intake("2025-03-31", "owner_surrender", "juvenile").outcome("death", "2025-04-15", "juvenile")
    returned_to_field = CatHistory().intake("2025-06-01", "injured").outcome("release", "2025-07-01")
    transferred = CatHistory().intake("2025-08-01", "transfer_in", "juvenile").outcome("transfer_out", "2026-04-02")
    euthanized = CatHistory().intake("2025-09-01").euthanize("2025-09-10", 1)
    returned = CatHistory().intake("2025-10-01", "owner_surrender").outcome("return_to_owner", "2026-03-31")
    left_last_year = CatHistory().intake("2024-05-01").outcome("return_to_owner", "2024-06-01")
    long_stay = CatHistory().intake("2024-12-01")
    community = CatHistory(status=CatStatus.community).surgery("2025-05-01", "spay")
    community.outcome("release", "2025-05-02").outcome("death", "2025-11-01")
    cats = [adopted, died, returned_to_field, transferred, euthanized, returned, left_last_year, long_stay, community]
    in_care_today = [h.cat.cat_id for h in cats if h.cat.status == CatStatus.in_care]
    return cats, in_care_today


def test_cats_in_care_at_a_date_are_rolled_back_from_today_with_the_status_before_each_event():
    cats, in_care_today = a_year_of_a_shelter()
    adopted, died, _, transferred, *_, long_stay, _ = cats
    since_start = [e for e in events_of(*cats) if e.occurred_on >= START]

    assert in_care_today == [long_stay.cat.cat_id]
    assert in_care_at_start_of(START, in_care_today, since_start) == {
        adopted.cat.cat_id,
        died.cat.cat_id,
        long_stay.cat.cat_id,
    }
    assert in_care_at_start_of(NEXT_START, in_care_today, since_start) == {
        transferred.cat.cat_id,
        long_stay.cat.cat_id,
    }


def test_the_matrix_counts_intakes_and_outcomes_by_sac_category_and_balances():
    cats, _ = a_year_of_a_shelter()

    matrix = sac_matrix(events_of(*cats), CHIYODA, 2025, beginning_count=3, recorded_ending_count=2)

    assert matrix.intakes.stray == SacCount(adult=2, juvenile=0, total=2)
    assert matrix.intakes.relinquished_by_owner == SacCount(adult=1, juvenile=0, total=1)
    assert matrix.intakes.transferred_in == SacCount(adult=0, juvenile=1, total=1)
    assert matrix.intakes.other_intakes == SacCount()
    assert matrix.intakes.total == SacCount(adult=3, juvenile=1, total=4)
    assert matrix.live_outcomes.adoption.total == 1
    assert matrix.live_outcomes.returned_to_owner.total == 1
    assert matrix.live_outcomes.transferred_out.total == 0  # 2026-04-02 is in the next fiscal year
    assert matrix.live_outcomes.returned_to_field.total == 1  # the TNR release of a community cat is not one
    assert matrix.live_outcomes.total == SacCount(adult=3, juvenile=0, total=3)
    assert matrix.other_outcomes.died_in_care == SacCount(adult=0, juvenile=1, total=1)  # not the death outside
    assert matrix.other_outcomes.lost_in_care == SacCount()
    assert matrix.other_outcomes.euthanasia == SacCount(adult=1, juvenile=0, total=1)
    assert matrix.total_outcomes == SacCount(adult=4, juvenile=1, total=5)
    assert (matrix.beginning_count, matrix.ending_count, matrix.recorded_ending_count) == (3, 2, 2)
    assert matrix.balanced
    assert matrix.live_release_rate == 0.6


def test_an_ending_count_that_disagrees_with_the_records_is_reported_as_unbalanced():
    cats, _ = a_year_of_a_shelter()
    matrix = sac_matrix(events_of(*cats), CHIYODA, 2025, beginning_count=3, recorded_ending_count=5)
    assert matrix.ending_count == 2
    assert not matrix.balanced


def test_a_year_without_outcomes_has_no_live_release_rate_and_other_municipalities_are_ignored():
    elsewhere = CatHistory(OSAKA).intake("2025-06-01").outcome("adoption", "2025-06-02")
    matrix = sac_matrix(events_of(elsewhere), CHIYODA, 2025, beginning_count=0, recorded_ending_count=0)
    assert matrix.live_release_rate is None
    assert matrix.intakes.total.total == matrix.total_outcomes.total == 0
    assert matrix.balanced


def test_the_live_release_rate_is_rounded_to_four_places():
    cats = [CatHistory().intake("2025-06-01").outcome("adoption", "2025-06-02") for _ in range(2)]
    cats.append(CatHistory().intake("2025-06-01").euthanize("2025-06-02", 2))
    matrix = sac_matrix(events_of(*cats), CHIYODA, 2025, beginning_count=0, recorded_ending_count=0)
    assert matrix.live_release_rate == 0.6667
