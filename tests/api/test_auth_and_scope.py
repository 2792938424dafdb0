"""Keys, roles and scopes on every route: 401 without a known key, 403 outside role or scope, nothing leaks."""

import re

import pytest
from ulid import ULID

from chalicelib.api.routing import OPERATIONS
from chalicelib.domain.keys import Role
from chalicelib.domain.models import CatFilter
from tests.conftest import CHIYODA, CHUO, Api

# A query id is sealed to the scope that started it: another scope's key gets 404 for it, not 403
# (tests/api/test_analytics_api.py covers that route's scope).
NOT_SCOPED_BY_PATH = {"/analytics/queries/{query_id}"}
SCOPED_OPERATIONS = [op for op in OPERATIONS if not op.public and "{" in op.path and op.path not in NOT_SCOPED_BY_PATH]
WRITE_OPERATIONS = [op for op in SCOPED_OPERATIONS if op.method != "GET"]


def fill(path: str, cat_id: str) -> str:
    values = {"municipality_id": CHIYODA, "prefecture_id": "13", "cat_id": cat_id}
    return re.sub(r"{([a-z_]+)}", lambda m: values.get(m.group(1), str(ULID())), path)


def stored_counts(api: Api) -> tuple[int, int, int]:
    store = api.container.cat_store
    cats = store.list_cats(CHIYODA, CatFilter(), 100, None).items
    events = sum(len(store.list_events(CHIYODA, c.cat_id)) for c in cats)
    complaints = len(store.list_complaints(CHIYODA, 100, None).items)
    return len(cats), events, complaints


@pytest.fixture
def chiyoda_cat(api: Api) -> str:
    key = api.key("admin", "*")
    cat = api.call("POST", f"/municipalities/{CHIYODA}/cats", key, {"name": "タマ"}).json
    return str(cat["cat_id"])


def test_health_and_openapi_need_no_key(api: Api) -> None:
    assert api.call("GET", "/health").status_code == 200
    assert api.call("GET", "/openapi.json").status_code == 200


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if not op.public], ids=lambda op: op.operation_id)
def test_every_route_without_a_key_or_with_an_unknown_one_is_401(api: Api, chiyoda_cat: str, operation) -> None:
    before = stored_counts(api)
    path = fill(operation.path, chiyoda_cat)
    for key in (None, "cdk_000000000000_" + "x" * 43, "not-a-key"):
        response = api.call(operation.method, path, key, {})
        assert response.status_code == 401, (operation.operation_id, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json["status"] == 401
    assert stored_counts(api) == before


@pytest.mark.parametrize("operation", SCOPED_OPERATIONS, ids=lambda op: op.operation_id)
def test_every_route_with_another_municipalitys_key_is_403_and_learns_nothing(
    api: Api, chiyoda_cat: str, operation
) -> None:
    foreign = api.key("admin", CHUO)
    before = stored_counts(api)
    response = api.call(operation.method, fill(operation.path, chiyoda_cat), foreign, {})
    assert response.status_code == 403, (operation.operation_id, response.body)
    assert chiyoda_cat not in response.body.decode()
    assert stored_counts(api) == before


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=lambda op: op.operation_id)
def test_viewer_keys_cannot_write(api: Api, chiyoda_cat: str, operation) -> None:
    viewer = api.key("viewer", CHIYODA)
    before = stored_counts(api)
    response = api.call(operation.method, fill(operation.path, chiyoda_cat), viewer, {})
    assert response.status_code == 403
    assert stored_counts(api) == before


def test_revoked_key_is_401(api: Api) -> None:
    record, key = api.container.keys.create(Role.viewer, [CHIYODA])
    assert api.call("GET", f"/municipalities/{CHIYODA}/cats", key).status_code == 200
    api.container.keys.revoke(record.key_id)
    assert api.call("GET", f"/municipalities/{CHIYODA}/cats", key).status_code == 401


def test_municipality_list_shows_only_the_scope(api: Api) -> None:
    one = api.call("GET", "/municipalities", api.key("viewer", CHUO)).json
    assert [m["municipality_id"] for m in one["items"]] == [CHUO] and one["next_token"] is None
    tokyo_key = api.key("viewer", "13")
    seen, token = [], None
    while True:
        page = api.call("GET", "/municipalities?limit=25" + (f"&next_token={token}" if token else ""), tokyo_key).json
        seen += [m["municipality_id"] for m in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert len(seen) == 62 and all(code.startswith("13") for code in seen)
    assert api.call("GET", f"/municipalities/{CHIYODA}", tokyo_key).json["name"] == "千代田区"


def test_lists_never_show_another_municipalitys_rows(api: Api) -> None:
    key = api.key("editor", "13")
    for municipality in (CHIYODA, CHUO):
        for _ in range(3):
            api.call("POST", f"/municipalities/{municipality}/cats", key, {"area": municipality})
        api.call(
            "POST",
            f"/municipalities/{municipality}/complaints",
            key,
            {"category": "noise", "area": "x", "received_on": "2025-05-01"},
        )
    for municipality in (CHIYODA, CHUO):
        cats = api.call("GET", f"/municipalities/{municipality}/cats", key).json["items"]
        complaints = api.call("GET", f"/municipalities/{municipality}/complaints", key).json["items"]
        assert len(cats) == 3 and {c["municipality_id"] for c in cats} == {municipality}
        assert len(complaints) == 1 and complaints[0]["municipality_id"] == municipality


def test_a_cat_of_one_municipality_is_not_found_under_another(api: Api, chiyoda_cat: str) -> None:
    key = api.key("admin", "*")
    assert api.call("GET", f"/municipalities/{CHUO}/cats/{chiyoda_cat}", key).status_code == 404
    assert api.call("DELETE", f"/municipalities/{CHUO}/cats/{chiyoda_cat}", key).status_code == 404
    assert api.call("GET", f"/municipalities/{CHIYODA}/cats/{chiyoda_cat}", key).status_code == 200
