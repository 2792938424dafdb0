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

    def register(self, key_id: str, key: str) -> None:
        if not self._usage_plan_id:
            raise RuntimeError("CATDATA_USAGE_PLAN_ID is not set: the key could not be added to the usage plan")
        created = self._client.create_api_key(name=self._name(key_id), value=key, enabled=True)
        self._client.create_usage_plan_key(usagePlanId=self._usage_plan_id, keyId=created["id"], keyType="API_KEY")

    def disable(self, key_id: str) -> None:
        found = self._client.get_api_keys(nameQuery=self._name(key_id), includeValues=False)
        for item in found.get("items", []):
            if item.get("name") == self._name(key_id) and "id" in item:
                self._client.update_api_key(
                    apiKey=item["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
                )
