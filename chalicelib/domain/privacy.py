"""What a key may see: exact locations and people's contacts only for keys naming the municipality itself."""

from __future__ import annotations

from .keys import Principal
from .models import Cat, Complaint, Event


def cat_for(cat: Cat, principal: Principal) -> Cat:
    if principal.owns(cat.municipality_id) or cat.location is None:
        return cat
    return cat.model_copy(update={"location": cat.location.coarsened()})


def event_for(event: Event, principal: Principal) -> Event:
    if principal.owns(event.municipality_id) or event.contact is None:
        return event
    return event.model_copy(update={"contact": None})


def complaint_for(complaint: Complaint, principal: Principal) -> Complaint:
    if principal.owns(complaint.municipality_id) or complaint.reporter is None:
        return complaint
    return complaint.model_copy(update={"reporter": None})
