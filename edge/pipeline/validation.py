"""Check a function's result the way CloudFront does before acting on it.

Any failure is a ``ValidationError``, which the pipeline turns into a 502 LambdaValidationError.
Checks follow CloudFront's two passes loosely: structure first (JSON object, field types and
shapes), then values (restricted headers, sizes, characters). Where AWS does not document a
behaviour (marked [unconfirmed] next to the check) we choose the strict reading: a function
that passes here should not fail on AWS for the same reason.
"""

from __future__ import annotations

import base64
import binascii
import re
import socket
from collections.abc import Callable

import orjson

from edge.pipeline.events import REQUEST_EVENTS, RESPONSE_EVENTS, body_limit, status_phrase
from edge.pipeline.headers import READ_ONLY, CfHeaders, default_key, is_disallowed

FAILED = "The Lambda function result failed validation: "
INVALID_JSON = "The Lambda function returned invalid JSON: "

MAX_URL_CHARS = 8192  # AWS: uri plus query string must stay below this
MAX_CUSTOM_DOMAIN = 253
MAX_S3_DOMAIN = 128
MAX_ORIGIN_PATH = 255
SSL_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"})
S3_AUTH_METHODS = ("origin-access-identity", "none")

# [unconfirmed] AWS does not document which headers a *generated* response may not set. CloudFront
# owns framing and its own Via hop, so we treat the origin-response read-only set as read-only here.
GENERATED_READ_ONLY = READ_ONLY["origin-response"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
# Header values: no controls except HTAB (CR/LF would split headers), no lone surrogates.
# Control characters (tab allowed), and anything outside Latin-1: HTTP/1.1 field values are
# bytes, and a value that cannot be encoded would fail on the wire after being cached.
_BAD_HEADER_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0100-\U0010ffff]")
# AWS: no spaces, control characters or '#' in a changed query string.
_BAD_QUERY = re.compile(r"[\x00-\x20\x7f-\x9f#\ud800-\udfff]")
# [unconfirmed] AWS only says uri starts with '/'; we also refuse what would corrupt the request
# line (spaces, controls) or be re-read as query/fragment ('?', '#').
_BAD_URI = re.compile(r"[\x00-\x20\x7f-\x9f#?\ud800-\udfff]")
_BAD_DESCRIPTION = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_STATUS = re.compile(r"[0-9]{3}\Z")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\Z")
_URL_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*\Z")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+\Z")


