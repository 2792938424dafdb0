"""Lifecycle rules: how a recorded event changes a cat, and which events are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import Conflict, InvalidInput
from .models import (
    Cat,
    CatStatus,
    Event,
    EventType,
    IntakeType,
)

# Status that follows each event type; None keeps the current status.
_STATUS_AFTER: dict[EventType, CatStatus | None] = {
    EventType.intake: CatStatus.in_care,
    EventType.return_to_owner: CatStatus.returned_to_owner,
    EventType.adoption: CatStatus.adopted,
    EventType.transfer_out: CatStatus.transferred,
    EventType.release: CatStatus.community,
    EventType.euthanasia: CatStatus.deceased,
    EventType.death: CatStatus.deceased,
    EventType.trap: None,
    EventType.surgery: None,
    EventType.sighting: None,
}

# Outcomes of shelter care: only a cat in care can leave care this way.
_REQUIRES_IN_CARE = frozenset(
    {EventType.return_to_owner, EventType.adoption, EventType.transfer_out, EventType.euthanasia}
)


def apply_event(
    cat: Cat,
    request: Any,
    *,
    event_id: str,
    recorded_at: dt.datetime,
    today: dt.date,
    last_event: Event | None,
) -> tuple[Cat, Event]:
    """The cat after `request` and the event to store, or Conflict/InvalidInput if it cannot happen.

    `request` is one of the RecordEventRequest models. Events are recorded in the order they
    happened: one dated before the cat's latest event is refused, because the cat's current state
    was derived without it.
    """
    event_type = EventType(request.type)
    if cat.status == CatStatus.deceased:
        raise Conflict(f"cat {cat.cat_id} is deceased: nothing can be recorded after death or euthanasia")
    if request.occurred_on > today:
        raise InvalidInput(
            "occurred_on is in the future",
            errors=[{"loc": ["body", "occurred_on"], "msg": f"must not be after {today.isoformat()} (JST)"}],
        )
    if last_event is not None and request.occurred_on < last_event.occurred_on:
        raise Conflict(
            f"occurred_on {request.occurred_on} is before the cat's latest event "
            f"({last_event.occurred_on}); record events in the order they happened"
        )
    if event_type in _REQUIRES_IN_CARE and cat.status != CatStatus.in_care:
        raise Conflict(f"{event_type.value} needs a cat in care (status in_care), this cat is {cat.status.value}")
    if event_type == EventType.intake and cat.status == CatStatus.in_care:
        raise Conflict("the cat is already in care: record its outcome before a new intake")
    if (
        event_type == EventType.surgery
        and request.cost_yen is not None
        and request.subsidy_yen is not None
        and request.subsidy_yen > request.cost_yen
    ):
        raise InvalidInput(
            "subsidy_yen exceeds cost_yen",
            errors=[{"loc": ["body", "subsidy_yen"], "msg": "must not exceed cost_yen"}],
        )

    fields = request.model_dump(exclude={"type"})
    event = Event(
        event_id=event_id,
        cat_id=cat.cat_id,
        municipality_id=cat.municipality_id,
        type=event_type,
        recorded_at=recorded_at,
        area=cat.area,
        status_before=cat.status,
        latest_intake_type=_latest_intake_type(last_event),
        **fields,
    )

    changes: dict[str, Any] = {"updated_at": recorded_at, "version": cat.version + 1}
    new_status = _STATUS_AFTER[event_type]
    if new_status is not None:
        changes["status"] = new_status
    if event_type == EventType.surgery:
        changes["neutered"] = True
        if request.ear_tip:
            changes["ear_tipped"] = True
    return cat.model_copy(update=changes), event


def _latest_intake_type(last_event: Event | None) -> IntakeType | None:
    """The intake context carried forward from the cat's previous event."""
    if last_event is None:
        return None
    if last_event.type == EventType.intake:
        return last_event.intake_type
    return last_event.latest_intake_type
