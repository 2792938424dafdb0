"""Cats and events through the HTTP layer (local stage)."""

from tests.conftest import CHIYODA, CHUO, Api

CATS = f"/municipalities/{CHIYODA}/cats"


def register(api: Api, key: str, **body: object) -> dict:
    response = api.call("POST", CATS, key, {"name": "タマ", "status": "community", "area": "神田一丁目", **body})
    assert response.status_code == 201, response.body
    return response.json


def test_register_returns_201_with_location_etag_and_japanese_text_unchanged(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    response = api.call(
        "POST", CATS, key, {"name": "ミケ🐈", "area": "神田神保町二丁目", "microchip_id": "392141000123456"}
    )
    assert response.status_code == 201
    cat = response.json
    assert response.headers["Location"] == f"{CATS}/{cat['cat_id']}"
    assert response.headers["ETag"] == '"1"'
    assert cat["name"] == "ミケ🐈" and cat["area"] == "神田神保町二丁目"
    assert cat["status"] == "ownerless" and cat["version"] == 1
    got = api.call("GET", f"{CATS}/{cat['cat_id']}", key)
    assert got.status_code == 200 and got.json == cat and got.headers["ETag"] == '"1"'


def test_put_replaces_and_patch_changes_only_given_fields(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key, notes="人懐こい")
    url = f"{CATS}/{cat['cat_id']}"
    put = api.call("PUT", url, key, {"name": "クロ", "sex": "male", "status": "owned"})
    assert put.status_code == 200
    assert put.json["name"] == "クロ" and put.json["notes"] is None and put.json["area"] is None
    assert put.json["version"] == 2 and put.headers["ETag"] == '"2"'
    patch = api.call("PATCH", url, key, {"area": "丸の内一丁目", "name": None}, headers={"If-Match": '"2"'})
    assert patch.status_code == 200
    assert patch.json["area"] == "丸の内一丁目" and patch.json["name"] is None and patch.json["sex"] == "male"


def test_stale_if_match_returns_412_and_changes_nothing(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key)
    url = f"{CATS}/{cat['cat_id']}"
    assert api.call("PATCH", url, key, {"name": "シロ"}, headers={"If-Match": '"1"'}).status_code == 200
    for method, body in (("PATCH", {"name": "トラ"}), ("PUT", {"name": "トラ"}), ("DELETE", None)):
        stale = api.call(method, url, key, body, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["Content-Type"] == "application/problem+json"
    current = api.call("GET", url, key).json
    assert current["name"] == "シロ" and current["version"] == 2


def test_delete_removes_the_cat_and_its_events_then_404(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key)
    url = f"{CATS}/{cat['cat_id']}"
    api.call("POST", f"{url}/events", key, {"type": "sighting", "occurred_on": "2025-05-01"})
    assert api.call("DELETE", url, key).status_code == 204
    assert api.call("GET", url, key).status_code == 404
    assert api.call("GET", f"{url}/events", key).status_code == 404
    assert api.call("DELETE", url, key).status_code == 404


def test_list_filters_and_pages_through_every_cat_exactly_once(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    ids = [register(api, key, area="A" if i % 2 else "B", neutered=i % 3 == 0)["cat_id"] for i in range(7)]
    seen: list[str] = []
    token = None
    while True:
        query = "?limit=2" + (f"&next_token={token}" if token else "")
        page = api.call("GET", CATS + query, key)
        assert page.status_code == 200
        seen += [c["cat_id"] for c in page.json["items"]]
        token = page.json["next_token"]
        if token is None:
            break
    assert seen == ids
    only_a = api.call("GET", CATS + "?area=A&limit=100", key).json["items"]
    assert [c["cat_id"] for c in only_a] == ids[1::2]
    neutered = api.call("GET", CATS + "?neutered=true", key).json["items"]
    assert [c["cat_id"] for c in neutered] == [ids[0], ids[3], ids[6]]


def test_status_and_updated_since_filters(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    first = register(api, key, status="owned")
    second = register(api, key, status="ownerless")
    owned = api.call("GET", CATS + "?status=owned", key).json["items"]
    assert [c["cat_id"] for c in owned] == [first["cat_id"]]
    since = second["updated_at"].replace("Z", "+00:00").replace("+", "%2B")
    recent = api.call("GET", CATS + f"?updated_since={since}", key).json["items"]
    assert second["cat_id"] in [c["cat_id"] for c in recent] and first["cat_id"] not in [c["cat_id"] for c in recent]


def test_page_token_tampered_or_from_another_query_is_400(api: Api) -> None:
    key = api.key("editor", "13")
    for _ in range(3):
        register(api, key)
    token = api.call("GET", CATS + "?limit=1", key).json["next_token"]
    tampered = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    assert api.call("GET", CATS + f"?limit=1&next_token={tampered}", key).status_code == 400
    foreign = api.call("GET", f"/municipalities/{CHUO}/cats?limit=1&next_token={token}", key)
    assert foreign.status_code == 400
    other_filter = api.call("GET", CATS + f"?limit=1&area=A&next_token={token}", key)
    assert other_filter.status_code == 400


def test_events_drive_status_neutered_and_ear_tipped_in_the_same_write(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key, status="ownerless")
    url = f"{CATS}/{cat['cat_id']}"
    steps = [
        ({"type": "trap", "occurred_on": "2025-05-01"}, "ownerless"),
        (
            {
                "type": "surgery",
                "occurred_on": "2025-05-02",
                "procedure": "spay",
                "ear_tip": True,
                "cost_yen": 20000,
                "subsidy_yen": 10000,
            },
            "ownerless",
        ),
        ({"type": "release", "occurred_on": "2025-05-03", "age_class": "adult"}, "community"),
    ]
    for body, status in steps:
        response = api.call("POST", f"{url}/events", key, body)
        assert response.status_code == 201, response.body
        assert response.json["type"] == body["type"]
        cat_now = api.call("GET", url, key).json
        assert cat_now["status"] == status
        assert response.headers["ETag"] == f'"{cat_now["version"]}"'
    final = api.call("GET", url, key).json
    assert final["neutered"] and final["ear_tipped"] and final["version"] == 4
    history = api.call("GET", f"{url}/events", key).json["items"]
    assert [e["type"] for e in history] == ["trap", "surgery", "release"]


def test_nothing_after_death_is_409_and_the_cat_is_unchanged(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key)
    url = f"{CATS}/{cat['cat_id']}"
    api.call(
        "POST",
        f"{url}/events",
        key,
        {"type": "intake", "occurred_on": "2025-05-01", "intake_type": "injured", "age_class": "adult"},
    )
    died = api.call("POST", f"{url}/events", key, {"type": "death", "occurred_on": "2025-05-02", "age_class": "adult"})
    assert died.status_code == 201
    after = api.call("POST", f"{url}/events", key, {"type": "sighting", "occurred_on": "2025-05-03"})
    assert after.status_code == 409
    assert len(api.call("GET", f"{url}/events", key).json["items"]) == 2
    assert api.call("GET", url, key).json["status"] == "deceased"


def test_status_that_follows_events_cannot_be_set_by_hand(api: Api) -> None:
    key = api.key("editor", CHIYODA)
    cat = register(api, key)
    url = f"{CATS}/{cat['cat_id']}"
    assert api.call("PATCH", url, key, {"status": "adopted"}).status_code == 409
    api.call(
        "POST",
        f"{url}/events",
        key,
        {"type": "intake", "occurred_on": "2025-05-01", "intake_type": "ownerless", "age_class": "adult"},
    )
    assert api.call("PATCH", url, key, {"status": "owned"}).status_code == 409
    got = api.call("GET", url, key).json
    assert (
        api.call("PUT", url, key, {**{k: got[k] for k in ("name", "sex", "area")}, "status": "in_care"}).status_code
        == 200
    )


def test_exact_location_only_for_keys_naming_the_municipality(api: Api) -> None:
    owner = api.key("editor", CHIYODA)
    prefecture = api.key("viewer", "13")
    cat = register(api, owner, location={"lat": 35.694123, "lon": 139.754987})
    url = f"{CATS}/{cat['cat_id']}"
    assert api.call("GET", url, owner).json["location"] == {"lat": 35.694123, "lon": 139.754987}
    assert api.call("GET", url, prefecture).json["location"] == {"lat": 35.69, "lon": 139.75}
    listed = api.call("GET", CATS, prefecture).json["items"][0]
    assert listed["location"] == {"lat": 35.69, "lon": 139.75}


def test_adopter_contact_is_hidden_from_keys_beyond_the_municipality(api: Api) -> None:
    owner = api.key("editor", CHIYODA)
    prefecture = api.key("viewer", "13")
    cat = register(api, owner)
    url = f"{CATS}/{cat['cat_id']}/events"
    api.call(
        "POST",
        url,
        owner,
        {
            "type": "intake",
            "occurred_on": "2025-05-01",
            "intake_type": "owner_surrender",
            "age_class": "adult",
            "contact": {"name": "山田太郎", "phone": "03-1234-5678"},
        },
    )
    assert api.call("GET", url, owner).json["items"][0]["contact"]["name"] == "山田太郎"
    assert api.call("GET", url, prefecture).json["items"][0]["contact"] is None