class ValidationError(Exception):
    """A result CloudFront would refuse with a 502; ``rule`` is a short id, ``message`` AWS-like text.

    Rules: unparsable, not-object (message starts "returned invalid JSON"); method, client-ip, uri,
    querystring, headers, header-name, header-not-array, header-entry, header-value,
    disallowed-header, read-only-header, body, body-action, body-encoding, base64, size, origin,
    origin-not-allowed, status, status-range, status-description, status-change, 204-body.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _fail(rule: str, detail: str) -> ValidationError:
    return ValidationError(rule, FAILED + detail)


# --- structure -------------------------------------------------------------------------------


def _as_object(after: object) -> dict:
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_headers(value: object, where: str) -> CfHeaders:
    """Check a headers map's shape and return it normalised (keys filled in, empty arrays dropped).

    The map name (lowercase) decides which header an entry is: restricted-header checks use it,
    and the entry goes on the wire under it. A ``key`` that spells another name is replaced by
    the name's canonical case, so a key can never smuggle, say, Host past the read-only checks.
    """
    if not isinstance(value, dict):
        raise _fail("headers", f"The {where} must be an object.")
    out: CfHeaders = {}
    for name, entries in value.items():
        if not _TOKEN.match(name):
            raise _fail("header-name", f"The header name {name!r} in the {where} must be a lowercase HTTP token.")
        if not isinstance(entries, list):
            raise _fail(
                "header-not-array",
                f"The function returned an invalid entry in the {where} ({name}): "
                "Each header entry in the headers object must be an array.",
            )
        normalised: list[dict[str, str]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise _fail("header-entry", f"Each element of the {name} array in the {where} must be an object.")
            header_value = entry.get("value")
            if not isinstance(header_value, str):
                raise _fail("header-value", f"The value of header {name} in the {where} must be a string.")
            if _BAD_HEADER_VALUE.search(header_value):
                raise _fail(
                    "header-value",
                    f"The value of header {name} in the {where} contains control characters or characters "
                    "outside ISO-8859-1 (percent-encode them).",
                )
            key = entry.get("key")
            if key is not None and not isinstance(key, str):
                raise _fail("header-name", f"The key {key!r} of header {name} in the {where} must be a string.")
            if not key or key.lower() != name:
                # AWS's own "override a response header" example copies a whole entry under
                # another name; the map name decides which header it is, so it is sent under
                # that name (the key's casing is kept only when it spells the same name).
                key = default_key(name)
            normalised.append({"key": key, "value": header_value})
        if normalised:
            out[name] = normalised
    return out


def _values(headers: CfHeaders, name: str) -> list[str]:
    return [entry.get("value", "") for entry in headers.get(name, ())]


_SORTED: dict[frozenset[str], tuple[str, ...]] = {}


def _check_restricted(before: CfHeaders, after: CfHeaders, read_only: frozenset[str], where: str) -> None:
    """Disallowed headers may not appear or change; read-only ones may not be added, changed or deleted."""
    for name in after:
        if is_disallowed(name) and _values(after, name) != _values(before, name):
            raise _fail("disallowed-header", f"The function tried to add a disallowed header ({name}) in the {where}.")
    names = _SORTED.get(read_only)
    if names is None:
        names = _SORTED[read_only] = tuple(sorted(read_only))
    for name in names:
        if (name in before or name in after) and _values(before, name) != _values(after, name):
            raise _fail(
                "read-only-header", f"The function tried to add, delete, or change a read-only header ({name})."
            )


# --- request pieces ----------------------------------------------------------------------------


def _check_unchanged(result: dict, before: dict, field: str, rule: str) -> None:
    """``method`` and ``clientIp`` are read-only. [unconfirmed] ignored or rejected on AWS: we reject."""
    if field in result and result[field] != before.get(field):
        raise _fail(rule, f"The function tried to change the read-only {field} field.")


def _check_uri_and_query(result: dict, before: dict) -> tuple[str, str]:
    """Only changed values are checked: CloudFront forwards unchanged ones byte for byte."""
    uri = result.get("uri")
    if not isinstance(uri, str):
        raise _fail("uri", "The uri field is missing or is not a string.")
    query = result.get("querystring")
    if not isinstance(query, str):
        raise _fail("querystring", "The querystring field is missing or is not a string.")
    uri_changed = uri != before.get("uri")
    query_changed = query != before.get("querystring")
    if uri_changed:
        if not uri.startswith("/"):
            raise _fail("uri", f"The uri {uri[:64]!r} must begin with a slash (/).")
        if _BAD_URI.search(uri):
            raise _fail("uri", "The uri contains spaces, control characters, '?' or '#'.")
    if query_changed and _BAD_QUERY.search(query):
        raise _fail("querystring", "The querystring contains spaces, control characters or '#'.")
    if uri_changed or query_changed:
        length = len(uri) + (len(query) + 1 if query else 0)
        if length >= MAX_URL_CHARS:
            raise _fail("uri", f"The uri and querystring are {length} characters; they must be under {MAX_URL_CHARS}.")
    return uri, query


def _decode(data: str, encoding: str, where: str) -> bytes:
    if encoding == "text":
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail("body", f"The {where} is not valid UTF-8 text.") from None
    try:
        if len(data) % 4:  # Python would accept surplus '=' padding; a canonical encoder never emits it
            raise ValueError("length not a multiple of 4")
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("base64", f"The {where} is not valid base64 (bodyEncoding/encoding is base64).") from None


def _request_body(event_type: str, result: dict, include_body: bool) -> bytes | None:
    """The replacement body, or None to forward the original (action read-only or no body)."""
    body = result.get("body")
    if body is None:
        return None
    if not isinstance(body, dict):
        raise _fail("body", "The request body must be an object.")
    action = body.get("action", "read-only")
    if action == "read-only":
        return None  # data/encoding edits are ignored; the original body goes on
    if action != "replace":
        raise _fail("body-action", f"The request body action must be read-only or replace, not {action!r}.")
    if not include_body:
        # [unconfirmed] AWS never shows a body without IncludeBody; silently dropping it would hide a bug.
        raise _fail("body-action", "The function tried to replace the request body, but IncludeBody is not enabled.")
    encoding = body.get("encoding", "base64")
    if encoding not in ("base64", "text"):
        raise _fail("body-encoding", f"The request body encoding must be base64 or text, not {encoding!r}.")
    data = body.get("data")
    if not isinstance(data, str):
        raise _fail("body", "The request body data must be a string when action is replace.")
    raw = _decode(data, encoding, "request body data")
    limit = body_limit(event_type)
    if len(raw) > limit:
        raise _fail("size", f"The request body is {len(raw)} bytes; the maximum for {event_type} is {limit} bytes.")
    return raw


# --- origin --------------------------------------------------------------------------------------

_CUSTOM_FIELDS = (
    "customHeaders",
    "domainName",
    "keepaliveTimeout",
    "path",
    "port",
    "protocol",
    "readTimeout",
    "sslProtocols",
)
_S3_FIELDS = ("authMethod", "customHeaders", "domainName", "path", "region")


def _origin_fail(detail: str) -> ValidationError:
    return _fail("origin", detail)


def _check_fields(fields: dict, kind: str, known: tuple[str, ...], required: tuple[str, ...]) -> None:
    """[unconfirmed] AWS lists the fields, not which are required; we require all but customHeaders
    (and region unless OAI), and refuse unknown ones so that typos do not pass silently."""
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise _origin_fail(f"The origin.{kind} object has unknown field(s): {', '.join(unknown)}.")
    for name in required:
        if name not in fields:
            raise _origin_fail(f"The origin.{kind}.{name} field is missing.")


def _check_domain(domain: object, kind: str, max_len: int, allow_ip: bool = False) -> str:
    """A DNS name, never an IP literal (any form the resolver would accept) — unless the
    operator declared that origin (a local origin on 127.0.0.1 is normal for self-hosting)."""
    where = f"origin.{kind}.domainName"
    if not isinstance(domain, str) or not domain:
        raise _origin_fail(f"The {where} field must be a non-empty string.")
    if ":" in domain:
        raise _origin_fail(f"The {where} {domain!r} must not contain a colon; set the port field instead.")
    if len(domain) > max_len:
        raise _origin_fail(f"The {where} is {len(domain)} characters; the maximum is {max_len}.")
    try:
        socket.inet_aton(domain)  # accepts "127.1", "0x7f000001", "2130706433": all IPs to a resolver
        is_ip = True
    except OSError:
        is_ip = domain.rsplit(".", 1)[-1].isdigit()  # no real TLD is numeric
    if is_ip and not allow_ip:
        raise _origin_fail(f"The {where} {domain!r} must be a DNS name, not an IP address.")
    if not _HOSTNAME.match(domain):
        raise _origin_fail(f"The {where} {domain!r} is not a valid DNS name.")
    return domain


def _check_path(path: object, kind: str) -> str:
    where = f"origin.{kind}.path"
    if not isinstance(path, str):
        raise _origin_fail(f"The {where} field must be a string.")
    if path == "":
        return path
    if not path.startswith("/") or path.endswith("/"):
        raise _origin_fail(f"The {where} {path!r} must begin with a slash and must not end with one.")
    if len(path) > MAX_ORIGIN_PATH:
        raise _origin_fail(f"The {where} is {len(path)} characters; the maximum is {MAX_ORIGIN_PATH}.")
    if not _URL_PATH.match(path):
        raise _origin_fail(f"The {where} {path!r} must be URL-encoded.")
    return path


def _check_int(fields: dict, kind: str, name: str, low: int, high: int) -> int:
    value = fields[name]
    if not _is_int(value) or not low <= value <= high:
        raise _origin_fail(f"The origin.{kind}.{name} field must be an integer from {low} to {high}, not {value!r}.")
    return value


def _custom_origin(fields: dict, declared: bool = False) -> dict:
    _check_fields(fields, "custom", _CUSTOM_FIELDS, _CUSTOM_FIELDS[1:])
    port = fields["port"]
    if not _is_int(port) or not (port in (80, 443) or 1024 <= port <= 65535):
        raise _origin_fail(f"The origin.custom.port field must be 80, 443 or 1024-65535, not {port!r}.")
    protocol = fields["protocol"]
    if protocol not in ("http", "https"):
        raise _origin_fail(f"The origin.custom.protocol field must be http or https, not {protocol!r}.")
    ssl = fields["sslProtocols"]
    if not isinstance(ssl, list) or not ssl or not all(isinstance(p, str) and p in SSL_PROTOCOLS for p in ssl):
        raise _origin_fail(
            f"The origin.custom.sslProtocols field must be a non-empty list drawn from "
            f"{', '.join(sorted(SSL_PROTOCOLS))}, not {ssl!r}."
        )
    return {
        "customHeaders": fields.get("customHeaders"),  # checked by the caller
        "domainName": _check_domain(fields["domainName"], "custom", MAX_CUSTOM_DOMAIN, allow_ip=declared),
        "keepaliveTimeout": _check_int(fields, "custom", "keepaliveTimeout", 1, 60),
        "path": _check_path(fields["path"], "custom"),
        "port": port,
        "protocol": protocol,
        "readTimeout": _check_int(fields, "custom", "readTimeout", 4, 60),
        "sslProtocols": list(ssl),
    }


def _s3_origin(fields: dict, before_kind: str | None) -> dict:
    _check_fields(fields, "s3", _S3_FIELDS, ("authMethod", "domainName", "path"))
    auth = fields["authMethod"]
    if auth not in S3_AUTH_METHODS:
        raise _origin_fail(f"The origin.s3.authMethod field must be origin-access-identity or none, not {auth!r}.")
    region = fields.get("region", "")
    if not isinstance(region, str):
        raise _origin_fail("The origin.s3.region field must be a string.")
    if auth == "origin-access-identity":
        if not _REGION.match(region):
            raise _origin_fail(f"The origin.s3.region field must name a region when authMethod is {auth}.")
        if before_kind == "custom":
            raise _origin_fail(
                "The origin.s3.authMethod origin-access-identity cannot be used when switching from a custom origin."
            )
    domain = _check_domain(fields["domainName"], "s3", MAX_S3_DOMAIN)
    if domain != domain.lower():
        raise _origin_fail(f"The origin.s3.domainName {domain!r} must be all lowercase.")
    return {
        "authMethod": auth,
        "customHeaders": fields.get("customHeaders"),
        "domainName": domain,
        "path": _check_path(fields["path"], "s3"),
        "region": region,
    }


def _kind_and_fields(origin: object) -> tuple[str, object]:
    """Exactly one of custom/s3; a null sibling (``s3: null``) counts as absent."""
    if not isinstance(origin, dict):
        raise _origin_fail("The origin field must be an object containing exactly one of custom or s3.")
    present = {k: v for k, v in origin.items() if v is not None}
    if len(present) != 1 or next(iter(present)) not in ("custom", "s3"):
        raise _origin_fail(
            f"The origin object must contain exactly one of custom or s3, not {sorted(present) or 'neither'}."
        )
    kind, fields = next(iter(present.items()))
    if not isinstance(fields, dict):
        raise _origin_fail(f"The origin.{kind} field must be an object.")
    return kind, fields


def _same_json(a: object, b: object) -> bool:
    """Equality as JSON (5 != 5.0, 1 != true), unlike Python's ==."""
    try:
        return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return False


