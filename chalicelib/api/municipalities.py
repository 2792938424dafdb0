"""Municipalities (自治体) in the key's scope."""

from __future__ import annotations

from chalice.app import Response

from .docs import ok
from .routing import ApiBlueprint, RequestContext, json_response
from .schemas import MunicipalityOut, MunicipalityPage, PageQuery

api = ApiBlueprint(__name__)


@api.route(
    "/municipalities",
    "GET",
    operation_id="listMunicipalities",
    summary="Municipalities in the key's scope (code, name, prefecture)",
    tag="municipalities",
    query=PageQuery,
    responses={200: ok(MunicipalityPage)},
)
def list_municipalities(ctx: RequestContext) -> Response:
    query: PageQuery = ctx.query
    binding = f"municipalities:{ctx.caller.key_id}"
    cursor = ctx.services.tokens.decode(query.next_token, binding)
    after = str(cursor["after"]) if cursor else ""
    visible = [m for m in ctx.services.registry.all() if ctx.caller.covers(m.municipality_id)]
    remaining = [m for m in visible if m.municipality_id > after]
    page = remaining[: query.limit]
    next_cursor = {"after": page[-1].municipality_id} if len(remaining) > query.limit else None
    return json_response(
        {
            "items": [m.as_dict() for m in page],
            "next_token": ctx.services.tokens.encode(next_cursor, binding),
        }
    )


@api.route(
    "/municipalities/{municipality_id}",
    "GET",
    operation_id="getMunicipality",
    summary="One municipality",
    tag="municipalities",
    responses={200: ok(MunicipalityOut)},
)
def get_municipality(ctx: RequestContext, municipality_id: str) -> Response:
    assert ctx.municipality is not None
    return json_response(ctx.municipality.as_dict())
