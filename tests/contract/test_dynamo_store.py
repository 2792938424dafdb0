"""What only the DynamoDB store does: the item layout, reads confined by the date index, lazy wiring.

Also checks that both backends describe a change identically: the SQLite outbox image equals the
DynamoDB item (what a stream record carries) apart from the index attribute `date_sk`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.adapters.aws.dynamo import (
    TRANSACTION_LIMIT,
    DynamoCatStore,
    lazy_dynamodb_client,
    make_dynamo_stores,
)
from chalicelib.adapters.aws.dynamo_schema import cat_sk, complaint_sk, event_sk
from chalicelib.adapters.sqlite.stores import SqliteCatStore
from chalicelib.settings import Settings

from .conftest import REGION, DynamoTables
from .factories import CHIYODA, CHUO, japanese_cat, new_cat, new_complaint, record


def raw_item(tables: DynamoTables, sk: str, municipality_id: str = CHIYODA) -> dict[str, Any]:
    response = tables.client.get_item(
        TableName=tables.table_name, Key={"municipality_id": {"S": municipality_id}, "sk": {"S": sk}}
    )
    return {name: TypeDeserializer().deserialize(value) for name, value in response["Item"].items()}


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def test_items_follow_the_schema_layout(dynamo_tables: DynamoTables, dynamo_cats: DynamoCatStore) -> None:
    cat = japanese_cat()
    dynamo_cats.create_cat(cat)
    cat, event = record(dynamo_cats, cat, "intake", dt.date(2024, 7, 1))
    complaint = new_complaint(reporter=None)
    dynamo_cats.add_complaint(complaint)

    cat_item = raw_item(dynamo_tables, cat_sk(cat.cat_id))
    event_item = raw_item(dynamo_tables, event_sk(cat.cat_id, event.event_id))
    complaint_item = raw_item(dynamo_tables, complaint_sk(complaint.complaint_id))

    assert cat_item["kind"] == "cat" and "date_sk" not in cat_item
    assert cat_item["location"] == {"lat": Decimal("35.695123"), "lon": Decimal("139.757456")}
    assert cat_item["version"] == 2 and cat_item["name"] == "みけ（三毛）"
    assert event_item["kind"] == "event"
    assert event_item["date_sk"] == f"EVENT#2024-07-01#{event.event_id}"
    assert complaint_item["kind"] == "complaint"
    assert complaint_item["date_sk"] == f"COMPLAINT#{complaint.received_on.isoformat()}#{complaint.complaint_id}"
    for item in (cat_item, event_item, complaint_item):
        assert None not in item.values()
    assert "reporter" not in complaint_item and "notes" not in event_item and "contact" not in event_item


def test_both_backends_describe_a_stored_item_identically(
    dynamo_tables: DynamoTables, dynamo_cats: DynamoCatStore, tmp_path: Path
) -> None:
    sqlite = SqliteCatStore(tmp_path / "catdata.sqlite3")
    try:
        cat = japanese_cat()
        sqlite.create_cat(cat)
        dynamo_cats.create_cat(cat)
        cat_after, event = record(sqlite, cat, "surgery", dt.date(2024, 7, 1), cost_yen=18000)
        dynamo_cats.record_event(cat_after, event, expected_version=1)
        complaint = new_complaint()
        sqlite.add_complaint(complaint)
        dynamo_cats.add_complaint(complaint)

        images = {(c.sk, c.operation): c.new_image for c in sqlite.read_changes(None, 100)}
    finally:
        sqlite.close()

    for sk in (cat_sk(cat.cat_id), event_sk(cat.cat_id, event.event_id), complaint_sk(complaint.complaint_id)):
        item = plain(raw_item(dynamo_tables, sk))
        item.pop("date_sk", None)
        latest = images.get((sk, "MODIFY")) or images[(sk, "INSERT")]
        assert item == latest, sk


def test_reading_one_municipality_year_reads_only_that_years_items_from_the_index(
    dynamo_tables: DynamoTables, dynamo_cats: DynamoCatStore
) -> None:
    for municipality_id in (CHIYODA, CHUO):
        for year in (2022, 2023, 2024):
            cat = new_cat(municipality_id)
            dynamo_cats.create_cat(cat)
            cat, _ = record(dynamo_cats, cat, "sighting", dt.date(year, 6, 1), last_event=None)
            record(dynamo_cats, cat, "trap", dt.date(year, 6, 2), last_event=None)
            dynamo_cats.add_complaint(new_complaint(municipality_id, dt.date(year, 6, 1)))
    responses: list[dict[str, Any]] = []

    def keep(parsed: dict[str, Any], **_: Any) -> None:
        responses.append(parsed)

    dynamo_tables.client.meta.events.register("after-call.dynamodb.Query", keep)
    events = dynamo_cats.events_between(CHIYODA, dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    complaints = dynamo_cats.complaints_between(CHIYODA, dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    dynamo_tables.client.meta.events.unregister("after-call.dynamodb.Query", keep)

    assert len(events) == 2 and len(complaints) == 1
    assert [r["ScannedCount"] for r in responses] == [r["Count"] for r in responses] == [2, 1]


def test_a_bulk_create_uses_transactions_of_at_most_one_hundred_items(dynamo_tables: DynamoTables) -> None:
    store = DynamoCatStore(lambda: dynamo_tables.client, dynamo_tables.table_name)
    sizes: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["TransactItems"]))

    dynamo_tables.client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", count)
    store.create_cats([new_cat() for _ in range(TRANSACTION_LIMIT + 30)])

    assert sizes == [TRANSACTION_LIMIT, 30]


def test_the_factory_makes_no_client_until_a_store_is_used(dynamo_tables: DynamoTables) -> None:
    made: list[object] = []

    def client() -> Any:
        made.append(dynamo_tables.client)
        return dynamo_tables.client

    settings = Settings(backend="aws", table_name=dynamo_tables.table_name, control_table_name="unused")
    stores = make_dynamo_stores(settings, client)
    assert made == []

    assert stores.cats.get_cat(CHIYODA, new_cat().cat_id) is None
    assert made == [dynamo_tables.client]


def test_the_lazy_client_is_made_once_and_shared(dynamo_tables: DynamoTables) -> None:
    client = lazy_dynamodb_client(REGION)

    first, second = client(), client()

    assert first is second
    assert dynamo_tables.table_name in first.list_tables()["TableNames"]
