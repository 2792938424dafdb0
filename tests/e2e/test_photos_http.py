"""A photo over real HTTP through `make run`: upload a JPEG with GPS to the URL the API returns, download it via
the 302, and it has no GPS left."""

import io
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.e2e.server import make_run

pytestmark = pytest.mark.e2e
CHIYODA = "131016"
GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), "orange").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_jpeg_uploaded_over_http_downloads_through_the_redirect_without_gps(tmp_path: Path) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    with make_run(tmp_path / "home") as server:
        headers = {"x-api-key": server.new_key("editor", CHIYODA)}
        cats = f"{server.base_url}/municipalities/{CHIYODA}/cats"
        cat = requests.post(cats, json={"name": "タマ"}, headers=headers, timeout=5).json()
        photos = f"{cats}/{cat['cat_id']}/photos"

        started = requests.post(photos, headers=headers, timeout=5)
        assert started.status_code == 201
        upload = started.json()["upload"]
        assert upload["url"] == f"{server.base_url}/local-uploads"
        form = {**upload["fields"], "Content-Type": "image/jpeg"}
        sent = requests.post(upload["url"], data=form, files={"file": ("IMG_0001.jpg", original)}, timeout=30)
        assert sent.status_code == 204, sent.text

        listed = requests.get(photos, headers=headers, timeout=5).json()["items"]
        assert [(p["state"], p["width"], p["height"]) for p in listed] == [("ready", 1200, 900)]
        photo_url = f"{photos}/{started.json()['photo_id']}"
        redirect = requests.get(photo_url, headers=headers, allow_redirects=False, timeout=5)
        assert redirect.status_code == 302
        downloaded = requests.get(redirect.headers["Location"], timeout=10)
        assert downloaded.status_code == 200 and downloaded.headers["Content-Type"] == "image/jpeg"
        image = Image.open(io.BytesIO(downloaded.content))
        assert image.size == (1200, 900)
        assert not image.getexif().get_ifd(GPS_IFD) and "exif" not in image.info

        thumbnail = requests.get(photo_url + "?size=thumb", headers=headers, timeout=10)
        assert thumbnail.status_code == 200 and thumbnail.history[0].status_code == 302
        assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 240)


def test_webp_and_png_bytes_pass_through_chalice_local_unchanged_in_both_directions(tmp_path: Path) -> None:
    with make_run(tmp_path / "home") as server:
        headers = {"x-api-key": server.new_key("editor", CHIYODA)}
        cats = f"{server.base_url}/municipalities/{CHIYODA}/cats"
        cat = requests.post(cats, json={"name": "クロ"}, headers=headers, timeout=5).json()
        photos = f"{cats}/{cat['cat_id']}/photos"
        for fmt, content_type in (("WEBP", "image/webp"), ("PNG", "image/png")):
            out = io.BytesIO()
            Image.new("RGB", (500, 400), "black").save(out, format=fmt)
            started = requests.post(photos, json={"content_type": content_type}, headers=headers, timeout=5).json()
            form = {**started["upload"]["fields"]}
            sent = requests.post(
                started["upload"]["url"], data=form, files={"file": ("cat", out.getvalue())}, timeout=30
            )
            assert sent.status_code == 204, sent.text

            downloaded = requests.get(f"{photos}/{started['photo_id']}", headers=headers, timeout=10)

            assert downloaded.status_code == 200 and downloaded.headers["Content-Type"] == content_type
            image = Image.open(io.BytesIO(downloaded.content))
            assert (image.format, image.size) == (fmt, (500, 400))
