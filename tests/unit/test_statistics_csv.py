"""CSV renderings read back with Python's csv module, and the BOM Excel uses to detect UTF-8."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from chalicelib.domain.models import CatStatus
from chalicelib.domain.statistics import (
    MOE_COLUMNS,
    MOE_CSV_HEADERS,
    complaints_before_after_csv,
    complaints_report,
    csv_filename,
    intake_outcome_table,
    moe_cells,
    prefecture_intake_outcome,
    sac_matrix,
    tnr_report,
    to_csv,
)
from tests.unit.test_statistics_builders import CHIYODA, CHUO, CatHistory, complaint, day, events_of


def read_back(payload: bytes) -> list[list[str]]:
    assert payload.startswith(codecs.BOM_UTF8), "Excel needs the UTF-8 BOM to open the file as UTF-8"
    text = payload.decode("utf-8-sig")
    assert not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_municipality_table_reads_back_to_the_same_numbers_under_the_ministrys_headers():
    cats = [
        CatHistory().intake("2025-06-01", "owner_surrender", "juvenile").outcome("adoption", "2025-07-01", "juvenile"),
        CatHistory().intake("2025-06-01", "injured").euthanize("2025-06-02", 1),
        CatHistory().intake("2025-06-01").outcome("death", "2025-06-03"),
    ]
    table = intake_outcome_table(events_of(*cats), CHIYODA, 2025)

    header, row = read_back(to_csv(table))

    assert header == ["団体コード", "年度", *MOE_CSV_HEADERS]
    assert header[2:7] == [
        "引取り数 所有者から 成熟",
        "引取り数 所有者から 幼齢",
        "引取り数 所有者不明 成熟",
        "引取り数 所有者不明 幼齢",
        "引取り数 合計",
    ]
    assert row[:2] == [CHIYODA, "2025"]
    assert dict(zip(MOE_COLUMNS, map(int, row[2:]), strict=True)) == dict(moe_cells(table))
    assert int(row[2 + MOE_COLUMNS.index("injured_euthanized")]) == 1
    assert int(row[2 + MOE_COLUMNS.index("outcome_euthanized_died_in_care")]) == 1
    assert csv_filename(table) == "intake-outcome_131016_2025.csv"


def test_the_prefecture_csv_has_a_row_per_municipality_and_the_total_last():
    events = events_of(CatHistory(CHIYODA).intake("2025-06-01"), CatHistory(CHUO).intake("2025-06-01", age="juvenile"))
    total = prefecture_intake_outcome("13", 2025, [intake_outcome_table(events, m, 2025) for m in (CHIYODA, CHUO)])

    header, *rows = read_back(to_csv(total))

    assert [row[0] for row in rows] == [CHIYODA, CHUO, "13"]
    total_column = header.index("引取り数 合計")
    assert [int(row[total_column]) for row in rows] == [1, 1, 2]
    assert dict(zip(MOE_COLUMNS, map(int, rows[-1][2:]), strict=True)) == dict(moe_cells(total))


def test_the_sac_csv_lists_every_matrix_line_with_adult_juvenile_and_total():
    cats = [
        CatHistory().intake("2025-06-01", age="juvenile").outcome("adoption", "2025-06-02", "juvenile"),
        CatHistory().intake("2025-06-01").outcome("death", "2025-06-03"),
    ]
    matrix = sac_matrix(events_of(*cats), CHIYODA, 2025, beginning_count=4, recorded_ending_count=4)

    header, *rows = read_back(to_csv(matrix))

    assert header == ["団体コード", "年度", "区分", "項目", "SAC item", "成熟", "幼齢(5か月以下)", "合計"]
    by_item = {row[4]: row[5:] for row in rows}
    assert by_item["Beginning count"] == ["", "", "4"]
    assert by_item["Stray/at large"] == ["1", "1", "2"]
    assert by_item["Adoption"] == ["0", "1", "1"]
    assert by_item["Died in care"] == ["1", "0", "1"]
    assert by_item["Total outcomes"] == ["1", "1", "2"]
    assert by_item["Ending count"] == ["", "", "4"]
    assert by_item["Live release rate"] == ["", "", "0.5"]


def test_the_tnr_csv_has_a_total_twelve_months_and_the_areas_with_their_flag():
    cat = CatHistory(status=CatStatus.community, area="本町1丁目").surgery(
        "2025-04-02", "spay", cost_yen=20000, subsidy_yen=5000
    )
    report = tnr_report(
        events_of(cat), [cat.cat, CatHistory(status=CatStatus.community, area="本町1丁目").cat], CHIYODA, 2025
    )

    header, *rows = read_back(to_csv(report))

    assert header[2:6] == ["集計", "月", "地域", "手術数 メス"]
    assert [row[2] for row in rows] == ["合計", *["月別"] * 12, "地域別"]
    total = dict(zip(header, rows[0], strict=True))
    assert (total["手術数 メス"], total["費用 (円)"], total["補助金 (円)"]) == ("1", "20000", "5000")
    area = dict(zip(header, rows[-1], strict=True))
    assert (area["地域"], area["把握頭数"], area["不妊去勢率"], area["目標 (70%) 未満"]) == (
        "本町1丁目",
        "2",
        "0.5",
        "はい",
    )


def test_the_complaints_csvs_read_back_to_the_report():
    surgery = CatHistory(status=CatStatus.community, area="本町1丁目").surgery("2025-06-15", "spay")
    complaints = [complaint("2025-05-01", "noise", "本町1丁目"), complaint("2025-07-01", "waste", "本町1丁目")]
    report = complaints_report(complaints, events_of(surgery), CHIYODA, 2025, window_months=6, today=day("2026-01-01"))

    header, *rows = read_back(to_csv(report))
    assert header[-7:] == ["糞尿", "鳴き声", "餌やり", "ゴミ荒らし", "その他", "合計", "TNR手術数"]
    assert rows[0][2:] == ["合計", "", "", "1", "1", "0", "0", "0", "2", "1"]
    assert rows[-1][2:] == ["地域別", "", "本町1丁目", "1", "1", "0", "0", "0", "2", "1"]

    header, row = read_back(complaints_before_after_csv(report))
    assert dict(zip(header, row, strict=True)) == {
        "団体コード": CHIYODA,
        "年度": "2025",
        "地域": "本町1丁目",
        "初回手術日": "2025-06-15",
        "前 開始": "2024-12-15",
        "前 終了": "2025-06-14",
        "後 開始": "2025-06-16",
        "後 終了": "2025-12-15",
        "苦情 前": "1",
        "苦情 後": "1",
        "前期間の手術数": "0",
        "後期間 経過済み": "はい",
    }


def test_an_object_that_is_not_a_statistic_has_no_csv():
    with pytest.raises(TypeError):
        to_csv({"intake": 1})
    with pytest.raises(TypeError):
        csv_filename("report")
