"""Check a function's result the way CloudFront does before acting on it: what every check shares.

Any failure is a ``ValidationError``, which the pipeline turns into a 502 LambdaValidationError.
Checks follow CloudFront's two passes loosely: structure first (JSON object, field types and
shapes), then values (restricted headers, sizes, characters). Where AWS does not document a
behaviour (marked [unconfirmed] next to the check) we choose the strict reading: a function
that passes here should not fail on AWS for the same reason.

The checks themselves live beside this module: request_validation.py (a returned request),
response_validation.py (a generated or modified response), header_validation.py (headers
maps and restricted headers) and origin_validation.py (a changed origin).
"""

from __future__ import annotations

import base64
import binascii

import orjson

FAILED = "The Lambda function result failed validation: "
INVALID_JSON = "The Lambda function returned invalid JSON: "


class ValidationError(Exception):
    """A result CloudFront would refuse with a 502; ``rule`` is a short id, ``message`` AWS-like text.

    Rules: unparsable, not-object (message starts "returned invalid JSON"); method, client-ip, uri,
    querystring, headers, header-name, header-not-array, header-entry, header-value,
    disallowed-header, read-only-header, body, body-action, body-encoding, body-method, base64, size,
    origin, origin-not-allowed, status, status-range, status-description, status-change, 204-body,
    205-body, 304-body.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def fail(rule: str, detail: str) -> ValidationError:
    """The error for a failed check, its message prefixed the way CloudFront words it."""
    return ValidationError(rule, FAILED + detail)


def as_object(after: object) -> dict:
    """Raw output bytes are parsed here; any other value is taken as already-parsed JSON."""
    if isinstance(after, (bytes, bytearray, memoryview)):
        try:
            after = orjson.loads(after)
        except orjson.JSONDecodeError:
            raise ValidationError("unparsable", INVALID_JSON + "The JSON output is not parsable.") from None
    if not isinstance(after, dict):
        raise ValidationError("not-object", INVALID_JSON + "The JSON output must be an object type.")
    return after


def is_response(result: dict) -> bool:
    """A result with ``status`` is a (generated or modified) response; otherwise a request."""
    return isinstance(result, dict) and "status" in result


def is_int(value: object) -> bool:
    """A JSON integer: Python's bool is an int, but ``true`` is not a number."""
    return isinstance(value, int) and not isinstance(value, bool)


def decode_body(data: str, encoding: str, where: str) -> bytes:
    """A request or response body's bytes, from its text or base64 form."""
    if encoding == "text":
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError:
            raise fail("body", f"The {where} is not valid UTF-8 text.") from None
    try:
        if len(data) % 4:  # Python would accept surplus '=' padding; a canonical encoder never emits it
            raise ValueError("length not a multiple of 4")
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise fail("base64", f"The {where} is not valid base64 (bodyEncoding/encoding is base64).") from None
