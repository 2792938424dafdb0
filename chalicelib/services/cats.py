"""Use cases for cats and their lifecycle events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from ..domain.ids import new_id
from ..domain.models import (
    EDITABLE_STATUSES,
    NON_NULLABLE_PATCH_FIELDS,
    Cat,
    CatFilter,
    CatStatus,
    Event,
    PatchCatRequest,
    RegisterCatRequest,
    ReplaceCatRequest,
    now_utc,
    today_in_japan,
)
from ..domain.rules import apply_event
from ..ports import CatStore, Cursor, Page


@dataclass(frozen=True)
class CatDeleted:
    municipality_id: str
    cat_id: str


class CatService:
    def __init__(
        self,
        store: CatStore,
        on_cat_deleted: Sequence[Callable[[CatDeleted], None]] = (),
    ) -> None:
        self._store = store
        self._on_cat_deleted = list(on_cat_deleted)

    def register(self, municipality_id: str, request: RegisterCatRequest) -> Cat:
        cat = self._new_cat(municipality_id, request)
        self._store.create_cat(cat)
        return cat

    def register_many(self, municipality_id: str, requests: Sequence[RegisterCatRequest]) -> list[Cat]:
        """Bulk import (old spreadsheets): one all-or-nothing write."""
        cats = [self._new_cat(municipality_id, request) for request in requests]
        self._store.create_cats(cats)
        return cats

    def get(self, municipality_id: str, cat_id: str) -> Cat:
        cat = self._store.get_cat(municipality_id, cat_id)
        if cat is None:
            raise NotFound(f"no cat {cat_id} in municipality {municipality_id}")
        return cat

    def list_cats(self, municipality_id: str, flt: CatFilter, limit: int, cursor: Cursor | None) -> Page[Cat]:
        return self._store.list_cats(municipality_id, flt, limit, cursor)

    def replace(self, municipality_id: str, cat_id: str, request: ReplaceCatRequest, if_match: int | None) -> Cat:
        current = self._current(municipality_id, cat_id, if_match)
        return self._save(current, {**request.model_dump(), "status": request.status or current.status})

    def patch(self, municipality_id: str, cat_id: str, request: PatchCatRequest, if_match: int | None) -> Cat:
        changes = request.model_dump(exclude_unset=True)
        nulls = sorted(name for name in NON_NULLABLE_PATCH_FIELDS if name in changes and changes[name] is None)
        if nulls:
            raise InvalidInput(
                "these fields cannot be cleared",
                errors=[{"loc": ["body", name], "msg": "must not be null"} for name in nulls],
            )
        current = self._current(municipality_id, cat_id, if_match)
        return self._save(current, changes)

    def delete(self, municipality_id: str, cat_id: str, if_match: int | None) -> None:
        if self._store.get_cat(municipality_id, cat_id) is None:
            raise NotFound(f"no cat {cat_id} in municipality {municipality_id}")
        self._store.delete_cat(municipality_id, cat_id, if_match)
        for listener in self._on_cat_deleted:
            listener(CatDeleted(municipality_id, cat_id))

    def record_event(
        self, municipality_id: str, cat_id: str, request: Any, if_match: int | None = None
    ) -> tuple[Event, Cat]:
        """Apply the event's rules and store event and new cat state in one atomic write; returns both."""
        current = self._current(municipality_id, cat_id, if_match)
        new_cat, event = apply_event(
            current,
            request,
            event_id=new_id(),
            recorded_at=now_utc(),
            today=today_in_japan(),
            last_event=self._store.last_event(municipality_id, cat_id),
        )
        self._store.record_event(new_cat, event, current.version)
        return event, new_cat

    def events(self, municipality_id: str, cat_id: str) -> list[Event]:
        self.get(municipality_id, cat_id)
        return self._store.list_events(municipality_id, cat_id)

    def _current(self, municipality_id: str, cat_id: str, if_match: int | None) -> Cat:
        current = self.get(municipality_id, cat_id)
        if if_match is not None and if_match != current.version:
            raise PreconditionFailed(
                f"If-Match names version {if_match}, the cat is at version {current.version}; nothing was changed"
            )
        return current

    def _save(self, current: Cat, changes: dict[str, Any]) -> Cat:
        requested = CatStatus(changes.get("status") or current.status)
        if requested != current.status and not (current.status in EDITABLE_STATUSES and requested in EDITABLE_STATUSES):
            raise Conflict(
                f"status {current.status.value} → {requested.value} cannot be set by hand: only owned, community "
                "and ownerless can; in-care and outcome statuses follow recorded events"
            )
        data = {**current.model_dump(), **changes, "updated_at": now_utc(), "version": current.version + 1}
        updated = Cat.model_validate(data)
        self._store.save_cat(updated, current.version)
        return updated

    @staticmethod
    def _new_cat(municipality_id: str, request: RegisterCatRequest) -> Cat:
        now = now_utc()
        return Cat(
            **request.model_dump(),
            cat_id=new_id(),
            municipality_id=municipality_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
