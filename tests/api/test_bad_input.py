"""Every bad input: a 4xx problem-details answer naming what is wrong, and nothing written."""

import json

import pytest

from chalicelib.domain.models import CatFilter
from tests.conftest import CHIYODA, Api

CATS = f"/municipalities/{CHIYODA}/cats"


def stored(api: Api) -> list[str]:
    store = api.container.cat_store
    cats = store.list_cats(CHIYODA, CatFilter(), 100, None).items
    events = [e.model_dump_json() for c in cats for e in store.list_events(CHIYODA, c.cat_id)]
    complaints = [c.model_dump_json() for c in store.list_complaints(CHIYODA, 100, None).items]
    return [c.model_dump_json() for c in cats] + events + complaints


@pytest.fixture
def setup(api: Api) -> tuple[Api, str, str]:
    key = api.key("editor", CHIYODA)
    cat = api.call("POST", CATS, key, {"name": "タマ"}).json
    return api, key, cat["cat_id"]


BAD_CAT_BODIES = {
    "malformed JSON": '{"name": ',
    "not an object": "[1, 2]",
    "empty body": "",
    "not UTF-8": b"\xff\xfe{}",
    "unknown field": {"name": "タマ", "colour": "black"},
    "typo in a field name": {"nmae": "タマ"},
    "wrong type": {"neutered": "yes"},
    "number as string": {"neutered": 1},
    "name too long": {"name": "あ" * 101},
    "notes too long": {"notes": "x" * 2001},
    "bad sex": {"sex": "tom"},
    "bad status": {"status": "stray"},
    "event-driven status": {"status": "adopted"},
    "microchip too short": {"microchip_id": "12345"},
    "microchip letters": {"microchip_id": "39214100012345X"},
    "location outside Japan": {"location": {"lat": 48.85, "lon": 2.35}},
    "location missing lon": {"location": {"lat": 35.0}},
    "location extra field": {"location": {"lat": 35.0, "lon": 139.0, "alt": 3}},
    "empty area": {"area": "   "},
}


@pytest.mark.parametrize("case", list(BAD_CAT_BODIES), ids=list(BAD_CAT_BODIES))
def test_bad_cat_bodies_are_400_with_errors_and_write_nothing(setup, case: str) -> None:
    api, key, cat_id = setup
    before = stored(api)
    body = BAD_CAT_BODIES[case]
    raw = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    for method, path in (("POST", CATS), ("PUT", f"{CATS}/{cat_id}"), ("PATCH", f"{CATS}/{cat_id}")):
        if case == "event-driven status" and method != "POST":
            continue
        response = api.call(method, path, key, raw=raw)
        assert response.status_code == 400, (method, case, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = response.json
        assert {"type", "title", "status", "detail"} <= set(problem) and problem["status"] == 400
        assert problem["errors"] and all("loc" in e and "msg" in e for e in problem["errors"])
        assert "Traceback" not in response.body.decode()
    assert stored(api) == before


def test_unknown_field_is_named_in_the_errors(setup) -> None:
    api, key, _ = setup
    problem = api.call("POST", CATS, key, {"nmae": "タマ"}).json
    assert ["body", "nmae"] in [e["loc"] for e in problem["errors"]]


BAD_EVENT_BODIES = {
    "unknown type": {"type": "vaccination", "occurred_on": "2025-05-01"},
    "missing type": {"occurred_on": "2025-05-01"},
    "intake without intake_type": {"type": "intake", "occurred_on": "2025-05-01", "age_class": "adult"},
    "bad date": {"type": "sighting", "occurred_on": "2025-02-30"},
    "datetime instead of date": {"type": "sighting", "occurred_on": "2025-05-01T10:00:00+09:00"},
    "future date": {"type": "sighting", "occurred_on": "2999-01-01"},
    "euthanasia category 3": {"type": "euthanasia", "occurred_on": "2025-05-01", "age_class": "adult", "category": 3},
    "negative cost": {
        "type": "surgery",
        "occurred_on": "2025-05-01",
        "procedure": "spay",
        "ear_tip": True,
        "cost_yen": -1,
    },
    "field of another type": {"type": "sighting", "occurred_on": "2025-05-01", "procedure": "spay"},
}


@pytest.mark.parametrize("case", list(BAD_EVENT_BODIES), ids=list(BAD_EVENT_BODIES))
def test_bad_event_bodies_are_400_and_write_nothing(setup, case: str) -> None:
    api, key, cat_id = setup
    before = stored(api)
    response = api.call("POST", f"{CATS}/{cat_id}/events", key, BAD_EVENT_BODIES[case])
    assert response.status_code == 400, response.body
    assert response.json["errors"]
    assert stored(api) == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/municipalities/131017/cats", 400),  # check digit wrong
        ("/municipalities/13101/cats", 400),
        ("/municipalities/999997/cats", 404),  # valid form, not in the list
        ("/municipalities/130001/cats", 404),  # a prefecture's own code is not a municipality
        (f"{CATS}/not-a-ulid", 400),
        (f"{CATS}/..%2F..%2Fetc%2Fpasswd", 400),
        (f"{CATS}/01ARZ3NDEKTSV4RRFFQ69G5FA", 400),  # 25 characters
        (f"{CATS}/01ARZ3NDEKTSV4RRFFQ69G5FAVX", 400),  # 27
        (f"{CATS}/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404),  # well-formed, absent
        (f"{CATS}?limit=0", 400),
        (f"{CATS}?limit=101", 400),
        (f"{CATS}?limit=ten", 400),
        (f"{CATS}?neutered=maybe", 400),
        (f"{CATS}?status=stray", 400),
        (f"{CATS}?updated_since=2025-01-01T00:00:00", 400),  # no offset
        (f"{CATS}?colour=black", 400),
        (f"/municipalities/{CHIYODA}?verbose=1", 400),
    ],
)
def test_bad_paths_and_queries_are_4xx_problems(setup, path: str, status: int) -> None:
    api, _, _ = setup
    response = api.call("GET", path, api.key("admin", "*"))
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"


def test_bodies_over_one_mebibyte_are_413_and_write_nothing(setup) -> None:
    api, key, _ = setup
    before = stored(api)
    huge = json.dumps({"name": "タマ", "notes": "x" * (1024 * 1024)})
    response = api.call("POST", CATS, key, raw=huge)
    assert response.status_code == 413
    assert response.json["status"] == 413
    assert stored(api) == before


def test_non_json_content_type_is_415_problem(setup) -> None:
    api, key, _ = setup
    before = stored(api)
    response = api.call(
        "POST", CATS, key, raw="name=tama", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/problem+json"
    assert stored(api) == before
