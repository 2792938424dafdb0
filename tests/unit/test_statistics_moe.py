"""The MoE intake/outcome table, with hand-computed expected cells."""

from __future__ import annotations

import pytest

from chalicelib.domain.models import CatStatus
from chalicelib.domain.statistics import (
    MOE_COLUMNS,
    MOE_CSV_HEADERS,
    intake_outcome_table,
    moe_cells,
    prefecture_intake_outcome,
)
from tests.unit.test_statistics_builders import CHIYODA, CHUO, OSAKA, CatHistory, events_of


def cells(events, fiscal_year=2025, municipality_id=CHIYODA) -> dict[str, int]:
    """The non-zero cells of the table (a hand-computed expectation lists only those)."""
    table = intake_outcome_table(events, municipality_id, fiscal_year)
    return {column: value for column, value in moe_cells(table) if value}


def test_columns_are_the_json_paths_joined_with_underscores_in_the_ministrys_order():
    assert MOE_COLUMNS[:5] == (
        "intake_owner_surrender_adult",
        "intake_owner_surrender_juvenile",
        "intake_ownerless_adult",
        "intake_ownerless_juvenile",
        "intake_total",
    )
    assert "outcome_euthanized_category_1" in MOE_COLUMNS
    assert MOE_COLUMNS[-4:] == ("injured_intake", "injured_returned_to_owner", "injured_adopted", "injured_euthanized")
    assert len(MOE_COLUMNS) == len(set(MOE_COLUMNS)) == len(MOE_CSV_HEADERS) == len(set(MOE_CSV_HEADERS)) == 18
    assert MOE_CSV_HEADERS[0] == "引取り数 所有者から 成熟"


def test_the_json_has_exactly_the_shape_of_the_api_contract():
    cat = CatHistory().intake("2025-06-01", "owner_surrender", "juvenile").outcome("adoption", "2025-07-01", "juvenile")
    dumped = intake_outcome_table(events_of(cat), CHIYODA, 2025).model_dump(mode="json")
    assert dumped == {
        "municipality_id": CHIYODA,
        "fiscal_year": 2025,
        "intake": {
            "owner_surrender": {"adult": 0, "juvenile": 1},
            "ownerless": {"adult": 0, "juvenile": 0},
            "total": 1,
        },
        "injured": {"intake": 0, "returned_to_owner": 0, "adopted": 0, "euthanized": 0},
        "outcome": {
            "returned_to_owner": {"total": 0, "juvenile": 0},
            "adopted": {"total": 1, "juvenile": 1},
            "euthanized": {"category_1": 0, "category_2": 0, "died_in_care": 0, "total": 0, "juvenile": 0},
        },
    }


def test_march_31_counts_in_the_year_ending_and_april_1_in_the_year_starting():
    before_the_year = CatHistory().intake("2025-03-31").outcome("adoption", "2025-04-01")
    whole_year = CatHistory().intake("2025-04-01", "owner_surrender").outcome("return_to_owner", "2026-03-31")
    after_the_year = CatHistory().intake("2026-03-31", age="juvenile").outcome("adoption", "2026-04-01", "juvenile")
    events = events_of(before_the_year, whole_year, after_the_year)

    assert cells(events, 2024) == {"intake_ownerless_adult": 1, "intake_total": 1}
    assert cells(events, 2025) == {
        "intake_owner_surrender_adult": 1,
        "intake_ownerless_juvenile": 1,
        "intake_total": 2,
        "outcome_returned_to_owner_total": 1,
        "outcome_adopted_total": 1,
    }
    assert cells(events, 2026) == {"outcome_adopted_total": 1, "outcome_adopted_juvenile": 1}


def test_juveniles_count_in_their_cell_and_in_the_of_which_juvenile_line():
    kitten = CatHistory().intake("2025-05-01", "ownerless", "juvenile").outcome("adoption", "2025-06-01", "juvenile")
    grown = CatHistory().intake("2025-05-02", "ownerless", "juvenile").outcome("adoption", "2025-12-01", "adult")
    sick_kitten = (
        CatHistory().intake("2025-05-03", "owner_surrender", "juvenile").euthanize("2025-05-04", 1, "juvenile")
    )

    assert cells(events_of(kitten, grown, sick_kitten)) == {
        "intake_owner_surrender_juvenile": 1,
        "intake_ownerless_juvenile": 2,
        "intake_total": 3,
        "outcome_adopted_total": 2,
        "outcome_adopted_juvenile": 1,
        "outcome_euthanized_category_1": 1,
        "outcome_euthanized_total": 1,
        "outcome_euthanized_juvenile": 1,
    }


def test_injured_intakes_and_their_outcomes_stay_in_the_injured_block():
    adopted = CatHistory().intake("2025-05-01", "injured", "juvenile").outcome("adoption", "2025-06-01", "juvenile")
    returned = CatHistory().intake("2025-05-01", "injured").outcome("return_to_owner", "2025-05-02")
    died = CatHistory().intake("2025-05-01", "injured").outcome("death", "2025-05-03")
    euthanized = CatHistory().intake("2025-05-01", "injured").euthanize("2025-05-04", 2)
    transferred = CatHistory().intake("2025-05-01", "injured").outcome("transfer_out", "2025-05-05")

    assert cells(events_of(adopted, returned, died, euthanized, transferred)) == {
        "injured_intake": 5,
        "injured_returned_to_owner": 1,
        "injured_adopted": 2,
        "injured_euthanized": 2,
    }


def test_an_outcome_follows_the_latest_intake_not_the_first():
    cat = (
        CatHistory()
        .intake("2025-04-05", "injured")
        .outcome("release", "2025-05-01")
        .intake("2025-08-01", "ownerless")
        .outcome("adoption", "2025-09-01")
    )
    assert cells(events_of(cat)) == {
        "injured_intake": 1,
        "intake_ownerless_adult": 1,
        "intake_total": 1,
        "outcome_adopted_total": 1,
    }


