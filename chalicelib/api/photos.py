"""Cat photos: start a presigned upload, list, redirect to a short-lived download link.

Locally two public, signed routes stand in for S3: the form upload target (`POST /local-uploads`) and the
download link (`GET /local-photos/{token}`). In AWS S3 itself plays both parts and those routes answer 404.
"""

from __future__ import annotations

from typing import Literal

from chalice.app import Response
from pydantic import AwareDatetime, ConfigDict, Field

from ..domain.base import Model
from ..domain.errors import NotFound
from ..domain.photos import MAX_PHOTOS_PER_CAT, MAX_UPLOAD_BYTES, PhotoRecord, PhotoState, PresignedUpload
from .docs import NO_CONTENT, PROBLEM, ok
from .multipart import parse_multipart_form
from .routing import ApiBlueprint, RawBody, RequestContext, ResponseDoc, json_response, model_response
from .schemas import PageQuery

api = ApiBlueprint(__name__)

PHOTOS = "/municipalities/{municipality_id}/cats/{cat_id}/photos"
PHOTO = PHOTOS + "/{photo_id}"
LOCAL_UPLOADS = "/local-uploads"
LOCAL_PHOTO = "/local-photos/{token}"
# Room for the form's text fields and part headers around a file of the largest accepted size.
_FORM_OVERHEAD_BYTES = 64 * 1024
_NO_STORE = {"Cache-Control": "no-store"}

ImageContentType = Literal["image/jpeg", "image/png", "image/webp"]


class StartPhotoUploadRequest(Model):
    """The body is optional; without `content_type` the upload accepts any of the three types."""

    model_config = ConfigDict(extra="forbid")

    content_type: ImageContentType | None = Field(
        default=None, description="Pin the upload to this type (the form then accepts only it)"
    )


class PresignedUploadOut(Model):
    url: str = Field(description="POST a multipart/form-data form here")
    fields: dict[str, str] = Field(description="Send every one of these as form fields, then the `file` part last")
    expires_at: AwareDatetime


class PhotoUploadStarted(Model):
    photo_id: str
    state: PhotoState
    upload: PresignedUploadOut


class Photo(Model):
    photo_id: str
    cat_id: str
    municipality_id: str
    state: PhotoState = Field(description="pending until the upload is checked; then ready or rejected")
    reason: str | None = Field(default=None, description="why the photo was rejected")
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class PhotoPage(Model):
    items: list[Photo]
    next_token: str | None


class PhotoDownloadQuery(Model):
    model_config = ConfigDict(extra="forbid")

    size: Literal["full", "thumb"] = Field(default="full", description="thumb: longest side 320 px")


_UPLOAD_FORM_SCHEMA = {
    "type": "object",
    "description": "The `fields` of a started upload, as returned, then the image as `file`.",
    "required": ["key", "policy", "signature", "file"],
    "properties": {
        "key": {"type": "string"},
        "policy": {"type": "string"},
        "signature": {"type": "string"},
        "Content-Type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
        "file": {"type": "string", "contentMediaType": "application/octet-stream"},
    },
}
_REDIRECT = ResponseDoc("Redirect to a short-lived URL of the image (Location header)", headers=("Location",))
_IMAGE = ResponseDoc(
    "The image",
    {"type": "string", "contentMediaType": "image/jpeg"},
    media_type="image/jpeg",
    alternatives=(
        ("image/png", {"type": "string", "contentMediaType": "image/png"}),
        ("image/webp", {"type": "string", "contentMediaType": "image/webp"}),
    ),
)


def _photo_out(record: PhotoRecord) -> Photo:
    return Photo.model_validate(record.model_dump())


