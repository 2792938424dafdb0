"""CatStore contract: every test runs against SQLite and DynamoDB (moto)."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from chalicelib.domain.models import JST, Cat, CatFilter, CatStatus, EventType
from chalicelib.ports import CatStore

from .factories import (
    CHIYODA,
    CHUO,
    japanese_cat,
    new_cat,
    new_complaint,
    new_id,
    record,
    sorted_ids,
)


def all_pages(store: CatStore, municipality_id: str, flt: CatFilter, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = store.list_cats(municipality_id, flt, limit, cursor)
        assert len(page.items) <= limit
        ids += [cat.cat_id for cat in page.items]
        if page.cursor is None:
            return ids
        cursor = page.cursor


# ---- create / get --------------------------------------------------------------------------------


def test_created_cat_reads_back_unchanged_with_japanese_text_location_and_offsets(cats: CatStore) -> None:
    cat = japanese_cat()
    cats.create_cat(cat)

    stored = cats.get_cat(cat.municipality_id, cat.cat_id)

    assert stored == cat
    assert stored is not None
    assert stored.name == "みけ（三毛）" and stored.notes == "右耳さくらカット済み。給餌者：山田さん 🐈"
    assert stored.location is not None and (stored.location.lat, stored.location.lon) == (35.695123, 139.757456)
    assert stored.created_at.utcoffset() == dt.timedelta(hours=9)
    assert stored.created_at == dt.datetime(2024, 5, 2, 8, 15, 0, 250000, tzinfo=JST)
    assert stored.updated_at.utcoffset() == dt.timedelta(0)


def test_unknown_cat_reads_as_none_and_a_cat_is_invisible_from_another_municipality(cats: CatStore) -> None:
    cat = new_cat(CHIYODA)
    cats.create_cat(cat)

    assert cats.get_cat(CHIYODA, new_id()) is None
    assert cats.get_cat(CHUO, cat.cat_id) is None


def test_creating_the_same_cat_twice_is_refused_as_conflict_and_keeps_the_first(cats: CatStore) -> None:
    cat = new_cat(name="たま")
    cats.create_cat(cat)

    with pytest.raises(Conflict):
        cats.create_cat(cat.model_copy(update={"name": "にせもの"}))

    stored = cats.get_cat(cat.municipality_id, cat.cat_id)
    assert stored is not None and stored.name == "たま"


def test_bulk_create_stores_every_cat(cats: CatStore) -> None:
    batch = [new_cat(cat_id=cat_id, name=f"猫{i}") for i, cat_id in enumerate(sorted_ids(35))]

    cats.create_cats(batch)

    assert all_pages(cats, CHIYODA, CatFilter(), 1000) == [cat.cat_id for cat in batch]


def test_bulk_create_with_one_existing_cat_writes_nothing(cats: CatStore) -> None:
    existing = new_cat()
    cats.create_cat(existing)
    batch = [new_cat() for _ in range(25)] + [existing]

    with pytest.raises(Conflict):
        cats.create_cats(batch)

    assert all_pages(cats, CHIYODA, CatFilter(), 1000) == [existing.cat_id]


# ---- list ------------------------------------------------------------------------------------------


def test_cats_are_listed_in_id_order_and_only_from_their_municipality(cats: CatStore) -> None:
    ids = sorted_ids(6)
    for cat_id in reversed(ids):
        cats.create_cat(new_cat(CHIYODA, cat_id=cat_id))
    cats.create_cat(new_cat(CHUO))

    page = cats.list_cats(CHIYODA, CatFilter(), 100, None)

    assert [cat.cat_id for cat in page.items] == ids
    assert page.cursor is None
    assert all(cat.municipality_id == CHIYODA for cat in page.items)


def test_every_page_size_returns_each_cat_exactly_once(cats: CatStore) -> None:
    ids = sorted_ids(7)
    for cat_id in ids:
        cats.create_cat(new_cat(cat_id=cat_id))

    for limit in range(1, len(ids) + 2):
        assert all_pages(cats, CHIYODA, CatFilter(), limit) == ids, f"limit {limit}"


def test_filtered_pages_return_each_matching_cat_exactly_once(cats: CatStore) -> None:
    ids = sorted_ids(24)
    for i, cat_id in enumerate(ids):
        cats.create_cat(
            new_cat(
                cat_id=cat_id,
                status=CatStatus.community if i % 3 == 0 else CatStatus.ownerless,
                area="丸の内一丁目" if i % 2 == 0 else "大手町二丁目",
                neutered=i % 4 == 0,
                updated_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
            )
        )
    filters = [
        CatFilter(status=CatStatus.community),
        CatFilter(area="大手町二丁目"),
        CatFilter(neutered=True),
        CatFilter(neutered=False, area="丸の内一丁目"),
        CatFilter(updated_since=dt.datetime(2024, 4, 11, 9, 0, tzinfo=JST)),  # = 2024-04-11T00:00Z, i >= 10
        CatFilter(status=CatStatus.in_care),
    ]
    for flt in filters:
        expected = [cat_id for cat_id in ids if flt.matches(_stored(cats, cat_id))]
        for limit in (1, 3, 50):
            assert all_pages(cats, CHIYODA, flt, limit) == expected, f"{flt} limit {limit}"
    assert len(all_pages(cats, CHIYODA, filters[4], 100)) == 14


def test_a_filter_matching_few_cats_far_apart_fills_pages_and_misses_none(cats: CatStore) -> None:
    ids = sorted_ids(230)  # more than one DynamoDB read page (100 items) between matches
    matching = {ids[3], ids[150], ids[229]}
    cats.create_cats(
        [
            new_cat(cat_id=cat_id, status=CatStatus.community if cat_id in matching else CatStatus.owned)
            for cat_id in ids
        ]
    )
    flt = CatFilter(status=CatStatus.community)

    first = cats.list_cats(CHIYODA, flt, 2, None)

    assert [cat.cat_id for cat in first.items] == [ids[3], ids[150]]
    assert first.cursor is not None
    assert [cat.cat_id for cat in cats.list_cats(CHIYODA, flt, 2, first.cursor).items] == [ids[229]]
    for limit in (1, 3):
        assert all_pages(cats, CHIYODA, flt, limit) == sorted(matching)


def _stored(store: CatStore, cat_id: str) -> Cat:
    cat = store.get_cat(CHIYODA, cat_id)
    assert cat is not None
    return cat


def test_a_cursor_the_api_did_not_give_out_is_invalid_input(cats: CatStore) -> None:
    with pytest.raises(InvalidInput):
        cats.list_cats(CHIYODA, CatFilter(), 10, {"after": 42})
    with pytest.raises(InvalidInput):
        cats.list_complaints(CHIYODA, 10, {"nonsense": "x"})


# ---- save --------------------------------------------------------------------------------------------


def test_save_with_the_current_version_stores_the_new_state(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    renamed = cat.model_copy(update={"name": "くろ", "status": CatStatus.community, "version": 2})

    cats.save_cat(renamed, expected_version=1)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) == renamed


def test_stale_version_is_refused_and_changes_nothing(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    current = cat.model_copy(update={"name": "くろ", "version": 2})
    cats.save_cat(current, expected_version=1)

    with pytest.raises(PreconditionFailed):
        cats.save_cat(cat.model_copy(update={"name": "しろ", "version": 2}), expected_version=1)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) == current


def test_saving_a_missing_cat_is_not_found_and_creates_nothing(cats: CatStore) -> None:
    cat = new_cat()

    with pytest.raises(NotFound):
        cats.save_cat(cat.model_copy(update={"version": 2}), expected_version=1)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) is None


# ---- events --------------------------------------------------------------------------------------------


def test_recording_an_event_stores_it_with_the_new_cat_state(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)

    after, event = record(cats, cat, "intake", dt.date(2024, 7, 1), notes="保健所に収容")

    assert cats.get_cat(cat.municipality_id, cat.cat_id) == after
    assert after.status == CatStatus.in_care and after.version == 2
    assert cats.list_events(cat.municipality_id, cat.cat_id) == [event]
    assert event.status_before == CatStatus.ownerless and event.area == "丸の内一丁目"


def test_event_is_not_stored_when_the_version_check_fails(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    record(cats, cat, "trap", dt.date(2024, 7, 1))
    before = cats.list_events(cat.municipality_id, cat.cat_id)

    with pytest.raises(PreconditionFailed):
        record(cats, cat, "surgery", dt.date(2024, 7, 2))  # `cat` is version 1; the store has 2

    assert cats.list_events(cat.municipality_id, cat.cat_id) == before
    stored = cats.get_cat(cat.municipality_id, cat.cat_id)
    assert stored is not None and stored.version == 2 and not stored.neutered


def test_recording_an_event_for_a_missing_cat_is_not_found_and_stores_no_event(cats: CatStore) -> None:
    cat = new_cat()

    with pytest.raises(NotFound):
        record(cats, cat, "sighting", dt.date(2024, 7, 1))

    assert cats.list_events(cat.municipality_id, cat.cat_id) == []
    assert cats.events_between(cat.municipality_id, dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == []


def test_recording_the_same_event_twice_is_a_conflict(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    after, event = record(cats, cat, "trap", dt.date(2024, 7, 1))

    with pytest.raises(Conflict):
        record(cats, after, "sighting", dt.date(2024, 7, 2), event_id=event.event_id)

    assert cats.list_events(cat.municipality_id, cat.cat_id) == [event]
    assert cats.get_cat(cat.municipality_id, cat.cat_id) == after


def test_events_are_listed_oldest_first_and_the_last_event_is_the_latest_recorded(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    assert cats.last_event(cat.municipality_id, cat.cat_id) is None
    events = []
    for type_, day in (("trap", 1), ("surgery", 1), ("intake", 3), ("adoption", 20)):
        cat, event = record(cats, cat, type_, dt.date(2024, 8, day))
        events.append(event)

    assert cats.list_events(cat.municipality_id, cat.cat_id) == events
    assert cats.last_event(cat.municipality_id, cat.cat_id) == events[-1]
    assert cat.status == CatStatus.adopted and cat.neutered and cat.ear_tipped
    assert events[-1].latest_intake_type is not None


# ---- delete ---------------------------------------------------------------------------------------------


def test_deleting_a_cat_removes_it_and_all_its_events_but_not_other_cats(cats: CatStore) -> None:
    cat, other = new_cat(), new_cat()
    cats.create_cat(cat)
    cats.create_cat(other)
    for day in range(1, 6):
        cat, _ = record(cats, cat, "sighting", dt.date(2024, 9, day))
    other, other_event = record(cats, other, "sighting", dt.date(2024, 9, 1))

    cats.delete_cat(cat.municipality_id, cat.cat_id, expected_version=cat.version)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) is None
    assert cats.list_events(cat.municipality_id, cat.cat_id) == []
    assert cats.last_event(cat.municipality_id, cat.cat_id) is None
    assert cats.events_between(CHIYODA, dt.date(2024, 9, 1), dt.date(2024, 9, 30)) == [other_event]
    assert cats.get_cat(other.municipality_id, other.cat_id) == other


def test_deleting_a_cat_with_more_events_than_one_transaction_holds_removes_them_all(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    event = None
    for i in range(25):  # more than TEST_TRANSACTION_LIMIT (moto): three transactions
        cat, event = record(cats, cat, "sighting", dt.date(2024, 4, 1) + dt.timedelta(days=i), last_event=event)
    assert len(cats.list_events(cat.municipality_id, cat.cat_id)) == 25

    cats.delete_cat(cat.municipality_id, cat.cat_id, expected_version=None)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) is None
    assert cats.list_events(cat.municipality_id, cat.cat_id) == []


def test_deleting_with_a_stale_version_is_refused_and_keeps_cat_and_events(cats: CatStore) -> None:
    cat = new_cat()
    cats.create_cat(cat)
    after, event = record(cats, cat, "trap", dt.date(2024, 7, 1))

    with pytest.raises(PreconditionFailed):
        cats.delete_cat(cat.municipality_id, cat.cat_id, expected_version=1)

    assert cats.get_cat(cat.municipality_id, cat.cat_id) == after
    assert cats.list_events(cat.municipality_id, cat.cat_id) == [event]


def test_deleting_a_missing_cat_is_not_found(cats: CatStore) -> None:
    with pytest.raises(NotFound):
        cats.delete_cat(CHIYODA, new_id(), expected_version=None)
    with pytest.raises(NotFound):
        cats.delete_cat(CHIYODA, new_id(), expected_version=1)


# ---- statistics reads ------------------------------------------------------------------------------------


def test_events_between_returns_exactly_the_municipalitys_events_in_the_range_boundaries_included(
    cats: CatStore,
) -> None:
    dates = [dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2024, 10, 15), dt.date(2025, 3, 31)]
    inside = []
    for municipality_id in (CHIYODA, CHUO):
        for occurred_on in dates:
            cat = new_cat(municipality_id)
            cats.create_cat(cat)
            _, event = record(cats, cat, "sighting", occurred_on)
            if municipality_id == CHIYODA and occurred_on >= dt.date(2024, 4, 1):
                inside.append(event)

    found = cats.events_between(CHIYODA, dt.date(2024, 4, 1), dt.date(2025, 3, 31))

    assert sorted(found, key=lambda e: e.event_id) == sorted(inside, key=lambda e: e.event_id)
    assert [e.occurred_on for e in found] == sorted(e.occurred_on for e in found)
    assert cats.events_between(CHIYODA, dt.date(2024, 10, 15), dt.date(2024, 10, 15))[0].type == EventType.sighting
    assert cats.events_between(CHIYODA, dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == []


# ---- complaints -----------------------------------------------------------------------------------------------


def test_complaints_read_back_unchanged_in_id_order_and_page_without_gaps(cats: CatStore) -> None:
    ids = sorted_ids(5)
    complaints = [new_complaint(complaint_id=complaint_id) for complaint_id in ids]
    for complaint in reversed(complaints):
        cats.add_complaint(complaint)
    cats.add_complaint(new_complaint(CHUO))

    assert cats.list_complaints(CHIYODA, 100, None).items == complaints
    for limit in range(1, 7):
        seen = []
        cursor = None
        while True:
            page = cats.list_complaints(CHIYODA, limit, cursor)
            assert len(page.items) <= limit
            seen += page.items
            if page.cursor is None:
                break
            cursor = page.cursor
        assert seen == complaints, f"limit {limit}"


def test_adding_the_same_complaint_twice_is_a_conflict(cats: CatStore) -> None:
    complaint = new_complaint()
    cats.add_complaint(complaint)

    with pytest.raises(Conflict):
        cats.add_complaint(complaint)

    assert cats.list_complaints(CHIYODA, 10, None).items == [complaint]


def test_complaints_between_returns_the_municipalitys_complaints_in_range_boundaries_included(cats: CatStore) -> None:
    inside = []
    for municipality_id in (CHIYODA, CHUO):
        for received_on in (dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 1)):
            complaint = new_complaint(municipality_id, received_on)
            cats.add_complaint(complaint)
            if municipality_id == CHIYODA and dt.date(2024, 4, 1) <= received_on <= dt.date(2025, 3, 31):
                inside.append(complaint)

    found = cats.complaints_between(CHIYODA, dt.date(2024, 4, 1), dt.date(2025, 3, 31))

    assert sorted(found, key=lambda c: c.complaint_id) == sorted(inside, key=lambda c: c.complaint_id)
    assert [c.received_on for c in found] == sorted(c.received_on for c in found)
