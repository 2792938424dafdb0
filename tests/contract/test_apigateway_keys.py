"""Keys in API Gateway (moto): registered in the stage's usage plan, found by name, disabled on revoke."""

import boto3
from moto import mock_aws

from chalicelib.adapters.aws.apigateway_keys import ApiGatewayKeyRegistry
from chalicelib.domain.keys import Role
from chalicelib.domain.municipality import registry
from chalicelib.services.keys import KeyService
from tests.conftest import REGION


class MemoryKeyStore:
    def __init__(self) -> None:
        self.records: dict = {}

    def put_key(self, record) -> None:
        self.records[record.key_id] = record

    def get_key(self, key_id):
        return self.records.get(key_id)

    def list_keys(self):
        return list(self.records.values())

    def revoke_key(self, key_id, at) -> bool:
        if key_id not in self.records:
            return False
        self.records[key_id] = self.records[key_id].model_copy(update={"revoked_at": at})
        return True

    def touch_key(self, key_id, at) -> None:
        return None


def test_created_keys_join_the_usage_plan_found_by_name_and_revoked_keys_are_disabled(aws_env: None) -> None:
    with mock_aws():
        client = boto3.client("apigateway", region_name=REGION)
        plan = client.create_usage_plan(name="catdata-dev")
        client.create_usage_plan(name="catdata-prod")
        service = KeyService(MemoryKeyStore(), registry(), ApiGatewayKeyRegistry("", "dev", client))
        record, key = service.create(Role.editor, ["131016"])
        members = client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        assert [m["name"] for m in members] == [f"catdata-dev-{record.key_id}"]
        stored = client.get_api_key(apiKey=members[0]["id"], includeValue=True)
        assert stored["value"] == key and stored["enabled"] is True
        service.revoke(record.key_id)
        assert client.get_api_key(apiKey=members[0]["id"])["enabled"] is False
