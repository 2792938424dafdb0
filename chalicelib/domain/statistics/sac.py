"""Shelter Animals Count (SAC) Basic Data Matrix for cats, one municipality and fiscal year.

Mapping (docs/statistics.md has the full table):
- Intakes: stray = intake ownerless or injured; relinquished by owner = owner_surrender; transferred in =
  transfer_in; other intakes = any other intake type (none exists today, kept so the matrix is complete).
- Live outcomes (the cat was in care just before): adoption, returned to owner, transferred out, returned to
  field (`release` from care); other live outcomes (no such event: always 0).
- Other outcomes: died in care (`death` while in care), lost in care (no such event: always 0), euthanasia
  (categories ① and ② together; Japan has no owner-requested euthanasia at a centre, so none is excluded).
- Juvenile = age_class juvenile recorded on the event (the ministry's 幼齢, mainly unweaned, which is inside SAC's
  "up to 5 months"); anything else is adult. Beginning and ending counts are not split by age (SAC does not ask).
- Live release rate = live outcomes / (total outcomes − owner-intended euthanasia); the latter is always 0 here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from pydantic import ConfigDict, Field

from ..base import Model
from ..models import OUTCOME_TYPES, AgeClass, CatStatus, Event, EventType, IntakeType
from .fiscal import in_fiscal_year

_INTAKE_CATEGORY: dict[IntakeType, str] = {
    IntakeType.ownerless: "stray",
    IntakeType.injured: "stray",
    IntakeType.owner_surrender: "relinquished_by_owner",
    IntakeType.transfer_in: "transferred_in",
}
_LIVE_OUTCOME_CATEGORY: dict[EventType, str] = {
    EventType.adoption: "adoption",
    EventType.return_to_owner: "returned_to_owner",
    EventType.transfer_out: "transferred_out",
    EventType.release: "returned_to_field",
}
_OTHER_OUTCOME_CATEGORY: dict[EventType, str] = {
    EventType.death: "died_in_care",
    EventType.euthanasia: "euthanasia",
}
LIVE_RELEASE_RATE_DIGITS = 4


class _Matrix(Model):
    model_config = ConfigDict(extra="forbid")


class SacCount(_Matrix):
    adult: int = Field(default=0, ge=0, description="Older than 5 months (age_class adult)")
    juvenile: int = Field(default=0, ge=0, description="Up to 5 months (age_class juvenile)")
    total: int = Field(default=0, ge=0)


class SacIntakes(_Matrix):
    stray: SacCount = Field(default_factory=SacCount, description="Stray/at large: intake ownerless or injured")
    relinquished_by_owner: SacCount = Field(default_factory=SacCount, description="intake owner_surrender")
    transferred_in: SacCount = Field(default_factory=SacCount, description="intake transfer_in")
    other_intakes: SacCount = Field(default_factory=SacCount, description="no intake type maps here today")
    total: SacCount = Field(default_factory=SacCount)


class SacLiveOutcomes(_Matrix):
    adoption: SacCount = Field(default_factory=SacCount)
    returned_to_owner: SacCount = Field(default_factory=SacCount)
    transferred_out: SacCount = Field(default_factory=SacCount)
    returned_to_field: SacCount = Field(default_factory=SacCount, description="release of a cat in care")
    other_live_outcome: SacCount = Field(default_factory=SacCount, description="no event maps here: always 0")
    total: SacCount = Field(default_factory=SacCount)


class SacOtherOutcomes(_Matrix):
    died_in_care: SacCount = Field(default_factory=SacCount, description="death of a cat in care")
    lost_in_care: SacCount = Field(default_factory=SacCount, description="no 'lost' event exists: always 0")
    euthanasia: SacCount = Field(default_factory=SacCount, description="euthanasia ① and ②")
    total: SacCount = Field(default_factory=SacCount)


class SacMatrix(_Matrix):
    municipality_id: str
    fiscal_year: int
    beginning_count: int = Field(ge=0, description="Cats in care at the start of April 1")
    intakes: SacIntakes
    live_outcomes: SacLiveOutcomes
    other_outcomes: SacOtherOutcomes
    total_outcomes: SacCount
    ending_count: int = Field(description="beginning_count + intakes − outcomes (SAC's definition)")
    recorded_ending_count: int = Field(ge=0, description="Cats recorded in care at the end of March 31")
    balanced: bool = Field(description="ending_count equals recorded_ending_count")
    live_release_rate: float | None = Field(
        description="live outcomes / total outcomes, 0..1 rounded to 4 places; null when there were no outcomes"
    )


def leaves_care(event: Event) -> bool:
    """An outcome of a cat in care: it is no longer in care afterwards."""
    return event.type in OUTCOME_TYPES and event.status_before == CatStatus.in_care


def in_care_at_start_of(day: dt.date, currently_in_care: Iterable[str], events_since: Iterable[Event]) -> set[str]:
    """The cats in care at the start of `day`, from the cats in care now and every event dated `day` or later.

    A cat's status changes only through events (in_care cannot be set by hand), so a cat with no event since
    `day` has been in its current state since then, and for the others `status_before` of their first event
    since `day` is their state at its start. Deleted cats have neither a current state nor events.
    """
    first_event: dict[str, Event] = {}
    for event in sorted(events_since, key=_event_order):
        if event.occurred_on >= day:
            first_event.setdefault(event.cat_id, event)
    kept = {cat_id for cat_id in currently_in_care if cat_id not in first_event}
    changed = {cat_id for cat_id, event in first_event.items() if event.status_before == CatStatus.in_care}
    return kept | changed


def _event_order(event: Event) -> tuple[dt.date, dt.datetime, str]:
    return (event.occurred_on, event.recorded_at, event.event_id)


def sac_matrix(
    events: Iterable[Event],
    municipality_id: str,
    fiscal_year: int,
    *,
    beginning_count: int,
    recorded_ending_count: int,
) -> SacMatrix:
    """The matrix from the municipality's events of the fiscal year (others are ignored) and the in-care counts."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for event in events:
        if event.municipality_id != municipality_id or not in_fiscal_year(event.occurred_on, fiscal_year):
            continue
        age = "juvenile" if event.age_class == AgeClass.juvenile else "adult"
        if event.type == EventType.intake:
            category = (
                _INTAKE_CATEGORY.get(event.intake_type, "other_intakes") if event.intake_type else "other_intakes"
            )
            counts["intakes", category, age] += 1
        elif leaves_care(event):
            if event.type in _LIVE_OUTCOME_CATEGORY:
                counts["live_outcomes", _LIVE_OUTCOME_CATEGORY[event.type], age] += 1
            else:
                counts["other_outcomes", _OTHER_OUTCOME_CATEGORY[event.type], age] += 1

    def block[M: _Matrix](model: type[M], section: str) -> M:
        fields: dict[str, SacCount] = {}
        for name in model.model_fields:
            if name != "total":
                adult, juvenile = counts[section, name, "adult"], counts[section, name, "juvenile"]
                fields[name] = SacCount(adult=adult, juvenile=juvenile, total=adult + juvenile)
        fields["total"] = _sum_counts(fields.values())
        return model(**fields)

    intakes = block(SacIntakes, "intakes")
    live = block(SacLiveOutcomes, "live_outcomes")
    other = block(SacOtherOutcomes, "other_outcomes")
    outcomes = _sum_counts([live.total, other.total])
    ending = beginning_count + intakes.total.total - outcomes.total
    rate = round(live.total.total / outcomes.total, LIVE_RELEASE_RATE_DIGITS) if outcomes.total else None
    return SacMatrix(
        municipality_id=municipality_id,
        fiscal_year=fiscal_year,
        beginning_count=beginning_count,
        intakes=intakes,
        live_outcomes=live,
        other_outcomes=other,
        total_outcomes=outcomes,
        ending_count=ending,
        recorded_ending_count=recorded_ending_count,
        balanced=ending == recorded_ending_count,
        live_release_rate=rate,
    )


def _sum_counts(counts: Iterable[SacCount]) -> SacCount:
    items = list(counts)
    return SacCount(
        adult=sum(c.adult for c in items),
        juvenile=sum(c.juvenile for c in items),
        total=sum(c.total for c in items),
    )
