"""The lake's record format: allow-listed fields, coarse locations, deletions, deterministic objects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
from decimal import Decimal

import pytest

from chalicelib.lake.records import (
    UndecodableChange,
    decode_ndjson_gzip,
    encode_ndjson_gzip,
    fiscal_year_of,
    group_into_objects,
    lake_row,
)
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.lake.tables import KINDS, row_columns

PERSONAL_TEXT = (
    "山田太郎",
    "佐藤花子",
    "03-1234-5678",
    "090-1234-5678",
    "千代田区",
    "公園の東口",
    "佐藤さん",
    "連絡先",
)


def _changes(seed: int = 1):
    lake = SyntheticLake(seed=seed)
    changes = [c for _ in range(40) for c in lake.cat_lifecycle("131016", 2025)]
    changes.append(lake.complaint("131016", 2025))
    return lake, changes


def test_no_row_carries_names_contacts_notes_descriptions_or_microchip_numbers():
    _, changes = _changes()
    for change in changes:
        _, row = lake_row(change)
        text = json.dumps(row, ensure_ascii=False)
        assert not any(fragment in text for fragment in PERSONAL_TEXT), text
        assert not {"name", "notes", "contact", "reporter", "description", "microchip_id", "location"} & set(row)
        assert list(row) == list(row_columns(change.kind))


def test_cat_location_is_coarsened_to_two_decimals_and_microchip_becomes_a_flag():
    lake, _ = _changes()
    cat = next(lake.cat_lifecycle("131016", 2025))
    assert cat.new_image is not None
    cat.new_image["location"] = {"lat": 35.681236, "lon": 139.767125}
    _, row = lake_row(cat)
    assert (row["lat_coarse"], row["lon_coarse"]) == (35.68, 139.77)
    assert row["has_microchip"] is True
    assert "35.681236" not in json.dumps(row)


def test_remove_becomes_a_deleted_row_in_the_same_partition_as_the_entity():
    lake, _ = _changes()
    insert = next(lake.cat_lifecycle("131016", 2025))
    removal = lake.removal(insert)
    inserted_partition, inserted = lake_row(insert)
    removed_partition, removed = lake_row(removal)
    assert removed_partition == inserted_partition
    assert (removed["deleted"], removed["op"], removed["entity_id"]) == (True, "REMOVE", inserted["entity_id"])
    assert inserted["deleted"] is False


def test_events_are_partitioned_by_the_fiscal_year_of_their_date():
    lake, _ = _changes()
    event = next(c for c in lake.cat_lifecycle("011002", 2024) if c.kind == "event")
    assert event.new_image is not None
    for day, year in (("2025-03-31", 2024), ("2025-04-01", 2025)):
        event.new_image["occurred_on"] = day
        partition, row = lake_row(event)
        assert (partition.fiscal_year, row["fiscal_year"], partition.prefecture_id) == (year, year, "01")
        assert partition.prefix == f"raw/event/prefecture_id=01/fiscal_year={year}/municipality_id=011002/"


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026


def test_record_id_is_the_sequence_padded_so_string_order_is_change_order():
    _lake, changes = _changes()
    ids = [lake_row(c)[1]["record_id"] for c in changes]
    assert ids == sorted(ids) and all(len(i) == 40 for i in ids)


def test_change_without_its_image_or_with_a_malformed_one_is_undecodable():
    _lake, changes = _changes()
    with pytest.raises(UndecodableChange):
        lake_row(dataclasses.replace(changes[0], new_image=None))
    broken = dict(changes[1].new_image or {})
    broken.pop("occurred_on", None)
    broken.pop("created_at", None)
    with pytest.raises(UndecodableChange):
        lake_row(dataclasses.replace(changes[1], new_image=broken))
    with pytest.raises(UndecodableChange):
        lake_row(dataclasses.replace(changes[0], sequence="12ab"))


def test_a_batch_gives_one_object_per_partition_with_deterministic_keys_and_bytes():
    _, changes = _changes()
    rows = [lake_row(c) for c in changes]
    first, again = group_into_objects(rows), group_into_objects(list(reversed(rows)))
    assert [o.key for o in first] == [o.key for o in again]
    assert [o.body() for o in first] == [o.body() for o in again]
    assert {o.partition.kind for o in first} == set(KINDS)
    assert sum(len(decode_ndjson_gzip(o.body())) for o in first) == len(changes)
    for lake_object in first:
        ids = [r["record_id"] for r in lake_object.rows]
        assert lake_object.key.endswith(f"{ids[0]}-{ids[-1]}.ndjson.gz")


def _one_line_per_row(rows) -> bytes:
    text = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
    return gzip.decompress(gzip.compress(text.encode("utf-8")))


def test_ndjson_is_one_json_line_per_row_even_when_text_looks_like_a_row_boundary():
    lake, changes = _changes()
    rows = [lake_row(c)[1] for c in changes]
    tricky = lake.complaint("131016", 2025)
    assert tricky.new_image is not None
    tricky.new_image["area"] = '駅前},{"record_id":"9"}\n{"x":'
    rows.append(lake_row(tricky)[1])
    body = encode_ndjson_gzip(rows)
    assert gzip.decompress(body) == _one_line_per_row(rows)
    assert decode_ndjson_gzip(body) == rows
    assert gzip.decompress(encode_ndjson_gzip([])) == b""


def test_rows_that_are_not_flat_lake_rows_are_still_one_line_each():
    rows = [{"record_id": "1", "nested": [{"a": 1}, {"record_id": "2"}]}, {"other": True}]
    assert gzip.decompress(encode_ndjson_gzip(rows)) == _one_line_per_row(rows)


def test_change_times_in_any_offset_become_utc_milliseconds():
    _, changes = _changes()
    jst = dt.timezone(dt.timedelta(hours=9))
    for moment, expected in (
        (dt.datetime(2025, 6, 1, 9, 0, 0, 123999, tzinfo=jst), "2025-06-01 00:00:00.123"),
        (dt.datetime(2025, 6, 1, 0, 0, 0, tzinfo=dt.UTC), "2025-06-01 00:00:00.000"),
        (dt.datetime(2025, 6, 1, 0, 0, 0), "2025-06-01 00:00:00.000"),
    ):
        assert lake_row(dataclasses.replace(changes[0], approximate_time=moment))[1]["changed_at"] == expected


def test_a_stream_record_gives_the_same_row_as_the_outbox_change_it_carries():
    from boto3.dynamodb.types import TypeSerializer

    from chalicelib.services.change_feed import change_from_stream_record

    serializer = TypeSerializer()
    _, changes = _changes(seed=4)
    cat = next(c for c in changes if c.kind == "cat" and c.new_image)
    assert cat.new_image is not None
    cat.new_image["location"] = {"lat": 35.681236, "lon": 139.767125}
    cat.new_image["version"] = 12
    for change in changes:
        images = {}
        for name, image in (("NewImage", change.new_image), ("OldImage", change.old_image)):
            if image is not None:
                plain = json.loads(json.dumps(image), parse_float=Decimal)
                images[name] = {k: serializer.serialize(v) for k, v in plain.items()}
        record = {
            "eventName": change.operation,
            "dynamodb": {
                "ApproximateCreationDateTime": change.approximate_time.timestamp(),
                "SequenceNumber": change.sequence.lstrip("0"),
                **images,
            },
        }
        assert lake_row(change_from_stream_record(record)) == lake_row(change)
