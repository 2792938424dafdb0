"""Server-generated ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32).

Time-ordered, so listings come back in registration order. Made here rather than with python-ulid,
which takes ~18 µs an id (and reads its package metadata at import): bulk imports make tens of
thousands a second. tests/unit/test_ids.py checks these parse as ULIDs with python-ulid.
"""

from __future__ import annotations

import base64
import os
import threading
import time

# RFC 4648 base32 → Crockford base32 (what ULIDs use), for the C encoder in base64.
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def ulid_at(milliseconds: int, randomness: bytes) -> str:
    value = (milliseconds << 80) | int.from_bytes(randomness, "big")
    # 20 bytes are 32 base32 digits; the first 6 encode the 30 zero bits above the ULID's 130.
    return base64.b32encode(value.to_bytes(20, "big"))[6:].translate(_TO_CROCKFORD).decode("ascii")


_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, randomness) of the last id this process made


def new_id() -> str:
    """Monotonic within the process (the ULID spec's rule): an id made in the same millisecond as the last
    one takes its randomness plus one, so ids made one after another also sort one after another."""
    global _last
    with _lock:
        milliseconds = time.time_ns() // 1_000_000
        last_ms, last_random = _last
        if milliseconds <= last_ms and last_random < 2**80 - 1:
            milliseconds, randomness = last_ms, last_random + 1
        else:
            randomness = int.from_bytes(os.urandom(10), "big")
        _last = (milliseconds, randomness)
    return ulid_at(milliseconds, randomness.to_bytes(10, "big"))
