"""Statistics routes on both backends: scenarios recorded through the HTTP API, hand-computed expected figures,
the CSV renderings read back with the csv module, and the scope rules of the prefecture total."""

from __future__ import annotations

import codecs
import csv
import io
import json
from typing import Any

import pytest

from chalicelib.domain.statistics import MOE_COLUMN_HEADERS
from tests.conftest import CHIYODA, CHUO, SAPPORO, Api

TOKYO = "13"
STATS_ROUTES = ("intake-outcome", "sac", "tnr", "complaints")


# ---- helpers -------------------------------------------------------------------------------------------------


def register(api: Api, key: str, municipality_id: str, **fields: Any) -> str:
    response = api.call("POST", f"/municipalities/{municipality_id}/cats", key, fields)
    assert response.status_code == 201, response.body
    return str(response.json["cat_id"])


def record(api: Api, key: str, municipality_id: str, cat_id: str, event_type: str, day: str, **fields: Any) -> None:
    body = {"type": event_type, "occurred_on": day, **fields}
    response = api.call("POST", f"/municipalities/{municipality_id}/cats/{cat_id}/events", key, body)
    assert response.status_code == 201, (event_type, day, response.body)


def intake(api: Api, key: str, municipality_id: str, cat_id: str, day: str, intake_type: str, age: str) -> None:
    record(api, key, municipality_id, cat_id, "intake", day, intake_type=intake_type, age_class=age)


def get_json(api: Api, path: str, key: str) -> Any:
    response = api.call("GET", path, key)
    assert response.status_code == 200, (path, response.body)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json


