"""API keys, roles and scopes: who may read or write which municipalities."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from .base import Model
from .errors import Forbidden, InvalidInput
from .municipality import has_valid_form

KEY_PREFIX = "cdk"
_KEY_FORM = re.compile(r"^cdk_([0-9a-z]{12})_([A-Za-z0-9_-]{32,64})$")


class Role(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


_ROLE_RANK = {Role.viewer: 0, Role.editor: 1, Role.admin: 2}


def parse_scope_entry(entry: str) -> str:
    """`*`, a 2-digit prefecture code or a 6-digit municipality code (form only; existence is checked by callers)."""
    entry = entry.strip()
    if entry == "*" or re.fullmatch(r"(0[1-9]|[1-3][0-9]|4[0-7])", entry) or has_valid_form(entry):
        return entry
    raise InvalidInput(
        f"scope entry '{entry[:20]}' is not '*', a prefecture code (01-47) or a JIS X 0402 municipality code",
        errors=[{"loc": ["scope"], "msg": "invalid scope entry"}],
    )


class ApiKeyRecord(Model):
    """What is stored of a key: never the key itself, only its SHA-256."""

    model_config = ConfigDict(extra="forbid")

    key_id: str
    key_hash: str = Field(repr=False)
    role: Role
    scope: list[str]
    description: str | None = None
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @field_validator("scope")
    @classmethod
    def _scope_entries(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a key needs at least one scope entry")
        return [parse_scope_entry(v) for v in value]

    def public(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude={"key_hash"})


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """(key_id, full key). The id is public (logs, listings); the key is shown once."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    match = _KEY_FORM.match(key)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    role: Role
    scope: tuple[str, ...]

    @property
    def is_global(self) -> bool:
        return "*" in self.scope

    def covers(self, municipality_id: str) -> bool:
        return self.is_global or municipality_id in self.scope or municipality_id[:2] in self.scope

    def owns(self, municipality_id: str) -> bool:
        """Names this municipality itself: may see exact locations and personal contacts."""
        return municipality_id in self.scope

    def covers_prefecture(self, prefecture_id: str, municipality_ids: Iterable[str]) -> bool:
        """Covers every municipality of the prefecture (needed to see its total)."""
        if self.is_global or prefecture_id in self.scope:
            return True
        return all(self.covers(m) for m in municipality_ids)

    def has_role(self, role: Role) -> bool:
        return _ROLE_RANK[self.role] >= _ROLE_RANK[role]

    def require(self, role: Role, municipality_id: str | None = None) -> None:
        if not self.has_role(role):
            raise Forbidden(f"this key's role ({self.role.value}) cannot do this; it needs {role.value}")
        if municipality_id is not None and not self.covers(municipality_id):
            raise Forbidden(f"this key's scope does not include municipality {municipality_id}")
