"""TNR progress: surgeries by sex and fiscal month, money, releases, and each area's neutered share."""

from __future__ import annotations

from chalicelib.domain.models import CatStatus, Sex
from chalicelib.domain.statistics import NEUTERED_SHARE_TARGET, tnr_report
from tests.unit.test_statistics_builders import OSAKA, CatHistory, events_of

HONCHO, MIDORI, MINATO = "本町1丁目", "緑町2丁目", "港3丁目"


def colony_cats(area: str, known: int, neutered: int, status: CatStatus = CatStatus.community) -> list[CatHistory]:
    return [CatHistory(status=status, area=area, neutered=index < neutered) for index in range(known)]


def build_year() -> tuple[list[CatHistory], list[CatHistory]]:
    """(cats with events, registered-only cats) of 千代田区 for fiscal year 2025."""
    spayed = (
        CatHistory(status=CatStatus.community, area=HONCHO, sex=Sex.female)
        .record("trap", "2025-04-01")
        .surgery("2025-04-02", "spay", ear_tip=True, cost_yen=20000, subsidy_yen=10000)
        .outcome("release", "2025-04-03")
    )
    neutered = (
        CatHistory(status=CatStatus.ownerless, area=HONCHO, sex=Sex.male)
        .surgery("2025-05-10", "neuter", ear_tip=False, cost_yen=15000)
        .outcome("release", "2025-05-11")
    )
    last_day = CatHistory(status=CatStatus.community, area=MIDORI).surgery("2026-03-31", "neuter")
    last_year = CatHistory(status=CatStatus.community, area=MINATO).surgery("2025-03-31", "spay", cost_yen=9000)
    next_year = CatHistory(status=CatStatus.community, area=MINATO).surgery("2026-04-01", "spay", cost_yen=9000)
    elsewhere = CatHistory(OSAKA, status=CatStatus.community, area=HONCHO).surgery("2025-06-01", "spay")
    with_events = [spayed, neutered, last_day, last_year, next_year, elsewhere]
    registered = [
        *colony_cats(HONCHO, known=2, neutered=1),  # with the two above: 3 of 4 neutered
        *colony_cats(MIDORI, known=2, neutered=0, status=CatStatus.ownerless),  # with last_day: 1 of 3
        *colony_cats(MINATO, known=8, neutered=5),  # with last_year and next_year: 7 of 10, exactly the target
        CatHistory(status=CatStatus.in_care, area=MIDORI),  # not part of the colony
        CatHistory(status=CatStatus.owned, area=MIDORI),
        CatHistory(status=CatStatus.community, area=None),
    ]
    return with_events, registered


def test_surgeries_count_by_sex_month_and_money_within_the_fiscal_year_only():
    with_events, registered = build_year()
    report = tnr_report(events_of(*with_events), [h.cat for h in with_events + registered], "131016", 2025)

    totals = report.totals
    assert (totals.surgeries_female, totals.surgeries_male, totals.surgeries) == (1, 2, 3)
    assert (totals.ear_tipped, totals.cost_yen, totals.subsidy_yen, totals.releases) == (2, 35000, 10000, 2)
    assert [m.month for m in report.by_month] == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip
    by_month = {m.month: m for m in report.by_month}
    assert (by_month["2025-04"].surgeries_female, by_month["2025-04"].cost_yen, by_month["2025-04"].releases) == (
        1,
        20000,
        1,
    )
    assert (by_month["2025-05"].surgeries_male, by_month["2025-05"].ear_tipped, by_month["2025-05"].cost_yen) == (
        1,
        0,
        15000,
    )
    assert (by_month["2026-03"].surgeries_male, by_month["2026-03"].ear_tipped) == (1, 1)
    assert sum(m.surgeries for m in report.by_month) == totals.surgeries


def test_each_area_shows_its_census_and_areas_under_seventy_percent_are_flagged():
    with_events, registered = build_year()
    report = tnr_report(events_of(*with_events), [h.cat for h in with_events + registered], "131016", 2025)

    rows = {row.area: row for row in report.by_area}
    assert list(rows) == [HONCHO, MINATO, MIDORI, None]
    assert (rows[HONCHO].known_cats, rows[HONCHO].neutered_cats, rows[HONCHO].neutered_share) == (4, 3, 0.75)
    assert (rows[HONCHO].surgeries, rows[HONCHO].releases, rows[HONCHO].below_target) == (2, 2, False)
    assert (rows[MIDORI].known_cats, rows[MIDORI].neutered_cats, rows[MIDORI].neutered_share) == (3, 1, 0.3333)
    assert rows[MIDORI].below_target
    assert (rows[MINATO].known_cats, rows[MINATO].neutered_share, rows[MINATO].below_target) == (10, 0.7, False)
    assert rows[MINATO].surgeries == 0  # its surgeries fall outside the fiscal year
    assert (rows[None].known_cats, rows[None].neutered_share, rows[None].below_target) == (1, 0.0, True)
    assert report.areas_below_target == 2
    assert report.neutered_share_target == NEUTERED_SHARE_TARGET == 0.70


def test_an_area_with_surgeries_but_no_colony_cats_left_has_no_share_and_is_not_flagged():
    adopted_after_tnr = (
        CatHistory(status=CatStatus.community, area=HONCHO)
        .surgery("2025-06-01", "spay")
        .intake("2025-07-01", "ownerless")
        .outcome("adoption", "2025-08-01")
    )
    report = tnr_report(events_of(adopted_after_tnr), [adopted_after_tnr.cat], "131016", 2025)
    (row,) = report.by_area
    assert (row.area, row.surgeries, row.known_cats, row.neutered_share, row.below_target) == (
        HONCHO,
        1,
        0,
        None,
        False,
    )


def test_an_empty_year_has_twelve_empty_months_and_no_areas():
    report = tnr_report([], [], "131016", 2030)
    assert len(report.by_month) == 12 and all(m.surgeries == 0 for m in report.by_month)
    assert report.by_area == [] and report.totals.surgeries == 0
