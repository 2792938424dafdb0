"""A realistic demo data set: four wards of Tokyo, several hundred cats, two fiscal years of events.

Deterministic (seeded) so the README's figures can be reproduced. Everything goes through the
services, so every rule a user meets applies to the demo data too.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from ..domain.models import (
    RECORD_EVENT_ADAPTER,
    Location,
    RecordComplaintRequest,
    RegisterCatRequest,
)
from .cats import CatService
from .complaints import ComplaintService

DEMO_MUNICIPALITIES: dict[str, tuple[tuple[float, float], list[str]]] = {
    "131016": ((35.694, 139.754), ["神田一丁目", "神田神保町二丁目", "丸の内一丁目", "麹町三丁目", "外神田四丁目"]),
    "131024": ((35.670, 139.772), ["日本橋人形町一丁目", "月島三丁目", "佃二丁目", "築地六丁目", "勝どき一丁目"]),
    "131032": ((35.658, 139.751), ["芝浦二丁目", "三田四丁目", "白金台一丁目", "麻布十番二丁目", "高輪三丁目"]),
    "131041": ((35.694, 139.703), ["西新宿七丁目", "大久保二丁目", "神楽坂五丁目", "高田馬場一丁目", "四谷三丁目"]),
}
CAT_NAMES = [
    "タマ", "ミケ", "クロ", "シロ", "トラ", "チビ", "モモ", "ハナ", "ソラ", "レオ",
    "キナコ", "ココア", "マル", "コテツ", "サクラ", "ユキ", "ムギ", "ゴマ", "あんこ", "こはる",
]  # fmt: skip
FIRST_DAY = dt.date(2024, 4, 1)
LAST_DAY = dt.date(2026, 3, 31)


@dataclass(frozen=True)
class DemoSummary:
    municipalities: int
    cats: int
    events: int
    complaints: int


class DemoSeeder:
    def __init__(self, cats: CatService, complaints: ComplaintService, seed: int = 20240401) -> None:
        self._cats = cats
        self._complaints = complaints
        self._random = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets

    def seed(self, cats_per_municipality: int = 90, complaints_per_municipality: int = 40) -> DemoSummary:
        events = cats = complaints = 0
        for municipality_id, (centre, areas) in DEMO_MUNICIPALITIES.items():
            for _ in range(cats_per_municipality):
                events += self._one_cat(municipality_id, centre, areas)
                cats += 1
            for _ in range(complaints_per_municipality):
                self._complaints.record(
                    municipality_id,
                    RecordComplaintRequest(
                        category=self._random.choice(["waste", "waste", "noise", "feeding", "garbage", "other"]),
                        area=self._random.choice(areas),
                        received_on=self._day(FIRST_DAY, LAST_DAY),
                        description="庭に糞尿の被害があるとの相談",
                    ),
                )
                complaints += 1
        return DemoSummary(len(DEMO_MUNICIPALITIES), cats, events, complaints)

    def _one_cat(self, municipality_id: str, centre: tuple[float, float], areas: list[str]) -> int:
        rnd = self._random
        story = rnd.choices(["tnr", "shelter", "community"], weights=[5, 4, 1])[0]
        area = rnd.choice(areas)
        # Each ward's last area is a colony TNR has only just reached: most of its cats are not neutered yet.
        if area == areas[-1] and story == "tnr" and rnd.random() < 0.7:
            story = "community"
        sex = rnd.choice(["male", "female", "female", "unknown"] if story != "tnr" else ["male", "female"])
        cat = self._cats.register(
            municipality_id,
            RegisterCatRequest(
                name=rnd.choice(CAT_NAMES),
                sex=sex,
                status="community" if story == "community" else "ownerless",
                area=area,
                location=Location(lat=centre[0] + rnd.uniform(-0.01, 0.01), lon=centre[1] + rnd.uniform(-0.01, 0.01)),
                notes="デモデータ",
            ),
        )
        day = self._day(FIRST_DAY, LAST_DAY - dt.timedelta(days=60))
        steps: list[dict[str, Any]] = []
        if story in ("tnr", "community"):
            steps.append({"type": "sighting"})
            if story == "tnr" or (area != areas[-1] and rnd.random() < 0.5):
                procedure = "spay" if sex == "female" else "neuter"
                cost = 20000 if procedure == "spay" else 12000
                steps += [
                    {"type": "trap"},
                    {
                        "type": "surgery",
                        "procedure": procedure,
                        "ear_tip": True,
                        "cost_yen": cost,
                        "subsidy_yen": rnd.choice([cost // 2, 5000, cost]),
                    },
                    {"type": "release", "age_class": "adult"},
                ]
        else:
            age = rnd.choices(["adult", "juvenile"], weights=[3, 2])[0]
            intake_type = rnd.choices(["ownerless", "owner_surrender", "injured", "transfer_in"], weights=[6, 2, 2, 1])[
                0
            ]
            steps.append({"type": "intake", "intake_type": intake_type, "age_class": age})
            outcome = rnd.choices(
                ["adoption", "return_to_owner", "transfer_out", "euthanasia", "death", None],
                weights=[10, 2 if intake_type != "transfer_in" else 0, 3, 1, 2, 2],
            )[0]
            if outcome == "adoption" and rnd.random() < 0.5:
                procedure = "spay" if sex == "female" else "neuter"
                steps.append({"type": "surgery", "procedure": procedure, "ear_tip": False, "cost_yen": 15000})
            if outcome == "euthanasia":
                steps.append({"type": "euthanasia", "age_class": age, "category": rnd.choice([1, 2])})
            elif outcome is not None:
                steps.append({"type": outcome, "age_class": age})
        for step in steps:
            day = min(day + dt.timedelta(days=rnd.randint(1, 25)), LAST_DAY)
            request = RECORD_EVENT_ADAPTER.validate_python({**step, "occurred_on": day})
            self._cats.record_event(municipality_id, cat.cat_id, request)
        return len(steps)

    def _day(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self._random.randint(0, (last - first).days))
