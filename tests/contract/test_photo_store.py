"""One behaviour for photos on both backends: S3 + DynamoDB (moto) and local files + SQLite.

Uploads go through the presigned form the way a client sends it: on AWS a multipart POST with `requests` to
the presigned URL (moto answers it), then the EventBridge event S3 would send; locally the same multipart
body, parsed by the local upload route's parser and handed to `receive_local_upload`. moto stores any POST
without checking the policy, so on AWS the test first holds the form against the decoded policy, as S3 would.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from botocore.config import Config
from moto import mock_aws
from PIL import Image
from ulid import ULID

from chalicelib.adapters.aws.dynamo_photos import DynamoPhotoRecords
from chalicelib.adapters.aws.dynamo_schema import main_table_definition
from chalicelib.adapters.aws.s3_photos import S3PhotoStore
from chalicelib.adapters.local_photos import LocalPhotoFiles, SqlitePhotoRecords
from chalicelib.api.multipart import parse_multipart_form
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.photos import MAX_UPLOAD_BYTES, PhotoRecord, PhotoState, StartedUpload
from chalicelib.services.photos import PhotoService

MUNICIPALITY = "131016"
REGION = "ap-northeast-1"
GPS_IFD = 0x8825


class UploadRefused(Exception):
    """The storage endpoint refused the form (S3's 4xx, or the local route's)."""


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class KnownCats:
    """The only CatStore call the photo service makes: does the cat exist?"""

    def __init__(self) -> None:
        self.cats: set[tuple[str, str]] = set()

    def add(self) -> str:
        cat_id = str(ULID())
        self.cats.add((MUNICIPALITY, cat_id))
        return cat_id

    def get_cat(self, municipality_id: str, cat_id: str) -> object | None:
        return object() if (municipality_id, cat_id) in self.cats else None


@dataclass
class Backend:
    name: str
    service: PhotoService
    clock: FakeClock
    cats: KnownCats
    upload: Callable[..., PhotoRecord | None]
    download: Callable[[str], bytes]
    object_keys: Callable[[], list[str]]


def multipart(fields: dict[str, str], data: bytes, content_type: str | None) -> tuple[bytes, str]:
    form = dict(fields)
    if content_type is not None:
        form["Content-Type"] = content_type
    prepared = requests.Request(
        "POST", "http://127.0.0.1:8000/local-uploads", data=form, files={"file": ("cat.jpg", data)}
    ).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.body, prepared.headers["Content-Type"]


def s3_policy_refusal(fields: dict[str, str], bucket: str, content_type: str | None, size: int, now: dt.datetime):
    """Why S3 would refuse this form under its signed policy (None if it would accept it)."""
    policy = json.loads(base64.b64decode(fields["policy"]))
    if now >= dt.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")):
        return "expired"
    form = {**fields, "bucket": bucket}
    if content_type is not None:
        form["Content-Type"] = content_type
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            ((name, value),) = condition.items()
            if form.get(name) != value:
                return f"{name} differs"
        elif condition[0] == "content-length-range":
            if not condition[1] <= size <= condition[2]:
                return "size out of range"
        elif condition[0] == "starts-with":
            if not form.get(condition[1].lstrip("$"), "").startswith(condition[2]):
                return f"{condition[1]} does not start with {condition[2]}"
        elif condition[0] == "eq" and form.get(condition[1].lstrip("$")) != condition[2]:
            return f"{condition[1]} differs"
    return None


def object_created_event(bucket: str, key: str, size: int) -> dict[str, object]:
    """An EventBridge event exactly as S3 sends it for a new object."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": uuid.uuid4().hex, "sequencer": "0062E99A88DC407460"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "192.0.2.1",
            "reason": "PostObject",
        },
    }