@api.route(
    PHOTOS,
    "POST",
    operation_id="startPhotoUpload",
    summary="Start a photo upload: a photo_id and a presigned form upload (10 minutes, ≤ 10 MiB, JPEG/PNG/WebP)",
    description=(
        f"At most {MAX_PHOTOS_PER_CAT} photos a cat (409 beyond; rejected photos do not count). POST the returned "
        "`fields` and the image as `file` (multipart/form-data) to `upload.url`. The photo is then checked, "
        "stripped of EXIF/GPS, given a thumbnail and marked ready, or marked rejected with a reason."
    ),
    tag="photos",
    body=StartPhotoUploadRequest,
    body_optional=True,
    idempotent_create=True,
    responses={201: ok(PhotoUploadStarted, "Upload started", headers=("Location",))},
)
def start_photo_upload(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    request: StartPhotoUploadRequest | None = ctx.body
    content_type = request.content_type if request is not None else None
    started = ctx.services.photos.start_upload(municipality_id, cat_id, content_type)
    upload: PresignedUpload = started.upload
    body = PhotoUploadStarted(
        photo_id=started.photo_id,
        state=PhotoState.pending,
        upload=PresignedUploadOut(url=upload.url, fields=upload.fields, expires_at=upload.expires_at),
    )
    location = f"/municipalities/{municipality_id}/cats/{cat_id}/photos/{started.photo_id}"
    return model_response(body, 201, {"Location": location, **_NO_STORE})


@api.route(
    PHOTOS,
    "GET",
    operation_id="listPhotos",
    summary="The cat's photos with their state, oldest first",
    tag="photos",
    query=PageQuery,
    responses={200: ok(PhotoPage)},
)
def list_photos(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    query: PageQuery = ctx.query
    binding = f"photos:{municipality_id}:{cat_id}"
    cursor = ctx.services.tokens.decode(query.next_token, binding)
    after = str(cursor.get("after", "")) if cursor else ""
    records = [record for record in ctx.services.photos.list_photos(municipality_id, cat_id) if record.photo_id > after]
    page, more = records[: query.limit], len(records) > query.limit
    next_cursor = {"after": page[-1].photo_id} if more else None
    return json_response(
        {
            "items": [_photo_out(record).model_dump(mode="json") for record in page],
            "next_token": ctx.services.tokens.encode(next_cursor, binding),
        }
    )


@api.route(
    PHOTO,
    "GET",
    operation_id="getPhoto",
    summary="Redirect (302) to a short-lived URL of the cleaned image, or its thumbnail with size=thumb",
    description="404 for an unknown photo; 409 while it is pending or once it was rejected.",
    tag="photos",
    query=PhotoDownloadQuery,
    responses={302: _REDIRECT},
)
def get_photo(ctx: RequestContext, municipality_id: str, cat_id: str, photo_id: str) -> Response:
    query: PhotoDownloadQuery = ctx.query
    url = ctx.services.photos.download_url(municipality_id, cat_id, photo_id, query.size)
    return Response(body="", status_code=302, headers={"Location": url, **_NO_STORE})


@api.route(
    LOCAL_UPLOADS,
    "POST",
    operation_id="receiveLocalUpload",
    summary="Local backend only: the presigned upload target (multipart/form-data, like S3's presigned POST)",
    description=(
        "Public: the signed form fields are the authorization. 403 for a forged or expired form, 413 above "
        "10 MiB, 415 for a type other than JPEG/PNG/WebP (or the one pinned), 400 for a malformed form. "
        "Deployed (AWS), S3 receives uploads: API Gateway asks for a key here and the app answers 404."
    ),
    tag="photos",
    public=True,
    local_only=True,
    raw_body=RawBody("multipart/form-data", MAX_UPLOAD_BYTES + _FORM_OVERHEAD_BYTES, _UPLOAD_FORM_SCHEMA),
    responses={204: NO_CONTENT, 403: PROBLEM, 404: PROBLEM, 413: PROBLEM, 415: PROBLEM},
)
def receive_local_upload(ctx: RequestContext) -> Response:
    if not ctx.services.is_local:
        raise NotFound("there are no local upload endpoints on this backend; upload to the presigned S3 URL")
    fields, data, file_type = parse_multipart_form(ctx.raw_body, ctx.header("content-type") or "")
    ctx.services.photos.receive_local_upload(fields, data, file_type)
    return Response(body="", status_code=204)


@api.route(
    LOCAL_PHOTO,
    "GET",
    operation_id="getLocalPhoto",
    summary="Local backend only: the image behind a signed, short-lived download link",
    description=(
        "Public: the token is signed and expires. 403 if forged or expired. Deployed (AWS), S3 serves downloads: "
        "API Gateway asks for a key here and the app answers 404."
    ),
    tag="photos",
    public=True,
    local_only=True,
    responses={200: _IMAGE, 403: PROBLEM, 404: PROBLEM},
)
def get_local_photo(ctx: RequestContext, token: str) -> Response:
    if not ctx.services.is_local:
        raise NotFound("there are no local download endpoints on this backend")
    data, content_type = ctx.services.photos.read_local_photo(token)
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
