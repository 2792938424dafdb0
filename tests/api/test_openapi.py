from chalicelib.api.routing import OPERATIONS
from tests.conftest import Api

CONTRACT_ROUTES = {
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("get", "/municipalities"),
    ("get", "/municipalities/{municipality_id}"),
    ("post", "/municipalities/{municipality_id}/cats"),
    ("get", "/municipalities/{municipality_id}/cats"),
    ("get", "/municipalities/{municipality_id}/cats/{cat_id}"),
    ("put", "/municipalities/{municipality_id}/cats/{cat_id}"),
    ("patch", "/municipalities/{municipality_id}/cats/{cat_id}"),
    ("delete", "/municipalities/{municipality_id}/cats/{cat_id}"),
    ("post", "/municipalities/{municipality_id}/cats/{cat_id}/events"),
    ("get", "/municipalities/{municipality_id}/cats/{cat_id}/events"),
    ("post", "/municipalities/{municipality_id}/complaints"),
    ("get", "/municipalities/{municipality_id}/complaints"),
}


def test_openapi_is_3_1_and_documents_every_route_the_app_serves(api: Api) -> None:
    document = api.call("GET", "/openapi.json").json
    assert document["openapi"].startswith("3.1")
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented >= CONTRACT_ROUTES
    assert documented == {(op.method.lower(), op.path) for op in OPERATIONS}
    assert document["components"]["securitySchemes"]["apiKey"]["name"] == "x-api-key"


def test_request_schemas_come_from_the_validating_models(api: Api) -> None:
    document = api.call("GET", "/openapi.json").json
    schemas = document["components"]["schemas"]
    register = schemas["RegisterCatRequest"]
    assert register["additionalProperties"] is False
    assert register["properties"]["name"]["anyOf"][0]["maxLength"] == 100
    event_schema = schemas["RecordEventRequest"]
    assert event_schema["discriminator"]["propertyName"] == "type"
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for ref in _refs(operation):
                assert ref.removeprefix("#/components/schemas/") in schemas


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