@pytest.fixture
def local_backend(tmp_path: Path) -> Backend:
    clock = FakeClock()
    cats = KnownCats()
    files = LocalPhotoFiles(tmp_path / "photos", "http://127.0.0.1:8000", b"test-secret-" + uuid.uuid4().bytes, clock)
    service = PhotoService(
        records=SqlitePhotoRecords(tmp_path / "catdata.sqlite3"),
        store=files,
        cats=cats,  # type: ignore[arg-type]
        local_endpoints=files,
        clock=clock,
    )

    def upload(started: StartedUpload, data: bytes, content_type: str | None, **overrides: str) -> PhotoRecord | None:
        body, header = multipart({**started.upload.fields, **overrides}, data, content_type)
        fields, file_bytes, file_type = parse_multipart_form(body, header)
        try:
            return service.receive_local_upload(fields, file_bytes, file_type)
        except DomainError as error:
            raise UploadRefused(error.detail) from error

    def download(url: str) -> bytes:
        assert url.startswith("http://127.0.0.1:8000/local-photos/")
        data, _ = service.read_local_photo(url.rsplit("/", 1)[1])
        return data

    def object_keys() -> list[str]:
        root = tmp_path / "photos"
        return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())

    return Backend("local", service, clock, cats, upload, download, object_keys)


@pytest.fixture
def aws_backend(aws_env: None) -> Iterator[Backend]:
    bucket = f"photos-{uuid.uuid4().hex[:16]}"
    table = f"catdata-{uuid.uuid4().hex[:8]}"
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**main_table_definition(table))
        clock = FakeClock()
        cats = KnownCats()
        service = PhotoService(
            records=DynamoPhotoRecords(dynamodb, table),
            store=S3PhotoStore(s3, bucket),
            cats=cats,  # type: ignore[arg-type]
            upload_bucket=bucket,
            clock=clock,
        )

        def upload(
            started: StartedUpload, data: bytes, content_type: str | None, **overrides: str
        ) -> PhotoRecord | None:
            fields = {**started.upload.fields, **overrides}
            refusal = s3_policy_refusal(fields, bucket, content_type, len(data), clock())
            if refusal:
                raise UploadRefused(refusal)
            form = dict(fields)
            if content_type is not None:
                form["Content-Type"] = content_type
            response = requests.post(started.upload.url, data=form, files={"file": ("cat.jpg", data)}, timeout=10)
            assert response.status_code == 204, response.text
            return service.handle_s3_object_created(object_created_event(bucket, fields["key"], len(data)))

        def download(url: str) -> bytes:
            response = requests.get(url, timeout=10)
            assert response.status_code == 200
            return response.content

        def object_keys() -> list[str]:
            listing = s3.list_objects_v2(Bucket=bucket)
            return sorted(item["Key"] for item in listing.get("Contents", []))

        yield Backend("aws", service, clock, cats, upload, download, object_keys)


@pytest.fixture(params=["local", "aws"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.getfixturevalue(f"{request.param}_backend")


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), with_gps: bool = False) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {}
    if with_gps:
        exif = Image.Exif()
        exif[GPS_IFD] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
        options["exif"] = exif.tobytes()
    Image.new("RGB", size, "orange").save(out, format=fmt, **options)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_a_photo_uploaded_through_the_presigned_form_downloads_without_gps_and_with_its_size(
    backend, fmt, content_type
):
    cat_id = backend.cats.add()
    original = image_bytes(fmt, size=(900, 700), with_gps=True)
    assert opened(original).getexif().get_ifd(GPS_IFD)

    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    record = backend.upload(started, original, content_type)

    assert record is not None and record.state is PhotoState.ready
    assert (record.width, record.height, record.content_type) == (900, 700, content_type)
    downloaded = opened(backend.download(backend.service.download_url(MUNICIPALITY, cat_id, started.photo_id)))
    assert downloaded.size == (900, 700)
    assert not downloaded.getexif().get_ifd(GPS_IFD)
    assert not downloaded.getexif()
    thumbnail = opened(backend.download(backend.service.download_url(MUNICIPALITY, cat_id, started.photo_id, "thumb")))
    assert thumbnail.size == (320, 249)


def test_the_upload_goes_to_one_key_made_of_ids_only_and_is_gone_after_processing(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)

    assert started.upload.fields["key"] == f"uploads/{MUNICIPALITY}/{cat_id}/{started.photo_id}"
    assert started.upload.expires_at == backend.clock() + dt.timedelta(minutes=10)
    backend.upload(started, image_bytes("JPEG", with_gps=True), "image/jpeg")
    assert backend.object_keys() == [
        f"photos/{MUNICIPALITY}/{cat_id}/{started.photo_id}.jpg",
        f"photos/{MUNICIPALITY}/{cat_id}/{started.photo_id}_thumb.jpg",
    ]


