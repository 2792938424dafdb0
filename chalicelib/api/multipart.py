"""multipart/form-data parsing for the local upload route, which receives exactly what a browser or `requests`
posts to S3's presigned POST: text fields, then one `file` part."""

from __future__ import annotations

import email.parser
import email.policy

from ..domain.errors import InvalidInput, UnsupportedMediaType


def parse_multipart_form(body: bytes, content_type_header: str) -> tuple[dict[str, str], bytes, str | None]:
    """The text fields, the `file` part's bytes and its declared content type (None if the part has none).

    UnsupportedMediaType when the body is not multipart/form-data, InvalidInput when it is malformed."""
    if not content_type_header.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType("uploads are multipart/form-data")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type_header.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise InvalidInput("the upload is not a multipart form (no boundary, or no parts)")
        fields: dict[str, str] = {}
        file_data: bytes | None = None
        file_type: str | None = None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            raw = payload if isinstance(payload, bytes) else b""
            if name == "file":
                file_data = raw
                file_type = part.get_content_type() if part.get("content-type") else None
            else:
                fields[name] = raw.decode("utf-8")
    except (UnicodeError, ValueError, LookupError, TypeError) as error:
        # Broken headers, bad encodings, undecodable text fields: a malformed form, never a server error.
        raise InvalidInput("the upload form is malformed", errors=[{"loc": ["form"], "msg": "malformed"}]) from error
    if file_data is None:
        raise InvalidInput("the upload form has no file", errors=[{"loc": ["form", "file"], "msg": "required"}])
    return fields, file_data, file_type
