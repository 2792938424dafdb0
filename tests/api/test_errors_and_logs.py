"""Chalice's own error format never leaks; unexpected failures are 500 problems without internals; logs are
structured JSON with request and key ids, never the key or personal data."""

import io
import json
from collections.abc import Iterator

import pytest

from chalicelib.domain.models import CatFilter
from chalicelib.logs import logger
from tests.conftest import CHIYODA, Api

CATS = f"/municipalities/{CHIYODA}/cats"


def test_unsupported_method_is_a_405_problem_not_chalices_format(api: Api) -> None:
    response = api.call("PUT", CATS, api.key("admin", "*"), {})
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json) >= {"type", "title", "status", "detail"} and "Code" not in response.json


class ExplodingStore:
    """A store whose every call fails the way a broken disk or network would."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise OSError("disk on fire at /var/secret/path")

        return fail


def test_an_unexpected_failure_is_a_500_problem_without_internals(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    api.container.__dict__["cat_store"] = ExplodingStore()
    api.container.__dict__.pop("cats", None)
    response = api.call("POST", CATS, key, {"name": "タマ"})
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.body.decode()
    assert "disk on fire" not in body and "Traceback" not in body and "/var/secret" not in body
    assert response.json["status"] == 500


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the Powertools logger writes, captured from its own handler."""
    handler = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def test_logs_are_json_with_request_and_key_ids_and_never_the_key_or_personal_data(
    api: Api, log_output: io.StringIO
) -> None:
    key = api.key("editor", CHIYODA)
    key_id = api.container.keys.authenticate(key).key_id
    cat = api.call("POST", CATS, key, {"name": "タマ"}).json
    api.call("POST", f"{CATS}/{cat['cat_id']}/events", key, {
        "type": "intake", "occurred_on": "2025-05-01", "intake_type": "owner_surrender", "age_class": "adult",
        "contact": {"name": "山田太郎", "phone": "03-1234-5678", "address": "千代田区神田1-1-1"}})  # fmt: skip
    api.call("GET", CATS + "?limit=0", key)
    output = log_output.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    requests = [line for line in lines if line.get("message") == "request"]
    assert len(requests) == 3
    assert all(line["key_id"] == key_id and line["service"] == "catdata" for line in requests)
    assert len({line["request_id"] for line in requests}) == 3
    assert {line["status"] for line in requests} == {201, 400}
    assert key not in output
    for personal in ("山田太郎", "03-1234-5678", "神田1-1-1"):
        assert personal not in output
    assert len(api.container.cat_store.list_cats(CHIYODA, CatFilter(), 10, None).items) == 1
