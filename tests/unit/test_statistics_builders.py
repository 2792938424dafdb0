"""Builders for the statistics tests: cats whose events go through the real lifecycle rules.

Named test_statistics_* to stay in the statistics test area; it holds no tests itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from ulid import ULID

from chalicelib.domain.models import RECORD_EVENT_ADAPTER, Cat, CatStatus, Complaint, Event, Sex
from chalicelib.domain.rules import apply_event

CHIYODA = "131016"  # 東京都千代田区
CHUO = "131024"  # 東京都中央区 (same prefecture)
OSAKA = "271004"  # 大阪府大阪市 (another prefecture)

_RECORDING_CLOCK = itertools.count()
_BASE_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
_FAR_FUTURE = dt.date(2100, 1, 1)


def new_id() -> str:
    return str(ULID())


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _next_recorded_at() -> dt.datetime:
    return _BASE_TIME + dt.timedelta(seconds=next(_RECORDING_CLOCK))


class CatHistory:
    """One cat and the events recorded for it, oldest first, each made by `apply_event` from the cat's state."""

    def __init__(
        self,
        municipality_id: str = CHIYODA,
        *,
        status: CatStatus = CatStatus.ownerless,
        area: str | None = "本町1丁目",
        sex: Sex = Sex.unknown,
        neutered: bool = False,
    ) -> None:
        now = _next_recorded_at()
        self.cat = Cat(
            cat_id=new_id(),
            municipality_id=municipality_id,
            status=status,
            area=area,
            sex=sex,
            neutered=neutered,
            created_at=now,
            updated_at=now,
            version=1,
        )
        self.events: list[Event] = []

    def record(self, event_type: str, on: str, **fields: Any) -> CatHistory:
        request = RECORD_EVENT_ADAPTER.validate_python({"type": event_type, "occurred_on": on, **fields})
        self.cat, event = apply_event(
            self.cat,
            request,
            event_id=new_id(),
            recorded_at=_next_recorded_at(),
            today=_FAR_FUTURE,
            last_event=self.events[-1] if self.events else None,
        )
        self.events.append(event)
        return self

    def intake(self, on: str, intake_type: str = "ownerless", age: str = "adult") -> CatHistory:
        return self.record("intake", on, intake_type=intake_type, age_class=age)

    def outcome(self, event_type: str, on: str, age: str = "adult", **fields: Any) -> CatHistory:
        return self.record(event_type, on, age_class=age, **fields)

    def euthanize(self, on: str, category: int, age: str = "adult") -> CatHistory:
        return self.outcome("euthanasia", on, age, category=category)

    def surgery(
        self,
        on: str,
        procedure: str,
        *,
        ear_tip: bool = True,
        cost_yen: int | None = None,
        subsidy_yen: int | None = None,
    ) -> CatHistory:
        return self.record(
            "surgery", on, procedure=procedure, ear_tip=ear_tip, cost_yen=cost_yen, subsidy_yen=subsidy_yen
        )


def events_of(*histories: CatHistory) -> list[Event]:
    """Every event of the cats, in date order as a store's date index returns them."""
    events = [event for history in histories for event in history.events]
    return sorted(events, key=lambda e: (e.occurred_on, e.recorded_at))


def complaint(on: str, category: str, area: str, municipality_id: str = CHIYODA) -> Complaint:
    return Complaint(
        complaint_id=new_id(),
        municipality_id=municipality_id,
        category=category,
        area=area,
        received_on=day(on),
        description="庭に糞をされる",
        created_at=_next_recorded_at(),
    )
