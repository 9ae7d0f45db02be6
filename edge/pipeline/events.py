"""Build Lambda@Edge event JSON exactly as CloudFront shapes it.

Key order follows AWS's samples (alphabetical within each object) so that events diff cleanly
against the documentation; JSON consumers do not depend on it.
"""

from __future__ import annotations

import base64
import http
import itertools
import os

import orjson

from ..config.behaviors import EVENT_TYPES
from ..config.origins import OriginSpec
from .headers import CfHeaders, is_disallowed, to_cf_headers, without_disallowed

REQUEST_EVENTS = ("viewer-request", "origin-request")
RESPONSE_EVENTS = ("origin-response", "viewer-response")

# AWS's IncludeBody caps: request body exposed to (and replaceable by) viewer vs origin triggers.
VIEWER_BODY_LIMIT = 40 * 1024
ORIGIN_BODY_LIMIT = 1024 * 1024

DEFAULT_SSL_PROTOCOLS = ("TLSv1.2",)


def check_event_type(event_type: str) -> None:
    """Reject an unknown event type early: it is a programming error, not a function error."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; expected one of {', '.join(EVENT_TYPES)}")


def body_limit(event_type: str) -> int:
    """Size cap for bodies in this event: 40 KB for viewer triggers, 1 MB for origin triggers."""
    check_event_type(event_type)
    return VIEWER_BODY_LIMIT if event_type.startswith("viewer-") else ORIGIN_BODY_LIMIT


_ID_PREFIX = base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")  # per process: unique across workers
_id_counter = itertools.count(int.from_bytes(os.urandom(8), "big"))


def _new_id_seed() -> None:
    """A forked child draws its own prefix, or it would repeat its parent's ids."""
    global _ID_PREFIX, _id_counter
    _ID_PREFIX = base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")
    _id_counter = itertools.count(int.from_bytes(os.urandom(8), "big"))


os.register_at_fork(after_in_child=_new_id_seed)


def new_request_id() -> str:
    """A CloudFront-like request id: 56 base64url chars ending ``==`` (40 bytes).

    A random per-process prefix (24 bytes, encoded once) plus a counter from a random start:
    unique without a system call per request (ids are identifiers, not secrets). The counter
    is written as 21 hex digits (hex digits are base64url characters), then `A==`: the id
    still decodes as base64 to 40 bytes."""
    return f"{_ID_PREFIX}{next(_id_counter):021x}A=="  # 21 hex digits: 84 bits, never outgrown


def event_config(distribution_domain: str, distribution_id: str, event_type: str, request_id: str) -> dict:
    """The read-only ``config`` object of every record."""
    check_event_type(event_type)
    return {
        "distributionDomainName": distribution_domain,
        "distributionId": distribution_id,
        "eventType": event_type,
        "requestId": request_id,
    }


def request_body(body: bytes, event_type: str) -> dict:
    """The IncludeBody ``body`` object: always base64, truncated at the trigger's cap."""
    if event_type not in REQUEST_EVENTS:
        raise ValueError(f"IncludeBody applies only to viewer-request or origin-request, not {event_type!r}")
    limit = body_limit(event_type)
    return {
        "inputTruncated": len(body) > limit,
        "action": "read-only",
        "encoding": "base64",
        "data": base64.b64encode(body[:limit]).decode("ascii"),
    }


def viewer_request(
    *,
    client_ip: str,
    method: str,
    uri: str,
    querystring: str,
    headers: list[tuple[str, str]],
    body: bytes | None = None,
    include_body: bool = False,
) -> dict:
    """The viewer-request ``request`` object.

    Disallowed headers are left out: CloudFront never exposes them to functions.
    """
    request: dict = {}
    if include_body:
        request["body"] = request_body(body or b"", "viewer-request")
    request["clientIp"] = client_ip
    request["headers"] = to_cf_headers(without_disallowed(headers))
    request["method"] = method
    request["querystring"] = querystring
    request["uri"] = uri
    return request