def test_a_form_changed_to_another_key_is_refused(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    other_key = f"uploads/{MUNICIPALITY}/{cat_id}/{ULID()}"

    with pytest.raises(UploadRefused):
        backend.upload(started, image_bytes("JPEG"), "image/jpeg", key=other_key)
    assert backend.object_keys() == []


def test_a_text_file_named_jpg_is_rejected_with_a_reason_and_its_bytes_deleted(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)

    record = backend.upload(started, b"this is a shopping list, not a cat\n" * 10, "image/jpeg")

    assert record is not None and record.state is PhotoState.rejected
    assert record.reason
    assert backend.object_keys() == []
    listed = backend.service.list_photos(MUNICIPALITY, cat_id)
    assert [(photo.photo_id, photo.state) for photo in listed] == [(started.photo_id, PhotoState.rejected)]
    with pytest.raises(Conflict):
        backend.service.download_url(MUNICIPALITY, cat_id, started.photo_id)


def test_an_upload_over_10_mib_is_refused_and_nothing_is_stored(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)

    with pytest.raises(UploadRefused):
        backend.upload(started, b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES, "image/jpeg")
    assert backend.object_keys() == []
    assert backend.service.get_photo(MUNICIPALITY, cat_id, started.photo_id).state is PhotoState.pending


def test_an_upload_that_is_not_an_image_type_is_refused(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)

    with pytest.raises(UploadRefused):
        backend.upload(started, image_bytes("JPEG"), "text/plain")
    assert backend.object_keys() == []


def test_a_declared_type_is_the_only_type_the_form_accepts(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id, content_type="image/png")

    with pytest.raises(UploadRefused):
        backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    record = backend.upload(started, image_bytes("PNG"), "image/png")
    assert record is not None and record.state is PhotoState.ready


def test_an_undeclared_type_outside_the_list_to_start_with_is_invalid_input(backend):
    cat_id = backend.cats.add()
    with pytest.raises(InvalidInput):
        backend.service.start_upload(MUNICIPALITY, cat_id, content_type="image/gif")


def test_a_gif_never_becomes_a_photo_and_leaves_no_bytes(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)

    try:
        record = backend.upload(started, image_bytes("GIF"), "image/gif")
    except UploadRefused:
        # Locally the route knows the exact list; S3 can only check the "image/" prefix and processing rejects.
        record = backend.service.get_photo(MUNICIPALITY, cat_id, started.photo_id)
        assert backend.name == "local"
    assert record is not None and record.state is not PhotoState.ready
    assert backend.object_keys() == []


def test_an_expired_upload_form_is_refused(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.clock.advance(minutes=10, seconds=1)

    with pytest.raises(UploadRefused):
        backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    assert backend.object_keys() == []


def test_the_21st_photo_of_a_cat_is_a_conflict_and_another_cat_is_unaffected(backend):
    cat_id = backend.cats.add()
    for _ in range(20):
        backend.service.start_upload(MUNICIPALITY, cat_id)

    with pytest.raises(Conflict):
        backend.service.start_upload(MUNICIPALITY, cat_id)
    assert len(backend.service.list_photos(MUNICIPALITY, cat_id)) == 20
    backend.service.start_upload(MUNICIPALITY, backend.cats.add())


def test_rejected_photos_and_long_abandoned_uploads_free_their_place(backend):
    cat_id = backend.cats.add()
    rejected = backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.upload(rejected, b"not an image at all", "image/jpeg")
    for _ in range(19):
        backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.service.start_upload(MUNICIPALITY, cat_id)
    with pytest.raises(Conflict):
        backend.service.start_upload(MUNICIPALITY, cat_id)

    backend.clock.advance(hours=2)
    backend.service.start_upload(MUNICIPALITY, cat_id)


def test_deleting_a_cats_photos_removes_records_images_thumbnails_and_pending_uploads(backend):
    cat_id = backend.cats.add()
    other_cat = backend.cats.add()
    for fmt, content_type in (("JPEG", "image/jpeg"), ("PNG", "image/png")):
        backend.upload(backend.service.start_upload(MUNICIPALITY, cat_id), image_bytes(fmt), content_type)
    kept = backend.service.start_upload(MUNICIPALITY, other_cat)
    backend.upload(kept, image_bytes("WEBP"), "image/webp")
    backend.service.start_upload(MUNICIPALITY, cat_id)

    removed = backend.service.delete_cat_photos(MUNICIPALITY, cat_id)

    assert removed == 3
    assert backend.service.list_photos(MUNICIPALITY, cat_id) == []
    assert all(other_cat in key for key in backend.object_keys())
    assert len(backend.object_keys()) == 2
    assert [photo.photo_id for photo in backend.service.list_photos(MUNICIPALITY, other_cat)] == [kept.photo_id]


def test_an_upload_arriving_after_its_cat_was_deleted_leaves_nothing(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.service.delete_cat_photos(MUNICIPALITY, cat_id)

    try:
        record = backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    except UploadRefused:
        record = None
    assert record is None
    assert backend.object_keys() == []


def test_processing_the_same_upload_twice_changes_nothing(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    first = backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    keys = backend.object_keys()

    again = backend.service.process_upload(started.upload.fields["key"])

    assert again == first
    assert backend.object_keys() == keys


def test_photos_are_listed_in_upload_order_with_their_state(backend):
    cat_id = backend.cats.add()
    ready = backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.upload(ready, image_bytes("PNG"), "image/png")
    pending = backend.service.start_upload(MUNICIPALITY, cat_id)

    listed = backend.service.list_photos(MUNICIPALITY, cat_id)

    assert [(photo.photo_id, photo.state) for photo in listed] == [
        (ready.photo_id, PhotoState.ready),
        (pending.photo_id, PhotoState.pending),
    ]
    with pytest.raises(Conflict):
        backend.service.download_url(MUNICIPALITY, cat_id, pending.photo_id)


def test_photos_of_an_unknown_cat_or_photo_are_not_found(backend):
    with pytest.raises(NotFound):
        backend.service.start_upload(MUNICIPALITY, str(ULID()))
    with pytest.raises(NotFound):
        backend.service.list_photos(MUNICIPALITY, str(ULID()))
    with pytest.raises(NotFound):
        backend.service.download_url(MUNICIPALITY, backend.cats.add(), str(ULID()))
    with pytest.raises(NotFound):
        backend.service.download_url(MUNICIPALITY, "../../etc", "passwd")


def test_download_links_are_short_lived(backend):
    cat_id = backend.cats.add()
    started = backend.service.start_upload(MUNICIPALITY, cat_id)
    backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    url = backend.service.download_url(MUNICIPALITY, cat_id, started.photo_id)

    if backend.name == "aws":
        assert int(parse_qs(urlparse(url).query)["X-Amz-Expires"][0]) <= 300
    else:
        backend.clock.advance(minutes=5, seconds=1)
        with pytest.raises(Forbidden):
            backend.download(url)


def test_a_forged_local_download_token_is_refused(local_backend):
    cat_id = local_backend.cats.add()
    started = local_backend.service.start_upload(MUNICIPALITY, cat_id)
    local_backend.upload(started, image_bytes("JPEG"), "image/jpeg")
    url = local_backend.service.download_url(MUNICIPALITY, cat_id, started.photo_id)
    payload, signature = url.rsplit("/", 1)[1].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["expires_at"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(Forbidden):
        local_backend.service.read_local_photo(f"{forged}.{signature}")
    with pytest.raises(Forbidden):
        local_backend.service.read_local_photo("not-a-token")


def test_a_local_upload_with_a_forged_signature_is_refused(local_backend):
    cat_id = local_backend.cats.add()
    started = local_backend.service.start_upload(MUNICIPALITY, cat_id)

    with pytest.raises(UploadRefused, match="signature"):
        local_backend.upload(started, image_bytes("JPEG"), "image/jpeg", signature="0" * 64)
    assert local_backend.object_keys() == []
