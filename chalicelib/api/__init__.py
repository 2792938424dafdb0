"""HTTP layer: Chalice blueprints. Parse the request, call a service, shape the response."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Response

from ..logs import logger
from . import analytics, cats, complaints, health, municipalities, photos, problems, statistics
from .routing import bind_request, use_container

if TYPE_CHECKING:
    from ..bootstrap import Container

BLUEPRINTS = (health.api, municipalities.api, cats.api, complaints.api, statistics.api, analytics.api, photos.api)


def install(app: Chalice, provider: Callable[[], Container]) -> None:
    """Register every blueprint and the middleware that keeps all answers in problem-details form."""
    use_container(provider)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint.blueprint)

    @app.middleware("http")
    def problem_details_everywhere(event: Any, get_response: Callable[[Any], Response]) -> Response:
        bind_request(event)
        request_id = _request_id(event)
        logger.thread_safe_append_keys(request_id=request_id)
        try:
            response = get_response(event)
        except Exception:
            logger.exception("unhandled error outside a route")
            response = problems.problem(500, "an internal error occurred; it has been logged")
        if getattr(event, "method", "GET") != "GET" and 200 <= response.status_code < 300:
            provider().publish_changes()
        converted = problems.from_chalice_error_body(response.status_code, response.body)
        if converted is not None:
            converted.headers.update({k: v for k, v in response.headers.items() if k.lower() == "allow"})
            response = converted
        response.headers.setdefault("X-Request-Id", request_id)
        logger.info(
            "request",
            extra={
                "method": getattr(event, "method", None),
                "path": getattr(event, "context", {}).get("resourcePath"),
                "status": response.status_code,
            },
        )
        logger.thread_safe_clear_keys()
        bind_request(None)
        return response


def _request_id(request: Any) -> str:
    """API Gateway's request id; `chalice local` has none, so one is made to tie a request's log lines."""
    context = getattr(request, "context", None) or {}
    value = context.get("requestId")
    return str(value) if value else uuid.uuid4().hex
