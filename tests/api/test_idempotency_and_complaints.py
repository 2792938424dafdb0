from chalicelib.domain.models import CatFilter
from tests.conftest import CHIYODA, Api

CATS = f"/municipalities/{CHIYODA}/cats"
COMPLAINTS = f"/municipalities/{CHIYODA}/complaints"


def count_cats(api: Api) -> int:
    return len(api.container.cat_store.list_cats(CHIYODA, CatFilter(), 100, None).items)


def test_same_idempotency_key_and_body_replays_the_first_response_and_creates_one_cat(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    headers = {"Idempotency-Key": "register-tama-1"}
    first = api.call("POST", CATS, key, {"name": "タマ"}, headers=headers)
    again = api.call("POST", CATS, key, {"name": "タマ"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count_cats(api) == 1


def test_same_idempotency_key_with_another_body_is_422_and_creates_nothing(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    headers = {"Idempotency-Key": "k-2"}
    api.call("POST", CATS, key, {"name": "タマ"}, headers=headers)
    other = api.call("POST", CATS, key, {"name": "ミケ"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["Content-Type"] == "application/problem+json"
    assert count_cats(api) == 1


def test_idempotency_keys_of_different_api_keys_do_not_collide(api: Api) -> None:
    headers = {"Idempotency-Key": "shared"}
    api.call("POST", CATS, api.key("editor", CHIYODA), {"name": "タマ"}, headers=headers)
    api.call("POST", CATS, api.key("editor", CHIYODA), {"name": "ミケ"}, headers=headers)
    assert count_cats(api) == 2


def test_a_failed_request_does_not_burn_its_idempotency_key(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = api.call("POST", CATS, key, {"name": "タマ"}).json
    url = f"{CATS}/{cat['cat_id']}/events"
    headers = {"Idempotency-Key": "adopt-1"}
    body = {"type": "adoption", "occurred_on": "2025-05-02", "age_class": "adult"}
    assert api.call("POST", url, key, body, headers=headers).status_code == 409  # not in care yet
    api.call(
        "POST",
        url,
        key,
        {"type": "intake", "occurred_on": "2025-05-01", "intake_type": "ownerless", "age_class": "adult"},
    )
    assert api.call("POST", url, key, body, headers=headers).status_code == 201
    assert api.call("POST", url, key, body, headers=headers).headers.get("Idempotent-Replayed") == "true"
    assert len(api.call("GET", url, key).json["items"]) == 2


def test_invalid_idempotency_key_is_400(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    response = api.call("POST", CATS, key, {"name": "タマ"}, headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert count_cats(api) == 0


def test_complaints_are_recorded_listed_and_paged(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    created = []
    for category in ("waste", "noise", "feeding"):
        response = api.call(
            "POST",
            COMPLAINTS,
            key,
            {"category": category, "area": "神田一丁目", "received_on": "2025-06-01", "description": "夜中に鳴き声"},
        )
        assert response.status_code == 201
        created.append(response.json["complaint_id"])
    first = api.call("GET", COMPLAINTS + "?limit=2", key).json
    second = api.call("GET", COMPLAINTS + f"?limit=2&next_token={first['next_token']}", key).json
    assert [c["complaint_id"] for c in first["items"] + second["items"]] == created
    assert second["next_token"] is None
    assert first["items"][0]["description"] == "夜中に鳴き声"


def test_complainant_contact_is_kept_but_shown_only_to_the_municipality(api: Api) -> None:
    owner = api.key("editor", CHIYODA)
    api.call(
        "POST",
        COMPLAINTS,
        owner,
        {
            "category": "waste",
            "area": "神田一丁目",
            "received_on": "2025-06-01",
            "reporter": {"name": "佐藤花子", "phone": "090-1111-2222"},
        },
    )
    assert api.call("GET", COMPLAINTS, owner).json["items"][0]["reporter"]["name"] == "佐藤花子"
    assert api.call("GET", COMPLAINTS, api.key("viewer", "13")).json["items"][0]["reporter"] is None


def test_bad_complaints_are_400_and_write_nothing(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    for body in (
        {"category": "smell", "area": "a", "received_on": "2025-06-01"},
        {"category": "waste", "received_on": "2025-06-01"},
        {"category": "waste", "area": "a", "received_on": "2999-06-01"},
        {"category": "waste", "area": "a", "received_on": "2025-06-01", "description": "x" * 2001},
        {"category": "waste", "area": "a", "received_on": "2025-06-01", "reporter": {"phone": "call me"}},
    ):
        assert api.call("POST", COMPLAINTS, key, body).status_code == 400, body
    assert api.call("GET", COMPLAINTS, key).json["items"] == []
