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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from ..lake.records import IMAGE_FIELDS_READ, LakeRow, Partition, UndecodableChange, group_into_objects, lake_row
from ..ports import ChangeFeedPosition, ChangeKind, ChangeOperation, ChangeOutbox, ChangeRecord, LakeWriter

logger = logging.getLogger(__name__)

_OPERATIONS: frozenset[str] = frozenset({"INSERT", "MODIFY", "REMOVE"})
_KINDS: frozenset[str] = frozenset({"cat", "event", "complaint"})
# Items that share the main table but are operational only (photo records and their per-cat lock): they never go
# into the lake, and their changes are acknowledged, not failed (a failure would be retried forever).
_KINDS_OUTSIDE_THE_LAKE: frozenset[str] = frozenset({"photo", "photo_lock"})
_DESERIALIZER = TypeDeserializer()


def _image(stream: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The image's attributes the lake reads (deserialising notes or contacts only to drop them costs half the time)."""
    raw = stream.get(name)
    if not raw:
        return None
    return {key: _attribute(value) for key, value in raw.items() if key in IMAGE_FIELDS_READ}


def _attribute(value: Mapping[str, Any]) -> Any:
    """DynamoDB JSON → Python: the common scalar types inline (the stream's hot path), the rest by Powertools."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return Decimal(value["N"])
    if "BOOL" in value:
        return bool(value["BOOL"])
    if "NULL" in value:
        return None
    if "M" in value:
        return {k: _attribute(v) for k, v in value["M"].items()}
    return _DESERIALIZER.deserialize(dict(value))


class NotLakeData(Exception):
    """The change is of an item the lake never holds (photos): skipped, and reported as processed."""


def change_from_stream_record(record: DynamoDBRecord) -> ChangeRecord:
    """A DynamoDB stream record (NEW_AND_OLD_IMAGES) as the backends' common ChangeRecord.

    NotLakeData for photo items; UndecodableChange for anything else that is not a cat, event or complaint."""
    stream = record.raw_event.get("dynamodb")
    operation = record.raw_event.get("eventName")
    if not isinstance(stream, Mapping) or operation not in _OPERATIONS:
        raise UndecodableChange(f"not a DynamoDB stream change (eventName {str(operation)[:20]!r})")
    sequence = stream.get("SequenceNumber")
    if not sequence:
        raise UndecodableChange("stream record without SequenceNumber")
    try:
        # REMOVE rows are built from the old image, every other change from the new one.
        new_image = None if operation == "REMOVE" else _image(stream, "NewImage")
        old_image = _image(stream, "OldImage") if operation == "REMOVE" else None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise UndecodableChange(f"record {sequence}: image is not DynamoDB JSON ({exc})") from exc
    image = new_image or old_image or {}
    kind = image.get("kind")
    if kind in _KINDS_OUTSIDE_THE_LAKE:
        raise NotLakeData(f"record {sequence}: item kind {kind!r} stays out of the lake")
    if kind not in _KINDS:
        raise UndecodableChange(f"record {sequence}: item kind {str(kind)[:20]!r} is not lake data")
    created = stream.get("ApproximateCreationDateTime")
    return ChangeRecord(
        sequence=str(sequence),
        operation=cast(ChangeOperation, operation),
        kind=cast(ChangeKind, kind),
        municipality_id=str(image.get("municipality_id", "")),
        sk=str(image.get("sk", "")),
        new_image=new_image,
        old_image=old_image,
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


def handle_stream_event(event: Mapping[str, Any], writer: LakeWriter, context: Any = None) -> dict[str, Any]:
    """Lambda handler body for DynamoDB Streams: `{"batchItemFailures": [{"itemIdentifier": seq}, ...]}`."""
    raw_records: list[dict[str, Any]] = list(event.get("Records") or [])
    decoded: list[tuple[str, ChangeRecord | Exception]] = []
    for position, raw in enumerate(raw_records):
        sequence = str((raw.get("dynamodb") or {}).get("SequenceNumber") or f"unknown-{position}")
        try:
            decoded.append((sequence, change_from_stream_record(DynamoDBRecord(raw))))
        except NotLakeData:
            continue  # not in `decoded`, so never among the failures: acknowledged as processed
        except Exception as exc:  # a poison record: reported as failed, never stops the batch
            decoded.append((sequence, exc if isinstance(exc, UndecodableChange) else UndecodableChange(str(exc))))
    outcome = write_changes(decoded, writer)
    for sequence, failure in outcome.failures.items():
        logger.warning("change %s not written to the lake: %s: %s", sequence, type(failure).__name__, failure)

    def report(record: DynamoDBRecord) -> None:
        failure = outcome.failures.get(str(record.dynamodb.sequence_number if record.dynamodb else ""))
        if failure is not None:
            raise failure

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(event=dict(event), record_handler=report, processor=processor, context=context)
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
