"""Realistic cats, events and complaints for the contract tests, built through the domain rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ulid import ULID

from chalicelib.domain.models import (
    JST,
    RECORD_EVENT_ADAPTER,
    Cat,
    CatStatus,
    Complaint,
    ComplaintCategory,
    Contact,
    Event,
    Location,
)
from chalicelib.domain.rules import apply_event
from chalicelib.ports import CatStore

CHIYODA = "131016"
CHUO = "131024"
TODAY = dt.date(2025, 3, 31)


def new_id() -> str:
    return str(ULID())


_last_ulid = ULID()


def increasing_id() -> str:
    """A ULID greater than every one this function gave before, as the service's recording order gives."""
    global _last_ulid
    candidate = ULID()
    _last_ulid = candidate if candidate > _last_ulid else ULID.from_int(int(_last_ulid) + 1)
    return str(_last_ulid)


def sorted_ids(count: int) -> list[str]:
    """Ids in the order they are handed out (ULIDs made in the same millisecond need not be)."""
    return sorted(new_id() for _ in range(count))


def new_cat(municipality_id: str = CHIYODA, cat_id: str | None = None, **fields: Any) -> Cat:
    moment = dt.datetime(2024, 4, 1, 9, 30, 15, 123000, tzinfo=JST)
    values: dict[str, Any] = {
        "cat_id": cat_id or new_id(),
        "municipality_id": municipality_id,
        "name": "たま",
        "status": CatStatus.ownerless,
        "area": "丸の内一丁目",
        "created_at": moment,
        "updated_at": moment,
        "version": 1,
    }
    values.update(fields)
    return Cat(**values)


def japanese_cat(municipality_id: str = CHIYODA) -> Cat:
    return new_cat(
        municipality_id,
        name="みけ（三毛）",
        sex="female",
        status=CatStatus.community,
        neutered=True,
        ear_tipped=True,
        area="神田神保町二丁目",
        microchip_id="392141000123456",
        location=Location(lat=35.695123, lon=139.757456),
        notes="右耳さくらカット済み。給餌者：山田さん 🐈",
        created_at=dt.datetime(2024, 5, 2, 8, 15, 0, 250000, tzinfo=JST),
        updated_at=dt.datetime(2024, 5, 3, 23, 59, 59, 999000, tzinfo=dt.UTC),
    )


def event_request(type_: str, occurred_on: dt.date, **fields: Any) -> Any:
    defaults: dict[str, dict[str, Any]] = {
        "intake": {"intake_type": "ownerless", "age_class": "adult"},
        "adoption": {"age_class": "adult"},
        "release": {"age_class": "adult"},
        "surgery": {"procedure": "spay", "ear_tip": True},
    }
    body = {"type": type_, "occurred_on": occurred_on.isoformat(), **defaults.get(type_, {}), **fields}
    return RECORD_EVENT_ADAPTER.validate_python(body)


_ASK_THE_STORE: Any = object()


def record(
    store: CatStore,
    cat: Cat,
    type_: str,
    occurred_on: dt.date,
    event_id: str | None = None,
    last_event: Event | None = _ASK_THE_STORE,
    **fields: Any,
) -> tuple[Cat, Event]:
    """Apply the domain rules and store the result, as the service does; returns the new cat and event.

    `last_event` may be passed when the caller knows it, saving a read (moto reads are slow).
    """
    if last_event is _ASK_THE_STORE:
        last_event = store.last_event(cat.municipality_id, cat.cat_id)
    new_cat_state, event = apply_event(
        cat,
        event_request(type_, occurred_on, **fields),
        event_id=event_id or increasing_id(),
        recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        today=TODAY,
        last_event=last_event,
    )
    store.record_event(new_cat_state, event, cat.version)
    return new_cat_state, event


def new_complaint(
    municipality_id: str = CHIYODA, received_on: dt.date = dt.date(2024, 6, 1), **fields: Any
) -> Complaint:
    values: dict[str, Any] = {
        "complaint_id": new_id(),
        "municipality_id": municipality_id,
        "category": ComplaintCategory.feeding,
        "area": "内神田一丁目",
        "received_on": received_on,
        "description": "公園での置き餌について",
        "reporter": Contact(name="佐藤 花子", phone="03-1234-5678"),
        "created_at": dt.datetime(2024, 6, 1, 10, 0, tzinfo=JST),
    }
    values.update(fields)
    return Complaint(**values)
