"""Cats (猫) and their lifecycle events."""

from __future__ import annotations

from chalice.app import Response

from ..domain.models import (
    RECORD_EVENT_ADAPTER,
    Cat,
    Event,
    PatchCatRequest,
    RegisterCatRequest,
    ReplaceCatRequest,
)
from ..domain.privacy import cat_for, event_for
from .docs import NO_CONTENT, ok
from .routing import ApiBlueprint, RequestContext, etag, json_response, model_response
from .schemas import CatListQuery, CatPage, EventList

api = ApiBlueprint(__name__)

CATS = "/municipalities/{municipality_id}/cats"
CAT = CATS + "/{cat_id}"
ETAG_HEADERS = ("ETag",)


def _cat_response(ctx: RequestContext, cat: Cat, status: int = 200, extra: dict[str, str] | None = None) -> Response:
    return model_response(cat_for(cat, ctx.caller), status, {"ETag": etag(cat.version), **(extra or {})})


@api.route(
    CATS,
    "POST",
    operation_id="registerCat",
    summary="Register a cat",
    tag="cats",
    body=RegisterCatRequest,
    idempotent_create=True,
    responses={201: ok(Cat, "Registered", headers=("Location", "ETag"))},
)
def register_cat(ctx: RequestContext, municipality_id: str) -> Response:
    cat = ctx.services.cats.register(municipality_id, ctx.body)
    return _cat_response(ctx, cat, 201, {"Location": f"/municipalities/{municipality_id}/cats/{cat.cat_id}"})


@api.route(
    CATS,
    "GET",
    operation_id="listCats",
    summary="List cats, filtered by status, area, neutered, updated_since",
    tag="cats",
    query=CatListQuery,
    responses={200: ok(CatPage)},
)
def list_cats(ctx: RequestContext, municipality_id: str) -> Response:
    query: CatListQuery = ctx.query
    flt = query.to_filter()
    binding = f"cats:{municipality_id}:{flt.model_dump_json()}"
    cursor = ctx.services.tokens.decode(query.next_token, binding)
    page = ctx.services.cats.list_cats(municipality_id, flt, query.limit, cursor)
    return json_response(
        {
            "items": [cat_for(cat, ctx.caller).model_dump(mode="json") for cat in page.items],
            "next_token": ctx.services.tokens.encode(page.cursor, binding),
        }
    )


@api.route(
    CAT,
    "GET",
    operation_id="getCat",
    summary="One cat",
    tag="cats",
    responses={200: ok(Cat, headers=ETAG_HEADERS)},
)
def get_cat(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    return _cat_response(ctx, ctx.services.cats.get(municipality_id, cat_id))


@api.route(
    CAT,
    "PUT",
    operation_id="replaceCat",
    summary="Replace a cat (If-Match honoured)",
    tag="cats",
    body=ReplaceCatRequest,
    etag_request=True,
    responses={200: ok(Cat, headers=ETAG_HEADERS)},
)
def replace_cat(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    return _cat_response(ctx, ctx.services.cats.replace(municipality_id, cat_id, ctx.body, ctx.if_match))


@api.route(
    CAT,
    "PATCH",
    operation_id="patchCat",
    summary="Change some fields of a cat (If-Match honoured; null clears an optional field)",
    tag="cats",
    body=PatchCatRequest,
    etag_request=True,
    responses={200: ok(Cat, headers=ETAG_HEADERS)},
)
def patch_cat(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    return _cat_response(ctx, ctx.services.cats.patch(municipality_id, cat_id, ctx.body, ctx.if_match))


@api.route(
    CAT,
    "DELETE",
    operation_id="deleteCat",
    summary="Remove a cat, its events and photos (If-Match honoured)",
    tag="cats",
    etag_request=True,
    responses={204: NO_CONTENT},
)
def delete_cat(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    ctx.services.cats.delete(municipality_id, cat_id, ctx.if_match)
    return Response(body="", status_code=204)


@api.route(
    CAT + "/events",
    "POST",
    operation_id="recordEvent",
    summary="Record a lifecycle event; the cat's status, neutered and ear_tipped follow it in the same write",
    tag="events",
    body=RECORD_EVENT_ADAPTER,
    body_name="RecordEventRequest",
    idempotent_create=True,
    etag_request=True,
    responses={201: ok(Event, "Recorded", headers=("Location", "ETag"))},
)
def record_event(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    event, cat = ctx.services.cats.record_event(municipality_id, cat_id, ctx.body, ctx.if_match)
    return model_response(
        event_for(event, ctx.caller),
        201,
        {"Location": f"/municipalities/{municipality_id}/cats/{cat_id}/events", "ETag": etag(cat.version)},
    )


@api.route(
    CAT + "/events",
    "GET",
    operation_id="listEvents",
    summary="The cat's history, oldest first",
    tag="events",
    responses={200: ok(EventList)},
)
def list_events(ctx: RequestContext, municipality_id: str, cat_id: str) -> Response:
    events = ctx.services.cats.events(municipality_id, cat_id)
    return json_response({"items": [event_for(e, ctx.caller).model_dump(mode="json") for e in events]})
