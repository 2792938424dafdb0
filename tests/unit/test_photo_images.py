"""The photo check and clean-up (chalicelib.images) on real image bytes made here with Pillow."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from chalicelib.domain.photos import (
    MAX_UPLOAD_BYTES,
    THUMB_LONGEST_SIDE,
    ImageRejected,
    parse_upload_key,
    sniff_content_type,
)
from chalicelib.images import clean_image
from scripts.bundle import BUNDLE_EXCLUDES

GPS_IFD = 0x8825
ORIENTATION = 0x0112
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "CameraMaker"
    exif[GPS_IFD] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    return exif


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB", **save_options: object) -> bytes:
    image = Image.new(mode, size, "red" if mode != "1" else 0)
    out = io.BytesIO()
    image.save(out, format=fmt, **save_options)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_jpeg_with_gps_comes_out_without_any_exif_and_with_its_size():
    original = image_bytes("JPEG", exif=exif_with_gps().tobytes(), comment=b"feeding spot behind the shrine")
    assert decoded(original).getexif().get_ifd(GPS_IFD), "the test image must carry GPS tags to begin with"

    cleaned = clean_image(original)

    image = decoded(cleaned.data)
    assert cleaned.content_type == "image/jpeg"
    assert image.format == "JPEG"
    assert (cleaned.width, cleaned.height) == image.size == (640, 480)
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "exif" not in image.info and "comment" not in image.info and "icc_profile" not in image.info


def test_exif_orientation_is_applied_before_the_metadata_is_dropped():
    rotated = image_bytes("JPEG", size=(640, 480), exif=exif_with_gps(orientation=6).tobytes())

    cleaned = clean_image(rotated)

    assert (cleaned.width, cleaned.height) == (480, 640)
    assert decoded(cleaned.data).size == (480, 640)


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_keep_their_format_and_lose_their_metadata(fmt, content_type):
    original = image_bytes(fmt, size=(800, 600), exif=exif_with_gps().tobytes())
    assert decoded(original).getexif().get_ifd(GPS_IFD)

    cleaned = clean_image(original)

    image = decoded(cleaned.data)
    assert cleaned.content_type == content_type
    assert image.size == (800, 600)
    assert not image.getexif()
    assert "exif" not in image.info and "xmp" not in image.info


@pytest.mark.parametrize(
    ("fmt", "size", "thumb_size"),
    [("JPEG", (1600, 1200), (320, 240)), ("PNG", (300, 900), (107, 320)), ("WEBP", (100, 80), (100, 80))],
)
def test_thumbnail_has_longest_side_320_and_never_grows(fmt, size, thumb_size):
    cleaned = clean_image(image_bytes(fmt, size=size))

    thumbnail = decoded(cleaned.thumbnail)
    assert thumbnail.size == thumb_size == (cleaned.thumbnail_width, cleaned.thumbnail_height)
    assert max(thumbnail.size) <= THUMB_LONGEST_SIDE
    assert not thumbnail.getexif()


def test_palette_png_with_transparency_is_kept_as_a_png():
    image = Image.new("P", (64, 64))
    image.info["transparency"] = 0
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)

    cleaned = clean_image(out.getvalue())

    assert decoded(cleaned.data).mode == "RGBA"


def test_a_text_file_named_jpg_is_rejected():
    with pytest.raises(ImageRejected, match="not a JPEG, PNG or WebP"):
        clean_image(b"name: Tama\nfed at: 35.6895,139.6917\n")


def test_a_gif_is_rejected_though_it_is_an_image():
    with pytest.raises(ImageRejected):
        clean_image(image_bytes("GIF"))


def test_a_truncated_jpeg_is_rejected():
    whole = image_bytes("JPEG", size=(800, 800))
    with pytest.raises(ImageRejected, match="cannot be decoded"):
        clean_image(whole[: len(whole) // 2])


def test_bytes_that_start_like_a_png_but_are_not_one_are_rejected():
    with pytest.raises(ImageRejected):
        clean_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)


def test_an_upload_over_10_mib_is_rejected():
    with pytest.raises(ImageRejected, match="larger than"):
        clean_image(b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES)


def test_an_empty_upload_is_rejected():
    with pytest.raises(ImageRejected, match="empty"):
        clean_image(b"")


def test_a_decompression_bomb_is_rejected_before_its_pixels_are_decoded():
    # 8,000 x 8,000 one-bit pixels: a few kilobytes of PNG that would decode to 64 million pixels.
    bomb = image_bytes("PNG", size=(8000, 8000), mode="1")
    assert len(bomb) < 100_000

    with pytest.raises(ImageRejected, match="too many pixels"):
        clean_image(bomb)


def test_an_image_wider_than_12000_px_is_rejected():
    with pytest.raises(ImageRejected, match="larger than 12000"):
        clean_image(image_bytes("PNG", size=(12_001, 40), mode="1"))


def test_a_tiny_image_is_rejected():
    with pytest.raises(ImageRejected, match="smaller than 32"):
        clean_image(image_bytes("PNG", size=(31, 200)))


def test_a_png_renamed_to_jpeg_is_judged_by_its_bytes():
    assert sniff_content_type(image_bytes("PNG")) == "image/png"
    assert clean_image(image_bytes("PNG")).content_type == "image/png"


@pytest.mark.parametrize(
    "key",
    [
        "uploads/131016/01J00000000000000000000000/../../etc/passwd",
        "photos/131016/01J00000000000000000000000/01J00000000000000000000001.jpg",
        "uploads/13101/01J00000000000000000000000/01J00000000000000000000001",
        "uploads/131016/01J00000000000000000000000/01J00000000000000000000001/extra",
        "uploads/131016/01j00000000000000000000000/01J00000000000000000000001",
    ],
)
def test_only_exact_upload_keys_name_a_photo(key):
    assert parse_upload_key(key) is None


def test_an_upload_key_names_municipality_cat_and_photo():
    ids = parse_upload_key("uploads/131016/01J00000000000000000000000/01J00000000000000000000001")
    assert ids is not None
    assert (ids.municipality_id, ids.cat_id, ids.photo_id) == (
        "131016",
        "01J00000000000000000000000",
        "01J00000000000000000000001",
    )


def test_the_photo_service_does_not_load_pillow_until_a_photo_is_processed():
    probe = (
        "import sys; import chalicelib.services.photos, chalicelib.adapters.local_photos, "
        "chalicelib.adapters.aws.s3_photos; print('PIL' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_importing_the_app_and_serving_its_first_requests_loads_no_heavy_library(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "import app\n"
        "from chalice.test import Client\n"
        "with Client(app.app) as client:\n"
        "    assert client.http.get('/health').status_code == 200\n"
        "    assert client.http.get('/openapi.json').status_code == 200\n"
        "heavy = ('PIL', 'duckdb', 'sqlglot', 'chalicelib.images', 'chalicelib.adapters.duckdb_analytics',\n"
        "         'chalicelib.adapters.aws.athena')\n"
        "print('LOADED:' + ','.join(name for name in heavy if name in sys.modules))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "CATDATA_HOME": str(tmp_path / "catdata"), "CATDATA_LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )
    loaded = [line for line in result.stdout.splitlines() if line.startswith("LOADED:")]
    assert loaded == ["LOADED:"]


def test_photos_are_cleaned_with_pillows_unused_native_modules_left_out(tmp_path: Path) -> None:
    import shutil

    import PIL

    site_packages = Path(PIL.__file__).resolve().parents[1]
    trimmed = tmp_path / "site"
    for name in ("PIL", "pillow.libs"):
        if (site_packages / name).is_dir():
            shutil.copytree(site_packages / name, trimmed / name)
    removed = [path for pattern in BUNDLE_EXCLUDES for path in trimmed.glob(pattern)]
    assert any(path.name.startswith("_avif") for path in removed)
    for path in removed:
        path.unlink()
    probe = (
        "import io, PIL, sys\n"
        f"assert PIL.__file__.startswith({str(trimmed)!r}), PIL.__file__\n"
        "from PIL import Image\n"
        "from chalicelib.images import clean_image\n"
        "for fmt in ('JPEG', 'PNG', 'WEBP'):\n"
        "    exif = Image.Exif(); exif[0x8825] = {1: 'N', 2: (35.0, 41.0, 22.0)}\n"
        "    out = io.BytesIO(); Image.new('RGB', (640, 480), 'orange').save(out, format=fmt, exif=exif.tobytes())\n"
        "    cleaned = clean_image(out.getvalue())\n"
        "    image = Image.open(io.BytesIO(cleaned.data)); image.load()\n"
        "    assert image.format == fmt and image.size == (640, 480) and not image.getexif(), fmt\n"
        "print('CLEANED')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{trimmed}:{PROJECT_ROOT}"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("CLEANED")
