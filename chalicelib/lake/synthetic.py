"""Synthetic change streams (cats, their lifecycles, complaints) for the lake's benchmarks and tests.

Items are in the stored JSON form (model fields + municipality_id, sk, kind), with the snapshots the event
rules would take (status_before, latest_intake_type, area), so statistics computed from them are meaningful.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from ..ports import ChangeRecord

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_AREAS = ("本町一丁目", "本町二丁目", "駅前", "港町", "緑が丘", "川沿い")
_OUTCOMES = ("return_to_owner", "adoption", "transfer_out", "euthanasia", "death", "release", None)
_INTAKE_TYPES = ("owner_surrender", "ownerless", "injured", "transfer_in")
_STATUS_AFTER = {
    "return_to_owner": "returned_to_owner",
    "adoption": "adopted",
    "transfer_out": "transferred",
    "euthanasia": "deceased",
    "death": "deceased",
    "release": "community",
}


class SyntheticLake:
    """Deterministic (seeded) generator of ChangeRecords with increasing sequences."""

    def __init__(self, seed: int = 7, start_sequence: int = 1) -> None:
        self._random = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self._sequence = start_sequence
        self._ids = 0

    def ulid(self) -> str:
        self._ids += 1
        value = (self._ids << 64) | self._random.getrandbits(60)
        return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(26))[::-1]

    def change(self, operation: str, kind: str, new: dict[str, Any] | None, old: dict[str, Any] | None) -> ChangeRecord:
        image = new or old or {}
        self._sequence += 1
        return ChangeRecord(
            sequence=str(self._sequence).zfill(21),
            operation=operation,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            municipality_id=image["municipality_id"],
            sk=image["sk"],
            new_image=new,
            old_image=old,
            approximate_time=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
        )

    def day_in(self, fiscal_year: int) -> dt.date:
        return dt.date(fiscal_year, 4, 1) + dt.timedelta(days=self._random.randrange(300))

    def cat_lifecycle(self, municipality_id: str, fiscal_year: int) -> Iterator[ChangeRecord]:
        """A cat's registration, then its events (each with the cat's update), as a store would commit them."""
        rnd = self._random
        cat_id = self.ulid()
        area = rnd.choice(_AREAS)
        day = self.day_in(fiscal_year)
        created = dt.datetime.combine(day, dt.time(1, 0), dt.UTC)
        cat: dict[str, Any] = {
            "cat_id": cat_id,
            "municipality_id": municipality_id,
            "sk": f"CAT#{cat_id}",
            "kind": "cat",
            "name": "たま",
            "sex": rnd.choice(("male", "female", "unknown")),
            "status": rnd.choice(("ownerless", "community")),
            "neutered": False,
            "ear_tipped": False,
            "area": area,
            "microchip_id": "392" + str(rnd.randrange(10**12)).zfill(12),
            "location": {"lat": 35.0 + rnd.random(), "lon": 139.0 + rnd.random()},
            "notes": "餌やり場所: 公園の東口 090-1234-5678",
            "created_at": created.isoformat(),
            "updated_at": created.isoformat(),
            "version": 1,
        }
        yield self.change("INSERT", "cat", dict(cat), None)
        latest_intake: str | None = None
        age = rnd.choice(("adult", "juvenile"))
        steps: list[dict[str, Any]] = []
        if rnd.random() < 0.6:
            intake_type = rnd.choice(_INTAKE_TYPES)
            steps.append(
                {"type": "intake", "intake_type": intake_type, "age_class": age, "contact": {"name": "山田太郎"}}
            )
            outcome = rnd.choice(_OUTCOMES)
            if outcome is not None:
                step: dict[str, Any] = {"type": outcome, "age_class": age}
                if outcome == "euthanasia":
                    step["category"] = rnd.choice((1, 2))
                steps.append(step)
        else:
            steps.append({"type": "trap"})
            steps.append(
                {"type": "surgery", "procedure": "spay", "ear_tip": True, "cost_yen": 20000, "subsidy_yen": 10000}
            )
            steps.append({"type": "release", "age_class": "adult"})
            if rnd.random() < 0.1:
                steps.append({"type": "death", "age_class": "adult"})
        for step in steps:
            event_id = self.ulid()
            day = min(day + dt.timedelta(days=rnd.randrange(20)), dt.date(fiscal_year + 1, 3, 31))
            recorded = dt.datetime.combine(day, dt.time(2, 0), dt.UTC)
            event = {
                "event_id": event_id,
                "cat_id": cat_id,
                "municipality_id": municipality_id,
                "sk": f"EVENT#{cat_id}#{event_id}",
                "kind": "event",
                "date_sk": f"EVENT#{day.isoformat()}#{event_id}",
                "occurred_on": day.isoformat(),
                "recorded_at": recorded.isoformat(),
                "area": area,
                "status_before": cat["status"],
                "notes": "引取り時の連絡先メモ",
                **step,
            }
            if latest_intake is not None:
                event["latest_intake_type"] = latest_intake
            yield self.change("INSERT", "event", event, None)
            old_cat = dict(cat)
            if step["type"] == "intake":
                latest_intake = step["intake_type"]
                cat["status"] = "in_care"
            elif step["type"] in _STATUS_AFTER:
                cat["status"] = _STATUS_AFTER[step["type"]]
            if step["type"] == "surgery":
                cat["neutered"] = cat["ear_tipped"] = True
            cat["version"] += 1
            cat["updated_at"] = recorded.isoformat()
            yield self.change("MODIFY", "cat", dict(cat), old_cat)

    def complaint(self, municipality_id: str, fiscal_year: int) -> ChangeRecord:
        complaint_id = self.ulid()
        day = self.day_in(fiscal_year)
        item = {
            "complaint_id": complaint_id,
            "municipality_id": municipality_id,
            "sk": f"COMPLAINT#{complaint_id}",
            "kind": "complaint",
            "category": self._random.choice(("waste", "noise", "feeding", "garbage", "other")),
            "area": self._random.choice(_AREAS),
            "received_on": day.isoformat(),
            "description": "隣の佐藤さん宅の前で糞尿",
            "reporter": {"name": "佐藤花子", "phone": "03-1234-5678", "address": "東京都千代田区1-1"},
            "created_at": dt.datetime.combine(day, dt.time(3, 0), dt.UTC).isoformat(),
        }
        return self.change("INSERT", "complaint", item, None)

    def removal(self, change: ChangeRecord) -> ChangeRecord:
        """The REMOVE of the item a change wrote (as deleting a cat removes it and its events)."""
        assert change.new_image is not None
        return self.change("REMOVE", change.kind, None, dict(change.new_image))
