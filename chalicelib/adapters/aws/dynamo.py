"""The AWS backend's stores on DynamoDB: cats, events and complaints (main table), keys and idempotency (control).

The item layout is dynamo_schema.py's. Stores take a zero-argument function returning a boto3
DynamoDB client and call it on first use, so importing this module or building the stores makes
no client and touches no network (cold start).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, TypeAdapter

from ...domain.errors import Conflict, NotFound, PreconditionFailed
from ...domain.keys import ApiKeyRecord
from ...domain.models import Cat, CatFilter, Complaint, Event
from ...ports import Cursor, IdempotencyRecord, Page, cursor_position
from ...settings import Settings
from .dynamo_schema import (
    CAT_PREFIX,
    COMPLAINT_PREFIX,
    CONTROL_PARTITION_KEY,
    CONTROL_SORT_KEY,
    CONTROL_TTL_ATTRIBUTE,
    DATE_INDEX,
    DATE_INDEX_SORT_KEY,
    EVENT_PREFIX,
    KIND,
    PARTITION_KEY,
    SORT_KEY,
    cat_sk,
    complaint_date_sk,
    complaint_sk,
    event_date_sk,
    event_sk,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ClientFactory = Callable[[], "DynamoDBClient"]
Item = dict[str, Any]  # attribute name -> DynamoDB attribute value ({"S": ...}, {"N": ...}, ...)

TRANSACTION_LIMIT = 100  # items per TransactWriteItems
_CONDITION_FAILED = "ConditionalCheckFailedException"
_TRANSACTION_CANCELED = "TransactionCanceledException"
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)
_DELETE_ATTEMPTS = 5
_KEY_PREFIX = "KEY#"
_KEY_SORT = "KEY"
_IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"
_IDEMPOTENCY_SORT = "IDEMPOTENCY"
_VERSION_NAMES = {"#sk": SORT_KEY, "#version": "version"}
_VERSION_CONDITION = "attribute_exists(#sk) AND #version = :expected"


# ---- items ---------------------------------------------------------------------------------------


def _attributes(fields: dict[str, Any]) -> Item:
    return {name: _SERIALIZER.serialize(value) for name, value in fields.items()}


def _model_item(model: BaseModel, sk: str, kind: str, date_sk: str | None = None) -> Item:
    """The model's JSON fields (None omitted, floats as Decimal) plus the key and layout attributes."""
    fields = json.loads(model.model_dump_json(exclude_none=True), parse_float=Decimal)
    fields[SORT_KEY] = sk
    fields[KIND] = kind
    if date_sk is not None:
        fields[DATE_INDEX_SORT_KEY] = date_sk
    return _attributes(fields)


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to the int or float the JSON had."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {name: _plain(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def _fields(item: Item, *layout: str) -> dict[str, Any]:
    return {name: _plain(_DESERIALIZER.deserialize(value)) for name, value in item.items() if name not in layout}


def _cat(item: Item) -> Cat:
    return Cat.model_validate(_fields(item, SORT_KEY, KIND))


def _event(item: Item) -> Event:
    return Event.model_validate(_fields(item, SORT_KEY, KIND, DATE_INDEX_SORT_KEY))


def _complaint(item: Item) -> Complaint:
    return Complaint.model_validate(_fields(item, SORT_KEY, KIND, DATE_INDEX_SORT_KEY))


def _cat_item(cat: Cat) -> Item:
    return _model_item(cat, cat_sk(cat.cat_id), "cat")


def _event_item(event: Event) -> Item:
    return _model_item(
        event,
        event_sk(event.cat_id, event.event_id),
        "event",
        event_date_sk(event.occurred_on.isoformat(), event.event_id),
    )


def _complaint_item(complaint: Complaint) -> Item:
    return _model_item(
        complaint,
        complaint_sk(complaint.complaint_id),
        "complaint",
        complaint_date_sk(complaint.received_on.isoformat(), complaint.complaint_id),
    )


def _key(municipality_id: str, sk: str) -> Item:
    return {PARTITION_KEY: {"S": municipality_id}, SORT_KEY: {"S": sk}}


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons", []))  # type: ignore[arg-type]
    return reasons


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- cats, events, complaints --------------------------------------------------------------------