def _validate_origin(
    event_type: str,
    before: dict,
    result: dict,
    request_headers: CfHeaders,
    allowed_origin: Callable[[dict], bool] | None,
) -> dict | None:
    before_origin = before.get("origin")
    if event_type == "viewer-request":
        if result.get("origin") != before_origin:
            raise _origin_fail("The function tried to set the origin in a viewer-request event; use origin-request.")
        return None
    if result.get("origin") is None:
        if before_origin is not None:
            raise _origin_fail("The origin field is missing; it must contain exactly one of custom or s3.")
        return None
    if _same_json(result["origin"], before_origin):
        return before_origin  # unchanged: what the host itself described
    kind, fields = _kind_and_fields(result["origin"])
    before_kind, before_fields = next(iter((before_origin or {}).items()), (None, {}))
    declared = allowed_origin is not None and allowed_origin(result["origin"])
    normalised = _custom_origin(fields, declared) if kind == "custom" else _s3_origin(fields, before_kind)
    custom = fields.get("customHeaders")
    custom = check_headers({} if custom is None else custom, f"origin.{kind}.customHeaders object")
    # [unconfirmed] CloudFront documents only "no disallowed headers"; read-only request headers
    # are refused too, otherwise customHeaders would be a back door around them.
    before_custom = (before_fields or {}).get("customHeaders") or {}
    _check_restricted(before_custom, custom, frozenset(), f"origin.{kind}.customHeaders object")
    for name in custom:
        if name in READ_ONLY["origin-request"] and _values(custom, name) != _values(before_custom, name):
            raise _fail(
                "read-only-header", f"The function tried to add, delete, or change a read-only header ({name})."
            )
        if name in request_headers:
            raise _origin_fail(f"The header {name} is in both origin.{kind}.customHeaders and the request headers.")
    normalised["customHeaders"] = custom
    origin = {kind: normalised}
    if allowed_origin is not None and not allowed_origin(origin):
        raise _fail(
            "origin-not-allowed",
            f"The origin {kind} {normalised['domainName']} is not one of the origins declared for this distribution.",
        )
    return origin