def _copy_headers(headers: CfHeaders) -> CfHeaders:
    """A copy without disallowed names, so later edits of the caller's dict cannot leak into `before`."""
    return {
        name: [dict(entry) for entry in entries]
        for name, entries in headers.items()
        if not is_disallowed(name)
    }


def origin_request(
    viewer_req: dict,
    *,
    origin: dict,
    forwarded_headers: CfHeaders,
    querystring: str | None = None,
    body: bytes | None = None,
    include_body: bool = False,
) -> dict:
    """The origin-facing ``request`` of origin-request and origin-response events.

    clientIp/method/uri come from the (possibly function-modified) viewer request; the query
    string and headers are those CloudFront will send to the origin (what the behavior's
    policies forward), minus the disallowed headers.
    """
    request: dict = {}
    if include_body:
        request["body"] = request_body(body or b"", "origin-request")
    request["clientIp"] = viewer_req["clientIp"]
    request["headers"] = _copy_headers(forwarded_headers)
    request["method"] = viewer_req["method"]
    request["origin"] = origin
    request["querystring"] = viewer_req["querystring"] if querystring is None else querystring
    request["uri"] = viewer_req["uri"]
    return request


def custom_origin(
    *,
    domain_name: str,
    port: int,
    protocol: str,
    path: str = "",
    read_timeout: int = 30,
    keepalive_timeout: int = 5,
    custom_headers: CfHeaders | None = None,
    ssl_protocols: list[str] | None = None,
) -> dict:
    """An ``origin`` object for a custom (HTTP) origin, in AWS key order."""
    return {
        "custom": {
            "customHeaders": custom_headers if custom_headers is not None else {},
            "domainName": domain_name,
            "keepaliveTimeout": keepalive_timeout,
            "path": path,
            "port": port,
            "protocol": protocol,
            "readTimeout": read_timeout,
            "sslProtocols": list(ssl_protocols) if ssl_protocols is not None else list(DEFAULT_SSL_PROTOCOLS),
        }
    }


def s3_origin(
    *,
    domain_name: str,
    path: str = "",
    region: str = "",
    auth_method: str = "none",
    custom_headers: CfHeaders | None = None,
) -> dict:
    """An ``origin`` object for an S3 origin, in AWS key order."""
    return {
        "s3": {
            "authMethod": auth_method,
            "customHeaders": custom_headers if custom_headers is not None else {},
            "domainName": domain_name,
            "path": path,
            "region": region,
        }
    }


def event_origin(spec: OriginSpec) -> dict:
    """The `origin` object functions see for a declared origin: `s3` for S3 origins, `custom`
    for the others (static and echo origins show as custom ones, known by name)."""
    custom_headers = to_cf_headers(spec.custom_headers)
    if spec.kind == "s3":
        return s3_origin(
            domain_name=spec.domain_name, path=spec.path, region=spec.region,
            auth_method="origin-access-identity" if spec.sign else "none", custom_headers=custom_headers,
        )
    return custom_origin(
        domain_name=spec.domain_name,
        port=spec.port,
        protocol=spec.protocol,
        path=spec.path,
        read_timeout=int(spec.read_timeout),
        keepalive_timeout=int(spec.keepalive_timeout),
        custom_headers=custom_headers,
    )


def status_phrase(status: int) -> str:
    """The standard reason phrase, or "" for a code http.HTTPStatus does not know."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def response_object(status: int, reason: str, headers: list[tuple[str, str]]) -> dict:
    """The ``response`` object of origin-response / viewer-response events (status as a string).

    It has no ``body``: CloudFront never exposes the origin's body.
    """
    return {
        "headers": to_cf_headers(without_disallowed(headers)),
        "status": str(status),
        "statusDescription": reason or status_phrase(status),
    }


def build_event(config: dict, request: dict, response: dict | None = None) -> bytes:
    """The whole event as UTF-8 JSON: one record, ``response`` only for response events."""
    cf: dict = {"config": config, "request": request}
    if response is not None:
        cf["response"] = response
    return orjson.dumps({"Records": [{"cf": cf}]})
