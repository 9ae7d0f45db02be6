"""What the origin receives: the request after viewer-request, filtered by the behavior's
cache policy and origin request policy (`forward`), as CloudFront builds its origin request.

- Query strings and cookies: those the cache key or the forward policy includes.
- Headers: the protocol headers always; others when the key or the forward policy includes
  them (by default every header but the content-negotiation ones, as CloudFront's legacy
  settings); `User-Agent` not included is `Amazon CloudFront`; `Host` is the origin's name
  (`forward_host` or a policy including `host` keeps the viewer's, which must then be a valid
  `host[:port]` and is in the cache key); `Accept-Encoding` only
  when the key holds it (a compressed response is never cached for clients that did not ask);
  hop-by-hop headers never; `X-Forwarded-For` gets the viewer's address last and `Via` our
  hop; the edge's own CloudFront-* headers when the behavior names them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from ..cache.key import cookie_pairs
from ..config.behaviors import Behavior
from ..config.origins import OriginSpec
from ..upstream.http import HOP_BY_HOP, strip_hop_by_hop

# Always forwarded: they describe the request itself, not the viewer.
PROTOCOL = frozenset(
    {
        "cache-control", "content-encoding", "content-length", "content-md5", "content-type", "date", "from",
        "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards",
        "pragma", "range", "request-range", "warning",
    }
)
CONDITIONAL = frozenset({"if-none-match", "if-modified-since"})
ORIGIN_USER_AGENT = "Amazon CloudFront"

# A Host the edge forwards: DNS labels (underscores allowed, a trailing dot too), an IPv4
# address or a bracketed IPv6 one, and an optional port.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]{{2,45}}\])(?::([0-9]{{1,5}}))?\Z")
MAX_HOST = 253 + 6


def forwards_viewer_host(behavior: Behavior) -> bool:
    """Does the origin get the viewer's Host (and so the cache key too)?"""
    return behavior.forward_host or behavior.forwarded_headers.includes("host")


def viewer_host(headers: list[tuple[str, str]]) -> str | None:
    """The request's Host as the cache key holds it when it is forwarded: lower-cased, the
    port as given, "" when there is none; None when it is not a valid `host[:port]` or is
    given more than once (the edge answers 400, as CloudFront does)."""
    found = None
    for key, value in headers:
        if key.lower() == "host":
            if found is not None:
                return None
            found = value
    if found is None:
        return ""
    match = _HOST.match(found) if len(found) <= MAX_HOST else None
    if match is None or (match.group(1) is not None and int(match.group(1)) > 65535):
        return None
    return found.lower()


def reaches_origin(name: str, behavior: Behavior) -> bool:
    """Can the viewer's value of header `name` (lower-case) reach the origin of a cacheable
    request? What `origin_headers` sends, name by name: a header that cannot is one the
    origin's answer does not depend on, whatever its Vary says."""
    if name == "host":
        return forwards_viewer_host(behavior)
    if name == "accept-encoding":
        return name in behavior.cache.headers
    if name == "cookie":
        return not behavior.forwarded_cookies.empty
    if name in CONDITIONAL or name in HOP_BY_HOP:
        return False
    return name in ("x-forwarded-for", "via") or name in PROTOCOL or behavior.forwarded_headers.includes(name)


def origin_querystring(querystring: str, behavior: Behavior) -> str:
    """The query string sent to the origin (and shown in origin events): the parameters the
    key or the forward policy includes, in the viewer's order and encoding."""
    selection = behavior.forwarded_query_strings
    if selection.mode == "all" or not querystring:
        return querystring
    if selection.empty:
        return ""
    kept = [part for part in querystring.split("&") if part and selection.includes(unquote_plus(part.split("=", 1)[0]))]
    return "&".join(kept)


def origin_headers(
    headers: list[tuple[str, str]],
    behavior: Behavior,
    spec: OriginSpec,
    client_ip: str,
    via: str,
    *,
    cacheable: bool,
) -> list[tuple[str, str]]:
    """The headers sent to the origin (and shown in origin-request events), from the request's
    headers after viewer-request plus the edge's generated CloudFront-* headers."""
    selection = behavior.forwarded_headers
    keep_encoding = "accept-encoding" in behavior.cache.headers
    keep_host = forwards_viewer_host(behavior)
    out: list[tuple[str, str]] = []
    xff = seen_via = None
    user_agent = False
    for key, value in strip_hop_by_hop(headers):
        lower = key.lower()
        if lower == "host":
            if keep_host:
                out.insert(0, (key, value))
            continue
        if lower == "x-forwarded-for":
            xff = value if xff is None else f"{xff}, {value}"
            continue
        if lower == "via":
            seen_via = value
            continue
        if lower == "cookie":
            continue  # rebuilt below from the cookies the policies include
        if lower == "accept-encoding":
            if keep_encoding:
                out.append((key, value))
            continue
        if lower in CONDITIONAL and cacheable:
            continue  # the edge revalidates its own copy
        if lower in PROTOCOL or selection.includes(lower):
            out.append((key, value))
            user_agent = user_agent or lower == "user-agent"
    if not keep_host:
        default = 443 if spec.protocol == "https" else 80
        host = spec.domain_name if spec.port == default else f"{spec.domain_name}:{spec.port}"
        out.insert(0, ("Host", host))
    cookies = behavior.forwarded_cookies
    if not cookies.empty:
        kept = [f"{name}={value}" for name, value in cookie_pairs(headers) if cookies.includes(name)]
        if kept:
            out.append(("Cookie", "; ".join(kept)))
    if not user_agent:
        out.append(("User-Agent", ORIGIN_USER_AGENT))
    # the viewer's own address goes last: the entry origins trust is never the viewer's
    out.append(("X-Forwarded-For", f"{xff}, {client_ip}" if xff else client_ip))
    out.append(("Via", f"{seen_via}, {via}" if seen_via else via))
    return out
