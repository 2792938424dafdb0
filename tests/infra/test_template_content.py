"""What the templates promise, asserted on their content (moto cannot deploy most of these types)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.aws.dynamo_schema import control_table_definition, main_table_definition
from scripts.package import PROJECT_ROOT

pytestmark = pytest.mark.infra

Template = dict[str, Any]
DATA_SERVICES = ("dynamodb:", "s3:", "kms:", "athena:", "glue:", "sqs:", "secretsmanager:", "apigateway:")
FUNCTIONS = ("APIHandler", "HandleCatDataChange", "ProcessPhotoUpload", "CompactLake")


def _of_type(template: Template, resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == resource_type}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _comparable_table(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "BillingMode": definition["BillingMode"],
        "AttributeDefinitions": sorted(definition["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "KeySchema": definition["KeySchema"],
        "GlobalSecondaryIndexes": definition.get("GlobalSecondaryIndexes", []),
        "StreamViewType": definition.get("StreamSpecification", {}).get("StreamViewType"),
    }


def _template_table(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource["Properties"]
    return _comparable_table(
        {**properties, "StreamSpecification": properties.get("StreamSpecification", {})}
        | ({} if "GlobalSecondaryIndexes" in properties else {"GlobalSecondaryIndexes": []})
    )


def test_the_main_table_has_the_keys_indexes_and_stream_the_code_uses(fragments: dict[str, Template]) -> None:
    table = fragments["data.yaml"]["Resources"]["CatTable"]
    assert _template_table(table) == _comparable_table(main_table_definition("any"))


def test_the_control_table_has_the_keys_and_ttl_the_code_uses(fragments: dict[str, Template]) -> None:
    table = fragments["data.yaml"]["Resources"]["ControlTable"]
    assert _template_table(table) == _comparable_table(control_table_definition("any"))
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_every_table_has_pitr_deletion_protection_kms_and_is_retained(infra_template: Template) -> None:
    tables = _of_type(infra_template, "AWS::DynamoDB::Table")
    assert set(tables) == {"CatTable", "ControlTable"}
    for table in tables.values():
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["DeletionProtectionEnabled"] is True
        assert properties["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": "DataKey"},
        }
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")


def _policy_of(template: Template, bucket: str) -> dict[str, Any]:
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in _of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    assert len(policies) == 1, f"{bucket} needs exactly one bucket policy"
    policy: dict[str, Any] = policies[0]
    return policy


def test_every_bucket_is_encrypted_private_versioned_logged_and_tls_only(infra_template: Template) -> None:
    buckets = _of_type(infra_template, "AWS::S3::Bucket")
    assert set(buckets) == {"PhotoBucket", "LakeBucket", "AthenaResultsBucket", "AccessLogsBucket", "AuditBucket"}
    for name, bucket in buckets.items():
        properties = bucket["Properties"]
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        # S3 server access logs can only be delivered to an SSE-S3 bucket: the one exception.
        expected = "AES256" if name == "AccessLogsBucket" else "aws:kms"
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == expected, name
        if expected == "aws:kms":
            assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
            assert properties["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}, name
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["LifecycleConfiguration"]["Rules"], name
        assert "my-cat-data" not in json.dumps(properties["BucketName"])
        assert "${AWS::AccountId}-${AWS::Region}" in properties["BucketName"]["Fn::Sub"]
        denies = [
            s
            for s in _policy_of(infra_template, name)["Statement"]
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies and denies[0]["Principal"] == "*" and denies[0]["Action"] == "s3:*", name


def test_the_photo_bucket_tells_eventbridge_about_uploads(infra_template: Template) -> None:
    photos = infra_template["Resources"]["PhotoBucket"]["Properties"]
    assert photos["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_the_data_key_rotates(infra_template: Template) -> None:
    (key,) = _of_type(infra_template, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True


def test_the_trail_is_multi_region_validated_encrypted_with_data_events_on_photos_and_lake(
    infra_template: Template,
) -> None:
    (trail,) = _of_type(infra_template, "AWS::CloudTrail::Trail").values()
    properties = trail["Properties"]
    assert properties["IsMultiRegionTrail"] is True
    assert properties["EnableLogFileValidation"] is True
    assert properties["KMSKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    (selector,) = properties["EventSelectors"]
    values = json.dumps(selector["DataResources"])
    assert "${PhotoBucket}/" in values and "${LakeBucket}/" in values
    assert "AuditBucketPolicy" in trail["DependsOn"]


def test_the_waf_acl_has_the_managed_groups_and_a_rate_rule_and_guards_the_api_stage(infra_template: Template) -> None:
    (acl,) = _of_type(infra_template, "AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "REGIONAL"
    rules = acl["Properties"]["Rules"]
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert groups == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    assert any("RateBasedStatement" in r["Statement"] for r in rules)
    (association,) = _of_type(infra_template, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["ResourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/${RestAPI.Stage}"
    }
    (logging,) = _of_type(infra_template, "AWS::WAFv2::LoggingConfiguration").values()
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_the_usage_plan_throttles_and_limits_the_api_stage(infra_template: Template) -> None:
    (plan,) = _of_type(infra_template, "AWS::ApiGateway::UsagePlan").values()
    properties = plan["Properties"]
    assert properties["ApiStages"] == [{"ApiId": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPI.Stage"}}]
    assert set(properties["Throttle"]) == {"RateLimit", "BurstLimit"}
    assert properties["Quota"]["Period"] == "MONTH"


def _packaged(request: pytest.FixtureRequest, which: str) -> Template:
    _, template = request.getfixturevalue(which)
    packaged: Template = template
    return packaged


PACKAGED = ["stand_in_packaged", "project_packaged"]


@pytest.mark.parametrize("which", PACKAGED)
def test_every_function_runs_in_the_private_subnets_with_the_lambda_group(
    request: pytest.FixtureRequest, which: str
) -> None:
    template = _packaged(request, which)
    functions = _of_type(template, "AWS::Serverless::Function")
    assert set(FUNCTIONS) <= set(functions)
    for name, function in functions.items():
        assert function["Properties"]["VpcConfig"] == {
            "SubnetIds": [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
            "SecurityGroupIds": [{"Ref": "LambdaSecurityGroup"}],
        }, name
        private = {
            template["Resources"][s["Ref"]]["Properties"]["CidrBlock"]
            for s in function["Properties"]["VpcConfig"]["SubnetIds"]
        }
        assert private == {"10.0.10.0/24", "10.0.11.0/24"}


@pytest.mark.parametrize("which", PACKAGED)
def test_every_function_environment_points_at_this_stacks_resources(request: pytest.FixtureRequest, which: str) -> None:
    template = _packaged(request, which)
    for name in FUNCTIONS:
        variables = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["CATDATA_BACKEND"] == "aws"
        assert variables["CATDATA_TABLE"] == {"Ref": "CatTable"}
        assert variables["CATDATA_CONTROL_TABLE"] == {"Ref": "ControlTable"}
        assert variables["CATDATA_PHOTO_BUCKET"] == {"Ref": "PhotoBucket"}
        assert variables["CATDATA_LAKE_BUCKET"] == {"Ref": "LakeBucket"}
        assert variables["CATDATA_ATHENA_WORKGROUP"] == {"Ref": "AthenaWorkGroup"}
        assert variables["CATDATA_GLUE_DATABASE"] == {"Ref": "LakeDatabase"}


@pytest.mark.parametrize("which", PACKAGED)
def test_the_stream_function_reads_the_tables_stream_and_keeps_failures(
    request: pytest.FixtureRequest, which: str
) -> None:
    events = _packaged(request, which)["Resources"]["HandleCatDataChange"]["Properties"]["Events"]
    (source,) = [e["Properties"] for e in events.values() if e["Type"] == "DynamoDB"]
    assert source["Stream"] == {"Fn::GetAtt": ["CatTable", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}


@pytest.mark.parametrize("which", PACKAGED)
def test_every_api_route_requires_the_key_except_health_and_openapi(request: pytest.FixtureRequest, which: str) -> None:
    body = _packaged(request, which)["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    open_paths = {"/health", "/openapi.json"}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options" or not isinstance(operation, dict):
                continue
            secured = any("api_key" in requirement for requirement in operation.get("security", []))
            assert secured is (path not in open_paths), f"{method.upper()} {path}"


@pytest.mark.parametrize("which", PACKAGED)
def test_the_gateways_own_errors_are_problem_details(request: pytest.FixtureRequest, which: str) -> None:
    body = _packaged(request, which)["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    required = {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "INVALID_API_KEY", "THROTTLED"}
    assert required | {"QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "ACCESS_DENIED"} <= set(responses)
    for response_type, response in responses.items():
        assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        problem = json.loads(response["responseTemplates"]["application/json"].replace("$context.requestId", "id"))
        assert {"type", "title", "status", "detail"} <= set(problem), response_type
        assert problem["status"] == response["statusCode"], response_type
    assert responses["INVALID_API_KEY"]["statusCode"] == 401


def _statements(template: Template) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents = [
            p["PolicyDocument"] for p in properties.get("Policies", []) if isinstance(p, dict) and "PolicyDocument" in p
        ]
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(properties["PolicyDocument"])
        found += [(name, statement) for document in documents for statement in _as_list(document["Statement"])]
    return found


@pytest.mark.parametrize("which", PACKAGED)
def test_no_role_grants_a_data_action_on_every_resource(request: pytest.FixtureRequest, which: str) -> None:
    offending = []
    for role, statement in _statements(_packaged(request, which)):
        if statement["Effect"] != "Allow":
            continue
        actions = [str(a) for a in _as_list(statement["Action"])]
        data_actions = [a for a in actions if a == "*" or a.startswith(DATA_SERVICES)]
        if data_actions and any(r == "*" for r in _as_list(statement["Resource"])):
            offending.append((role, statement.get("Sid"), data_actions))
        if any(a.endswith(":*") or a == "*" for a in data_actions):
            offending.append((role, statement.get("Sid"), data_actions))
    assert offending == []


def _policy_actions(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    return {s["Sid"]: set(_as_list(s["Action"])) for s in statements}


def test_the_chalice_policy_files_grant_what_the_packaged_api_role_grants(infra_template: Template) -> None:
    packaged = infra_template["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    expected = _policy_actions(packaged)
    expected["WriteOwnLogs"] = expected["WriteOwnLogs"] | {"logs:CreateLogGroup"}
    for stage in ("dev", "prod"):
        document = json.loads((PROJECT_ROOT / "infra" / "policies" / f"api-{stage}.json").read_text(encoding="utf-8"))
        assert _policy_actions(document["Statement"]) == expected, stage
        assert f"catdata-{stage}" in json.dumps(document)


def test_the_athena_workgroup_enforces_engine_v3_encrypted_results_and_a_scan_cutoff(infra_template: Template) -> None:
    (workgroup,) = _of_type(infra_template, "AWS::Athena::WorkGroup").values()
    configuration = workgroup["Properties"]["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert configuration["PublishCloudWatchMetricsEnabled"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == {"Ref": "AthenaBytesScannedCutoff"}
    assert configuration["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"


def test_the_private_subnets_have_no_route_to_the_internet(infra_template: Template) -> None:
    routes = _of_type(infra_template, "AWS::EC2::Route").values()
    assert all(route["Properties"]["RouteTableId"] != {"Ref": "PrivateRouteTable"} for route in routes)
    endpoints = _of_type(infra_template, "AWS::EC2::VPCEndpoint")
    gateways = {n for n, e in endpoints.items() if e["Properties"]["VpcEndpointType"] == "Gateway"}
    assert gateways == {"DynamoDbEndpoint", "S3Endpoint"}
    assert all("PolicyDocument" in endpoints[n]["Properties"] for n in gateways)


def test_alarms_notify_the_encrypted_topic(infra_template: Template) -> None:
    alarms = _of_type(infra_template, "AWS::CloudWatch::Alarm")
    metrics = {a["Properties"].get("MetricName") for a in alarms.values()}
    assert {
        "5XXError",
        "Latency",
        "Errors",
        "Throttles",
        "IteratorAge",
        "ApproximateNumberOfMessagesVisible",
    } <= metrics
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    topic = infra_template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_every_log_group_has_a_retention(infra_template: Template) -> None:
    groups = _of_type(infra_template, "AWS::Logs::LogGroup")
    assert all("RetentionInDays" in g["Properties"] for g in groups.values())


def test_the_docs_name_every_fragment() -> None:
    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in sorted((PROJECT_ROOT / "infra").glob("*.yaml")):
        assert f"infra/{path.name}" in text


def test_the_packaged_api_runs_python_3_13_with_512_mb_and_10_seconds(
    project_packaged: tuple[object, Template],
) -> None:
    _, template = project_packaged
    handler = template["Resources"]["APIHandler"]["Properties"]
    assert (handler["Runtime"], handler["MemorySize"], handler["Timeout"]) == ("python3.13", 512, 10)
    for name in ("HandleCatDataChange", "ProcessPhotoUpload", "CompactLake"):
        assert template["Resources"][name]["Properties"]["Runtime"] == "python3.13"


def test_the_chalice_policy_files_are_the_ones_infra_writes() -> None:
    for stage in ("dev", "prod"):
        chalice_policy = (PROJECT_ROOT / ".chalice" / f"policy-{stage}.json").read_text(encoding="utf-8")
        infra_policy = (PROJECT_ROOT / "infra" / "policies" / f"api-{stage}.json").read_text(encoding="utf-8")
        assert json.loads(chalice_policy) == json.loads(infra_policy)
