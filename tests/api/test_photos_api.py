"""Photo routes on both backends, with real image bytes sent through the presigned upload the API returns.

Local: the multipart form is POSTed to the app's own `/local-uploads` through the Chalice test client, which
processes it on arrival. AWS (moto): the form is POSTed with `requests` to the presigned S3 URL (moto stores any
POST without checking the policy, so the form is first held against its decoded policy as S3 would), then the
upload is processed from an EventBridge event built the way S3 sends it, handed over as app.py's
`process_photo_upload` does. Downloads follow the 302 to wherever it points.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from chalice.app import CloudWatchEvent
from PIL import Image
from ulid import ULID

from chalicelib.adapters.local_photos import LocalPhotoFiles
from chalicelib.api.routing import OPERATIONS
from chalicelib.domain.photos import MAX_UPLOAD_BYTES
from tests.conftest import CHIYODA, CHUO, Api
from tests.contract.test_photo_store import object_created_event, s3_policy_refusal

GPS_IFD = 0x8825
FORMATS = [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
PHOTO_OPERATIONS = [op for op in OPERATIONS if op.tag == "photos" and not op.public]


def image_with_gps(fmt: str, size: tuple[int, int] = (900, 700)) -> bytes:
    """An image of the given format carrying EXIF GPS tags (35°41'22"N 139°41'30"E), as a phone would save it."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format=fmt, exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "the test image must start with GPS tags"
    return data


def multipart(url: str, fields: dict[str, str], data: bytes, content_type: str | None) -> tuple[bytes, str]:
    form = dict(fields)
    if content_type is not None:
        form["Content-Type"] = content_type
    prepared = requests.Request("POST", url, data=form, files={"file": ("cat.jpg", data)}).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.body, prepared.headers["Content-Type"]


@dataclass
class UploadAnswer:
    accepted: bool
    status: int | None  # the local route's status; on AWS None when S3 would refuse the form under its policy
    detail: str = ""


@dataclass
class Photos:
    """One cat's photo routes, called with one key, on whichever backend the `api` fixture runs."""

    api: Api
    key: str
    cat_id: str
    municipality_id: str = CHIYODA

    @property
    def path(self) -> str:
        return f"/municipalities/{self.municipality_id}/cats/{self.cat_id}/photos"

    @property
    def is_local(self) -> bool:
        return self.api.container.is_local

    def start(self, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.api.call("POST", self.path, self.key, body, headers=headers)

    def started(self, body: Any = None) -> dict[str, Any]:
        response = self.start(body)
        assert response.status_code == 201, response.body
        started: dict[str, Any] = response.json
        return started

    def upload(
        self,
        started: dict[str, Any],
        data: bytes,
        content_type: str | None,
        *,
        now: dt.datetime | None = None,
        **overrides: str,
    ) -> UploadAnswer:
        url = started["upload"]["url"]
        fields = {**started["upload"]["fields"], **overrides}
        if self.is_local:
            body, header = multipart(url, fields, data, content_type)
            response = self.api.client.http.post(urlparse(url).path, headers={"content-type": header}, body=body)
            detail = response.body.decode() if response.body else ""
            return UploadAnswer(response.status_code == 204, response.status_code, detail)
        container = self.api.container
        bucket = container.settings.photo_bucket
        refusal = s3_policy_refusal(fields, bucket, content_type, len(data), now or dt.datetime.now(dt.UTC))
        if refusal:
            return UploadAnswer(False, None, refusal)
        form = {**fields, **({"Content-Type": content_type} if content_type else {})}
        response = requests.post(url, data=form, files={"file": ("cat.jpg", data)}, timeout=10)
        assert response.status_code == 204, response.text
        event = object_created_event(bucket, fields["key"], len(data))
        # What app.py's process_photo_upload does with the EventBridge event Lambda hands it.
        container.photos.handle_s3_object_created(CloudWatchEvent(event, None).to_dict())
        return UploadAnswer(True, 204)

    def get(self, photo_id: str, query: str = "") -> Any:
        return self.api.call("GET", f"{self.path}/{photo_id}{query}", self.key)

    def listed(self) -> list[dict[str, Any]]:
        response = self.api.call("GET", self.path, self.key)
        assert response.status_code == 200, response.body
        items: list[dict[str, Any]] = response.json["items"]
        return items

    def fetch(self, url: str) -> tuple[int, bytes, str]:
        """What a client following the redirect gets: status, body, content type."""
        if self.is_local:
            response = self.api.client.http.get(urlparse(url).path, headers={"accept": "*/*"})
            return response.status_code, response.body, response.headers.get("Content-Type", "")
        answer = requests.get(url, timeout=10)
        return answer.status_code, answer.content, answer.headers.get("Content-Type", "")

    def download(self, photo_id: str, size: str = "full") -> Image.Image:
        redirect = self.get(photo_id, f"?size={size}")
        assert redirect.status_code == 302, redirect.body
        status, body, _ = self.fetch(redirect.headers["Location"])
        assert status == 200
        image = Image.open(io.BytesIO(body))
        image.load()
        return image

    def stored_objects(self) -> list[str]:
        container = self.api.container
        if self.is_local:
            root = container.settings.home / "photos"
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        listing = container.s3.list_objects_v2(Bucket=container.settings.photo_bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def new_cat(api: Api, key: str, municipality_id: str = CHIYODA) -> str:
    response = api.call("POST", f"/municipalities/{municipality_id}/cats", key, {"name": "ミケ"})
    assert response.status_code == 201
    return str(response.json["cat_id"])


@pytest.fixture
def photos(api: Api) -> Photos:
    key = api.key("editor", CHIYODA)
    return Photos(api, key, new_cat(api, key))


@pytest.mark.parametrize(("fmt", "content_type"), FORMATS, ids=[fmt for fmt, _ in FORMATS])
def test_an_image_uploaded_through_the_presigned_url_downloads_without_gps_at_its_size(
    photos: Photos, fmt: str, content_type: str
) -> None:
    started = photos.started()

    answer = photos.upload(started, image_with_gps(fmt), content_type)

    assert answer.accepted, answer.detail
    assert [(p["photo_id"], p["state"]) for p in photos.listed()] == [(started["photo_id"], "ready")]
    full = photos.download(started["photo_id"])
    assert (full.format, full.size) == (fmt, (900, 700))
    assert not full.getexif().get_ifd(GPS_IFD)
    assert not full.getexif() and "exif" not in full.info
    thumbnail = photos.download(started["photo_id"], "thumb")
    assert max(thumbnail.size) <= 320 and thumbnail.size == (320, 249)
    assert not thumbnail.getexif()


def test_starting_an_upload_answers_201_with_the_photo_its_location_and_a_ten_minute_form(photos: Photos) -> None:
    before = dt.datetime.now(dt.UTC)

    response = photos.start()

    assert response.status_code == 201
    body = response.json
    assert set(body) == {"photo_id", "state", "upload"} and body["state"] == "pending"
    assert ULID.from_str(body["photo_id"])
    assert response.headers["Location"] == f"{photos.path}/{body['photo_id']}"
    upload = body["upload"]
    assert upload["fields"]["key"] == f"uploads/{CHIYODA}/{photos.cat_id}/{body['photo_id']}"
    expires_at = dt.datetime.fromisoformat(upload["expires_at"])
    assert dt.timedelta(minutes=9) < expires_at - before <= dt.timedelta(minutes=10, seconds=5)
    assert [(p["photo_id"], p["state"]) for p in photos.listed()] == [(body["photo_id"], "pending")]


def test_a_declared_content_type_pins_the_form_to_that_type(photos: Photos) -> None:
    started = photos.started({"content_type": "image/png"})
    assert started["upload"]["fields"]["Content-Type"] == "image/png"

    wrong = photos.upload(started, image_with_gps("JPEG"), "image/jpeg")
    right = photos.upload(started, image_with_gps("PNG"), "image/png")

    assert not wrong.accepted and right.accepted
    assert photos.download(started["photo_id"]).format == "PNG"


@pytest.mark.parametrize(
    "body",
    [{"content_type": "image/gif"}, {"content_type": "image/jpeg", "colour": "tabby"}, {"content_type": 3}],
    ids=["gif", "unknown-field", "not-a-string"],
)
def test_a_bad_start_body_is_400_and_creates_no_photo(photos: Photos, body: dict[str, Any]) -> None:
    response = photos.start(body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["errors"]
    assert photos.listed() == []


def test_an_unknown_cat_is_404_on_every_photo_route(photos: Photos) -> None:
    unknown = Photos(photos.api, photos.key, str(ULID()))
    assert unknown.start().status_code == 404
    assert photos.api.call("GET", unknown.path, photos.key).status_code == 404
    assert unknown.get(str(ULID())).status_code == 404


def test_a_text_file_renamed_jpg_ends_rejected_with_a_reason_and_cannot_be_downloaded(photos: Photos) -> None:
    started = photos.started()

    photos.upload(started, b"shopping list: tuna, litter, more tuna\n" * 20, "image/jpeg")

    [photo] = photos.listed()
    assert photo["state"] == "rejected" and photo["reason"]
    conflict = photos.get(started["photo_id"])
    assert conflict.status_code == 409 and conflict.json["status"] == 409
    assert photos.stored_objects() == []


def test_an_oversize_upload_is_refused_and_stores_nothing(photos: Photos) -> None:
    started = photos.started()

    answer = photos.upload(started, b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES, "image/jpeg")

    assert not answer.accepted
    if photos.is_local:
        assert answer.status == 413
    assert photos.stored_objects() == []
    assert [p["state"] for p in photos.listed()] == ["pending"]


def test_an_expired_upload_url_is_refused_and_stores_nothing(photos: Photos) -> None:
    started = photos.started()
    expired_at = dt.datetime.fromisoformat(started["upload"]["expires_at"])
    if photos.is_local:
        # The same form as the server signed it ten minutes earlier: its expiry has passed.
        container = photos.api.container
        issued_earlier = LocalPhotoFiles(container.settings.home / "photos", "http://127.0.0.1:8000", container.secret)
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        earlier_form = issued_earlier.presign_upload(started["upload"]["fields"]["key"], past, None)
        answer = photos.upload({"upload": earlier_form.model_dump(mode="json")}, image_with_gps("JPEG"), "image/jpeg")
        assert answer.status == 403
    else:
        answer = photos.upload(started, image_with_gps("JPEG"), "image/jpeg", now=expired_at + dt.timedelta(seconds=1))
    assert not answer.accepted
    assert photos.stored_objects() == []
    assert photos.get(started["photo_id"]).status_code == 409


def test_the_21st_photo_of_a_cat_is_409_and_another_cat_still_takes_photos(photos: Photos) -> None:
    for _ in range(20):
        assert photos.start().status_code == 201

    refused = photos.start()

    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert len(photos.listed()) == 20
    other = Photos(photos.api, photos.key, new_cat(photos.api, photos.key))
    assert other.start().status_code == 201


def test_a_photo_that_is_not_ready_is_409_and_an_unknown_one_404(photos: Photos) -> None:
    pending = photos.started()

    assert photos.get(pending["photo_id"]).status_code == 409
    assert photos.get(str(ULID())).status_code == 404
    bad_size = photos.get(pending["photo_id"], "?size=huge")
    assert bad_size.status_code == 400 and bad_size.json["errors"]
    assert photos.get("not-a-ulid").status_code == 400


def test_photos_list_in_pages_and_a_foreign_token_is_400(photos: Photos) -> None:
    ids = [photos.started()["photo_id"] for _ in range(3)]

    first = photos.api.call("GET", photos.path + "?limit=2", photos.key).json
    second = photos.api.call("GET", f"{photos.path}?limit=2&next_token={first['next_token']}", photos.key).json

    assert [p["photo_id"] for p in first["items"] + second["items"]] == ids
    assert second["next_token"] is None
    other = Photos(photos.api, photos.key, new_cat(photos.api, photos.key))
    foreign = photos.api.call("GET", f"{other.path}?next_token={first['next_token']}", photos.key)
    assert foreign.status_code == 400


def test_starting_again_with_the_same_idempotency_key_returns_the_same_photo(photos: Photos) -> None:
    headers = {"Idempotency-Key": f"photo-{ULID()}"}

    first = photos.start(headers=headers)
    again = photos.start(headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json["photo_id"] == first.json["photo_id"]
    assert len(photos.listed()) == 1


@pytest.mark.parametrize("operation", PHOTO_OPERATIONS, ids=lambda op: op.operation_id)
def test_every_photo_route_with_another_municipalitys_key_is_403_and_reveals_nothing(
    photos: Photos, operation: Any
) -> None:
    ready = photos.started()
    photos.upload(ready, image_with_gps("JPEG"), "image/jpeg")
    foreign = photos.api.key("admin", CHUO)
    path = operation.path.format(municipality_id=CHIYODA, cat_id=photos.cat_id, photo_id=ready["photo_id"])

    response = photos.api.call(operation.method, path, foreign)

    assert response.status_code == 403, response.body
    assert ready["photo_id"] not in response.body.decode() and "Location" not in response.headers
    assert [p["photo_id"] for p in photos.listed()] == [ready["photo_id"]]


def test_viewers_may_list_and_download_but_not_start_uploads(photos: Photos) -> None:
    ready = photos.started()
    photos.upload(ready, image_with_gps("WEBP"), "image/webp")
    viewer = Photos(photos.api, photos.api.key("viewer", CHIYODA), photos.cat_id)

    assert viewer.start().status_code == 403
    assert [p["state"] for p in viewer.listed()] == ["ready"]
    assert viewer.download(ready["photo_id"]).format == "WEBP"


def test_deleting_the_cat_deletes_its_photos_and_their_bytes(photos: Photos) -> None:
    other = Photos(photos.api, photos.key, new_cat(photos.api, photos.key))
    for target in (photos, other):
        target.upload(target.started(), image_with_gps("JPEG"), "image/jpeg")
    photos.started()
    assert any(photos.cat_id in key for key in photos.stored_objects())

    deleted = photos.api.call("DELETE", f"/municipalities/{CHIYODA}/cats/{photos.cat_id}", photos.key)

    assert deleted.status_code == 204
    assert photos.api.call("GET", photos.path, photos.key).status_code == 404
    assert not any(photos.cat_id in key for key in photos.stored_objects())
    assert [p["state"] for p in other.listed()] == ["ready"]
    assert any(other.cat_id in key for key in photos.stored_objects())


# ---- the local upload and download endpoints ---------------------------------------------------------------


def test_the_local_upload_endpoint_refuses_forged_wrongly_typed_and_malformed_forms(photos: Photos) -> None:
    if not photos.is_local:
        pytest.skip("S3 receives uploads in AWS")
    started = photos.started()
    jpeg = image_with_gps("JPEG")

    assert photos.upload(started, jpeg, "image/jpeg", signature="0" * 64).status == 403
    assert photos.upload(started, jpeg, "image/jpeg", key=f"uploads/{CHIYODA}/{photos.cat_id}/{ULID()}").status == 403
    assert photos.upload(started, jpeg, "text/plain").status == 415
    assert photos.upload(started, jpeg, "image/gif").status == 415
    not_multipart = photos.api.client.http.post("/local-uploads", headers={"content-type": "text/plain"}, body=b"x")
    no_boundary = photos.api.client.http.post(
        "/local-uploads", headers={"content-type": "multipart/form-data"}, body=b"junk"
    )
    no_file_body, header = multipart("http://127.0.0.1:8000/local-uploads", started["upload"]["fields"], b"", None)
    no_file = photos.api.client.http.post(
        "/local-uploads", headers={"content-type": header}, body=no_file_body.replace(b'name="file"', b'name="other"')
    )

    assert not_multipart.status_code == 415
    assert no_boundary.status_code == 400 and no_file.status_code == 400
    for response in (not_multipart, no_boundary, no_file):
        assert response.headers["Content-Type"] == "application/problem+json"
    assert photos.stored_objects() == []
    assert photos.upload(started, jpeg, "image/jpeg").status == 204


def test_a_local_upload_body_far_over_the_limit_is_413_before_it_is_parsed(photos: Photos) -> None:
    if not photos.is_local:
        pytest.skip("API Gateway and S3 bound the size in AWS")
    response = photos.api.client.http.post(
        "/local-uploads",
        headers={"content-type": "multipart/form-data; boundary=x"},
        body=b"x" * (MAX_UPLOAD_BYTES + 128 * 1024),
    )
    assert response.status_code == 413


def test_the_local_download_link_serves_the_image_and_refuses_forged_or_expired_tokens(
    photos: Photos, tmp_path: Path
) -> None:
    if not photos.is_local:
        pytest.skip("S3 serves downloads in AWS")
    started = photos.started()
    photos.upload(started, image_with_gps("PNG"), "image/png")
    link = photos.get(started["photo_id"]).headers["Location"]
    token = urlparse(link).path.rsplit("/", 1)[1]
    container = photos.api.container
    expired = LocalPhotoFiles(container.settings.home / "photos", "http://127.0.0.1:8000", container.secret)
    expired_link = expired.presign_download(
        f"photos/{CHIYODA}/{photos.cat_id}/{started['photo_id']}.png", dt.datetime.now(dt.UTC)
    )

    status, body, content_type = photos.fetch(link)
    assert (status, content_type) == (200, "image/png") and Image.open(io.BytesIO(body)).format == "PNG"
    payload, signature = token.split(".")
    for forged in (f"{payload}x.{signature}", f"{payload}.{'0' * 64}", "nothing-signed", f"{payload}.é"):
        response = photos.api.client.http.get(f"/local-photos/{forged}", headers={"accept": "*/*"})
        assert response.status_code == 403, forged
    assert photos.fetch(expired_link)[0] == 403
    signed_elsewhere = LocalPhotoFiles(tmp_path, "http://127.0.0.1:8000", b"another installation's secret")
    in_an_hour = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert photos.fetch(signed_elsewhere.presign_download(f"photos/{CHIYODA}/x.png", in_an_hour))[0] == 403


def test_the_local_endpoints_answer_404_problems_on_the_aws_backend(photos: Photos) -> None:
    if photos.is_local:
        pytest.skip("they exist on the local backend")
    body, header = multipart("http://127.0.0.1:8000/local-uploads", {"key": "k"}, image_with_gps("JPEG"), None)
    upload = photos.api.client.http.post("/local-uploads", headers={"content-type": header}, body=body)
    download = photos.api.client.http.get("/local-photos/abc.def", headers={"accept": "*/*"})

    for response in (upload, download):
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