class DynamoCatStore:
    """CatStore on the main table: one partition per municipality, conditional writes for versions."""

    def __init__(self, client: ClientFactory, table_name: str, *, transaction_limit: int = TRANSACTION_LIMIT) -> None:
        """`transaction_limit`: items per TransactWriteItems (DynamoDB allows 100; tests use fewer)."""
        self._client_factory = client
        self._table = table_name
        self._transaction_limit = transaction_limit

    @property
    def _client(self) -> DynamoDBClient:
        return self._client_factory()

    # ---- cats ----------------------------------------------------------------------------------

    def create_cat(self, cat: Cat) -> None:
        self._put_new(_cat_item(cat), f"cat {cat.cat_id}")

    def _put_new(self, item: Item, what: str) -> None:
        """Write an item that must not exist yet (Conflict if it does)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(#sk)",
                ExpressionAttributeNames={"#sk": SORT_KEY},
            )
        except ClientError as error:
            if _error_code(error) == _CONDITION_FAILED:
                raise Conflict(f"{what} already exists") from error
            raise

    def create_cats(self, cats: Sequence[Cat]) -> None:
        """All or nothing: one transaction per 100 cats; if a later one fails, the earlier ones are undone."""
        written: list[Cat] = []
        try:
            for chunk in _chunks(cats, self._transaction_limit):
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": _cat_item(cat),
                                "ConditionExpression": "attribute_not_exists(#sk)",
                                "ExpressionAttributeNames": {"#sk": SORT_KEY},
                            }
                        }
                        for cat in chunk
                    ]
                )
                written.extend(chunk)
        except ClientError as error:
            self._undo_creates(written)
            reasons = _cancellation_reasons(error)
            if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                raise Conflict("a cat with this id already exists; nothing was written") from error
            raise

    def _undo_creates(self, cats: Sequence[Cat]) -> None:
        for chunk in _chunks(cats, self._transaction_limit):
            self._client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self._table, "Key": _key(cat.municipality_id, cat_sk(cat.cat_id))}}
                    for cat in chunk
                ]
            )

    def get_cat(self, municipality_id: str, cat_id: str) -> Cat | None:
        response = self._client.get_item(
            TableName=self._table, Key=_key(municipality_id, cat_sk(cat_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else _cat(item)

    def list_cats(self, municipality_id: str, flt: CatFilter, limit: int, cursor: Cursor | None) -> Page[Cat]:
        names = {"#m": PARTITION_KEY, "#sk": SORT_KEY}
        values: Item = {":m": {"S": municipality_id}, ":prefix": {"S": CAT_PREFIX}}
        conditions = []
        wanted = {
            "status": None if flt.status is None else flt.status.value,
            "area": flt.area,
            "neutered": flt.neutered,
        }
        for name, value in wanted.items():
            if value is not None:
                names[f"#{name}"] = name
                values[f":{name}"] = _SERIALIZER.serialize(value)
                conditions.append(f"#{name} = :{name}")
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#m = :m AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            # A filter can leave DynamoDB pages sparse: read more per request then.
            "Limit": limit + 1 if not conditions and flt.updated_since is None else max(limit + 1, 100),
        }
        if conditions:
            query["FilterExpression"] = " AND ".join(conditions)
        after = cursor_position(cursor)
        if after is not None:
            query["ExclusiveStartKey"] = _key(municipality_id, cat_sk(after))
        # One match more than asked tells whether another page exists. updated_since is compared
        # here, not in the filter expression: stored datetimes may carry different offsets.
        found: list[Cat] = []
        for item in self._query_pages(query):
            cat = _cat(item)
            if flt.matches(cat):
                found.append(cat)
                if len(found) > limit:
                    break
        cats = found[:limit]
        return Page(cats, {"after": cats[-1].cat_id} if len(found) > limit and cats else None)

    def _query_pages(self, query: dict[str, Any]) -> Iterator[Item]:
        """The query's items, fetching the next page only when the caller wants more."""
        while True:
            response = self._client.query(**query)
            yield from response.get("Items", [])
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return
            query = {**query, "ExclusiveStartKey": last_key}

    def save_cat(self, cat: Cat, expected_version: int) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_cat_item(cat),
                ConditionExpression=_VERSION_CONDITION,
                ExpressionAttributeNames=_VERSION_NAMES,
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) == _CONDITION_FAILED:
                old: Item | None = error.response.get("Item")  # type: ignore[assignment]
                raise self._version_failure(cat.municipality_id, cat.cat_id, expected_version, old) from error
            raise

    def _version_failure(self, municipality_id: str, cat_id: str, expected: int, old: Item | None) -> Exception:
        """A failed version condition means the cat is gone (NotFound) or changed (PreconditionFailed)."""
        current = _cat(old) if old else self.get_cat(municipality_id, cat_id)
        if current is None:
            return NotFound(f"no cat {cat_id} in municipality {municipality_id}")
        return PreconditionFailed(f"the cat is at version {current.version}, not {expected}; nothing was changed")

    def delete_cat(self, municipality_id: str, cat_id: str, expected_version: int | None) -> None:
        if expected_version is not None:
            self._delete(municipality_id, cat_id, expected_version)
            return
        # Without If-Match, delete whatever version is there; retry if an event lands in between.
        for attempt in range(_DELETE_ATTEMPTS):
            current = self.get_cat(municipality_id, cat_id)
            if current is None:
                raise NotFound(f"no cat {cat_id} in municipality {municipality_id}")
            try:
                self._delete(municipality_id, cat_id, current.version)
                return
            except PreconditionFailed:
                if attempt == _DELETE_ATTEMPTS - 1:
                    raise

    def _delete(self, municipality_id: str, cat_id: str, version: int) -> None:
        keys_query = {**self._events_query(municipality_id, cat_id), "ProjectionExpression": "#m, #sk"}
        event_keys = list(self._query_pages(keys_query))
        deletes: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _key(municipality_id, cat_sk(cat_id)),
                    "ConditionExpression": _VERSION_CONDITION,
                    "ExpressionAttributeNames": _VERSION_NAMES,
                    "ExpressionAttributeValues": {":expected": {"N": str(version)}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        deletes += [{"Delete": {"TableName": self._table, "Key": key}} for key in event_keys]
        for index, chunk in enumerate(_chunks(deletes, self._transaction_limit)):
            try:
                self._client.transact_write_items(TransactItems=list(chunk))
            except ClientError as error:
                reasons = _cancellation_reasons(error)
                if index == 0 and reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    raise self._version_failure(municipality_id, cat_id, version, reasons[0].get("Item")) from error
                raise

    # ---- events --------------------------------------------------------------------------------

    def record_event(self, cat: Cat, event: Event, expected_version: int) -> None:
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": _event_item(event),
                            "ConditionExpression": "attribute_not_exists(#sk)",
                            "ExpressionAttributeNames": {"#sk": SORT_KEY},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": _cat_item(cat),
                            "ConditionExpression": _VERSION_CONDITION,
                            "ExpressionAttributeNames": _VERSION_NAMES,
                            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                ]
            )
        except ClientError as error:
            if _error_code(error) != _TRANSACTION_CANCELED:
                raise
            reasons = _cancellation_reasons(error) or [{}, {}]
            event_reason, cat_reason = reasons[0], reasons[1]
            if cat_reason.get("Code") == "ConditionalCheckFailed":
                old = cat_reason.get("Item")
                raise self._version_failure(cat.municipality_id, cat.cat_id, expected_version, old) from error
            if event_reason.get("Code") == "ConditionalCheckFailed":
                raise Conflict(f"event {event.event_id} is already recorded; nothing was changed") from error
            if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                raise PreconditionFailed("the cat was changed by another request at the same time") from error
            raise

    def list_events(self, municipality_id: str, cat_id: str) -> list[Event]:
        items = self._query_pages(self._events_query(municipality_id, cat_id))
        return sorted(map(_event, items), key=lambda event: (event.occurred_on, event.event_id))

    def last_event(self, municipality_id: str, cat_id: str) -> Event | None:
        # Event ids are ULIDs in recording order, and events are recorded in the order they happened.
        query = self._events_query(municipality_id, cat_id)
        response = self._client.query(**query, ScanIndexForward=False, Limit=1)
        items = response.get("Items", [])
        return _event(items[0]) if items else None

    def _events_query(self, municipality_id: str, cat_id: str) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "KeyConditionExpression": "#m = :m AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#m": PARTITION_KEY, "#sk": SORT_KEY},
            "ExpressionAttributeValues": {":m": {"S": municipality_id}, ":prefix": {"S": f"{EVENT_PREFIX}{cat_id}#"}},
            "ConsistentRead": True,
        }

    def events_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Event]:
        return [_event(item) for item in self._dated(municipality_id, EVENT_PREFIX, start, end)]

    def _dated(self, municipality_id: str, prefix: str, start: dt.date, end: dt.date) -> Iterator[Item]:
        """Items of one kind dated start..end (inclusive) from the sparse by_date index."""
        return self._query_pages(
            {
                "TableName": self._table,
                "IndexName": DATE_INDEX,
                "KeyConditionExpression": "#m = :m AND #date BETWEEN :start AND :end",
                "ExpressionAttributeNames": {"#m": PARTITION_KEY, "#date": DATE_INDEX_SORT_KEY},
                "ExpressionAttributeValues": {
                    ":m": {"S": municipality_id},
                    ":start": {"S": f"{prefix}{start.isoformat()}"},
                    # "~" sorts after "#", so every id on the end date is included.
                    ":end": {"S": f"{prefix}{end.isoformat()}~"},
                },
            }
        )

    # ---- complaints ----------------------------------------------------------------------------

    def add_complaint(self, complaint: Complaint) -> None:
        self._put_new(_complaint_item(complaint), f"complaint {complaint.complaint_id}")

    def list_complaints(self, municipality_id: str, limit: int, cursor: Cursor | None) -> Page[Complaint]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#m = :m AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#m": PARTITION_KEY, "#sk": SORT_KEY},
            "ExpressionAttributeValues": {":m": {"S": municipality_id}, ":prefix": {"S": COMPLAINT_PREFIX}},
            "ConsistentRead": True,
            "Limit": limit + 1,
        }
        after = cursor_position(cursor)
        if after is not None:
            query["ExclusiveStartKey"] = _key(municipality_id, complaint_sk(after))
        found: list[Complaint] = []
        for item in self._query_pages(query):
            found.append(_complaint(item))
            if len(found) > limit:
                break
        complaints = found[:limit]
        more = len(found) > limit
        return Page(complaints, {"after": complaints[-1].complaint_id} if more and complaints else None)

    def complaints_between(self, municipality_id: str, start: dt.date, end: dt.date) -> list[Complaint]:
        return [_complaint(item) for item in self._dated(municipality_id, COMPLAINT_PREFIX, start, end)]