# --- public entry points ----------------------------------------------------------------------


def validate_request(
    event_type: str,
    before: dict,
    after: object,
    *,
    include_body: bool = False,
    allowed_origin: Callable[[dict], bool] | None = None,
) -> dict:
    """Validate a request returned by a viewer-request / origin-request function.

    ``before`` is the request object we sent; ``after`` is the parsed result (or raw bytes).
    Returns ``{"body", "clientIp", "headers", "method", ["origin",] "querystring", "uri"}`` where
    ``body`` is the replacement bytes or None (keep the original body) and header keys are filled in.
    """
    if event_type not in REQUEST_EVENTS:
        raise ValueError(f"validate_request is for viewer-request or origin-request, not {event_type!r}")
    result = _as_object(after)
    _check_unchanged(result, before, "method", "method")
    _check_unchanged(result, before, "clientIp", "client-ip")
    uri, query = _check_uri_and_query(result, before)
    headers = check_headers(result.get("headers"), "headers object")
    before_headers = before.get("headers") or {}
    _check_restricted(before_headers, headers, READ_ONLY[event_type], "headers object")
    if (
        event_type == "viewer-request"
        and "cloudfront-viewer-country" in headers
        and "cloudfront-viewer-country" not in before_headers
    ):
        raise _fail(
            "disallowed-header",
            "The function tried to add the cloudfront-viewer-country header in a viewer-request event.",
        )
    body = _request_body(event_type, result, include_body)
    origin = _validate_origin(event_type, before, result, headers, allowed_origin)
    out: dict = {
        "body": body,
        "clientIp": before.get("clientIp"),
        "headers": headers,
        "method": before.get("method"),
    }
    if origin is not None:
        out["origin"] = origin
    out["querystring"] = query
    out["uri"] = uri
    return out


