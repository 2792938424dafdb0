"""One way to declare a route: it registers the Chalice view, validates with pydantic, checks the key,
maps every error to problem details, and records what the OpenAPI document says about it."""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..domain.errors import DomainError, InvalidInput, PayloadTooLarge, UnsupportedMediaType, invalid_input
from ..domain.keys import Principal, Role
from ..domain.municipality import Municipality
from ..logs import logger
from . import problems

if TYPE_CHECKING:
    from ..bootstrap import Container

JSON_MEDIA_TYPE = "application/json"
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_ROLE_OF_METHOD = {"GET": Role.viewer, "POST": Role.editor, "PUT": Role.editor, "PATCH": Role.editor}


@dataclass(frozen=True)
class ResponseDoc:
    description: str
    schema: type[BaseModel] | dict[str, Any] | None = None
    media_type: str = JSON_MEDIA_TYPE
    headers: tuple[str, ...] = ()
    # Further representations of the same response (media type → JSON schema), e.g. text/csv beside JSON.
    alternatives: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class RawBody:
    """A body that is not JSON (e.g. a multipart form), handed to the handler as bytes under its own size limit
    instead of the JSON one. `schema` is what the OpenAPI document says about it."""

    media_type: str
    max_bytes: int
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    responses: Mapping[int, ResponseDoc]
    body: type[BaseModel] | TypeAdapter[Any] | None = None
    body_name: str | None = None
    query: type[BaseModel] | None = None
    public: bool = False
    role: Role | None = None
    idempotent_create: bool = False
    etag_request: bool = False
    description: str = ""
    # An empty body is allowed and leaves ctx.body None (e.g. a create whose every field has a default).
    body_optional: bool = False
    raw_body: RawBody | None = None
    # Served (publicly, signed) by the local backend only; deployed, API Gateway still demands a key for it.
    local_only: bool = False
    # Scope check for a path parameter other than municipality_id (e.g. prefecture_id); runs where the
    # municipality scope check runs, so a key outside the scope gets 403 before any query validation.
    authorize: Callable[[RequestContext, Mapping[str, str]], None] | None = None


OPERATIONS: list[Operation] = []

# `chalice local` serves requests on threads while Chalice keeps one `app.current_request`; the
# middleware records each request here, per thread, so a route never reads another request's headers.
_request_of_this_thread: contextvars.ContextVar[Request | None] = contextvars.ContextVar("request", default=None)


def bind_request(request: Request | None) -> None:
    _request_of_this_thread.set(request)


class _ContainerHolder:
    provider: Callable[[], Container] | None = None


_holder = _ContainerHolder()


def use_container(provider: Callable[[], Container]) -> None:
    """The composition root hands the API its services (tests hand in their own)."""
    _holder.provider = provider


def container() -> Container:
    if _holder.provider is None:
        raise RuntimeError("no container configured: app.py calls use_container()")
    return _holder.provider()


@dataclass
class RequestContext:
    request: Request
    operation: Operation
    services: Container
    principal: Principal | None = None
    body: Any = None
    raw_body: bytes = b""
    query: Any = None
    municipality: Municipality | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return value if value is None else str(value)

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("public route has no principal")
        return self.principal

    @cached_property
    def if_match(self) -> int | None:
        """The version named by If-Match; None when absent or `*`. An unparsable one can never match."""
        value = self.header("if-match")
        if value is None or value.strip() == "*":
            return None
        tag = value.strip().removeprefix("W/").strip('"')
        return int(tag) if tag.isdigit() and len(tag) < 12 else -1


def etag(version: int) -> str:
    return f'"{version}"'


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": f"{JSON_MEDIA_TYPE}; charset=utf-8", **(headers or {})},
    )