# ---- control table: keys and idempotency -----------------------------------------------------------


def _control_key(pk: str, sk: str) -> Item:
    return {CONTROL_PARTITION_KEY: {"S": pk}, CONTROL_SORT_KEY: {"S": sk}}


class DynamoKeyStore:
    """KeyStore on the control table: one item per key, holding only the key's hash."""

    def __init__(self, client: ClientFactory, table_name: str) -> None:
        self._client_factory = client
        self._table = table_name

    @property
    def _client(self) -> DynamoDBClient:
        return self._client_factory()

    def put_key(self, record: ApiKeyRecord) -> None:
        fields = json.loads(record.model_dump_json(exclude_none=True))
        fields[CONTROL_PARTITION_KEY] = f"{_KEY_PREFIX}{record.key_id}"
        fields[CONTROL_SORT_KEY] = _KEY_SORT
        self._client.put_item(TableName=self._table, Item=_attributes(fields))

    def get_key(self, key_id: str) -> ApiKeyRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=_control_key(f"{_KEY_PREFIX}{key_id}", _KEY_SORT), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else self._record(item)

    @staticmethod
    def _record(item: Item) -> ApiKeyRecord:
        return ApiKeyRecord.model_validate(_fields(item, CONTROL_PARTITION_KEY, CONTROL_SORT_KEY))

    def list_keys(self) -> list[ApiKeyRecord]:
        # Keys are few and listed rarely (admin command): a filtered scan of the control table.
        scan: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "#sk = :sk AND begins_with(#pk, :prefix)",
            "ExpressionAttributeNames": {"#pk": CONTROL_PARTITION_KEY, "#sk": CONTROL_SORT_KEY},
            "ExpressionAttributeValues": {":sk": {"S": _KEY_SORT}, ":prefix": {"S": _KEY_PREFIX}},
            "ConsistentRead": True,
        }
        records = []
        while True:
            response = self._client.scan(**scan)
            records += [self._record(item) for item in response.get("Items", [])]
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return sorted(records, key=lambda record: (record.created_at, record.key_id))
            scan["ExclusiveStartKey"] = last_key

    def revoke_key(self, key_id: str, at: dt.datetime) -> bool:
        return self._update_if_exists(key_id, "SET #at = if_not_exists(#at, :at)", "revoked_at", at)

    def touch_key(self, key_id: str, at: dt.datetime) -> None:
        self._update_if_exists(key_id, "SET #at = :at", "last_used_at", at)

    def _update_if_exists(self, key_id: str, update: str, attribute: str, at: dt.datetime) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_control_key(f"{_KEY_PREFIX}{key_id}", _KEY_SORT),
                UpdateExpression=update,
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={"#pk": CONTROL_PARTITION_KEY, "#at": attribute},
                ExpressionAttributeValues={":at": {"S": _DATETIME.dump_python(at, mode="json")}},
            )
        except ClientError as error:
            if _error_code(error) == _CONDITION_FAILED:
                return False
            raise
        return True


