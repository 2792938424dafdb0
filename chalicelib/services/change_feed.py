"""The change feed: committed changes → raw lake objects, from DynamoDB Streams (AWS) or the SQLite outbox (local).

Stream batches report partial failures (Powertools `process_partial_response`): only the records that could
not be decoded or whose object could not be written are returned as `batchItemFailures`. Lambda retries
from the lowest failed sequence number; once the event source mapping's retries are spent, the records go
to its OnFailure destination (an SQS queue infra creates), so poison records are parked, not lost.
Replays are harmless: object keys and bytes are deterministic, and every row carries its change's
record_id, which the SQL uses to keep one row per change.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from ..lake.records import (
    IMAGE_FIELDS_READ,
    LakeRow,
    Partition,
    UndecodableChange,
    group_into_objects,
    lake_row,
)
from ..ports import ChangeFeedPosition, ChangeKind, ChangeOperation, ChangeOutbox, ChangeRecord, LakeWriter

logger = logging.getLogger(__name__)

_OPERATIONS: frozenset[str] = frozenset({"INSERT", "MODIFY", "REMOVE"})
_KINDS: frozenset[str] = frozenset({"cat", "event", "complaint"})
# Items that share the main table but are operational only (photo records and their per-cat lock): they never go
# into the lake, and their changes are acknowledged, not failed (a failure would be retried forever).
_KINDS_OUTSIDE_THE_LAKE: frozenset[str] = frozenset({"photo", "photo_lock"})
_DESERIALIZER = TypeDeserializer()


def _image(raw: Any) -> dict[str, Any] | None:
    """The image's attributes the lake reads (decoding names, notes or contacts only to drop them would cost
    more than everything else the handler does)."""
    if not raw:
        return None
    image: dict[str, Any] = {}
    for name, value in raw.items():
        if name in IMAGE_FIELDS_READ:
            text = value.get("S")  # most attributes are strings or NULL: no call for them
            if text is None:
                text = None if value.get("NULL") is True else _attribute(value)
            image[name] = text
    return image


def _attribute(value: Mapping[str, Any]) -> Any:
    """DynamoDB JSON → Python: the common types inline (the stream's hot path), the rest by Powertools."""
    text = value.get("S")
    if text is not None:
        return text
    number = value.get("N")
    if number is not None:
        return _number(number)
    if "BOOL" in value:
        return bool(value["BOOL"])
    if "NULL" in value:
        return None
    if "M" in value:
        return {k: _attribute(v) for k, v in value["M"].items()}
    if "L" in value:
        return [_attribute(v) for v in value["L"]]
    return _DESERIALIZER.deserialize(dict(value))


def _number(text: str) -> int | float:
    """A DynamoDB number as the lake writes it: integral values as int, others as float."""
    if text.isdigit():
        return int(text)  # versions, yen amounts, categories: the common case
    value = float(text)  # coordinates: float(str) rounds exactly as float(Decimal(str)) does
    if math.isfinite(value) and not value.is_integer():
        return value
    number = Decimal(text)  # integral or out of float's range: exact, as the outbox path gives it
    return int(number) if number == number.to_integral_value() else float(number)


class NotLakeData(Exception):
    """The change is of an item the lake never holds (photos): skipped, and reported as processed."""


def change_from_stream_record(record: Mapping[str, Any] | DynamoDBRecord) -> ChangeRecord:
    """A DynamoDB stream record (NEW_AND_OLD_IMAGES, as Lambda delivers it) as the backends' common ChangeRecord.

    NotLakeData for photo items; UndecodableChange for anything else that is not a cat, event or complaint.
    Reads the record's plain dict: Powertools' per-record data classes cost more than the decoding itself."""
    # A dict check first: isinstance against Powertools' Mapping-based class is ten times slower.
    raw_event: Mapping[str, Any] = record if isinstance(record, dict) else cast(DynamoDBRecord, record).raw_event
    stream = raw_event.get("dynamodb")
    operation = raw_event.get("eventName")
    if not isinstance(stream, dict) or operation not in _OPERATIONS:
        raise UndecodableChange(f"not a DynamoDB stream change (eventName {str(operation)[:20]!r})")
    sequence = stream.get("SequenceNumber")
    if not sequence:
        raise UndecodableChange("stream record without SequenceNumber")
    # REMOVE rows are built from the old image, every other change from the new one.
    raw_image = stream.get("OldImage" if operation == "REMOVE" else "NewImage")
    try:
        kind = raw_image["kind"]["S"] if raw_image else None
    except (TypeError, KeyError) as exc:
        raise UndecodableChange(f"record {sequence}: image has no string kind ({exc})") from exc
    if kind in _KINDS_OUTSIDE_THE_LAKE:
        raise NotLakeData(f"record {sequence}: item kind {kind!r} stays out of the lake")
    if kind not in _KINDS:
        raise UndecodableChange(f"record {sequence}: item kind {str(kind)[:20]!r} is not lake data")
    try:
        image = _image(raw_image)
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        raise UndecodableChange(f"record {sequence}: image is not DynamoDB JSON ({exc})") from exc
    assert image is not None  # raw_image is not empty: it has a kind
    created = stream.get("ApproximateCreationDateTime")
    return ChangeRecord(
        sequence=str(sequence),
        operation=cast(ChangeOperation, operation),
        kind=cast(ChangeKind, kind),
        municipality_id=str(image.get("municipality_id", "")),
        sk=str(image.get("sk", "")),
        new_image=None if operation == "REMOVE" else image,
        old_image=image if operation == "REMOVE" else None,
        approximate_time=dt.datetime.fromtimestamp(float(created or 0), dt.UTC),
    )


@dataclass(frozen=True)
class BatchOutcome:
    written_objects: int
    failures: dict[str, Exception]  # sequence → why that change is not in the lake


def write_changes(changes: Iterable[tuple[str, ChangeRecord | Exception]], writer: LakeWriter) -> BatchOutcome:
    """Turn changes into rows, write one object per partition; say which sequences failed and why.

    A change given as an Exception (it could not even be decoded) fails alone; a failed object write fails
    exactly the changes in that object.
    """
    failures: dict[str, Exception] = {}
    rows: list[tuple[Partition, LakeRow]] = []
    sequence_of: dict[str, str] = {}
    for sequence, change in changes:
        if isinstance(change, Exception):
            failures[sequence] = change
            continue
        try:
            partition, row = lake_row(change)
        except UndecodableChange as exc:
            failures[sequence] = exc
            continue
        rows.append((partition, row))
        sequence_of[row["record_id"]] = sequence
    written = 0
    for lake_object in group_into_objects(rows):
        try:
            writer.write(lake_object.key, lake_object.body())
            written += 1
        except Exception as exc:  # any writer error fails exactly this object's changes, which are retried
            for row in lake_object.rows:
                failures[sequence_of[row["record_id"]]] = exc
    return BatchOutcome(written_objects=written, failures=failures)


def _sequence_number(raw: Any) -> str | None:
    stream = raw.get("dynamodb") if isinstance(raw, dict) else None
    sequence = stream.get("SequenceNumber") if isinstance(stream, dict) else None
    return str(sequence) if sequence else None


def handle_stream_event(event: Mapping[str, Any], writer: LakeWriter, context: Any = None) -> dict[str, Any]:
    """Lambda handler body for DynamoDB Streams: `{"batchItemFailures": [{"itemIdentifier": seq}, ...]}`.

    Every record is decoded from its plain dict; only the records that failed go through Powertools' batch
    processor, which reports them as partial batch failures (a batch without failures never pays for it).
    """
    raw_records: list[Any] = list(event.get("Records") or [])
    decoded: list[tuple[str, ChangeRecord | Exception]] = []
    for position, raw in enumerate(raw_records):
        sequence = _sequence_number(raw) or f"unknown-{position}"
        try:
            decoded.append((sequence, change_from_stream_record(raw)))
        except NotLakeData:
            continue  # not in `decoded`, so never among the failures: acknowledged as processed
        except Exception as exc:  # a poison record: reported as failed, never stops the batch
            decoded.append((sequence, exc if isinstance(exc, UndecodableChange) else UndecodableChange(str(exc))))
    outcome = write_changes(decoded, writer)
    if not outcome.failures:
        return {"batchItemFailures": []}
    for sequence, failure in outcome.failures.items():
        logger.warning("change %s not written to the lake: %s: %s", sequence, type(failure).__name__, failure)
    # A record without a SequenceNumber cannot be named in batchItemFailures: it is logged above and acknowledged.
    failed = [raw for raw in raw_records if _sequence_number(raw) in outcome.failures]

    def report(record: DynamoDBRecord) -> None:
        failure = outcome.failures.get(str(record.dynamodb.sequence_number if record.dynamodb else ""))
        if failure is not None:
            raise failure

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event={**event, "Records": failed}, record_handler=report, processor=processor, context=context
    )
    return dict(response)