def test_a_cat_taken_in_twice_counts_each_intake_and_each_outcome():
    cat = (
        CatHistory()
        .intake("2025-05-01", "ownerless")
        .outcome("adoption", "2025-06-01")
        .intake("2025-09-01", "owner_surrender")
        .euthanize("2025-10-01", 1)
    )
    assert cells(events_of(cat)) == {
        "intake_owner_surrender_adult": 1,
        "intake_ownerless_adult": 1,
        "intake_total": 2,
        "outcome_adopted_total": 1,
        "outcome_euthanized_category_1": 1,
        "outcome_euthanized_total": 1,
    }


def test_a_cat_returned_and_taken_in_again_counts_both_intakes_and_both_outcomes():
    cat = (
        CatHistory(status=CatStatus.owned)
        .intake("2025-04-10", "ownerless")
        .outcome("return_to_owner", "2025-04-12")
        .intake("2025-08-01", "owner_surrender")
        .outcome("adoption", "2025-09-01")
    )
    assert cells(events_of(cat)) == {
        "intake_owner_surrender_adult": 1,
        "intake_ownerless_adult": 1,
        "intake_total": 2,
        "outcome_returned_to_owner_total": 1,
        "outcome_adopted_total": 1,
    }


def test_euthanasia_categories_one_and_two_and_death_in_care_are_three_cells_of_one_total():
    first = CatHistory().intake("2025-06-01").euthanize("2025-06-10", 1)
    second = CatHistory().intake("2025-06-01").euthanize("2025-06-10", 2)
    died = CatHistory().intake("2025-06-01", age="juvenile").outcome("death", "2025-06-02", "juvenile")
    found_dead_outside = CatHistory(status=CatStatus.community).outcome("death", "2025-06-03")

    assert cells(events_of(first, second, died, found_dead_outside)) == {
        "intake_ownerless_adult": 2,
        "intake_ownerless_juvenile": 1,
        "intake_total": 3,
        "outcome_euthanized_category_1": 1,
        "outcome_euthanized_category_2": 1,
        "outcome_euthanized_died_in_care": 1,
        "outcome_euthanized_total": 3,
        "outcome_euthanized_juvenile": 1,
    }


def test_transfers_count_as_adopted_but_transfers_in_and_releases_count_nowhere():
    transferred_in = CatHistory().intake("2025-06-01", "transfer_in").outcome("transfer_out", "2025-06-05")
    returned_to_field = CatHistory().intake("2025-06-01").outcome("release", "2025-06-05")
    tnr = CatHistory(status=CatStatus.community).record("trap", "2025-06-01").surgery("2025-06-02", "spay")
    tnr.outcome("release", "2025-06-03")

    assert cells(events_of(transferred_in, returned_to_field, tnr)) == {
        "intake_ownerless_adult": 1,
        "intake_total": 1,
        "outcome_adopted_total": 1,
    }


def test_a_deleted_cat_counts_nowhere_because_its_events_are_gone():
    kept = CatHistory().intake("2025-06-01").outcome("adoption", "2025-07-01")
    CatHistory().intake("2025-06-01").euthanize("2025-06-02", 2)  # deleted: the store no longer returns its events

    assert cells(events_of(kept)) == {"intake_ownerless_adult": 1, "intake_total": 1, "outcome_adopted_total": 1}


def test_an_empty_year_is_a_table_of_zeros():
    table = intake_outcome_table([], CHIYODA, 2030)
    assert moe_cells(table) == [(column, 0) for column in MOE_COLUMNS]
    assert table.fiscal_year == 2030


def test_events_of_another_municipality_are_ignored():
    ours = CatHistory(CHIYODA).intake("2025-06-01")
    theirs = CatHistory(OSAKA).intake("2025-06-01", "owner_surrender").outcome("adoption", "2025-06-02")
    assert cells(events_of(ours, theirs)) == {"intake_ownerless_adult": 1, "intake_total": 1}


def test_the_prefecture_table_is_the_sum_of_its_municipalities():
    chiyoda_cat = CatHistory(CHIYODA).intake("2025-06-01", age="juvenile").outcome("adoption", "2025-06-02", "juvenile")
    chuo_cat = CatHistory(CHUO).intake("2025-06-01", "injured").euthanize("2025-06-03", 1)
    chuo_other = CatHistory(CHUO).intake("2025-07-01", "owner_surrender").outcome("adoption", "2025-07-05")
    events = events_of(chiyoda_cat, chuo_cat, chuo_other)
    tables = [intake_outcome_table(events, m, 2025) for m in (CHIYODA, CHUO)]

    total = prefecture_intake_outcome("13", 2025, tables)

    assert {column: value for column, value in moe_cells(total) if value} == {
        "intake_owner_surrender_adult": 1,
        "intake_ownerless_juvenile": 1,
        "intake_total": 2,
        "outcome_adopted_total": 2,
        "outcome_adopted_juvenile": 1,
        "injured_intake": 1,
        "injured_euthanized": 1,
    }
    assert total.prefecture_id == "13"
    assert [m.municipality_id for m in total.municipalities] == [CHIYODA, CHUO]


def test_a_table_of_another_prefecture_or_year_cannot_be_summed():
    with pytest.raises(ValueError, match="not of prefecture 13"):
        prefecture_intake_outcome("13", 2025, [intake_outcome_table([], OSAKA, 2025)])
    with pytest.raises(ValueError, match="fiscal year 2025"):
        prefecture_intake_outcome("13", 2025, [intake_outcome_table([], CHIYODA, 2024)])
