"""DynamoDB layout: the one source of truth for the adapters, the tests' moto tables and the infra tests.

Main table (as the design document says: partition key 自治体ID, sort key built on 猫ID):
  cat        municipality_id, sk = "CAT#{cat_id}"
  event      municipality_id, sk = "EVENT#{cat_id}#{event_id}"     date_sk = "EVENT#{occurred_on}#{event_id}"
  complaint  municipality_id, sk = "COMPLAINT#{complaint_id}"      date_sk = "COMPLAINT#{received_on}#{complaint_id}"
Every item also has `kind` ("cat" | "event" | "complaint") and the model's JSON fields (None omitted,
floats as Decimal). GSI `by_date` (municipality_id, date_sk) is sparse: only events and complaints,
so one municipality-year of statistics reads exactly that year's items.

Control table (keys and idempotency records, not municipal data):
  api key      pk = "KEY#{key_id}",           sk = "KEY"
  idempotency  pk = "IDEMPOTENCY#{key}",      sk = "IDEMPOTENCY",   expires_at = epoch seconds (TTL)
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "municipality_id"
SORT_KEY = "sk"
DATE_INDEX = "by_date"
DATE_INDEX_SORT_KEY = "date_sk"
KIND = "kind"

CAT_PREFIX = "CAT#"
EVENT_PREFIX = "EVENT#"
COMPLAINT_PREFIX = "COMPLAINT#"

CONTROL_PARTITION_KEY = "pk"
CONTROL_SORT_KEY = "sk"
CONTROL_TTL_ATTRIBUTE = "expires_at"


def cat_sk(cat_id: str) -> str:
    return f"{CAT_PREFIX}{cat_id}"


def event_sk(cat_id: str, event_id: str) -> str:
    return f"{EVENT_PREFIX}{cat_id}#{event_id}"


def event_date_sk(occurred_on: str, event_id: str) -> str:
    return f"{EVENT_PREFIX}{occurred_on}#{event_id}"


def complaint_sk(complaint_id: str) -> str:
    return f"{COMPLAINT_PREFIX}{complaint_id}"


def complaint_date_sk(received_on: str, complaint_id: str) -> str:
    return f"{COMPLAINT_PREFIX}{received_on}#{complaint_id}"


def main_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments (tests create the moto table from this; infra tests compare the template)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
            {"AttributeName": DATE_INDEX_SORT_KEY, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": DATE_INDEX,
                "KeySchema": [
                    {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": DATE_INDEX_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def control_table_definition(table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": CONTROL_PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": CONTROL_SORT_KEY, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": CONTROL_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": CONTROL_SORT_KEY, "KeyType": "RANGE"},
        ],
    }


def photo_sk(cat_id: str, photo_id: str) -> str:
    """Photo records (kind "photo") share the main table; they are operational only, never lake data."""
    return f"PHOTO#{cat_id}#{photo_id}"


def cat_photos_sk_prefix(cat_id: str) -> str:
    return f"PHOTO#{cat_id}#"


def photo_lock_sk(cat_id: str) -> str:
    """One item per cat (kind "photo_lock") whose revision serialises photo adds, so the limit holds.

    Not under cat_photos_sk_prefix (no trailing "#"), so listing a cat's photos never returns it.
    """
    return f"PHOTO#{cat_id}"
