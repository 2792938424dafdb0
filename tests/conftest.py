"""Fixtures shared by the suites: an isolated local container and a Chalice test client bound to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.routing import use_container
from chalicelib.bootstrap import Container
from chalicelib.domain.keys import Role
from chalicelib.settings import Settings

CHIYODA = "131016"  # 東京都千代田区
CHUO = "131024"  # 東京都中央区
SAPPORO = "011002"  # 北海道札幌市


@pytest.fixture
def local_container(tmp_path: Path) -> Container:
    return Container(Settings(backend="local", stage="test", home=tmp_path / "catdata"))


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
def api(local_container: Container) -> Iterator[Api]:
    from app import app

    use_container(lambda: local_container)
    with Client(app) as client:
        yield Api(client, local_container)