def _epoch_seconds(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class DynamoIdempotencyStore:
    """IdempotencyStore on the control table; `expires_at` (epoch seconds) is the table's TTL attribute."""

    def __init__(self, client: ClientFactory, table_name: str) -> None:
        self._client_factory = client
        self._table = table_name

    @property
    def _client(self) -> DynamoDBClient:
        return self._client_factory()

    def reserve(
        self, key: str, request_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> IdempotencyRecord | None:
        reservation = IdempotencyRecord(request_hash=request_hash, expires_at=expires_at, started_at=now)
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(key, reservation),
                # TTL deletion lags expiry by up to days: an expired record counts as absent.
                ConditionExpression="attribute_not_exists(#pk) OR #expires < :now",
                ExpressionAttributeNames={"#pk": CONTROL_PARTITION_KEY, "#expires": CONTROL_TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(_epoch_seconds(now))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) != _CONDITION_FAILED:
                raise
            old: Item | None = error.response.get("Item")  # type: ignore[assignment]
            if old is None:
                response = self._client.get_item(TableName=self._table, Key=self._key(key), ConsistentRead=True)
                old = response.get("Item")
            if old is None:  # released in between: claim it again
                return self.reserve(key, request_hash, now, expires_at)
            return self._record(old)
        return None

    def complete(self, key: str, record: IdempotencyRecord) -> None:
        self._client.put_item(TableName=self._table, Item=self._item(key, record))

    def release(self, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(key))

    @staticmethod
    def _key(key: str) -> Item:
        return _control_key(f"{_IDEMPOTENCY_PREFIX}{key}", _IDEMPOTENCY_SORT)

    @staticmethod
    def _item(key: str, record: IdempotencyRecord) -> Item:
        fields: dict[str, Any] = {
            CONTROL_PARTITION_KEY: f"{_IDEMPOTENCY_PREFIX}{key}",
            CONTROL_SORT_KEY: _IDEMPOTENCY_SORT,
            "request_hash": record.request_hash,
            CONTROL_TTL_ATTRIBUTE: _epoch_seconds(record.expires_at),
            "headers": record.headers,
        }
        if record.status_code is not None:
            fields["status_code"] = record.status_code
        if record.body is not None:
            fields["body"] = record.body
        if record.started_at is not None:
            fields["started_at"] = _DATETIME.dump_python(record.started_at, mode="json")
        return _attributes(fields)

    @staticmethod
    def _record(item: Item) -> IdempotencyRecord:
        fields = _fields(item)
        started_at = fields.get("started_at")
        return IdempotencyRecord(
            request_hash=fields["request_hash"],
            expires_at=dt.datetime.fromtimestamp(fields[CONTROL_TTL_ATTRIBUTE], dt.UTC),
            status_code=fields.get("status_code"),
            body=fields.get("body"),
            headers=fields.get("headers", {}),
            started_at=None if started_at is None else _DATETIME.validate_python(started_at),
        )


# ---- wiring ----------------------------------------------------------------------------------------


def lazy_dynamodb_client(region_name: str | None = None) -> ClientFactory:
    """A function making one DynamoDB client on its first call (thread-safe) and returning it after."""
    lock = threading.Lock()
    made: list[DynamoDBClient] = []

    def client() -> DynamoDBClient:
        if not made:
            with lock:
                if not made:
                    import boto3
                    from botocore.config import Config

                    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
                    made.append(boto3.client("dynamodb", region_name=region_name, config=config))
        return made[0]

    return client


@dataclass(frozen=True)
class DynamoStores:
    cats: DynamoCatStore
    keys: DynamoKeyStore
    idempotency: DynamoIdempotencyStore


def make_dynamo_stores(settings: Settings, client: ClientFactory | None = None) -> DynamoStores:
    """The AWS backend's stores; they share one lazily created client (none is made here)."""
    factory = client or lazy_dynamodb_client()
    return DynamoStores(
        cats=DynamoCatStore(factory, settings.table_name),
        keys=DynamoKeyStore(factory, settings.control_table_name),
        idempotency=DynamoIdempotencyStore(factory, settings.control_table_name),
    )