@dataclass(frozen=True)
class PublishReport:
    changes: int
    objects: int
    last_sequence: str | None


def publish_outbox(
    outbox: ChangeOutbox, writer: LakeWriter, position: ChangeFeedPosition, batch_size: int = 5000
) -> PublishReport:
    """Write every outbox change after the remembered position to the lake, batch by batch.

    The position moves only past a batch that was written completely; a failed batch is retried from its
    start next time (same keys, same bytes), so nothing is lost or duplicated.
    """
    after = position.read()
    total_changes = total_objects = 0
    while True:
        batch: Sequence[ChangeRecord] = outbox.read_changes(after, batch_size)
        if not batch:
            break
        outcome = write_changes(((c.sequence, c) for c in batch), writer)
        write_failures = {s: e for s, e in outcome.failures.items() if not isinstance(e, UndecodableChange)}
        if write_failures:
            first = next(iter(write_failures.values()))
            raise first
        for sequence, exc in outcome.failures.items():
            logger.warning("outbox change %s skipped: %s", sequence, exc)
        after = batch[-1].sequence
        position.save(after)
        total_changes += len(batch)
        total_objects += outcome.written_objects
        if len(batch) < batch_size:
            break
    return PublishReport(changes=total_changes, objects=total_objects, last_sequence=after)
