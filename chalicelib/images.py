"""Check an uploaded photo by its bytes and re-encode it without metadata. The only module importing Pillow.

Imported lazily by the photo service, on the processing path only: Pillow costs the API's cold start
otherwise. Pure function of bytes (no storage), so it is tested on its own.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from .domain.photos import (
    MAX_PIXELS,
    MAX_SIDE,
    MAX_UPLOAD_BYTES,
    MIN_SIDE,
    THUMB_LONGEST_SIDE,
    CleanedImage,
    ImageRejected,
    sniff_content_type,
)

_PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_JPEG_QUALITY = 88
_WEBP_QUALITY = 85


def clean_image(data: bytes) -> CleanedImage:
    """The photo re-encoded in its own format with no EXIF/GPS/XMP/ICC/text chunks, upright, plus a thumbnail.

    Raises ImageRejected when the bytes are not a JPEG, PNG or WebP that decodes completely with sane dimensions.
    """
    if not data:
        raise ImageRejected("the upload is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(f"the upload is larger than {MAX_UPLOAD_BYTES} bytes")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ImageRejected("the bytes are not a JPEG, PNG or WebP image")

    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; any bomb warning is a refusal here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upright = _decode(data, content_type)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("the image has too many pixels") from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            # Truncated or corrupt data surfaces as any of these from the decoders.
            raise ImageRejected("the image cannot be decoded") from error

    full = _encode(upright, content_type)
    thumbnail_image = upright.copy()
    thumbnail_image.thumbnail((THUMB_LONGEST_SIDE, THUMB_LONGEST_SIDE), Image.Resampling.LANCZOS)
    return CleanedImage(
        content_type=content_type,
        width=upright.width,
        height=upright.height,
        data=full,
        thumbnail=_encode(thumbnail_image, content_type),
        thumbnail_width=thumbnail_image.width,
        thumbnail_height=thumbnail_image.height,
    )


def _decode(data: bytes, content_type: str) -> Image.Image:
    # Only the three decoders are ever tried: exotic formats' parsers are attack surface we do not need.
    with Image.open(io.BytesIO(data), formats=tuple(_PILLOW_FORMATS)) as probe:
        # Image.open reads the header only: check the format and size before any pixel is decoded.
        if _PILLOW_FORMATS.get(probe.format or "") != content_type:
            raise ImageRejected("the image format does not match its bytes")
        _check_dimensions(probe.width, probe.height)
        probe.verify()
    # verify() leaves the image unusable: open again and decode every pixel (catches truncated data).
    with Image.open(io.BytesIO(data), formats=tuple(_PILLOW_FORMATS)) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        _check_dimensions(upright.width, upright.height)
        return _without_metadata(upright)


def _check_dimensions(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise ImageRejected(f"the image is smaller than {MIN_SIDE} px on a side")
    if max(width, height) > MAX_SIDE:
        raise ImageRejected(f"the image is larger than {MAX_SIDE} px on a side")
    if width * height > MAX_PIXELS:
        raise ImageRejected("the image has too many pixels")


def _without_metadata(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: nothing of `info` (EXIF, XMP, ICC, comments, text) survives."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    if content_type == "image/jpeg":
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        rgb.save(out, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    elif content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=_WEBP_QUALITY)
    return out.getvalue()
