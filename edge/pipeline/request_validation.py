"""Request-result validation: the request a viewer-request / origin-request function returns.

Method and client IP are read-only, a changed uri or querystring must stay a valid request
line (a changed uri is also checked and normalised as the front door treats a viewer's path),
headers follow the event's restricted-header rules, the request line and headers stay
within CloudFront's 20,480 bytes, and a replaced body longer than the event's size limit is
truncated to it, as AWS does. The origin field is checked by origin_validation.py.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from urllib.parse import quote

from .events import REQUEST_EVENTS, body_limit
from .header_validation import check_headers, check_restricted, check_size, head_bytes
from .headers import MAX_REQUEST_HEAD, READ_ONLY, request_line_bytes
from .origin_validation import validate_origin
from .uri import BadTarget, normalize_path
from .validation import as_object, decode_body, fail

MAX_URL_CHARS = 8192  # AWS: uri plus query string must stay below this

# AWS: no spaces, control characters or '#' in a changed query string.
_BAD_QUERY = re.compile(r"[\x00-\x20\x7f-\x9f#\ud800-\udfff]")
# [unconfirmed] AWS only says uri starts with '/'; we also refuse what would corrupt the request
# line (spaces, controls) or be re-read as query/fragment ('?', '#').
_BAD_URI = re.compile(r"[\x00-\x20\x7f-\x9f#?\ud800-\udfff]")
_PRINTABLE_ASCII = string.punctuation + string.ascii_letters + string.digits  # left as written
# A result with `statusCode` and no `status` is read as a request (AWS's rule), which then lacks its
# uri: say what was meant, for code ported from API Gateway, ALB or CloudFront Functions.
STATUS_CODE_HINT = (" (A generated response gives its status as 'status', a string such as '302', not 'statusCode' "
                    "as API Gateway, ALB and CloudFront Functions take it.)")


def _utf8_escaped(value: str) -> str:
    """A changed uri or querystring goes to the origin as UTF-8 (AWS): its non-ASCII characters
    percent-encoded as their UTF-8 bytes (`/café` is `/caf%C3%A9`), so later hooks, the cache and
    the origin all see the one ASCII target; the rest is left as the function wrote it."""
    return value if value.isascii() else quote(value, safe=_PRINTABLE_ASCII)


def _check_unchanged(result: dict, before: dict, field: str, rule: str) -> None:
    """``method`` and ``clientIp`` are read-only. [unconfirmed] ignored or rejected on AWS: we reject."""
    if field in result and result[field] != before.get(field):
        raise fail(rule, f"The function tried to change the read-only {field} field.")


def _check_uri_and_query(result: dict, before: dict) -> tuple[str, str]:
    """Only changed values are checked: CloudFront forwards unchanged ones byte for byte."""
    uri = result.get("uri")
    if not isinstance(uri, str):
        hint = STATUS_CODE_HINT if "statusCode" in result and "status" not in result else ""
        raise fail("uri", "The uri field is missing or is not a string." + hint)
    query = result.get("querystring")
    if not isinstance(query, str):
        raise fail("querystring", "The querystring field is missing or is not a string.")
    uri_changed = uri != before.get("uri")
    query_changed = query != before.get("querystring")
    if uri_changed:
        if not uri.startswith("/"):
            raise fail("uri", f"The uri {uri[:64]!r} must begin with a slash (/).")
        if _BAD_URI.search(uri):
            raise fail("uri", "The uri contains spaces, control characters, '?' or '#'.")
        uri = _utf8_escaped(uri)
    if query_changed:
        if _BAD_QUERY.search(query):
            raise fail("querystring", "The querystring contains spaces, control characters or '#'.")
        query = _utf8_escaped(query)
    if uri_changed or query_changed:
        length = len(uri) + (len(query) + 1 if query else 0)
        if length >= MAX_URL_CHARS:
            raise fail("uri", f"The uri and querystring are {length} characters; they must be under {MAX_URL_CHARS}.")
    if uri_changed:
        uri = _as_the_front_door(uri)
    return uri, query


def _as_the_front_door(uri: str) -> str:
    """A changed uri, checked and normalised as the front door treats a viewer's path (uri.py), so
    the cache, later hooks and the origin never see a path no viewer could send: a malformed
    escape (`/a%`, `/%zz`) or a character that must be percent-encoded (`\\`, `"`, `{`) is refused.
    AWS sends a changed uri as the function set it (in UTF-8); we normalise it as the front door
    does (escapes of unreserved characters decoded, the rest upper-cased, `.` and `..` segments
    removed), because an origin may resolve `/x/../y` itself (past a prefix a behavior or the
    function meant to keep) while the cache and the hooks see another path."""
    try:
        return normalize_path(uri.encode("ascii"))
    except BadTarget as exc:
        problem = str(exc).removeprefix("the request path ")
        raise fail("uri", f"The uri {uri[:64]!r} {problem}, which the front door refuses in a viewer's path "
                   "(percent-encode the character as %XX; a literal '%' is %25).") from None


def _request_body(event_type: str, result: dict, include_body: bool) -> bytes | None:
    """The replacement body, or None to forward the original (action read-only or no body).

    AWS truncates a replacement past the event's cap (40 KB viewer-request, 1 MB origin-request,
    after decoding) rather than refusing the result: a function that re-serialises a truncated
    include-body slightly longer still reaches the origin, with the first `limit` bytes."""
    body = result.get("body")
    if body is None:
        return None
    if not isinstance(body, dict):
        raise fail("body", "The request body must be an object.")
    action = body.get("action", "read-only")
    if action == "read-only":
        return None  # data/encoding edits are ignored; the original body goes on
    if action != "replace":
        raise fail("body-action", f"The request body action must be read-only or replace, not {action!r}.")
    if not include_body:
        # [unconfirmed] AWS never shows a body without IncludeBody; silently dropping it would hide a bug.
        raise fail("body-action", "The function tried to replace the request body, but IncludeBody is not enabled.")
    encoding = body.get("encoding", "base64")
    if encoding not in ("base64", "text"):
        raise fail("body-encoding", f"The request body encoding must be base64 or text, not {encoding!r}.")
    data = body.get("data")
    if not isinstance(data, str):
        raise fail("body", "The request body data must be a string when action is replace.")
    raw = decode_body(data, encoding, "request body data")
    return raw[: body_limit(event_type)]


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
    result = as_object(after)
    _check_unchanged(result, before, "method", "method")
    _check_unchanged(result, before, "clientIp", "client-ip")
    uri, query = _check_uri_and_query(result, before)
    headers, head_size = check_headers(result.get("headers"), "headers object")
    method = before.get("method") or ""
    head = request_line_bytes(method, uri, query) + head_size
    # a request the function did not make bigger passes (the edge's own headers, already in the
    # event, may take a viewer's request just under the front door's bound past it)
    if head > request_line_bytes(method, before.get("uri") or "", before.get("querystring") or "") + \
            head_bytes(before.get("headers")):
        check_size(f"request the {event_type} function returned", MAX_REQUEST_HEAD, head,
                   head_is="request line and headers")
    before_headers = before.get("headers") or {}
    check_restricted(before_headers, headers, READ_ONLY[event_type], "headers object")
    if (
        event_type == "viewer-request"
        and "cloudfront-viewer-country" in headers
        and "cloudfront-viewer-country" not in before_headers
    ):
        raise fail(
            "disallowed-header",
            "The function tried to add the cloudfront-viewer-country header in a viewer-request event.",
        )
    body = _request_body(event_type, result, include_body)
    if body and method in ("GET", "HEAD"):
        # [unconfirmed] AWS does not say; the front door refuses a viewer's GET or HEAD body (403),
        # because the origin would get it and its answer be cached under a key that ignores it
        raise fail("body-method", f"The function replaced the body of a {method} request, which carries none "
                   "(a viewer's is refused with 403): leave the body read-only, or generate a response.")
    origin = validate_origin(event_type, before, result, headers, allowed_origin)
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