def get_csv(api: Api, path: str, key: str) -> tuple[list[str], list[dict[str, str]], Any]:
    """The CSV answer of `path` read back as Excel would: detect the UTF-8 BOM, then parse (csv module)."""
    response = api.client.http.get(path + ("&" if "?" in path else "?") + "format=csv", headers={"x-api-key": key})
    assert response.status_code == 200, (path, response.body)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    assert response.headers["Content-Disposition"].endswith('.csv"')
    body: bytes = response.body
    assert body.startswith(codecs.BOM_UTF8)
    text = body[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert "\ufeff" not in text
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows, response


def flat_cells(table: dict[str, Any]) -> dict[str, int]:
    """Each MoE cell by its column name (its JSON path joined with "_")."""
    cells: dict[str, int] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{name}_")
            else:
                cells[f"{prefix}{name}"] = value

    walk({k: table[k] for k in ("intake", "injured", "outcome")}, "")
    return cells


def moe_table(
    owner_surrender: tuple[int, int] = (0, 0),
    ownerless: tuple[int, int] = (0, 0),
    injured: tuple[int, int, int, int] = (0, 0, 0, 0),
    returned: tuple[int, int] = (0, 0),
    adopted: tuple[int, int] = (0, 0),
    euthanized: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> dict[str, Any]:
    """The MoE cells as api.md shapes them; euthanized = (①, ②, ③, of which juvenile)."""
    return {
        "intake": {
            "owner_surrender": {"adult": owner_surrender[0], "juvenile": owner_surrender[1]},
            "ownerless": {"adult": ownerless[0], "juvenile": ownerless[1]},
            "total": sum(owner_surrender) + sum(ownerless),
        },
        "injured": dict(zip(("intake", "returned_to_owner", "adopted", "euthanized"), injured, strict=True)),
        "outcome": {
            "returned_to_owner": {"total": returned[0], "juvenile": returned[1]},
            "adopted": {"total": adopted[0], "juvenile": adopted[1]},
            "euthanized": {
                "category_1": euthanized[0],
                "category_2": euthanized[1],
                "died_in_care": euthanized[2],
                "total": sum(euthanized[:3]),
                "juvenile": euthanized[3],
            },
        },
    }


def cells_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: answer[k] for k in ("intake", "injured", "outcome")}


# ---- the MoE table -------------------------------------------------------------------------------------------


@pytest.fixture
def moe_scenario(api: Api) -> str:
    """Chiyoda's cats around fiscal year 2024 (2024-04-01 … 2025-03-31), and one of Chuo's. Returns an admin key."""
    key = api.key("admin", "*")
    m = CHIYODA
    # Taken in on the last day of FY2023, adopted on the first day of FY2024.
    a = register(api, key, m, name="A", status="ownerless")
    intake(api, key, m, a, "2024-03-31", "ownerless", "adult")
    record(api, key, m, a, "adoption", "2024-04-01", age_class="adult")
    # A juvenile from its owner, adopted: counted in the cell and in "of which juvenile".
    b = register(api, key, m, name="B")
    intake(api, key, m, b, "2024-04-01", "owner_surrender", "juvenile")
    record(api, key, m, b, "adoption", "2024-06-01", age_class="juvenile")
    # Euthanasia ① of a juvenile, ② of an adult, and a death in care ③.
    c = register(api, key, m, name="C")
    intake(api, key, m, c, "2024-05-01", "ownerless", "juvenile")
    record(api, key, m, c, "euthanasia", "2024-05-10", age_class="juvenile", category=1)
    d = register(api, key, m, name="D")
    intake(api, key, m, d, "2024-07-01", "owner_surrender", "adult")
    record(api, key, m, d, "euthanasia", "2024-07-05", age_class="adult", category=2)
    e = register(api, key, m, name="E")
    intake(api, key, m, e, "2024-08-01", "ownerless", "adult")
    record(api, key, m, e, "death", "2024-08-03", age_class="adult")
    # Injured, returned to its owner, then surrendered by the owner and returned again (a cat taken in twice).
    f = register(api, key, m, name="F")
    intake(api, key, m, f, "2024-09-01", "injured", "adult")
    record(api, key, m, f, "return_to_owner", "2024-09-05", age_class="adult")
    intake(api, key, m, f, "2024-10-01", "owner_surrender", "adult")
    record(api, key, m, f, "return_to_owner", "2024-10-05", age_class="adult")
    # Injured intakes adopted and euthanised: in the injured block only.
    g = register(api, key, m, name="G")
    intake(api, key, m, g, "2024-11-01", "injured", "juvenile")
    record(api, key, m, g, "adoption", "2024-11-10", age_class="juvenile")
    h = register(api, key, m, name="H")
    intake(api, key, m, h, "2025-01-10", "injured", "adult")
    record(api, key, m, h, "euthanasia", "2025-01-15", age_class="adult", category=2)
    # Taken in on the last day of FY2024, returned on the first day of FY2025.
    i = register(api, key, m, name="I")
    intake(api, key, m, i, "2025-03-31", "ownerless", "adult")
    record(api, key, m, i, "return_to_owner", "2025-04-01", age_class="adult")
    # Transferred in (no 引取り) and out (譲渡).
    j = register(api, key, m, name="J")
    intake(api, key, m, j, "2024-12-01", "transfer_in", "adult")
    record(api, key, m, j, "transfer_out", "2024-12-05", age_class="adult")
    # A community cat found dead outside care, and a TNR cycle: no shelter figures.
    community = register(api, key, m, name="L", status="community", area="丸の内一丁目")
    record(api, key, m, community, "trap", "2024-06-10")
    record(api, key, m, community, "surgery", "2024-06-11", procedure="spay", ear_tip=True, cost_yen=20000)
    record(api, key, m, community, "release", "2024-06-12", age_class="adult")
    record(api, key, m, community, "death", "2024-06-15", age_class="adult")
    # A deleted cat counts nowhere.
    deleted = register(api, key, m, name="K")
    intake(api, key, m, deleted, "2024-06-01", "ownerless", "adult")
    record(api, key, m, deleted, "euthanasia", "2024-06-02", age_class="adult", category=1)
    assert api.call("DELETE", f"/municipalities/{m}/cats/{deleted}", key).status_code == 204
    # Another municipality's events.
    chuo = register(api, key, CHUO, name="中央の猫")
    intake(api, key, CHUO, chuo, "2024-06-01", "ownerless", "adult")
    record(api, key, CHUO, chuo, "adoption", "2024-06-20", age_class="adult")
    return key


CHIYODA_FY2024 = moe_table(
    owner_surrender=(2, 1),
    ownerless=(2, 1),
    injured=(3, 1, 1, 1),
    returned=(1, 0),
    adopted=(3, 1),
    euthanized=(1, 1, 1, 1),
)
CHUO_FY2024 = moe_table(ownerless=(1, 0), adopted=(1, 0))


def test_the_moe_table_counts_each_event_in_the_fiscal_year_of_its_date_as_hand_computed(
    api: Api, moe_scenario: str
) -> None:
    base = f"/municipalities/{CHIYODA}/stats/intake-outcome?fiscal_year="
    fy2024 = get_json(api, base + "2024", moe_scenario)
    assert fy2024 == {"municipality_id": CHIYODA, "fiscal_year": 2024, **CHIYODA_FY2024}
    # March 31 and April 1 on either side of fiscal year 2024.
    assert cells_of(get_json(api, base + "2023", moe_scenario)) == moe_table(ownerless=(1, 0))
    assert cells_of(get_json(api, base + "2025", moe_scenario)) == moe_table(returned=(1, 0))
    # A year without events is all zeros, not 404.
    empty = get_json(api, base + "2030", moe_scenario)
    assert empty == {"municipality_id": CHIYODA, "fiscal_year": 2030, **moe_table()}

    # The CSV: the ministry's columns in order, one row, the same numbers as the JSON.
    header, rows, response = get_csv(api, base + "2024", moe_scenario)
    assert header == ["団体コード", "年度", *(japanese for _, japanese in MOE_COLUMN_HEADERS)]
    assert header[2:7] == [
        "引取り数 所有者から 成熟",
        "引取り数 所有者から 幼齢",
        "引取り数 所有者不明 成熟",
        "引取り数 所有者不明 幼齢",
        "引取り数 合計",
    ]
    assert response.headers["Content-Disposition"] == f'attachment; filename="intake-outcome_{CHIYODA}_2024.csv"'
    assert len(rows) == 1 and rows[0]["団体コード"] == CHIYODA and rows[0]["年度"] == "2024"
    assert {column: int(rows[0][japanese]) for column, japanese in MOE_COLUMN_HEADERS} == flat_cells(fy2024)


def test_the_prefecture_total_is_the_sum_of_its_municipalities_and_needs_the_whole_prefecture_in_scope(
    api: Api, moe_scenario: str
) -> None:
    path = f"/prefectures/{TOKYO}/stats/intake-outcome?fiscal_year=2024"
    total = get_json(api, path, moe_scenario)
    assert total["prefecture_id"] == TOKYO and total["fiscal_year"] == 2024
    tables = {t["municipality_id"]: t for t in total["municipalities"]}
    assert len(tables) == 62 and all(code.startswith(TOKYO) for code in tables)
    assert cells_of(tables[CHIYODA]) == CHIYODA_FY2024 and cells_of(tables[CHUO]) == CHUO_FY2024
    assert all(cells_of(t) == moe_table() for code, t in tables.items() if code not in (CHIYODA, CHUO))
    summed = {column: sum(flat_cells(t)[column] for t in tables.values()) for column, _ in MOE_COLUMN_HEADERS}
    assert flat_cells(total) == summed
    assert summed == {c: flat_cells(CHIYODA_FY2024)[c] + flat_cells(CHUO_FY2024)[c] for c in summed}
    assert (
        get_json(api, f"/municipalities/{CHUO}/stats/intake-outcome?fiscal_year=2024", moe_scenario) == (tables[CHUO])
    )

    # The CSV: one row per municipality, then the prefecture total, with the JSON's numbers.
    _, rows, _ = get_csv(api, path, moe_scenario)
    assert [r["団体コード"] for r in rows] == [*tables, TOKYO]
    for row in rows:
        table = total if row["団体コード"] == TOKYO else tables[row["団体コード"]]
        assert {c: int(row[j]) for c, j in MOE_COLUMN_HEADERS} == flat_cells(table), row["団体コード"]

    # Scope: the whole prefecture, by its code or by listing every municipality; anything less is 403.
    every_tokyo_municipality = [m.municipality_id for m in api.container.registry.in_prefecture(TOKYO)]
    for scope in ([TOKYO], [SAPPORO, *every_tokyo_municipality]):
        assert cells_of(get_json(api, path, api.key("viewer", *scope))) == cells_of(total), scope
    for scope in ([CHIYODA], [CHIYODA, CHUO], every_tokyo_municipality[1:], ["01"], [SAPPORO]):
        response = api.call("GET", path, api.key("admin", *scope))
        assert response.status_code == 403, scope
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "intake" not in response.json
    # A partial scope is refused before the query string is looked at, as on the municipality routes.
    assert api.call("GET", f"/prefectures/{TOKYO}/stats/intake-outcome", api.key("admin", CHIYODA)).status_code == 403


# ---- SAC, TNR, complaints -------------------------------------------------------------------------------------


@pytest.fixture
def sac_scenario(api: Api) -> str:
    """Chiyoda's shelter around fiscal year 2025 (2025-04-01 … 2026-03-31). Returns an editor key."""
    key = api.key("editor", CHIYODA)
    m = CHIYODA
    in_care_since_last_year = register(api, key, m, name="P")
    intake(api, key, m, in_care_since_last_year, "2025-03-20", "ownerless", "adult")
    record(api, key, m, in_care_since_last_year, "adoption", "2025-05-01", age_class="adult")
    returned_to_field = register(api, key, m, name="Q")
    intake(api, key, m, returned_to_field, "2025-06-01", "owner_surrender", "juvenile")
    record(api, key, m, returned_to_field, "release", "2025-06-20", age_class="juvenile")
    transferred_in = register(api, key, m, name="R")
    intake(api, key, m, transferred_in, "2025-07-01", "transfer_in", "adult")
    record(api, key, m, transferred_in, "euthanasia", "2025-07-05", age_class="adult", category=1)
    in_care_at_year_end = register(api, key, m, name="S")
    intake(api, key, m, in_care_at_year_end, "2026-03-31", "injured", "adult")
    record(api, key, m, in_care_at_year_end, "return_to_owner", "2026-04-02", age_class="adult")
    return key


def sac_count(adult: int = 0, juvenile: int = 0) -> dict[str, int]:
    return {"adult": adult, "juvenile": juvenile, "total": adult + juvenile}


def test_the_sac_matrix_has_the_hand_computed_counts(api: Api, sac_scenario: str) -> None:
    matrix = get_json(api, f"/municipalities/{CHIYODA}/stats/sac?fiscal_year=2025", sac_scenario)
    zero = sac_count()
    assert matrix == {
        "municipality_id": CHIYODA,
        "fiscal_year": 2025,
        "beginning_count": 1,
        "intakes": {
            "stray": sac_count(adult=1),
            "relinquished_by_owner": sac_count(juvenile=1),
            "transferred_in": sac_count(adult=1),
            "other_intakes": zero,
            "total": sac_count(adult=2, juvenile=1),
        },
        "live_outcomes": {
            "adoption": sac_count(adult=1),
            "returned_to_owner": zero,
            "transferred_out": zero,
            "returned_to_field": sac_count(juvenile=1),
            "other_live_outcome": zero,
            "total": sac_count(adult=1, juvenile=1),
        },
        "other_outcomes": {
            "died_in_care": zero,
            "lost_in_care": zero,
            "euthanasia": sac_count(adult=1),
            "total": sac_count(adult=1),
        },
        "total_outcomes": sac_count(adult=2, juvenile=1),
        "ending_count": 1,
        "recorded_ending_count": 1,
        "balanced": True,
        "live_release_rate": 0.6667,
    }


def test_the_sac_csv_reads_back_to_the_json_numbers(api: Api, sac_scenario: str) -> None:
    path = f"/municipalities/{CHIYODA}/stats/sac?fiscal_year=2025"
    matrix = get_json(api, path, sac_scenario)
    _, rows, response = get_csv(api, path, sac_scenario)
    assert response.headers["Content-Disposition"] == f'attachment; filename="sac_{CHIYODA}_2025.csv"'
    by_item = {r["SAC item"]: r for r in rows}
    assert all(r["団体コード"] == CHIYODA and r["年度"] == "2025" for r in rows)
    assert int(by_item["Beginning count"]["合計"]) == matrix["beginning_count"]
    assert int(by_item["Ending count"]["合計"]) == matrix["ending_count"]
    assert float(by_item["Live release rate"]["合計"]) == matrix["live_release_rate"]
    for item, count in (
        ("Stray/at large", matrix["intakes"]["stray"]),
        ("Relinquished by owner", matrix["intakes"]["relinquished_by_owner"]),
        ("Total intakes", matrix["intakes"]["total"]),
        ("Adoption", matrix["live_outcomes"]["adoption"]),
        ("Returned to field", matrix["live_outcomes"]["returned_to_field"]),
        ("Shelter euthanasia", matrix["other_outcomes"]["euthanasia"]),
        ("Total outcomes", matrix["total_outcomes"]),
    ):
        row = by_item[item]
        assert (int(row["成熟"]), int(row["幼齢(5か月以下)"]), int(row["合計"])) == (
            count["adult"],
            count["juvenile"],
            count["total"],
        ), item


@pytest.fixture
def tnr_scenario(api: Api) -> str:
    """Two TNR areas of Chiyoda in fiscal year 2025, with complaints around them. Returns a viewer key."""
    key = api.key("editor", CHIYODA, CHUO)
    m = CHIYODA
    marunouchi, kanda = "丸の内一丁目", "神田"
    female = register(api, key, m, name="T1", sex="female", status="community", area=marunouchi)
    record(api, key, m, female, "trap", "2025-05-01")
    record(
        api, key, m, female, "surgery", "2025-05-02", procedure="spay", ear_tip=True, cost_yen=20000, subsidy_yen=10000
    )
    record(api, key, m, female, "release", "2025-05-03", age_class="adult")
    male = register(api, key, m, name="T2", sex="male", status="community", area=marunouchi)
    record(
        api, key, m, male, "surgery", "2025-06-10", procedure="neuter", ear_tip=False, cost_yen=15000, subsidy_yen=5000
    )
    register(api, key, m, name="T4", status="ownerless", area=kanda)
    last_year = register(api, key, m, name="T5", sex="female", status="community", area=kanda)
    record(api, key, m, last_year, "surgery", "2025-03-31", procedure="spay", ear_tip=True)
    register(api, key, m, name="飼い猫", status="owned", area=kanda)
    for category, area, day, municipality_id in (
        ("noise", marunouchi, "2025-03-01", m),
        ("waste", marunouchi, "2025-04-10", m),
        ("waste", marunouchi, "2025-06-01", m),
        ("feeding", kanda, "2025-07-01", m),
        ("garbage", kanda, "2025-07-01", CHUO),
    ):
        body = {"category": category, "area": area, "received_on": day}
        assert api.call("POST", f"/municipalities/{municipality_id}/complaints", key, body).status_code == 201
    return api.key("viewer", CHIYODA)


def tnr_counts(**counts: int) -> dict[str, int]:
    names = ("surgeries_female", "surgeries_male", "surgeries", "ear_tipped", "cost_yen", "subsidy_yen", "releases")
    return {name: counts.get(name, 0) for name in names}


def test_tnr_progress_has_surgeries_by_sex_and_month_and_flags_areas_under_70_percent(
    api: Api, tnr_scenario: str
) -> None:
    report = get_json(api, f"/municipalities/{CHIYODA}/stats/tnr?fiscal_year=2025", tnr_scenario)
    assert report["municipality_id"] == CHIYODA and report["fiscal_year"] == 2025
    assert report["neutered_share_target"] == 0.7
    year = tnr_counts(
        surgeries_female=1, surgeries_male=1, surgeries=2, ear_tipped=1, cost_yen=35000, subsidy_yen=15000, releases=1
    )
    assert report["totals"] == year
    months = {row.pop("month"): row for row in report["by_month"]}
    assert list(months) == [f"2025-{n:02d}" for n in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert months["2025-05"] == tnr_counts(
        surgeries_female=1, surgeries=1, ear_tipped=1, cost_yen=20000, subsidy_yen=10000, releases=1
    )
    assert months["2025-06"] == tnr_counts(surgeries_male=1, surgeries=1, cost_yen=15000, subsidy_yen=5000)
    assert all(row == tnr_counts() for month, row in months.items() if month not in ("2025-05", "2025-06"))
    assert report["by_area"] == [
        {
            "area": "丸の内一丁目",
            **year,
            "known_cats": 2,
            "neutered_cats": 2,
            "neutered_share": 1.0,
            "below_target": False,
        },
        {
            "area": "神田",
            **tnr_counts(),
            "known_cats": 2,
            "neutered_cats": 1,
            "neutered_share": 0.5,
            "below_target": True,
        },
    ]
    assert report["areas_below_target"] == 1


def test_the_tnr_csv_reads_back_to_the_json_numbers(api: Api, tnr_scenario: str) -> None:
    path = f"/municipalities/{CHIYODA}/stats/tnr?fiscal_year=2025"
    report = get_json(api, path, tnr_scenario)
    _, rows, _ = get_csv(api, path, tnr_scenario)
    columns = {"手術数 メス": "surgeries_female", "手術数 オス": "surgeries_male", "手術数 計": "surgeries"}
    columns |= {
        "さくら耳": "ear_tipped",
        "費用 (円)": "cost_yen",
        "補助金 (円)": "subsidy_yen",
        "リリース数": "releases",
    }
    total = next(r for r in rows if r["集計"] == "合計")
    assert {field: int(total[header]) for header, field in columns.items()} == report["totals"]
    monthly = {r["月"]: r for r in rows if r["集計"] == "月別"}
    assert len(monthly) == 12
    for month in report["by_month"]:
        assert {f: int(monthly[month["month"]][h]) for h, f in columns.items()} == {
            f: month[f] for f in columns.values()
        }
    areas = {r["地域"]: r for r in rows if r["集計"] == "地域別"}
    for area in report["by_area"]:
        row = areas[area["area"]]
        assert int(row["把握頭数"]) == area["known_cats"] and int(row["不妊去勢済み頭数"]) == area["neutered_cats"]
        assert float(row["不妊去勢率"]) == area["neutered_share"]
        assert row["目標 (70%) 未満"] == ("はい" if area["below_target"] else "いいえ")


def complaint_counts(**counts: int) -> dict[str, int]:
    names = ("waste", "noise", "feeding", "garbage", "other")
    values = {name: counts.get(name, 0) for name in names}
    return {**values, "total": sum(values.values())}


def test_complaint_statistics_put_tnr_surgeries_beside_each_month_and_area(api: Api, tnr_scenario: str) -> None:
    report = get_json(api, f"/municipalities/{CHIYODA}/stats/complaints?fiscal_year=2025", tnr_scenario)
    assert report["municipality_id"] == CHIYODA and report["window_months"] == 6
    assert report["totals"] == complaint_counts(waste=2, feeding=1)
    months = {row.pop("month"): row for row in report["by_month"]}
    assert months["2025-04"] == {**complaint_counts(waste=1), "tnr_surgeries": 0}
    assert months["2025-05"] == {**complaint_counts(), "tnr_surgeries": 1}
    assert months["2025-06"] == {**complaint_counts(waste=1), "tnr_surgeries": 1}
    assert months["2025-07"] == {**complaint_counts(feeding=1), "tnr_surgeries": 0}
    assert report["by_area"] == [
        {"area": "丸の内一丁目", **complaint_counts(waste=2), "tnr_surgeries": 2},
        {"area": "神田", **complaint_counts(feeding=1), "tnr_surgeries": 0},
    ]
    assert report["before_after"] == [
        {
            "area": "丸の内一丁目",
            "first_surgery_on": "2025-05-02",
            "before_from": "2024-11-02",
            "before_to": "2025-05-01",
            "after_from": "2025-05-03",
            "after_to": "2025-11-02",
            "complaints_before": 2,
            "complaints_after": 1,
            "surgeries_before": 0,
            "after_window_complete": True,
        }
    ]
    shorter = get_json(
        api, f"/municipalities/{CHIYODA}/stats/complaints?fiscal_year=2025&window_months=1", tnr_scenario
    )
    assert shorter["window_months"] == 1 and shorter["before_after"][0]["complaints_before"] == 1


def test_the_complaints_csv_reads_back_to_the_json_numbers(api: Api, tnr_scenario: str) -> None:
    path = f"/municipalities/{CHIYODA}/stats/complaints?fiscal_year=2025"
    report = get_json(api, path, tnr_scenario)
    header, rows, response = get_csv(api, path, tnr_scenario)
    assert response.headers["Content-Disposition"] == f'attachment; filename="complaints_{CHIYODA}_2025.csv"'
    columns = {"糞尿": "waste", "鳴き声": "noise", "餌やり": "feeding", "ゴミ荒らし": "garbage", "その他": "other"}
    columns["合計"] = "total"
    assert header[5:] == [*columns, "TNR手術数"]
    total = next(r for r in rows if r["集計"] == "合計")
    assert {f: int(total[h]) for h, f in columns.items()} == report["totals"]
    assert int(total["TNR手術数"]) == 2
    areas = {r["地域"]: r for r in rows if r["集計"] == "地域別"}
    for area in report["by_area"]:
        row = areas[area["area"]]
        assert {f: int(row[h]) for h, f in columns.items()} == {f: area[f] for f in columns.values()}
        assert int(row["TNR手術数"]) == area["tnr_surgeries"]


# ---- input and scope ------------------------------------------------------------------------------------------


def stats_paths(query: str) -> list[str]:
    paths = [f"/municipalities/{CHIYODA}/stats/{route}{query}" for route in STATS_ROUTES]
    return [*paths, f"/prefectures/{TOKYO}/stats/intake-outcome{query}"]


@pytest.mark.parametrize(
    ("query", "bad_field"),
    [
        ("", "fiscal_year"),
        ("?fiscal_year=", "fiscal_year"),
        ("?fiscal_year=abc", "fiscal_year"),
        ("?fiscal_year=2025.5", "fiscal_year"),
        ("?fiscal_year=1999", "fiscal_year"),
        ("?fiscal_year=2101", "fiscal_year"),
        ("?fiscal_year=2025&format=xlsx", "format"),
        ("?fiscal_year=2025&year=2025", "year"),
    ],
)
def test_a_missing_or_invalid_query_is_a_400_problem_naming_the_field(api: Api, query: str, bad_field: str) -> None:
    key = api.key("viewer", "*")
    for path in stats_paths(query):
        response = api.call("GET", path, key)
        assert response.status_code == 400, (path, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert ["query", bad_field] in [e["loc"] for e in response.json["errors"]], (path, response.json)


def test_bad_or_unknown_codes_are_400_or_404(api: Api) -> None:
    key = api.key("viewer", "*")
    for path, status in (
        ("/prefectures/1x/stats/intake-outcome?fiscal_year=2025", 400),
        ("/prefectures/131/stats/intake-outcome?fiscal_year=2025", 400),
        ("/prefectures/48/stats/intake-outcome?fiscal_year=2025", 404),
        ("/municipalities/131017/stats/tnr?fiscal_year=2025", 400),
    ):
        response = api.call("GET", path, key)
        assert response.status_code == status, (path, response.body)
        assert response.json["status"] == status


def test_a_key_for_another_municipality_gets_403_on_every_statistics_route_in_both_formats(
    api: Api, sac_scenario: str
) -> None:
    foreign = api.key("admin", SAPPORO)
    for path in stats_paths("?fiscal_year=2025"):
        for suffix in ("", "&format=csv"):
            response = api.call("GET", path + suffix, foreign)
            assert response.status_code == 403, (path, response.body)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert json.dumps(response.json).count("intake") == 0


def test_viewers_of_the_municipality_may_read_every_statistics_route_in_both_formats(
    api: Api, sac_scenario: str
) -> None:
    viewer = api.key("viewer", CHIYODA)
    for path in stats_paths("?fiscal_year=2025")[:-1]:
        assert api.call("GET", path, viewer).status_code == 200, path
        assert get_csv(api, path, viewer)[1], path


def test_openapi_documents_json_and_csv_for_every_statistics_route(api: Api) -> None:
    document = api.call("GET", "/openapi.json").json
    for route in STATS_ROUTES:
        operation = document["paths"][f"/municipalities/{{municipality_id}}/stats/{route}"]["get"]
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}
        assert "Content-Disposition" in operation["responses"]["200"]["headers"]
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert parameters["fiscal_year"]["required"] is True
        assert parameters["format"]["schema"]["enum"] == ["json", "csv"]
    prefecture = document["paths"]["/prefectures/{prefecture_id}/stats/intake-outcome"]["get"]
    assert prefecture["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PrefectureIntakeOutcome"
    )
    assert "403" in prefecture["responses"]
