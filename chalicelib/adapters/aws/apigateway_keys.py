"""Keys in API Gateway: deployed, the gateway checks the key (usage plan) before the app resolves it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient


class ApiGatewayKeyRegistry:
    def __init__(self, usage_plan_id: str, stage: str, client: APIGatewayClient | None = None) -> None:
        self._usage_plan_id = usage_plan_id
        self._stage = stage
        self._injected = client

    @cached_property
    def _client(self) -> APIGatewayClient:
        if self._injected is not None:
            return self._injected
        import boto3

        return boto3.client("apigateway")

    def _name(self, key_id: str) -> str:
        return f"catdata-{self._stage}-{key_id}"

    def _plan_id(self) -> str:
        """The configured usage plan, else the stack's plan by its name (catdata-<stage>)."""
        if self._usage_plan_id:
            return self._usage_plan_id
        wanted = f"catdata-{self._stage}"
        for page in self._client.get_paginator("get_usage_plans").paginate():
            for plan in page.get("items", []):
                if plan.get("name") == wanted and "id" in plan:
                    self._usage_plan_id = plan["id"]
                    return plan["id"]
        raise RuntimeError(f"no usage plan named {wanted}: set CATDATA_USAGE_PLAN_ID or deploy the stack first")

    def register(self, key_id: str, key: str) -> None:
        plan_id = self._plan_id()
        created = self._client.create_api_key(name=self._name(key_id), value=key, enabled=True)
        self._client.create_usage_plan_key(usagePlanId=plan_id, keyId=created["id"], keyType="API_KEY")

    def disable(self, key_id: str) -> None:
        found = self._client.get_api_keys(nameQuery=self._name(key_id), includeValues=False)
        for item in found.get("items", []):
            if item.get("name") == self._name(key_id) and "id" in item:
                self._client.update_api_key(
                    apiKey=item["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
                )
