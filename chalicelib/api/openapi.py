"""OpenAPI 3.1, generated from the same pydantic models and route declarations that validate requests."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from .docs import PROBLEM
from .routing import OPERATIONS, Operation, ResponseDoc

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([a-z_]+)}")
_PATH_PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "municipality_id": {
        "type": "string",
        "pattern": "^[0-9]{6}$",
        "description": "全国地方公共団体コード (JIS X 0402, 6 digits with check digit)",
    },
    "prefecture_id": {"type": "string", "pattern": "^[0-9]{2}$", "description": "都道府県コード"},
    "token": {"type": "string", "minLength": 1, "maxLength": 2048, "description": "Signed, expiring download token"},
}
_ULID_SCHEMA = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$", "description": "ULID"}
_HEADER_DOCS = {
    "ETag": {"description": "The resource's version", "schema": {"type": "string"}},
    "Location": {"description": "Where the created resource lives", "schema": {"type": "string"}},
    "Content-Disposition": {
        "description": "For a file download (e.g. CSV): attachment with a suggested file name",
        "schema": {"type": "string"},
    },
}
_ERROR_STATUSES_PUBLIC = (400, 500)
_ERROR_STATUSES = (400, 401, 403, 404, 409, 412, 413, 415, 422, 500)


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    models = _collect_models()
    _, definitions = models_json_schema([(model, "validation") for model in models], ref_template=_REF, title="catdata")
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    for operation in OPERATIONS:
        if isinstance(operation.body, TypeAdapter) and operation.body_name:
            adapter_schema = operation.body.json_schema(ref_template=_REF)
            schemas.update(adapter_schema.pop("$defs", {}))
            schemas[operation.body_name] = adapter_schema
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Municipal cat data platform API (自治体猫データ)",
            "version": "0.1.0",
            "description": (
                "Register cats, record their lifecycle, complaints and photos, and compute the statistics "
                "municipalities report (環境省 intake/outcome table, Shelter Animals Count matrix, TNR). "
                "Every route but /health and /openapi.json needs the x-api-key header. Errors are RFC 9457 "
                "problem details."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8000", "description": "chalice local"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
        "paths": paths,
    }


def _collect_models() -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for operation in OPERATIONS:
        candidates: list[Any] = [operation.body, operation.query, PROBLEM.schema]
        candidates += [doc.schema for doc in operation.responses.values()]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                seen.setdefault(candidate.__name__, candidate)
    return list(seen.values())


def _operation(operation: Operation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": _parameters(operation),
        "responses": _responses(operation),
    }
    if operation.description:
        result["description"] = operation.description
    if operation.public:
        result["security"] = []
    else:
        result["security"] = [{"apiKey": []}]
    if operation.body is not None:
        name = operation.body_name or getattr(operation.body, "__name__", "Body")
        result["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=name)}}},
        }
    if operation.raw_body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {operation.raw_body.media_type: {"schema": operation.raw_body.schema}},
        }
    return result


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in _PATH_PARAM.findall(operation.path):
        schema = _PATH_PARAM_SCHEMAS.get(name, _ULID_SCHEMA)
        if name in ("query_id", "key_id"):
            schema = {"type": "string", "minLength": 1, "maxLength": 128}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if operation.query is not None:
        query_schema = operation.query.model_json_schema(ref_template=_REF)
        required = set(query_schema.get("required", []))
        for name, schema in query_schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": {k: v for k, v in schema.items() if k != "title"},
                }
            )
    if operation.etag_request:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "Version (ETag) the change is based on; a stale one gives 412 and changes nothing",
                "schema": {"type": "string"},
            }
        )
    if operation.idempotent_create:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Same key and body within 24 h replays the first response; another body gives 422",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
            }
        )
    return parameters


def _responses(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, doc in operation.responses.items():
        responses[str(status)] = _response(doc)
    for status in _ERROR_STATUSES_PUBLIC if operation.public else _ERROR_STATUSES:
        responses.setdefault(str(status), _response(PROBLEM))
    return responses


def _response(doc: ResponseDoc) -> dict[str, Any]:
    result: dict[str, Any] = {"description": doc.description}
    if doc.schema is not None:
        if isinstance(doc.schema, type) and issubclass(doc.schema, BaseModel):
            schema: dict[str, Any] = {"$ref": _REF.format(model=doc.schema.__name__)}
        elif isinstance(doc.schema, dict):
            schema = doc.schema
        else:
            schema = {"type": "object"}
        result["content"] = {doc.media_type: {"schema": schema}}
    for media_type, alternative_schema in doc.alternatives:
        result.setdefault("content", {})[media_type] = {"schema": alternative_schema}
    if doc.headers:
        result["headers"] = {name: _HEADER_DOCS[name] for name in doc.headers}
    return result
