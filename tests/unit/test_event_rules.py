import datetime as dt

import pytest
from ulid import ULID

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.models import RECORD_EVENT_ADAPTER, Cat, CatStatus, Event, IntakeType
from chalicelib.domain.rules import apply_event

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
TODAY = dt.date(2025, 6, 1)


def a_cat(status: str = "ownerless", **fields: object) -> Cat:
    return Cat(
        cat_id=str(ULID()),
        municipality_id="131016",
        status=status,
        area="神田一丁目",
        created_at=NOW,
        updated_at=NOW,
        version=1,
        **fields,  # type: ignore[arg-type]
    )


def record(cat: Cat, last: Event | None = None, **body: object) -> tuple[Cat, Event]:
    request = RECORD_EVENT_ADAPTER.validate_python({"occurred_on": "2025-05-01", **body})
    return apply_event(cat, request, event_id=str(ULID()), recorded_at=NOW, today=TODAY, last_event=last)


def test_intake_puts_the_cat_in_care_and_bumps_the_version() -> None:
    cat, event = record(a_cat(), type="intake", intake_type="ownerless", age_class="juvenile")
    assert cat.status == CatStatus.in_care
    assert cat.version == 2
    assert event.status_before == CatStatus.ownerless
    assert event.area == "神田一丁目"


def test_surgery_sets_neutered_and_ear_tipped_only_with_ear_tip() -> None:
    cat, _ = record(a_cat(), type="surgery", procedure="spay", ear_tip=False)
    assert cat.neutered and not cat.ear_tipped
    cat, _ = record(a_cat(), type="surgery", procedure="neuter", ear_tip=True, cost_yen=12000, subsidy_yen=6000)
    assert cat.neutered and cat.ear_tipped


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ({"type": "adoption"}, CatStatus.adopted),
        ({"type": "return_to_owner"}, CatStatus.returned_to_owner),
        ({"type": "transfer_out"}, CatStatus.transferred),
        ({"type": "release"}, CatStatus.community),
        ({"type": "euthanasia", "category": 1}, CatStatus.deceased),
        ({"type": "death"}, CatStatus.deceased),
    ],
)
def test_outcomes_from_care_set_the_status_that_follows(outcome: dict[str, object], status: CatStatus) -> None:
    in_care, intake = record(a_cat(), type="intake", intake_type="injured", age_class="adult")
    cat, event = record(in_care, intake, age_class="adult", **outcome)
    assert cat.status == status
    assert event.latest_intake_type == IntakeType.injured
    assert event.status_before == CatStatus.in_care


@pytest.mark.parametrize("kind", ["euthanasia", "death"])
def test_nothing_can_be_recorded_after_death(kind: str) -> None:
    in_care, intake = record(a_cat(), type="intake", intake_type="ownerless", age_class="adult")
    extra = {"category": 2} if kind == "euthanasia" else {}
    dead, last = record(in_care, intake, type=kind, age_class="adult", **extra)
    with pytest.raises(Conflict):
        record(dead, last, type="sighting")


def test_adoption_needs_a_cat_in_care() -> None:
    with pytest.raises(Conflict):
        record(a_cat("community"), type="adoption", age_class="adult")


def test_a_second_intake_while_in_care_is_refused() -> None:
    in_care, intake = record(a_cat(), type="intake", intake_type="ownerless", age_class="adult")
    with pytest.raises(Conflict):
        record(in_care, intake, type="intake", intake_type="injured", age_class="adult")


def test_future_dates_are_invalid_and_backdated_events_conflict() -> None:
    with pytest.raises(InvalidInput):
        record(a_cat(), type="sighting", occurred_on="2025-06-02")
    cat, last = record(a_cat(), type="sighting", occurred_on="2025-05-10")
    with pytest.raises(Conflict):
        record(cat, last, type="sighting", occurred_on="2025-05-09")


def test_subsidy_cannot_exceed_cost() -> None:
    with pytest.raises(InvalidInput):
        record(a_cat(), type="surgery", procedure="spay", ear_tip=True, cost_yen=1000, subsidy_yen=2000)


def test_latest_intake_type_is_carried_through_later_events() -> None:
    cat, intake = record(a_cat(), type="intake", intake_type="owner_surrender", age_class="adult")
    cat, surgery = record(cat, intake, type="surgery", procedure="spay", ear_tip=False)
    _, adoption = record(cat, surgery, type="adoption", age_class="adult")
    assert adoption.latest_intake_type == IntakeType.owner_surrender
