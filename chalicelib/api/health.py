"""Liveness and the OpenAPI document: the two routes without a key."""

from __future__ import annotations

from chalice.app import Response

from .docs import ok
from .routing import ApiBlueprint, RequestContext, json_response
from .schemas import Health

api = ApiBlueprint(__name__)


@api.route(
    "/health",
    "GET",
    operation_id="getHealth",
    summary="Liveness, and which backend serves",
    tag="meta",
    public=True,
    responses={200: ok(Health)},
)
def get_health(ctx: RequestContext) -> Response:
    settings = ctx.services.settings
    return json_response({"status": "ok", "backend": settings.backend, "stage": settings.stage, "version": "0.1.0"})


@api.route(
    "/openapi.json",
    "GET",
    operation_id="getOpenApi",
    summary="OpenAPI 3.1 document of every route",
    tag="meta",
    public=True,
    responses={200: ok(dict, "The OpenAPI document")},
)
def get_openapi(ctx: RequestContext) -> Response:
    from .openapi import openapi_document

    return json_response(openapi_document())
