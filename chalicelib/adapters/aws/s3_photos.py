"""Photo bytes in a private S3 bucket: presigned POST for uploads, presigned GET for downloads.

Upload policy: exactly one key, 1 byte..10 MiB, `Content-Type` starting with `image/` (pinned to the exact
type when the client declared one), valid for the time the service asks. S3 cannot restrict a POST to a
list of types, so the exact JPEG/PNG/WebP check happens at processing, on the bytes themselves.
Encryption at rest is the bucket's default (KMS, set in infra/), so the form carries no SSE fields.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ...domain.photos import MAX_UPLOAD_BYTES, PresignedUpload

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class S3PhotoStore:
    """PhotoStore on one bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def presign_upload(self, key: str, expires_at: dt.datetime, content_type: str | None) -> PresignedUpload:
        conditions: list[object] = [["content-length-range", 1, MAX_UPLOAD_BYTES]]
        fields: dict[str, str] = {}
        if content_type is None:
            conditions.append(["starts-with", "$Content-Type", "image/"])
        else:
            fields["Content-Type"] = content_type
            conditions.append({"Content-Type": content_type})
        expires_in = max(1, math.floor((expires_at - _utc_now()).total_seconds()))
        post = self._client.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )
        return PresignedUpload(url=post["url"], fields=dict(post["fields"]), expires_at=expires_at)

    def size_of(self, key: str) -> int | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return head["ContentLength"]

    def read(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return response["Body"].read()

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        removed = 0
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            objects: list[ObjectIdentifierTypeDef] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                # A list page holds at most 1,000 keys, exactly what one DeleteObjects call takes.
                response = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
                if response.get("Errors"):
                    raise RuntimeError(f"S3 refused to delete {len(response['Errors'])} photo objects")
                removed += len(objects)
        return removed

    def presign_download(self, key: str, expires_at: dt.datetime) -> str:
        expires_in = max(1, math.floor((expires_at - _utc_now()).total_seconds()))
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
        )


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
