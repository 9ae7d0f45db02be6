"""A behavior's two policies, as CloudFront separates them:

- `cache` — the cache policy: TTLs and what is in the cache key (query strings, headers,
  cookies);
- `forward` — the origin request policy: what is sent to the origin *beyond* the cache key
  (the origin always gets at least what the key holds).

By default (no `forward` table, or a kind left out of it) a behavior forwards as CloudFront's
legacy settings do: query strings and cookies only when they are in the key; headers except
the content-negotiation ones (`Accept`, `Accept-Charset`, `Accept-Language`,
`Authorization`, `Referer`, `User-Agent`, `X-HTTP-Method-Override`) and `Host`, which go only
when the key holds them. An explicit `headers = "all"` forwards the viewer's `Host` too, as
CloudFront's AllViewer policy does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cache_policy import CachePolicy
from .selection import ALL, ALL_EXCEPT, NONE, Selection
from .errors import ConfigError, check_keys, did_you_mean

# Headers CloudFront's legacy settings hold back unless the cache key includes them
# (User-Agent is then "Amazon CloudFront", Host the origin's name).
LEGACY_HELD_BACK = frozenset(
    {"accept", "accept-charset", "accept-language", "authorization", "host", "referer", "user-agent",
     "x-http-method-override"}
)

# Headers the edge itself generates about the viewer (edge/viewer/headers.py); a policy
# includes them only by name.
CLOUDFRONT_HEADERS = (
    "cloudfront-viewer-country", "cloudfront-viewer-country-name", "cloudfront-viewer-country-region",
    "cloudfront-viewer-country-region-name", "cloudfront-viewer-city", "cloudfront-viewer-postal-code",
    "cloudfront-viewer-time-zone", "cloudfront-viewer-latitude", "cloudfront-viewer-longitude",
    "cloudfront-viewer-metro-code", "cloudfront-viewer-asn",
    "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer", "cloudfront-is-tablet-viewer",
    "cloudfront-is-smarttv-viewer", "cloudfront-is-android-viewer", "cloudfront-is-ios-viewer",
    "cloudfront-forwarded-proto", "cloudfront-viewer-address", "cloudfront-viewer-http-version",
    "cloudfront-viewer-header-order", "cloudfront-viewer-header-count",
)


@dataclass(frozen=True)
class ForwardPolicy:
    """What goes to the origin beyond the cache key (CloudFront's origin request policy)."""

    query_strings: Selection = field(default_factory=Selection)
    headers: Selection = field(default_factory=lambda: Selection(ALL_EXCEPT, LEGACY_HELD_BACK, True))
    cookies: Selection = field(default_factory=Selection)
    cloudfront_headers: frozenset[str] = frozenset()  # generated CloudFront-* headers asked for by name

    def describe(self) -> dict[str, Any]:
        headers = self.headers.describe()
        if self.cloudfront_headers and self.headers.mode == ALL:
            headers = {"all_viewer_and": sorted(self.cloudfront_headers)}
        elif self.cloudfront_headers:
            headers = sorted(set(headers if isinstance(headers, list) else []) | self.cloudfront_headers)
        return {"query_strings": self.query_strings.describe(), "headers": headers,
                "cookies": self.cookies.describe()}


def parse_selection(raw: Any, where: str, *, case_insensitive: bool = False, allow_all: bool = True) -> Selection:
    """`"none"`, `"all"`, `["a", "b"]` (a whitelist) or `{ all_except = ["a"] }`."""
    if raw is None or raw == NONE:
        return Selection(NONE, frozenset(), case_insensitive)
    if raw == ALL and allow_all:
        return Selection(ALL, frozenset(), case_insensitive)
    if isinstance(raw, list) and all(isinstance(n, str) and n for n in raw):
        return Selection.whitelist(raw, case_insensitive=case_insensitive)
    if allow_all and isinstance(raw, dict) and set(raw) == {"all_except"}:
        names = raw["all_except"]
        if isinstance(names, list) and all(isinstance(n, str) and n for n in names):
            return Selection(ALL_EXCEPT, frozenset(names), case_insensitive)
    forms = '"none", "all", a list of names or { all_except = [names] }' if allow_all else "a list of names"
    raise ConfigError(f"{where} must be {forms}")


def parse_cache_policy(raw: Any, where: str) -> CachePolicy:
    if raw is None:
        return CachePolicy()
    if raw == "disabled":
        return CachePolicy.disabled()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.cache must be a table or \"disabled\"")
    check_keys(raw, ("min_ttl", "default_ttl", "max_ttl", "error_ttl", "query_strings", "headers", "cookies"),
               f"{where}.cache")
    values: dict[str, Any] = {}
    for key in ("min_ttl", "default_ttl", "max_ttl", "error_ttl"):
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 0:
                raise ConfigError(f"{where}.cache.{key} must be a non-negative integer (seconds)")
            values[key] = raw[key]
    values["query_strings"] = parse_selection(raw.get("query_strings"), f"{where}.cache.query_strings")
    values["cookies"] = parse_selection(raw.get("cookies"), f"{where}.cache.cookies")
    headers = raw.get("headers", [])
    if not isinstance(headers, list) or not all(isinstance(i, str) and i for i in headers):
        raise ConfigError(f"{where}.cache.headers must be a list of header names (a cache key holds named headers)")
    values["headers"] = tuple(headers)
    try:
        return CachePolicy(**values)
    except ValueError as exc:
        raise ConfigError(f"{where}.cache: {exc}") from None


def parse_forward_policy(raw: Any, where: str) -> ForwardPolicy:
    """`forward = { query_strings = ..., headers = ..., cookies = ... }`; headers may also be
    `{ all_viewer_and = ["cloudfront-viewer-country"] }` (every viewer header plus named
    CloudFront headers), and a whitelist may name CloudFront headers."""
    if raw is None:
        return ForwardPolicy()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.forward must be a table {{ query_strings, headers, cookies }}")
    check_keys(raw, ("query_strings", "headers", "cookies"), f"{where}.forward")
    headers_raw = raw.get("headers")
    cloudfront: set[str] = set()
    if headers_raw is None:  # each kind left out keeps its default
        headers = ForwardPolicy().headers
    elif isinstance(headers_raw, dict) and set(headers_raw) == {"all_viewer_and"}:
        names = headers_raw["all_viewer_and"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{where}.forward.headers.all_viewer_and must be a list of CloudFront header names")
        headers = Selection(ALL, frozenset(), True)
        cloudfront = {n.lower() for n in names}
    else:
        headers = parse_selection(headers_raw, f"{where}.forward.headers", case_insensitive=True)
        if headers.mode == "whitelist":
            cloudfront = {n for n in headers.names if n.startswith("cloudfront-")}
    unknown_cf = cloudfront - set(CLOUDFRONT_HEADERS)
    if unknown_cf:
        raise ConfigError(
            f"{where}.forward.headers: unknown CloudFront header(s) {', '.join(sorted(unknown_cf))}"
            f"{did_you_mean(sorted(unknown_cf), CLOUDFRONT_HEADERS)}; "
            f"the edge generates {', '.join(CLOUDFRONT_HEADERS)}"
        )
    return ForwardPolicy(
        query_strings=parse_selection(raw.get("query_strings"), f"{where}.forward.query_strings"),
        headers=headers,
        cookies=parse_selection(raw.get("cookies"), f"{where}.forward.cookies"),
        cloudfront_headers=frozenset(cloudfront),
    )
