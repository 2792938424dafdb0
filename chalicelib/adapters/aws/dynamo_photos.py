"""Photo records in the main DynamoDB table: pk municipality_id, sk "PHOTO#{cat_id}#{photo_id}", kind "photo".

The photo limit per cat holds under concurrency through a per-cat lock item (sk "PHOTO#{cat_id}", kind
"photo_lock"): every add reads the cat's photos, then writes the new record in one transaction with a
conditional bump of the lock's revision, so two adds that counted the same photos cannot both commit.
The stream exporter must skip both kinds: photos never go into the data lake.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ...domain.errors import Conflict, NotFound
from ...domain.photos import PhotoRecord, counts_against_limit
from .dynamo_schema import KIND, PARTITION_KEY, SORT_KEY, cat_photos_sk_prefix, photo_lock_sk, photo_sk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PHOTO_KIND = "photo"
PHOTO_LOCK_KIND = "photo_lock"
_ADD_ATTEMPTS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class DynamoPhotoRecords:
    """PhotoRecordStore in the main table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add_photo(self, record: PhotoRecord, *, limit: int, pending_since: dt.datetime) -> None:
        for _ in range(_ADD_ATTEMPTS):
            revision = self._lock_revision(record.municipality_id, record.cat_id)
            existing = self.list_photos(record.municipality_id, record.cat_id)
            counted = sum(1 for photo in existing if counts_against_limit(photo, pending_since))
            if counted >= limit:
                raise Conflict(f"the cat already has {limit} photos")
            lock_condition = "attribute_not_exists(#rev)" if revision is None else "#rev = :seen"
            lock_values = {":one": {"N": "1"}, ":kind": {"S": PHOTO_LOCK_KIND}}
            if revision is not None:
                lock_values[":seen"] = {"N": str(revision)}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": self._table,
                                "Key": self._key(record.municipality_id, photo_lock_sk(record.cat_id)),
                                "UpdateExpression": "SET #rev = if_not_exists(#rev, :zero) + :one, #kind = :kind",
                                "ConditionExpression": lock_condition,
                                "ExpressionAttributeNames": {"#rev": "revision", "#kind": KIND},
                                "ExpressionAttributeValues": {**lock_values, ":zero": {"N": "0"}},
                            }
                        },
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": self._item(record),
                                "ConditionExpression": "attribute_not_exists(#sk)",
                                "ExpressionAttributeNames": {"#sk": SORT_KEY},
                            }
                        },
                    ]
                )
                return
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                # Another add for this cat committed in between: count again.
        raise Conflict("too many photos are being added to this cat at once; retry")

    def get_photo(self, municipality_id: str, cat_id: str, photo_id: str) -> PhotoRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(municipality_id, photo_sk(cat_id, photo_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else _record(item)

    def list_photos(self, municipality_id: str, cat_id: str) -> list[PhotoRecord]:
        records: list[PhotoRecord] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues={":pk": {"S": municipality_id}, ":prefix": {"S": cat_photos_sk_prefix(cat_id)}},
            ConsistentRead=True,
        ):
            records.extend(_record(item) for item in page.get("Items", []) if item.get(KIND, {}).get("S") == PHOTO_KIND)
        return records

    def update_photo(self, record: PhotoRecord) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(record),
                ConditionExpression="attribute_exists(#sk)",
                ExpressionAttributeNames={"#sk": SORT_KEY},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise NotFound("no such photo") from error
            raise

    def delete_photos(self, municipality_id: str, cat_id: str) -> int:
        records = self.list_photos(municipality_id, cat_id)
        sort_keys = [photo_sk(cat_id, record.photo_id) for record in records] + [photo_lock_sk(cat_id)]
        for start in range(0, len(sort_keys), 25):
            requests: Any = [
                {"DeleteRequest": {"Key": self._key(municipality_id, sk)}} for sk in sort_keys[start : start + 25]
            ]
            pending = {self._table: requests}
            while pending:
                response = self._client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
        return len(records)

    def _lock_revision(self, municipality_id: str, cat_id: str) -> int | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(municipality_id, photo_lock_sk(cat_id)), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None or "revision" not in item:
            return None
        return int(item["revision"]["N"])

    @staticmethod
    def _key(municipality_id: str, sk: str) -> Any:
        return {PARTITION_KEY: {"S": municipality_id}, SORT_KEY: {"S": sk}}

    @staticmethod
    def _item(record: PhotoRecord) -> Any:
        document = record.model_dump(mode="json", exclude_none=True)
        item = {name: _serializer.serialize(value) for name, value in document.items()}
        item[SORT_KEY] = {"S": photo_sk(record.cat_id, record.photo_id)}
        item[KIND] = {"S": PHOTO_KIND}
        return item


def _record(item: dict[str, Any]) -> PhotoRecord:
    document = {name: _deserializer.deserialize(value) for name, value in item.items() if name not in (SORT_KEY, KIND)}
    for name in ("width", "height", "bytes"):
        if name in document:
            document[name] = int(document[name])
    return PhotoRecord.model_validate(document)
