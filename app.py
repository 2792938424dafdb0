"""Chalice entry point: wiring only. Routes live in chalicelib/api, use cases in chalicelib/services."""

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, DynamoDBEvent, Rate

from chalicelib import api
from chalicelib.bootstrap import get_container

app = Chalice(app_name="catdata")
# Binary bodies pass through API Gateway and `chalice local` base64-encoded: images served by the local
# download route (JPEG and PNG are Chalice defaults) and multipart upload forms. Never */* or JSON here.
app.api.binary_types.extend(["image/webp", "multipart/form-data"])
api.install(app, get_container)

# `chalice package` needs an ARN here; infra/overrides/functions.yaml replaces it with the table's stream.
STREAM_ARN_REPLACED_AT_PACKAGING = (
    "arn:aws:dynamodb:ap-northeast-1:000000000000:table/catdata/stream/1970-01-01T00:00:00.000"
)


@app.on_dynamodb_record(stream_arn=STREAM_ARN_REPLACED_AT_PACKAGING, batch_size=100, name="handle_cat_data_change")
def handle_cat_data_change(event: DynamoDBEvent) -> dict[str, Any]:
    """DynamoDB Streams → raw change records in the lake; failed records are reported, not the batch."""
    from chalicelib.services.change_feed import handle_stream_event

    return handle_stream_event(event.to_dict(), get_container().lake_writer, event.context)


@app.on_cw_event(
    {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"object": {"key": [{"prefix": "uploads/"}]}}},
    name="process_photo_upload",
)
def process_photo_upload(event: CloudWatchEvent) -> None:
    """S3 upload (via EventBridge: chalice package has no on_s3_event) → checked, cleaned photo."""
    get_container().photos.handle_s3_object_created(event.to_dict())


@app.schedule(Rate(1, unit=Rate.HOURS), name="compact_lake")
def compact_lake(event: CloudWatchEvent) -> None:
    """raw/ change records → curated/ tables (Athena MERGE)."""
    get_container().lake_compactor.compact()
