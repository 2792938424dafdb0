"""scripts/package.py: how fragments become one template."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.package import TemplateMergeError, add_overrides, merge_fragments, resolve_imports

pytestmark = pytest.mark.infra

STAGE = {"Type": "String", "AllowedValues": ["dev", "prod"]}


def _fragment(resources: dict[str, Any], imports: dict[str, Any] | None = None) -> dict[str, Any]:
    parameters: dict[str, Any] = {"Stage": STAGE} | {name: {"Type": "String"} for name in imports or {}}
    fragment: dict[str, Any] = {"Parameters": parameters, "Resources": resources}
    if imports:
        fragment["Metadata"] = {"CatData::Imports": imports}
    return fragment


def test_a_logical_id_defined_in_two_fragments_is_refused() -> None:
    queue = {"Type": "AWS::SQS::Queue"}
    with pytest.raises(TemplateMergeError, match="duplicate logical id Queue"):
        merge_fragments([("a.yaml", _fragment({"Queue": queue})), ("b.yaml", _fragment({"Queue": queue}))])


def test_identical_shared_parameters_are_merged_once() -> None:
    merged = merge_fragments(
        [
            ("a.yaml", _fragment({"A": {"Type": "AWS::SQS::Queue"}})),
            ("b.yaml", _fragment({"B": {"Type": "AWS::SQS::Queue"}})),
        ]
    )
    assert merged["Parameters"] == {"Stage": STAGE}
    assert set(merged["Resources"]) == {"A", "B"}


def test_an_import_becomes_a_reference_to_the_resource_and_its_parameter_disappears() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Ref": "KeyArn"}}}
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "q-${KeyArn}-${AWS::Region}"}}}
    merged = merge_fragments(
        [
            ("key.yaml", _fragment({"Key": {"Type": "AWS::KMS::Key"}})),
            ("use.yaml", _fragment({"Topic": topic, "Queue": queue}, {"KeyArn": {"Fn::GetAtt": ["Key", "Arn"]}})),
        ]
    )
    assert "KeyArn" not in merged["Parameters"]
    assert merged["Resources"]["Topic"]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}
    assert merged["Resources"]["Queue"]["Properties"]["QueueName"] == {"Fn::Sub": "q-${Key.Arn}-${AWS::Region}"}


def test_an_import_of_a_resource_nobody_defines_is_refused() -> None:
    with pytest.raises(TemplateMergeError, match="unknown"):
        merge_fragments([("use.yaml", _fragment({"Q": {"Type": "AWS::SQS::Queue"}}, {"X": {"Ref": "Missing"}}))])


def test_sub_variables_of_their_own_shadow_imports() -> None:
    node = {"Fn::Sub": ["${Name}-${Other}", {"Name": "literal"}]}
    assert resolve_imports(node, {"Name": {"Ref": "Elsewhere"}, "Other": {"Ref": "Thing"}}) == {
        "Fn::Sub": ["${Name}-${Thing}", {"Name": "literal"}]
    }


def test_an_override_for_a_resource_chalice_does_not_generate_is_refused() -> None:
    with pytest.raises(TemplateMergeError, match="not a resource Chalice generates"):
        add_overrides({"Resources": {}}, [("o.yaml", {"Resources": {"MyFunction": {"Properties": {}}}})])
