"""The repository's SQL (Trino dialect), read from chalicelib/lake/sql/. infra registers the same files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .tables import LakeKind

SQL_DIR = Path(__file__).parent / "sql"
_PARAMS_LINE = re.compile(r"^--\s*params:\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class SqlFile:
    name: str
    text: str
    params: tuple[str, ...]  # the name bound to each `?`, in order (from the file's `-- params:` line)


@cache
def load_sql(name: str) -> SqlFile:
    """sql/{name}.sql; `name` comes from the query registry, never from a request."""
    path = SQL_DIR / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    match = _PARAMS_LINE.search(text)
    params = tuple(p.strip() for p in match.group(1).split(",") if p.strip()) if match else ()
    return SqlFile(name=name, text=text, params=params)


def query_names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


def latest_state_sql(kind: LakeKind) -> SqlFile:
    return load_sql(f"compact/latest_{kind}")


def merge_sql(kind: LakeKind) -> SqlFile:
    return load_sql(f"compact/merge_{kind}")