def _status(result: dict) -> int:
    """Numbers are accepted as well as strings: AWS's own examples assign ``response.status = 302``."""
    raw = result.get("status")
    if _is_int(raw):
        status = raw
    elif isinstance(raw, str) and _STATUS.match(raw):
        status = int(raw)
    else:
        raise _fail("status", f"The status field must be a three-digit number or numeric string, not {raw!r}.")
    if not 200 <= status <= 599:
        raise _fail("status-range", f"The status {status} is outside the range 200-599.")
    return status


def _response_body(result: dict) -> bytes | None:
    body = result.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise _fail(
            "body", "The body is not a string, is not an object, or exceeds the maximum size (body must be a string)."
        )
    encoding = result.get("bodyEncoding")
    encoding = "text" if encoding is None else encoding
    if encoding not in ("text", "base64"):
        raise _fail("body-encoding", f"The bodyEncoding must be text or base64, not {encoding!r}.")
    return _decode(body, encoding, "response body")


def _header_bytes(headers: CfHeaders) -> int:
    """Size as on the wire: ``Key: value\\r\\n`` per entry."""
    return sum(_utf8_len(e["key"]) + _utf8_len(e["value"]) + 4 for entries in headers.values() for e in entries)


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def validate_response(
    event_type: str,
    before: dict | None,
    after: object,
    *,
    generated: bool,
    allow_status_change: bool = False,
) -> dict:
    """Validate a response generated by a request trigger (``generated``) or modified by a response trigger.

    Returns ``{"status": int, "statusDescription": str, "headers": CfHeaders, "body": bytes | None}``;
    ``body`` None means "keep the original body" (or no body, for a generated response).
    A 204 must carry no body: for a modified response that keeps the origin body, dropping it is the caller's job.
    """
    if generated and event_type not in REQUEST_EVENTS:
        raise ValueError(f"generated responses come from viewer-request or origin-request, not {event_type!r}")
    if not generated and (event_type not in RESPONSE_EVENTS or before is None):
        raise ValueError(f"a modified response needs a response event and its original, got {event_type!r}")
    result = _as_object(after)
    status = _status(result)
    before_status = None if before is None else int(before["status"])
    if event_type == "viewer-response" and status != before_status and not allow_status_change:
        raise _fail(
            "status-change",
            f"The function tried to change the status from {before_status} to {status} in a viewer-response event.",
        )
    description = result.get("statusDescription")
    if description is None:
        keep = before is not None and status == before_status
        description = before.get("statusDescription", "") if keep else status_phrase(status)
    if not isinstance(description, str) or _BAD_DESCRIPTION.search(description):
        raise _fail("status-description", "The statusDescription must be a string without control characters.")

    if generated:
        raw_headers = result.get("headers")
        headers = check_headers({} if raw_headers is None else raw_headers, "headers object")
        _check_restricted({}, headers, GENERATED_READ_ONLY, "headers object")
    else:
        headers = check_headers(result.get("headers"), "headers object")
        _check_restricted(before.get("headers") or {}, headers, READ_ONLY[event_type], "headers object")

    body = _response_body(result)
    if status == 204 and body:
        raise _fail("204-body", "The function returned a body with status 204 (No Content).")
    limit = body_limit(event_type)
    if generated:
        size = _header_bytes(headers) + len(body or b"")
        if size > limit:
            raise _fail(
                "size",
                f"The generated response is {size} bytes (headers and body); "
                f"the maximum for {event_type} is {limit} bytes.",
            )
    elif body is not None and len(body) > limit:
        raise _fail("size", f"The response body is {len(body)} bytes; the maximum for {event_type} is {limit} bytes.")
    return {"status": status, "statusDescription": description, "headers": headers, "body": body}
