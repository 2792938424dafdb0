"""Server-generated ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32).

Time-ordered, so listings come back in registration order. Made here rather than with python-ulid,
which takes ~18 µs an id (and reads its package metadata at import): bulk imports make tens of
thousands a second. tests/unit/test_ids.py checks these parse as ULIDs with python-ulid.
"""

from __future__ import annotations

import base64
import os
import time

# RFC 4648 base32 → Crockford base32 (what ULIDs use), for the C encoder in base64.
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def ulid_at(milliseconds: int, randomness: bytes) -> str:
    value = (milliseconds << 80) | int.from_bytes(randomness, "big")
    # 20 bytes are 32 base32 digits; the first 6 encode the 30 zero bits above the ULID's 130.
    return base64.b32encode(value.to_bytes(20, "big"))[6:].translate(_TO_CROCKFORD).decode("ascii")


def new_id() -> str:
    return ulid_at(time.time_ns() // 1_000_000, os.urandom(10))
