"""Fixtures giving each store port on both backends: SQLite on tmp_path, DynamoDB through moto."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.aws.dynamo import DynamoCatStore, DynamoIdempotencyStore, DynamoKeyStore
from chalicelib.adapters.aws.dynamo_schema import control_table_definition, main_table_definition
from chalicelib.adapters.sqlite.stores import SqliteCatStore, SqliteIdempotencyStore, SqliteKeyStore
from chalicelib.ports import CatStore, IdempotencyStore, KeyStore

REGION = "ap-northeast-1"
BACKENDS = ["sqlite", "dynamodb"]
# moto copies the whole table for every transaction: small transactions keep multi-transaction
# paths (bulk create, deleting a cat with many events) covered without hundreds of events per test.
TEST_TRANSACTION_LIMIT = 10


@dataclass
class DynamoTables:
    client: Any
    table_name: str
    control_table_name: str


@dataclass
class Backend:
    name: str
    cats: CatStore
    keys: KeyStore
    idempotency: IdempotencyStore


@pytest.fixture
def dynamo_tables(aws_env: None) -> Iterator[DynamoTables]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        suffix = uuid.uuid4().hex[:8]
        tables = DynamoTables(client, f"catdata-{suffix}", f"catdata-control-{suffix}")
        client.create_table(**main_table_definition(tables.table_name))
        client.create_table(**control_table_definition(tables.control_table_name))
        yield tables


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "catdata.sqlite3"


@pytest.fixture
def sqlite_cats(sqlite_path: Path) -> Iterator[SqliteCatStore]:
    store = SqliteCatStore(sqlite_path)
    yield store
    store.close()


@pytest.fixture
def dynamo_cats(dynamo_tables: DynamoTables) -> DynamoCatStore:
    return DynamoCatStore(lambda: dynamo_tables.client, dynamo_tables.table_name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "catdata.sqlite3"
        stores = SqliteCatStore(path), SqliteKeyStore(path), SqliteIdempotencyStore(path)
        yield Backend("sqlite", *stores)
        for store in stores:
            store.close()
    else:
        tables: DynamoTables = request.getfixturevalue("dynamo_tables")

        def client() -> Any:
            return tables.client

        yield Backend(
            "dynamodb",
            DynamoCatStore(client, tables.table_name, transaction_limit=TEST_TRANSACTION_LIMIT),
            DynamoKeyStore(client, tables.control_table_name),
            DynamoIdempotencyStore(client, tables.control_table_name),
        )


@pytest.fixture
def cats(backend: Backend) -> CatStore:
    return backend.cats
