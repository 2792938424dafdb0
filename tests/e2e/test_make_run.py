"""The README's run command, for real: `make run` serves the API over HTTP."""

import signal
import threading
from pathlib import Path

import pytest
import requests

from tests.e2e.server import make_run

pytestmark = pytest.mark.e2e
CHIYODA = "131016"


def test_register_get_list_patch_stale_event_delete_over_http(tmp_path: Path) -> None:
    with make_run(tmp_path / "home") as server:
        health = requests.get(server.base_url + "/health", timeout=5).json()
        assert health["backend"] == "local"
        headers = {"x-api-key": server.new_key("editor", CHIYODA)}
        cats = f"{server.base_url}/municipalities/{CHIYODA}/cats"

        created = requests.post(cats, json={"name": "タマ", "area": "神田一丁目"}, headers=headers, timeout=5)
        assert created.status_code == 201
        cat = created.json()
        url = f"{cats}/{cat['cat_id']}"
        assert created.headers["Location"].endswith(f"/cats/{cat['cat_id']}")

        got = requests.get(url, headers=headers, timeout=5)
        assert got.status_code == 200 and got.json()["name"] == "タマ"
        etag = got.headers["ETag"]

        listed = requests.get(cats, headers=headers, timeout=5).json()
        assert [c["cat_id"] for c in listed["items"]] == [cat["cat_id"]]

        patched = requests.patch(url, json={"name": "ミケ"}, headers={**headers, "If-Match": etag}, timeout=5)
        assert patched.status_code == 200 and patched.json()["version"] == 2

        stale = requests.patch(url, json={"name": "クロ"}, headers={**headers, "If-Match": etag}, timeout=5)
        assert stale.status_code == 412
        assert stale.headers["Content-Type"] == "application/problem+json"
        assert requests.get(url, headers=headers, timeout=5).json()["name"] == "ミケ"

        event = requests.post(
            url + "/events",
            json={"type": "intake", "occurred_on": "2025-05-01", "intake_type": "ownerless", "age_class": "adult"},
            headers=headers,
            timeout=5,
        )
        assert event.status_code == 201
        assert requests.get(url, headers=headers, timeout=5).json()["status"] == "in_care"

        assert requests.delete(url, headers=headers, timeout=5).status_code == 204
        assert requests.get(url, headers=headers, timeout=5).status_code == 404
        assert requests.get(url, timeout=5).status_code == 401


def test_many_writers_with_the_same_if_match_one_wins_the_rest_412(tmp_path: Path) -> None:
    with make_run(tmp_path / "home") as server:
        headers = {"x-api-key": server.new_key("editor", CHIYODA)}
        cats = f"{server.base_url}/municipalities/{CHIYODA}/cats"
        cat = requests.post(cats, json={"name": "タマ"}, headers=headers, timeout=5).json()
        url = f"{cats}/{cat['cat_id']}"
        statuses: list[int] = []
        barrier = threading.Barrier(8)

        def writer(n: int) -> None:
            barrier.wait()
            response = requests.patch(
                url, json={"notes": f"writer {n}"}, headers={**headers, "If-Match": '"1"'}, timeout=30
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] + [412] * 7
        final = requests.get(url, headers=headers, timeout=5).json()
        assert final["version"] == 2 and final["notes"].startswith("writer ")


def test_every_acknowledged_write_survives_the_server_being_killed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    acknowledged: list[str] = []
    with make_run(home) as server:
        key = server.new_key("editor", CHIYODA)
        cats = f"{server.base_url}/municipalities/{CHIYODA}/cats"
        stop = threading.Event()

        def write_until_killed() -> None:
            session = requests.Session()
            n = 0
            while not stop.is_set():
                try:
                    response = session.post(cats, json={"name": f"猫{n}"}, headers={"x-api-key": key}, timeout=5)
                except requests.RequestException:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["cat_id"])
                n += 1

        thread = threading.Thread(target=write_until_killed)
        thread.start()
        while len(acknowledged) < 40:
            threading.Event().wait(0.05)
        server.kill(signal.SIGKILL)
        stop.set()
        thread.join(timeout=30)
    assert len(acknowledged) >= 40
    with make_run(home) as server:
        headers = {"x-api-key": key}
        stored: list[str] = []
        token = None
        while True:
            params = {"limit": "100", **({"next_token": token} if token else {})}
            page = requests.get(
                cats.replace(cats.split("/municipalities")[0], server.base_url),
                params=params,
                headers=headers,
                timeout=10,
            ).json()
            stored += [c["cat_id"] for c in page["items"]]
            token = page["next_token"]
            if not token:
                break
        assert set(acknowledged) <= set(stored)
