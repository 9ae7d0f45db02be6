"""Origin validation: the origin field of a returned request, which only origin-request may change.

The new origin must have CloudFront's shape (exactly one of custom or s3, each field in range),
its customHeaders no larger than a viewer's request head may be, and, on this server, pass the
distribution's ``allowed_origin`` check, so that no request leaves for a host the operator did
not declare or allow.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import orjson

from .header_validation import check_headers, check_restricted, check_size, entry_values
from .headers import MAX_REQUEST_HEAD, READ_ONLY, CfHeaders
from .validation import ValidationError, fail, is_int

MAX_CUSTOM_DOMAIN = 253
MAX_S3_DOMAIN = 128
MAX_ORIGIN_PATH = 255
SSL_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"})
S3_AUTH_METHODS = ("origin-access-identity", "none")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\Z")
_URL_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*\Z")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+\Z")

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
    return fail("origin", detail)


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


def _check_int(fields: dict, kind: str, name: str, low: int, high: int, before: dict | None = None) -> int:
    value = fields[name]
    if before is not None and name in before and _same_json(value, before[name]):
        return value  # as the edge described the origin: the operator's setting, perhaps beyond CloudFront's range
    if not is_int(value) or not low <= value <= high:
        raise _origin_fail(f"The origin.{kind}.{name} field must be an integer from {low} to {high}, not {value!r}.")
    return value


def _custom_origin(fields: dict, declared: bool = False, before: dict | None = None) -> dict:
    """`before`: the custom origin the event described. Values a function left as they were
    (a declared origin's port, the operator's read timeout of 2 s or 90 s) are not held to
    CloudFront's ranges, which a function's own values must keep."""
    _check_fields(fields, "custom", _CUSTOM_FIELDS, _CUSTOM_FIELDS[1:])
    port = fields["port"]
    unchanged_port = before is not None and "port" in before and _same_json(port, before["port"])
    if not unchanged_port and (not is_int(port) or not (port in (80, 443) or 1024 <= port <= 65535)):
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
        "keepaliveTimeout": _check_int(fields, "custom", "keepaliveTimeout", 1, 60, before),
        "path": _check_path(fields["path"], "custom"),
        "port": port,
        "protocol": protocol,
        "readTimeout": _check_int(fields, "custom", "readTimeout", 4, 60, before),
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


def validate_origin(
    event_type: str,
    before: dict,
    result: dict,
    request_headers: CfHeaders,
    allowed_origin: Callable[[dict], bool] | None,
) -> dict | None:
    """The origin a request result goes to: None when it has none (or is a viewer-request, which
    may not touch it), the original when unchanged, else the checked and normalised new one."""
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
    if kind == "custom":
        normalised = _custom_origin(fields, declared, before_fields if before_kind == "custom" else None)
    else:
        normalised = _s3_origin(fields, before_kind)
    custom = fields.get("customHeaders")
    custom, size = check_headers({} if custom is None else custom, f"origin.{kind}.customHeaders object")
    # the edge sends them with every request: an origin would refuse them all
    check_size(f"origin.{kind}.customHeaders object", MAX_REQUEST_HEAD, size, head_is="'Key: value' lines")
    # [unconfirmed] CloudFront documents only "no disallowed headers"; read-only request headers
    # are refused too, otherwise customHeaders would be a back door around them.
    before_custom = (before_fields or {}).get("customHeaders") or {}
    check_restricted(before_custom, custom, frozenset(), f"origin.{kind}.customHeaders object")
    for name in custom.keys() | before_custom.keys():  # deleting one is a change too
        if name in READ_ONLY["origin-request"] and entry_values(custom, name) != entry_values(before_custom, name):
            raise fail(
                "read-only-header", f"The function tried to add, delete, or change a read-only header ({name})."
            )
    for name in custom:
        if name in request_headers:
            raise _origin_fail(f"The header {name} is in both origin.{kind}.customHeaders and the request headers.")
    normalised["customHeaders"] = custom
    origin = {kind: normalised}
    if allowed_origin is not None and not allowed_origin(origin):
        raise fail("origin-not-allowed", f"The origin {kind} {normalised['domainName']} is not one of the origins "
                   f"declared for this distribution. {_how_to_allow(kind, normalised)}")
    return origin


def _how_to_allow(kind: str, origin: dict) -> str:
    """What the operator adds so that a function may switch there (docs/pipeline.md, origin switching)."""
    domain = origin["domainName"]
    if kind == "s3":
        return (f'Declare it to let functions switch to it: an [origins.NAME] with type = "s3" and '
                f'domain_name = "{domain}".')
    scheme = origin.get("protocol") or "https"
    port = origin.get("port")
    default = 443 if scheme == "https" else 80
    host = domain if port in (None, default) else f"{domain}:{port}"
    return (f'Declare it to let functions switch to it (an [origins.NAME] with url = "{scheme}://{host}"), or add '
            f'"{host}" to the allow_hosts of the origin the request had.')
