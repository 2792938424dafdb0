"""What the Lambda bundle leaves out: native parts of its dependencies that no code path of the app loads.

Pillow's wheel carries AVIF, font rendering (FreeType/HarfBuzz, and the PNG/Brotli libraries only they
link), colour management, Tk, ImageMath and ImageMorph; the photo path decodes and re-encodes JPEG, PNG
and WebP only (tests/unit/test_photo_images.py proves it works without these files). Powertools ships a
Swagger UI for its own event handler, which this app does not use.
"""

from __future__ import annotations

import fnmatch
import os
import zipfile
from pathlib import Path

BUNDLE_EXCLUDES = (
    "PIL/_avif.*",
    "PIL/_imagingft.*",
    "PIL/_imagingcms.*",
    "PIL/_imagingtk.*",
    "PIL/_imagingmath.*",
    "PIL/_imagingmorph.*",
    "pillow.libs/libavif-*",
    "pillow.libs/libfreetype-*",
    "pillow.libs/libharfbuzz-*",
    "pillow.libs/libpng16-*",
    "pillow.libs/libbrotli*",
    "pillow.libs/liblcms2-*",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*",
)


def excluded(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in BUNDLE_EXCLUDES)


def trim_bundle(bundle: Path) -> tuple[int, int]:
    """Rewrite the zip without the excluded files; returns (bytes before, bytes after)."""
    before = bundle.stat().st_size
    trimmed = bundle.with_suffix(".trimmed.zip")
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(trimmed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if not excluded(item.filename):
                target.writestr(item, source.read(item.filename), compress_type=zipfile.ZIP_DEFLATED)
    os.replace(trimmed, bundle)
    return before, bundle.stat().st_size
