"""Cat photos: states, limits, object keys and the byte-level format check. No I/O, no Pillow.

A photo is uploaded by the client straight to storage under `uploads/{municipality_id}/{cat_id}/{photo_id}`,
then checked and re-encoded without metadata into `photos/{municipality_id}/{cat_id}/{photo_id}.{ext}` and
`…/{photo_id}_thumb.{ext}`; the upload itself is always deleted afterwards (it still carries EXIF/GPS).
Keys hold ids only: municipality code and ULIDs, never a name or a place.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from .base import Model
from .models import MunicipalityId, Ulid

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TTL = dt.timedelta(minutes=10)
DOWNLOAD_TTL = dt.timedelta(minutes=5)
MAX_PHOTOS_PER_CAT = 20
# A pending photo whose upload never arrived stops counting against the limit after this long: the
# presigned POST is dead after UPLOAD_TTL, and EventBridge delivers long before this.
PENDING_COUNTS_FOR = dt.timedelta(hours=1)

MIN_SIDE = 32
MAX_SIDE = 12_000
MAX_PIXELS = 50_000_000
THUMB_LONGEST_SIDE = 320

# Content type → file extension of the stored, cleaned image.
EXTENSIONS: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
CONTENT_TYPES_BY_EXTENSION: dict[str, str] = {ext: ct for ct, ext in EXTENSIONS.items()}
ALLOWED_CONTENT_TYPES = frozenset(EXTENSIONS)

PhotoSize = Literal["full", "thumb"]


class PhotoState(StrEnum):
    pending = "pending"
    ready = "ready"
    rejected = "rejected"


class PhotoRecord(Model):
    """What is stored about one photo (its bytes live in the photo store)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    photo_id: Ulid
    cat_id: Ulid
    municipality_id: MunicipalityId
    state: PhotoState
    reason: str | None = Field(default=None, description="why the photo was rejected")
    content_type: str | None = Field(default=None, description="of the cleaned image, once ready")
    width: int | None = None
    height: int | None = None
    bytes: int | None = Field(default=None, description="size of the cleaned image")
    created_at: dt.datetime
    updated_at: dt.datetime


class PresignedUpload(Model):
    """An HTML-form style upload: POST `fields` plus a `file` part (and `Content-Type`) to `url`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    fields: dict[str, str]
    expires_at: dt.datetime


class StartedUpload(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    photo_id: Ulid
    upload: PresignedUpload


class ImageRejected(Exception):
    """The uploaded bytes are not an acceptable photo; `reason` is shown to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanedImage:
    content_type: str
    width: int
    height: int
    data: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    thumbnail_width: int
    thumbnail_height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


@dataclass(frozen=True)
class UploadKey:
    municipality_id: str
    cat_id: str
    photo_id: str


_ID = r"[0-9A-HJKMNP-TV-Z]{26}"
_UPLOAD_KEY = re.compile(rf"^uploads/(?P<municipality_id>[0-9]{{6}})/(?P<cat_id>{_ID})/(?P<photo_id>{_ID})$")


def is_ulid(text: str) -> bool:
    return re.fullmatch(_ID, text) is not None


def is_municipality_id(text: str) -> bool:
    return re.fullmatch(r"[0-9]{6}", text) is not None


def upload_key(municipality_id: str, cat_id: str, photo_id: str) -> str:
    return f"uploads/{municipality_id}/{cat_id}/{photo_id}"


def parse_upload_key(key: str) -> UploadKey | None:
    """The ids in an upload key, or None for anything that is not exactly one (other objects, path tricks)."""
    match = _UPLOAD_KEY.fullmatch(key)
    if match is None:
        return None
    return UploadKey(match["municipality_id"], match["cat_id"], match["photo_id"])


def cat_uploads_prefix(municipality_id: str, cat_id: str) -> str:
    return f"uploads/{municipality_id}/{cat_id}/"


def cat_photos_prefix(municipality_id: str, cat_id: str) -> str:
    return f"photos/{municipality_id}/{cat_id}/"


def photo_key(municipality_id: str, cat_id: str, photo_id: str, content_type: str, size: PhotoSize = "full") -> str:
    suffix = "_thumb" if size == "thumb" else ""
    return f"{cat_photos_prefix(municipality_id, cat_id)}{photo_id}{suffix}.{EXTENSIONS[content_type]}"


def sniff_content_type(data: bytes) -> str | None:
    """The image type the leading bytes announce (JPEG, PNG or WebP), whatever the client claimed."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def counts_against_limit(record: PhotoRecord, pending_since: dt.datetime) -> bool:
    """Ready photos count; pending ones only if created at or after `pending_since` (their upload may still come)."""
    if record.state is PhotoState.ready:
        return True
    return record.state is PhotoState.pending and record.created_at >= pending_since
