"""Fixtures shared by the suites: an isolated local container and a Chalice test client bound to it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.adapters.aws.dynamo_schema import control_table_definition, main_table_definition
from chalicelib.api.routing import use_container
from chalicelib.bootstrap import Container
from chalicelib.domain.keys import Role
from chalicelib.settings import Settings

CHIYODA = "131016"  # 東京都千代田区
CHUO = "131024"  # 東京都中央区
SAPPORO = "011002"  # 北海道札幌市


REGION = "ap-northeast-1"


@pytest.fixture
def local_container(tmp_path: Path) -> Container:
    return Container(Settings(backend="local", stage="test", home=tmp_path / "catdata"))


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so nothing could ever sign a request to real AWS."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws_container(aws_env: None, tmp_path: Path) -> Iterator[Container]:
    """The AWS backend on moto: the tables from the layout module, buckets, a usage plan for the keys and
    the Athena workgroup (infra/ creates them when deployed)."""
    with mock_aws():
        suffix = uuid.uuid4().hex[:8]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**main_table_definition(f"catdata-{suffix}"))
        dynamodb.create_table(**control_table_definition(f"catdata-control-{suffix}"))
        plan = boto3.client("apigateway", region_name=REGION).create_usage_plan(name=f"catdata-{suffix}")
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (f"catdata-photos-{suffix}", f"catdata-lake-{suffix}", f"catdata-athena-{suffix}"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("athena", region_name=REGION).create_work_group(Name=f"catdata-{suffix}", Configuration={})
        yield Container(
            Settings(
                backend="aws",
                stage="test",
                home=tmp_path / "catdata",
                table_name=f"catdata-{suffix}",
                control_table_name=f"catdata-control-{suffix}",
                photo_bucket=f"catdata-photos-{suffix}",
                lake_bucket=f"catdata-lake-{suffix}",
                athena_output=f"s3://catdata-athena-{suffix}/results/",
                athena_workgroup=f"catdata-{suffix}",
                usage_plan_id=plan["id"],
                token_secret="test-secret-" + suffix,
            )
        )


@pytest.fixture(params=["local", "aws"])
def backend_container(request: pytest.FixtureRequest) -> Container:
    fixture = "local_container" if request.param == "local" else "aws_container"
    container: Container = request.getfixturevalue(fixture)
    return container


@dataclass
class Api:
    """A Chalice test client with helpers that speak JSON and carry a key."""

    client: Client
    container: Container

    def key(self, role: str = "admin", *scope: str) -> str:
        _, key = self.container.keys.create(Role(role), list(scope or ("*",)))
        return key

    def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Any:
        all_headers = {"content-type": "application/json", **(headers or {})}
        if key is not None:
            all_headers["x-api-key"] = key
        payload = raw if raw is not None else (json.dumps(body, ensure_ascii=False) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=all_headers, body=payload)
        response.json = json.loads(response.body) if response.body else None
        return response


@pytest.fixture
def api(backend_container: Container) -> Iterator[Api]:
    """The app on each backend in turn: every API test runs on SQLite and on DynamoDB (moto)."""
    from app import app

    use_container(lambda: backend_container)
    with Client(app) as client:
        yield Api(client, backend_container)
