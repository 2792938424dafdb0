"""PhotoRecordStore, once, against SQLite and DynamoDB (moto)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from ulid import ULID

from chalicelib.adapters.aws.dynamo_photos import DynamoPhotoRecords
from chalicelib.adapters.aws.dynamo_schema import main_table_definition
from chalicelib.adapters.local_photos import SqlitePhotoRecords
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.photos import PhotoRecord, PhotoState

MUNICIPALITY = "011002"
REGION = "ap-northeast-1"
NOW = dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=1)


@pytest.fixture
def sqlite_records(tmp_path: Path) -> SqlitePhotoRecords:
    return SqlitePhotoRecords(tmp_path / "catdata.sqlite3")


@pytest.fixture
def dynamo_records(aws_env: None) -> Iterator[DynamoPhotoRecords]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        table = f"catdata-{uuid.uuid4().hex[:8]}"
        client.create_table(**main_table_definition(table))
        yield DynamoPhotoRecords(client, table)


@pytest.fixture(params=["sqlite", "dynamo"])
def records(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_records")


def pending(cat_id: str, created_at: dt.datetime = NOW) -> PhotoRecord:
    return PhotoRecord(
        photo_id=str(ULID()),
        cat_id=cat_id,
        municipality_id=MUNICIPALITY,
        state=PhotoState.pending,
        created_at=created_at,
        updated_at=created_at,
    )


def test_an_added_photo_reads_back_equal_and_lists_in_upload_order(records):
    cat_id = str(ULID())
    first, second = pending(cat_id), pending(cat_id)
    records.add_photo(first, limit=20, pending_since=LONG_AGO)
    records.add_photo(second, limit=20, pending_since=LONG_AGO)

    assert records.get_photo(MUNICIPALITY, cat_id, first.photo_id) == first
    assert records.list_photos(MUNICIPALITY, cat_id) == [first, second]
    assert records.list_photos(MUNICIPALITY, str(ULID())) == []
    assert records.get_photo("011002", cat_id, str(ULID())) is None


def test_an_update_replaces_state_and_what_processing_found(records):
    cat_id = str(ULID())
    record = pending(cat_id)
    records.add_photo(record, limit=20, pending_since=LONG_AGO)
    ready = record.model_copy(
        update={"state": PhotoState.ready, "content_type": "image/webp", "width": 640, "height": 480, "bytes": 1234}
    )

    records.update_photo(ready)

    assert records.get_photo(MUNICIPALITY, cat_id, record.photo_id) == ready


def test_updating_a_photo_that_is_gone_is_not_found_and_creates_nothing(records):
    ghost = pending(str(ULID()))
    with pytest.raises(NotFound):
        records.update_photo(ghost.model_copy(update={"state": PhotoState.ready}))
    assert records.get_photo(MUNICIPALITY, ghost.cat_id, ghost.photo_id) is None


def test_the_limit_counts_ready_and_recent_pending_photos_only(records):
    cat_id = str(ULID())
    ready = pending(cat_id)
    records.add_photo(ready, limit=3, pending_since=LONG_AGO)
    records.update_photo(ready.model_copy(update={"state": PhotoState.ready}))
    rejected = pending(cat_id)
    records.add_photo(rejected, limit=3, pending_since=LONG_AGO)
    records.update_photo(rejected.model_copy(update={"state": PhotoState.rejected, "reason": "not an image"}))
    records.add_photo(pending(cat_id, created_at=LONG_AGO - dt.timedelta(hours=1)), limit=3, pending_since=LONG_AGO)
    records.add_photo(pending(cat_id), limit=3, pending_since=LONG_AGO)
    records.add_photo(pending(cat_id), limit=3, pending_since=LONG_AGO)

    # Counted: the ready photo and the two recent pending ones; neither the rejected nor the abandoned one.
    with pytest.raises(Conflict):
        records.add_photo(pending(cat_id), limit=3, pending_since=LONG_AGO)
    # Once the pending ones are older than the window, only the ready photo counts.
    records.add_photo(pending(cat_id), limit=3, pending_since=NOW + dt.timedelta(minutes=1))
    assert len(records.list_photos(MUNICIPALITY, cat_id)) == 6


def test_concurrent_adds_never_exceed_the_limit(sqlite_records):
    # moto's DynamoDB is not thread-safe, so real concurrency is tested on SQLite; the DynamoDB lock is
    # tested below by interleaving a competing add between one add's read and its write.
    cat_id = str(ULID())

    def add(_: int) -> bool:
        try:
            sqlite_records.add_photo(pending(cat_id), limit=5, pending_since=LONG_AGO)
        except Conflict:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(add, range(12)))

    assert len(sqlite_records.list_photos(MUNICIPALITY, cat_id)) == sum(outcomes) == 5


class CompetingAddFirst:
    """A DynamoDB client that lets another add for the same cat commit just before this one writes."""

    def __init__(self, client, competitor: DynamoPhotoRecords, record: PhotoRecord) -> None:
        self._client = client
        self._competitor = competitor
        self._record = record
        self.raced = False

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs):
        if not self.raced:
            self.raced = True
            self._competitor.add_photo(self._record, limit=1, pending_since=LONG_AGO)
        return self._client.transact_write_items(**kwargs)


def test_a_dynamodb_add_that_lost_a_race_counts_again_and_respects_the_limit(dynamo_records):
    cat_id = str(ULID())
    winner = pending(cat_id)
    client = dynamo_records._client
    table = dynamo_records._table
    racing = CompetingAddFirst(client, DynamoPhotoRecords(client, table), winner)
    loser = DynamoPhotoRecords(racing, table)  # type: ignore[arg-type]

    with pytest.raises(Conflict):
        loser.add_photo(pending(cat_id), limit=1, pending_since=LONG_AGO)

    assert racing.raced
    assert dynamo_records.list_photos(MUNICIPALITY, cat_id) == [winner]


def test_a_dynamodb_add_that_lost_a_race_still_succeeds_below_the_limit(dynamo_records):
    cat_id = str(ULID())
    winner, second = pending(cat_id), pending(cat_id)
    client = dynamo_records._client
    table = dynamo_records._table
    racing = CompetingAddFirst(client, DynamoPhotoRecords(client, table), winner)

    DynamoPhotoRecords(racing, table).add_photo(second, limit=2, pending_since=LONG_AGO)  # type: ignore[arg-type]

    assert {photo.photo_id for photo in dynamo_records.list_photos(MUNICIPALITY, cat_id)} == {
        winner.photo_id,
        second.photo_id,
    }


def test_deleting_a_cats_photos_forgets_them_and_no_other_cats(records):
    cat_id, other_cat = str(ULID()), str(ULID())
    for _ in range(3):
        records.add_photo(pending(cat_id), limit=20, pending_since=LONG_AGO)
    kept = pending(other_cat)
    records.add_photo(kept, limit=20, pending_since=LONG_AGO)

    assert records.delete_photos(MUNICIPALITY, cat_id) == 3

    assert records.list_photos(MUNICIPALITY, cat_id) == []
    assert records.list_photos(MUNICIPALITY, other_cat) == [kept]
    records.add_photo(pending(cat_id), limit=1, pending_since=LONG_AGO)


def test_photo_items_in_the_main_table_never_look_like_cats_or_events(dynamo_records):
    cat_id = str(ULID())
    dynamo_records.add_photo(pending(cat_id), limit=20, pending_since=LONG_AGO)
    client = boto3.client("dynamodb", region_name=REGION)
    table = client.list_tables()["TableNames"][0]

    items = client.scan(TableName=table)["Items"]

    assert {item["kind"]["S"] for item in items} == {"photo", "photo_lock"}
    assert all(item["sk"]["S"].startswith("PHOTO#") for item in items)
    assert not any(item["sk"]["S"].startswith(("CAT#", "EVENT#", "COMPLAINT#")) for item in items)
    assert all("date_sk" not in item for item in items)
