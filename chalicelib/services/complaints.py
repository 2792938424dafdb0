"""Use cases for complaints (苦情)."""

from __future__ import annotations

from ..domain.errors import InvalidInput
from ..domain.ids import new_id
from ..domain.models import Complaint, RecordComplaintRequest, now_utc, today_in_japan
from ..ports import CatStore, Cursor, Page


class ComplaintService:
    def __init__(self, store: CatStore) -> None:
        self._store = store

    def record(self, municipality_id: str, request: RecordComplaintRequest) -> Complaint:
        if request.received_on > today_in_japan():
            raise InvalidInput(
                "received_on is in the future",
                errors=[{"loc": ["body", "received_on"], "msg": "must not be after today (JST)"}],
            )
        complaint = Complaint(
            **request.model_dump(),
            complaint_id=new_id(),
            municipality_id=municipality_id,
            created_at=now_utc(),
        )
        self._store.add_complaint(complaint)
        return complaint

    def list_complaints(self, municipality_id: str, limit: int, cursor: Cursor | None) -> Page[Complaint]:
        return self._store.list_complaints(municipality_id, limit, cursor)
