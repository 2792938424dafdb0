"""DynamoDB Streams → S3 raw lake (moto): partial batch failures and idempotent replays."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from moto import mock_aws

from chalicelib.adapters.aws.s3_lake import S3LakeWriter
from chalicelib.lake.records import decode_ndjson_gzip
from chalicelib.lake.synthetic import SyntheticLake
from chalicelib.ports import ChangeRecord
from chalicelib.services.change_feed import handle_stream_event

REGION = "ap-northeast-1"
_SERIALIZER = TypeSerializer()


@pytest.fixture
def s3(aws_env):
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        bucket = f"lake-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client, bucket


def _dynamodb_json(image: dict[str, Any]) -> dict[str, Any]:
    plain = json.loads(json.dumps(image), parse_float=Decimal)
    return {key: _SERIALIZER.serialize(value) for key, value in plain.items()}


def stream_record(change: ChangeRecord) -> dict[str, Any]:
    """A record as Lambda receives it from a NEW_AND_OLD_IMAGES stream."""
    image = change.new_image or change.old_image or {}
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": 1748736000,
        "Keys": _dynamodb_json({"municipality_id": image["municipality_id"], "sk": image["sk"]}),
        "SequenceNumber": change.sequence.lstrip("0"),
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if change.new_image is not None:
        dynamodb["NewImage"] = _dynamodb_json(change.new_image)
    if change.old_image is not None:
        dynamodb["OldImage"] = _dynamodb_json(change.old_image)
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": change.operation,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:123456789012:table/catdata/stream/2025-06-01T00:00:00.000",
    }


def _batch() -> tuple[list[ChangeRecord], dict[str, Any]]:
    lake = SyntheticLake(seed=11)
    changes: list[ChangeRecord] = []
    for municipality in ("131016", "011002", "271004"):
        changes.extend(c for _ in range(3) for c in lake.cat_lifecycle(municipality, 2025))
        changes.append(lake.complaint(municipality, 2025))
    changes.append(lake.removal(changes[0]))
    return changes, {"Records": [stream_record(c) for c in changes]}


def _lake_rows(client, bucket) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="raw/"):
        for item in page.get("Contents", []):
            rows.extend(decode_ndjson_gzip(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
    return rows


class FailingFor:
    """A LakeWriter that refuses objects of one municipality (as a throttled or denied PUT would)."""

    def __init__(self, inner: S3LakeWriter, municipality_id: str) -> None:
        self.inner = inner
        self.municipality_id = municipality_id

    def write(self, key: str, body: bytes) -> None:
        if f"municipality_id={self.municipality_id}/" in key:
            raise OSError("simulated S3 failure")
        self.inner.write(key, body)


def test_insert_modify_remove_each_become_one_row_and_nothing_fails(s3):
    client, bucket = s3
    changes, event = _batch()
    response = handle_stream_event(event, S3LakeWriter(client, bucket))
    assert response == {"batchItemFailures": []}
    rows = _lake_rows(client, bucket)
    assert sorted(r["record_id"] for r in rows) == sorted(c.sequence.zfill(40) for c in changes)
    assert {r["op"] for r in rows} == {"INSERT", "MODIFY", "REMOVE"}
    assert [r["deleted"] for r in rows if r["op"] == "REMOVE"] == [True]


def test_failed_writes_report_exactly_their_records_as_batch_item_failures(s3):
    client, bucket = s3
    changes, event = _batch()
    response = handle_stream_event(event, FailingFor(S3LakeWriter(client, bucket), "011002"))
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    expected = {
        c.sequence.lstrip("0") for c in changes if (c.new_image or c.old_image or {})["municipality_id"] == "011002"
    }
    assert failed == expected and failed
    written = {r["record_id"] for r in _lake_rows(client, bucket)}
    assert written == {c.sequence.zfill(40) for c in changes if c.sequence.lstrip("0") not in expected}


def test_poison_records_are_reported_alone_and_the_rest_is_written(s3):
    client, bucket = s3
    changes, event = _batch()
    event["Records"][2]["dynamodb"]["NewImage"] = {"kind": {"S": "event"}, "municipality_id": {"S": "131016"}}
    event["Records"][5]["dynamodb"]["NewImage"]["occurred_on"] = {"XX": "not DynamoDB JSON"}
    response = handle_stream_event(event, S3LakeWriter(client, bucket))
    poison = {event["Records"][i]["dynamodb"]["SequenceNumber"] for i in (2, 5)}
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == poison
    assert len(_lake_rows(client, bucket)) == len(changes) - 2


def test_replaying_the_whole_batch_leaves_each_change_in_the_lake_once(s3):
    client, bucket = s3
    changes, event = _batch()
    writer = S3LakeWriter(client, bucket)
    handle_stream_event(event, writer)
    keys_before = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert handle_stream_event(event, writer) == {"batchItemFailures": []}
    keys_after = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    rows = _lake_rows(client, bucket)
    assert keys_after == keys_before
    assert len(rows) == len(changes) == len({r["record_id"] for r in rows})


def test_a_kms_key_id_is_sent_as_sse_kms(s3):
    client, bucket = s3
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    _, event = _batch()
    handle_stream_event(event, S3LakeWriter(client, bucket, kms_key_id=key_id))
    first = client.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"]
    head = client.head_object(Bucket=bucket, Key=first)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(key_id)


def _photo_stream_record(operation: str, image: dict[str, Any], sequence: str) -> dict[str, Any]:
    image_name = "OldImage" if operation == "REMOVE" else "NewImage"
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": operation,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": 1748736000,
            "Keys": _dynamodb_json({"municipality_id": image["municipality_id"], "sk": image["sk"]}),
            "SequenceNumber": sequence,
            "SizeBytes": 256,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            image_name: _dynamodb_json(image),
        },
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:123456789012:table/catdata/stream/2025-06-01T00:00:00.000",
    }


def test_photo_and_photo_lock_changes_are_acknowledged_and_never_reach_the_lake(s3):
    client, bucket = s3
    changes, event = _batch()
    cat_id, photo_id = "01JX0000000000000000000000", "01JX0000000000000000000001"
    photo = {
        "municipality_id": "131016",
        "sk": f"PHOTO#{cat_id}#{photo_id}",
        "kind": "photo",
        "photo_id": photo_id,
        "cat_id": cat_id,
        "state": "pending",
    }
    lock = {"municipality_id": "131016", "sk": f"PHOTO#{cat_id}", "kind": "photo_lock", "revision": 1}
    photo_records = [
        _photo_stream_record("INSERT", lock, "900000000000000000001"),
        _photo_stream_record("INSERT", photo, "900000000000000000002"),
        _photo_stream_record("MODIFY", {**photo, "state": "ready"}, "900000000000000000003"),
        _photo_stream_record("REMOVE", photo, "900000000000000000004"),
    ]
    event["Records"] = event["Records"][:3] + photo_records + event["Records"][3:]

    response = handle_stream_event(event, S3LakeWriter(client, bucket))

    assert response == {"batchItemFailures": []}
    rows = _lake_rows(client, bucket)
    assert sorted(r["record_id"] for r in rows) == sorted(c.sequence.zfill(40) for c in changes)
    assert not any(photo_id in json.dumps(r) for r in rows)
