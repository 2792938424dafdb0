"""The upload handler driven by EventBridge events built the way S3 sends them, against moto S3."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from PIL import Image
from ulid import ULID

from chalicelib.adapters.aws.s3_photos import S3PhotoStore
from chalicelib.adapters.local_photos import SqlitePhotoRecords
from chalicelib.domain.photos import PhotoState
from chalicelib.services.photos import PhotoService

REGION = "ap-northeast-1"
MUNICIPALITY = "271004"
GPS_IFD = 0x8825


def s3_object_created(bucket: str, key: str, size: int) -> dict[str, object]:
    """The EventBridge event S3 emits when an object is created (detail-type "Object Created")."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "111122223333",
        "time": "2025-06-01T09:30:00Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "111122223333",
            "source-ip-address": "192.0.2.1",
            "reason": "PostObject",
        },
    }


class OneCat:
    def __init__(self, cat_id: str) -> None:
        self.cat_id = cat_id

    def get_cat(self, municipality_id: str, cat_id: str) -> object | None:
        return object() if (municipality_id, cat_id) == (MUNICIPALITY, self.cat_id) else None


@pytest.fixture
def world(tmp_path: Path, aws_env: None) -> Iterator[tuple[PhotoService, object, str, str]]:
    bucket = f"photos-{uuid.uuid4().hex[:16]}"
    cat_id = str(ULID())
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        service = PhotoService(
            records=SqlitePhotoRecords(tmp_path / "catdata.sqlite3"),
            store=S3PhotoStore(s3, bucket),
            cats=OneCat(cat_id),  # type: ignore[arg-type]
            upload_bucket=bucket,
        )
        yield service, s3, bucket, cat_id


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (34.0, 41.0, 0.0), 3: "E", 4: (135.0, 30.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (1000, 750), "gray").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def keys(s3, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_an_object_created_event_turns_the_upload_into_a_clean_photo_and_thumbnail(world):
    service, s3, bucket, cat_id = world
    started = service.start_upload(MUNICIPALITY, cat_id)
    key = started.upload.fields["key"]
    data = jpeg_with_gps()
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")

    record = service.handle_s3_object_created(s3_object_created(bucket, key, len(data)))

    assert record is not None and record.state is PhotoState.ready
    assert (record.width, record.height) == (1000, 750)
    full = s3.get_object(Bucket=bucket, Key=f"photos/{MUNICIPALITY}/{cat_id}/{started.photo_id}.jpg")
    assert full["ContentType"] == "image/jpeg"
    image = Image.open(io.BytesIO(full["Body"].read()))
    assert image.size == (1000, 750) and not image.getexif()
    thumb = s3.get_object(Bucket=bucket, Key=f"photos/{MUNICIPALITY}/{cat_id}/{started.photo_id}_thumb.jpg")
    assert Image.open(io.BytesIO(thumb["Body"].read())).size == (320, 240)
    assert key not in keys(s3, bucket)


def test_a_text_upload_event_marks_the_photo_rejected_and_deletes_the_bytes(world):
    service, s3, bucket, cat_id = world
    started = service.start_upload(MUNICIPALITY, cat_id)
    key = started.upload.fields["key"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"hello", ContentType="image/jpeg")

    record = service.handle_s3_object_created(s3_object_created(bucket, key, 5))

    assert record is not None and record.state is PhotoState.rejected
    assert record.reason == "the bytes are not a JPEG, PNG or WebP image"
    assert keys(s3, bucket) == []


def test_events_for_the_cleaned_images_themselves_are_ignored(world):
    service, s3, bucket, cat_id = world
    started = service.start_upload(MUNICIPALITY, cat_id)
    key = f"photos/{MUNICIPALITY}/{cat_id}/{started.photo_id}.jpg"
    s3.put_object(Bucket=bucket, Key=key, Body=b"cleaned")

    assert service.handle_s3_object_created(s3_object_created(bucket, key, 7)) is None
    assert keys(s3, bucket) == [key]


def test_events_for_another_bucket_or_of_another_kind_are_ignored(world):
    service, s3, bucket, cat_id = world
    started = service.start_upload(MUNICIPALITY, cat_id)
    key = started.upload.fields["key"]
    s3.put_object(Bucket=bucket, Key=key, Body=jpeg_with_gps())
    deleted = {**s3_object_created(bucket, key, 1), "detail-type": "Object Deleted"}

    assert service.handle_s3_object_created(s3_object_created("someone-elses-bucket", key, 1)) is None
    assert service.handle_s3_object_created(deleted) is None
    assert service.handle_s3_object_created({"source": "aws.s3", "detail-type": "Object Created"}) is None
    assert service.get_photo(MUNICIPALITY, cat_id, started.photo_id).state is PhotoState.pending
    assert keys(s3, bucket) == [key]


def test_an_upload_nobody_asked_for_is_deleted(world):
    service, s3, bucket, cat_id = world
    key = f"uploads/{MUNICIPALITY}/{cat_id}/{ULID()}"
    s3.put_object(Bucket=bucket, Key=key, Body=jpeg_with_gps())

    assert service.handle_s3_object_created(s3_object_created(bucket, key, 1)) is None
    assert keys(s3, bucket) == []


def test_the_presigned_post_policy_holds_the_limits(world):
    service, _, bucket, cat_id = world
    started = service.start_upload(MUNICIPALITY, cat_id)
    policy = json.loads(base64.b64decode(started.upload.fields["policy"]))
    expiration = dt.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))

    assert dt.timedelta(minutes=9) < expiration - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)
    assert {"bucket": bucket} in policy["conditions"]
    assert {"key": f"uploads/{MUNICIPALITY}/{cat_id}/{started.photo_id}"} in policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert ["starts-with", "$Content-Type", "image/"] in policy["conditions"]
