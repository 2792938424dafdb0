"""The raw lake in S3: one gzip NDJSON object per partition and stream batch, overwritten on replay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3LakeWriter:
    """LakeWriter on the lake bucket. Without a KMS key id the bucket's default encryption applies."""

    def __init__(self, client: S3Client, bucket: str, kms_key_id: str | None = None) -> None:
        self._client = client
        self.bucket = bucket
        self._kms_key_id = kms_key_id

    def write(self, key: str, body: bytes) -> None:
        extra: dict[str, Any] = {}
        if self._kms_key_id:
            extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id, "BucketKeyEnabled": True}
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/x-ndjson",
            ContentEncoding="gzip",
            **extra,
        )
