"""Server-generated ids: ULIDs (time-ordered, so listings come in registration order)."""

from __future__ import annotations


def new_id() -> str:
    # python-ulid reads its own package metadata at import (~20 ms); only writes need it, so import here.
    from ulid import ULID

    return str(ULID())