def model_response(model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(model.model_dump(mode="json"), status, headers)


def check_ulid(value: str, name: str) -> str:
    if not _ULID.match(value):
        raise InvalidInput(
            f"{name} must be a ULID (26 characters, Crockford base32)",
            errors=[{"loc": ["path", name], "msg": "not a ULID"}],
        )
    return value


class ApiBlueprint:
    """A Chalice blueprint whose routes are declared with the metadata the OpenAPI document needs."""

    def __init__(self, name: str) -> None:
        self.blueprint = Blueprint(name)

    def route(
        self,
        path: str,
        method: str,
        *,
        operation_id: str,
        summary: str,
        tag: str,
        responses: Mapping[int, ResponseDoc],
        body: type[BaseModel] | TypeAdapter[Any] | None = None,
        body_name: str | None = None,
        query: type[BaseModel] | None = None,
        public: bool = False,
        role: Role | None = None,
        idempotent_create: bool = False,
        etag_request: bool = False,
        description: str = "",
        content_types: tuple[str, ...] = (JSON_MEDIA_TYPE,),
        body_optional: bool = False,
        raw_body: RawBody | None = None,
        local_only: bool = False,
        authorize: Callable[[RequestContext, Mapping[str, str]], None] | None = None,
    ) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
        operation = Operation(
            method=method,
            path=path,
            operation_id=operation_id,
            summary=summary,
            tag=tag,
            responses=responses,
            body=body,
            body_name=body_name,
            query=query,
            public=public,
            role=role if role is not None else _ROLE_OF_METHOD.get(method, Role.editor),
            idempotent_create=idempotent_create,
            etag_request=etag_request,
            description=description,
            body_optional=body_optional,
            raw_body=raw_body,
            local_only=local_only,
            authorize=authorize,
        )
        if raw_body is not None:
            content_types = (raw_body.media_type,)
        OPERATIONS.append(operation)
        blueprint = self.blueprint

        def decorator(handler: Callable[..., Response]) -> Callable[..., Response]:
            def view(**path_params: str) -> Response:
                request = _request_of_this_thread.get() or blueprint.current_request
                return _dispatch(operation, handler, request, path_params)

            view.__name__ = operation.operation_id
            # Deployed, API Gateway checks the key too (usage plan); the app still resolves it to a principal.
            # Local-only routes have no use there, so no anonymous caller reaches them (they would answer 404).
            key_required = not public or local_only
            blueprint.route(path, methods=[method], content_types=list(content_types), api_key_required=key_required)(
                view
            )
            return handler

        return decorator


def _dispatch(
    operation: Operation, handler: Callable[..., Response], request: Request, path_params: dict[str, str]
) -> Response:
    try:
        services = container()
        ctx = RequestContext(request=request, operation=operation, services=services)
        if not operation.public:
            ctx.principal = services.keys.authenticate(ctx.header("x-api-key"))
            logger.thread_safe_append_keys(key_id=ctx.principal.key_id)
        if "municipality_id" in path_params:
            ctx.municipality = services.registry.get(path_params["municipality_id"])
        if ctx.principal is not None and operation.role is not None:
            ctx.principal.require(operation.role, ctx.municipality.municipality_id if ctx.municipality else None)
        if operation.authorize is not None:
            operation.authorize(ctx, path_params)
        for name, value in path_params.items():
            if name.endswith("_id") and name not in ("municipality_id", "prefecture_id", "query_id", "key_id"):
                check_ulid(value, name)
        ctx.query = _parse_query(operation, request)
        if operation.raw_body is not None:
            ctx.raw_body = _read_body(request, operation.raw_body.max_bytes)
        elif operation.body is not None and not (operation.body_optional and not _read_body(request).strip()):
            ctx.raw_body, ctx.body = _parse_body(operation, request, services.settings.max_body_bytes)
        idempotency_key = ctx.header("idempotency-key")
        if operation.idempotent_create and idempotency_key is not None and ctx.principal is not None:
            return _run_idempotently(ctx, handler, path_params, idempotency_key)
        return handler(ctx, **path_params)
    except DomainError as error:
        return problems.from_domain_error(error)
    except ValidationError as error:
        return problems.from_domain_error(invalid_input(error, "the request body is not valid", "body"))
    except Exception:
        logger.exception("unhandled error", extra={"operation": operation.operation_id})
        return problems.problem(500, "an internal error occurred; it has been logged")


def _run_idempotently(
    ctx: RequestContext, handler: Callable[..., Response], path_params: dict[str, str], key: str
) -> Response:
    from ..services.idempotency import StoredResponse

    def create() -> StoredResponse:
        response = handler(ctx, **path_params)
        body = response.body if isinstance(response.body, str) else json.dumps(response.body, ensure_ascii=False)
        return StoredResponse(response.status_code, body, {k: str(v) for k, v in response.headers.items()})

    fingerprint = b"\n".join([ctx.operation.method.encode(), str(ctx.request.path).encode(), ctx.raw_body])
    assert ctx.principal is not None
    stored, replayed = ctx.services.idempotency.run(
        owner=ctx.principal.key_id, idempotency_key=key, request_fingerprint=fingerprint, operation=create
    )
    headers: dict[str, str | list[str]] = dict(stored.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body=stored.body, status_code=stored.status_code, headers=headers)


def _parse_query(operation: Operation, request: Request) -> Any:
    params = dict(request.query_params or {})
    if operation.query is None:
        if params:
            raise InvalidInput(
                "this route takes no query parameters",
                errors=[{"loc": ["query", name], "msg": "unknown parameter"} for name in sorted(params)],
            )
        return None
    try:
        return operation.query.model_validate(params)
    except ValidationError as error:
        raise invalid_input(error, "the query parameters are not valid", "query") from None


def _read_body(request: Request, max_bytes: int | None = None) -> bytes:
    body = request.raw_body or b""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"the body has {len(raw)} bytes; at most {max_bytes} are accepted")
    return raw


def _parse_body(operation: Operation, request: Request, max_bytes: int) -> tuple[bytes, Any]:
    raw = _read_body(request, max_bytes)
    content_type = str(request.headers.get("content-type") or JSON_MEDIA_TYPE).split(";")[0].strip().lower()
    if content_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(f"send JSON (Content-Type: {JSON_MEDIA_TYPE}), not {content_type[:60]}")
    if not raw.strip():
        raise InvalidInput("the body is empty; a JSON object is expected", errors=[{"loc": ["body"], "msg": "empty"}])
    try:
        json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"the body is not valid UTF-8 JSON: {str(error)[:120]}",
            errors=[{"loc": ["body"], "msg": "malformed JSON"}],
        ) from None
    assert operation.body is not None
    try:
        if isinstance(operation.body, TypeAdapter):
            return raw, operation.body.validate_json(raw, strict=True)
        return raw, operation.body.model_validate_json(raw, strict=True)
    except ValidationError as error:
        raise invalid_input(error, "the body is not valid", "body") from None
