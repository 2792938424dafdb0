"""Use cases for cat photos: start an upload, process what arrived, hand out download links, clean up.

Flow: `start_upload` records a pending photo and returns a presigned form upload to
`uploads/{municipality_id}/{cat_id}/{photo_id}`. When the bytes arrive (S3 → EventBridge "Object Created" →
`handle_s3_object_created` in AWS; `receive_local_upload` locally) `process_upload` checks and re-encodes them
(chalicelib.images, which alone imports Pillow, imported here only when needed), stores the cleaned image and
its thumbnail, marks the photo ready or rejected, and deletes the upload either way (it still has EXIF/GPS).
Processing is idempotent: EventBridge may deliver an event twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.ids import new_id
from ..domain.models import now_utc
from ..domain.photos import (
    ALLOWED_CONTENT_TYPES,
    DOWNLOAD_TTL,
    MAX_PHOTOS_PER_CAT,
    MAX_UPLOAD_BYTES,
    PENDING_COUNTS_FOR,
    UPLOAD_TTL,
    ImageRejected,
    PhotoRecord,
    PhotoSize,
    PhotoState,
    StartedUpload,
    cat_photos_prefix,
    cat_uploads_prefix,
    is_municipality_id,
    is_ulid,
    parse_upload_key,
    photo_key,
    upload_key,
)
from ..ports import CatStore, LocalPhotoEndpoints, PhotoRecordStore, PhotoStore

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class PhotoService:
    def __init__(
        self,
        *,
        records: PhotoRecordStore,
        store: PhotoStore,
        cats: CatStore,
        upload_bucket: str | None = None,
        local_endpoints: LocalPhotoEndpoints | None = None,
        clock: Clock = now_utc,
    ) -> None:
        """`upload_bucket`: in AWS, the only bucket whose events are processed. `local_endpoints`: the local
        backend's form-upload and download checker (None in AWS, where S3 plays that part)."""
        self._records = records
        self._store = store
        self._cats = cats
        self._upload_bucket = upload_bucket
        self._local = local_endpoints
        self._clock = clock

    # ---- upload ---------------------------------------------------------------------------------------

    def start_upload(self, municipality_id: str, cat_id: str, content_type: str | None = None) -> StartedUpload:
        """A new pending photo and where to upload it. NotFound without the cat; Conflict past 20 photos."""
        if content_type is not None and content_type not in ALLOWED_CONTENT_TYPES:
            raise InvalidInput(
                f"content_type must be one of {', '.join(sorted(ALLOWED_CONTENT_TYPES))}",
                errors=[{"loc": ["body", "content_type"], "msg": "unsupported image type"}],
            )
        self._require_cat(municipality_id, cat_id)
        now = self._clock()
        photo_id = new_id()
        record = PhotoRecord(
            photo_id=photo_id,
            cat_id=cat_id,
            municipality_id=municipality_id,
            state=PhotoState.pending,
            created_at=now,
            updated_at=now,
        )
        self._records.add_photo(record, limit=MAX_PHOTOS_PER_CAT, pending_since=now - PENDING_COUNTS_FOR)
        upload = self._store.presign_upload(
            upload_key(municipality_id, cat_id, photo_id), now + UPLOAD_TTL, content_type
        )
        return StartedUpload(photo_id=photo_id, upload=upload)

    def receive_local_upload(self, fields: dict[str, str], file_bytes: bytes, content_type: str | None) -> PhotoRecord:
        """The local stand-in for S3 receiving the form: check it, store the bytes, process them now."""
        if self._local is None:
            raise NotFound("local uploads exist only on the local backend")
        key = self._local.accept_upload(fields, file_bytes, content_type)
        record = self.process_upload(key)
        if record is None:
            raise NotFound("the photo no longer exists")
        return record

    def handle_s3_object_created(self, event: Mapping[str, Any]) -> PhotoRecord | None:
        """An EventBridge event as S3 sends it ("Object Created", source aws.s3): process the upload it names.

        Events for other buckets, other kinds or other keys are ignored (None)."""
        if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
            logger.warning("ignored an event that is not an S3 Object Created event")
            return None
        detail: Any = event.get("detail")
        try:
            bucket = str(detail["bucket"]["name"])
            key = str(detail["object"]["key"])
        except (KeyError, TypeError):
            logger.warning("ignored an S3 event without bucket name and object key")
            return None
        if self._upload_bucket is not None and bucket != self._upload_bucket:
            logger.warning("ignored an upload event for another bucket")
            return None
        return self.process_upload(key)

    def process_upload(self, key: str) -> PhotoRecord | None:
        """Check and clean the upload at `key`; the photo's record afterwards, None if no photo expects it."""
        ids = parse_upload_key(key)
        if ids is None:
            logger.info("ignored an object outside the upload area")
            return None
        record = self._records.get_photo(ids.municipality_id, ids.cat_id, ids.photo_id)
        if record is None:
            # The cat (and so its photos) was deleted, or nobody asked for this upload.
            self._store.delete(key)
            return None
        if record.state is not PhotoState.pending:
            # A repeated event: the work is done; make sure the upload is gone.
            self._store.delete(key)
            return record
        size = self._store.size_of(key)
        if size is None:
            return record
        if size > MAX_UPLOAD_BYTES:
            return self._reject(record, key, f"the upload is larger than {MAX_UPLOAD_BYTES} bytes")
        data = self._store.read(key)
        if data is None:
            return record

        from .. import images  # Pillow loads here only: the API's cold start never pays for it.

        try:
            cleaned = images.clean_image(data)
        except ImageRejected as rejection:
            return self._reject(record, key, rejection.reason)

        full_key = photo_key(record.municipality_id, record.cat_id, record.photo_id, cleaned.content_type)
        thumb_key = photo_key(record.municipality_id, record.cat_id, record.photo_id, cleaned.content_type, "thumb")
        self._store.write(full_key, cleaned.data, cleaned.content_type)
        self._store.write(thumb_key, cleaned.thumbnail, cleaned.content_type)
        ready = record.model_copy(
            update={
                "state": PhotoState.ready,
                "content_type": cleaned.content_type,
                "width": cleaned.width,
                "height": cleaned.height,
                "bytes": len(cleaned.data),
                "updated_at": self._clock(),
            }
        )
        try:
            self._records.update_photo(ready)
        except NotFound:
            # The cat was deleted while this photo was being processed: leave nothing behind.
            for leftover in (full_key, thumb_key, key):
                self._store.delete(leftover)
            return None
        self._store.delete(key)
        return ready

    def _reject(self, record: PhotoRecord, key: str, reason: str) -> PhotoRecord:
        rejected = record.model_copy(
            update={"state": PhotoState.rejected, "reason": reason, "updated_at": self._clock()}
        )
        logger.info("photo rejected: %s", reason)
        try:
            self._records.update_photo(rejected)
        finally:
            self._store.delete(key)
        return rejected

    # ---- read -----------------------------------------------------------------------------------------

    def list_photos(self, municipality_id: str, cat_id: str) -> list[PhotoRecord]:
        self._require_cat(municipality_id, cat_id)
        return self._records.list_photos(municipality_id, cat_id)

    def get_photo(self, municipality_id: str, cat_id: str, photo_id: str) -> PhotoRecord:
        self._require_ids(municipality_id, cat_id, photo_id)
        record = self._records.get_photo(municipality_id, cat_id, photo_id)
        if record is None:
            raise NotFound(f"no photo {photo_id} of cat {cat_id}")
        return record

    def download_url(self, municipality_id: str, cat_id: str, photo_id: str, size: PhotoSize = "full") -> str:
        """A short-lived link to the cleaned image or its thumbnail. Conflict while pending or once rejected."""
        if size not in ("full", "thumb"):
            raise InvalidInput(
                "size must be full or thumb", errors=[{"loc": ["query", "size"], "msg": "full or thumb"}]
            )
        record = self.get_photo(municipality_id, cat_id, photo_id)
        if record.state is not PhotoState.ready or record.content_type is None:
            raise Conflict(f"the photo is {record.state.value}, not ready")
        key = photo_key(municipality_id, cat_id, photo_id, record.content_type, size)
        return self._store.presign_download(key, self._clock() + DOWNLOAD_TTL)

    def read_local_photo(self, token: str) -> tuple[bytes, str]:
        """The bytes behind a local download link. Forbidden if forged or expired."""
        if self._local is None:
            raise NotFound("local downloads exist only on the local backend")
        return self._local.open_download(token)

    # ---- delete ---------------------------------------------------------------------------------------

    def delete_cat_photos(self, municipality_id: str, cat_id: str) -> int:
        """Remove every photo of the cat (records, cleaned images, thumbnails, unprocessed uploads)."""
        self._require_ids(municipality_id, cat_id)
        removed = self._records.delete_photos(municipality_id, cat_id)
        self._store.delete_prefix(cat_uploads_prefix(municipality_id, cat_id))
        self._store.delete_prefix(cat_photos_prefix(municipality_id, cat_id))
        return removed

    # ---- helpers --------------------------------------------------------------------------------------

    def _require_cat(self, municipality_id: str, cat_id: str) -> None:
        self._require_ids(municipality_id, cat_id)
        if self._cats.get_cat(municipality_id, cat_id) is None:
            raise NotFound(f"no cat {cat_id} in municipality {municipality_id}")

    @staticmethod
    def _require_ids(municipality_id: str, *ulids: str) -> None:
        # Ids become storage keys: anything but a municipality code and ULIDs is refused before it gets near one.
        if not is_municipality_id(municipality_id) or not all(is_ulid(value) for value in ulids):
            raise NotFound("no such cat or photo")
