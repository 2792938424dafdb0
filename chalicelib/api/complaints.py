"""Complaints (苦情) about cats."""

from __future__ import annotations

from chalice.app import Response

from ..domain.models import Complaint, RecordComplaintRequest
from ..domain.privacy import complaint_for
from .docs import ok
from .routing import ApiBlueprint, RequestContext, json_response, model_response
from .schemas import ComplaintPage, PageQuery

api = ApiBlueprint(__name__)

COMPLAINTS = "/municipalities/{municipality_id}/complaints"


@api.route(
    COMPLAINTS,
    "POST",
    operation_id="recordComplaint",
    summary="Record a complaint",
    tag="complaints",
    body=RecordComplaintRequest,
    idempotent_create=True,
    responses={201: ok(Complaint, "Recorded", headers=("Location",))},
)
def record_complaint(ctx: RequestContext, municipality_id: str) -> Response:
    complaint = ctx.services.complaints.record(municipality_id, ctx.body)
    return model_response(
        complaint_for(complaint, ctx.caller), 201, {"Location": f"{COMPLAINTS.format(municipality_id=municipality_id)}"}
    )


@api.route(
    COMPLAINTS,
    "GET",
    operation_id="listComplaints",
    summary="List complaints, newest registration last",
    tag="complaints",
    query=PageQuery,
    responses={200: ok(ComplaintPage)},
)
def list_complaints(ctx: RequestContext, municipality_id: str) -> Response:
    query: PageQuery = ctx.query
    binding = f"complaints:{municipality_id}"
    cursor = ctx.services.tokens.decode(query.next_token, binding)
    page = ctx.services.complaints.list_complaints(municipality_id, query.limit, cursor)
    return json_response(
        {
            "items": [complaint_for(c, ctx.caller).model_dump(mode="json") for c in page.items],
            "next_token": ctx.services.tokens.encode(page.cursor, binding),
        }
    )
