"""Cache behaviors: ordered path patterns, each with an origin, methods (allowed, and cached),
a cache policy and up to four function associations (one per Lambda@Edge event type)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import names
from ..patterns import compile_pattern
from .cache_policy import CachePolicy
from .errors import ConfigError, check_keys, unknown_keys_message
from .selection import Selection
from .policies import CLOUDFRONT_HEADERS, ForwardPolicy, parse_cache_policy, parse_forward_policy
from .values import LegacyRead, flag

EVENT_TYPES = ("viewer-request", "origin-request", "origin-response", "viewer-response")
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
# CloudFront's CachedMethods: GET and HEAD always; OPTIONS only when asked for (a CORS preflight
# answer may depend on headers the key does not hold, such as Origin)
CACHED_METHODS = (frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}))
PATTERN_CHARS = re.compile(r"[A-Za-z0-9_\-.*$/~\"'@:+&?]+")  # fullmatch: `$` would pass a trailing newline


@dataclass(frozen=True)
class Association:
    """A function attached to one event type of a behavior."""

    event_type: str
    function: str
    qualifier: str | None = None  # version number or alias; None = the latest version
    include_body: bool = False  # request hooks: expose the body (base64, truncated like AWS)
    include_origin_body: bool = False  # origin-response, beyond AWS: expose the origin body (<= 1 MB)
    allow_status_change: bool = False  # viewer-response, beyond AWS (CloudFront Functions can)

    @property
    def reference(self) -> str:
        return f"{self.function}:{self.qualifier}" if self.qualifier else self.function


@dataclass(frozen=True)
class Behavior:
    pattern: str
    origin: str
    methods: frozenset[str] = frozenset({"GET", "HEAD"})
    cached_methods: frozenset[str] = CACHED_METHODS[0]  # the methods whose answers the cache stores
    cache: CachePolicy = field(default_factory=CachePolicy)
    associations: dict[str, Association] = field(default_factory=dict)
    forward: ForwardPolicy = field(default_factory=ForwardPolicy)  # what the origin gets beyond the key
    forward_host: bool = False  # send the viewer's Host to the origin instead of the origin's name
    debug_errors: bool = False  # error pages show the operator's detail (off: CloudFront's wording only)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", compile_pattern(self.pattern))
        # What reaches the origin: the cache key's selections and the forward policy's (derived once).
        key_headers = Selection.whitelist(self.cache.headers, case_insensitive=True)
        object.__setattr__(self, "forwarded_query_strings", self.cache.query_strings.union(self.forward.query_strings))
        object.__setattr__(self, "forwarded_headers", key_headers.union(self.forward.headers))
        object.__setattr__(self, "forwarded_cookies", self.cache.cookies.union(self.forward.cookies))
        wanted = {h for h in self.cache.headers if h in CLOUDFRONT_HEADERS} | set(self.forward.cloudfront_headers)
        object.__setattr__(self, "cloudfront_headers", frozenset(wanted))

    # derived in __post_init__ (declared for readers and type checkers)
    forwarded_query_strings: Selection = field(init=False, repr=False, compare=False)
    forwarded_headers: Selection = field(init=False, repr=False, compare=False)
    forwarded_cookies: Selection = field(init=False, repr=False, compare=False)
    cloudfront_headers: frozenset[str] = field(init=False, repr=False, compare=False)

    def matches(self, path: str) -> bool:
        return self._regex.match(path) is not None  # type: ignore[attr-defined]


def check_pattern(pattern: Any, where: str) -> str:
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{where}: path pattern must be a non-empty string")
    if len(pattern) > 255:
        raise ConfigError(f"{where}: path pattern is longer than 255 characters")
    if not PATTERN_CHARS.fullmatch(pattern):
        raise ConfigError(
            f"{where}: path pattern {pattern!r} has characters outside A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & ?"
        )
    return pattern


def parse_association(event_type: str, raw: Any, where: str, legacy: LegacyRead | None = None) -> Association:
    """One association; `legacy`: read from a stored document (edge/config/values.py)."""
    if isinstance(raw, str):
        raw = {"function": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("function"), str):
        raise ConfigError(f"{where}.{event_type}: expected \"name[:version|alias]\" or {{ function = ... }}")
    check_keys(raw, ("function", "include_body", "include_origin_body", "allow_status_change"), f"{where}.{event_type}")
    name, _, qualifier = raw["function"].partition(":")
    here = f"{where}.{event_type}"
    try:
        names.check_function(name)
        if qualifier:
            names.check_qualifier(qualifier)
    except names.BadName as exc:
        refusal = f"{here}: {exc}"
        # `fn:latest` named an alias called `latest` before that name was reserved: a stored
        # one still does (the alias, or nothing if it does not exist, as then)
        if legacy is None or not (names.is_function_name(name) and names.is_reserved_alias(qualifier)
                                  and names.is_alias_syntax(qualifier)):
            raise ConfigError(refusal) from None
        legacy.add(here, "qualifier", raw["function"], qualifier, refusal)
    include_body = flag(raw, "include_body", here, legacy=legacy)
    if include_body and event_type not in ("viewer-request", "origin-request"):
        raise ConfigError(
            f"{where}.{event_type}: The IncludeBody option can only be used with viewer-request or "
            "origin-request events."
        )
    include_origin_body = flag(raw, "include_origin_body", here, legacy=legacy)
    if include_origin_body and event_type != "origin-response":
        raise ConfigError(f"{where}.{event_type}: include_origin_body is only for origin-response")
    allow_status = flag(raw, "allow_status_change", here, legacy=legacy)
    if allow_status and event_type != "viewer-response":
        raise ConfigError(f"{where}.{event_type}: allow_status_change is only for viewer-response")
    return Association(
        event_type=event_type,
        function=name,
        qualifier=qualifier or None,
        include_body=include_body,
        include_origin_body=include_origin_body,
        allow_status_change=allow_status,
    )


def _cached_methods(raw: Any, allowed: frozenset[str], where: str) -> frozenset[str]:
    """CloudFront's two choices of CachedMethods, each method one the behavior allows."""
    if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
        raise ConfigError(f"{where}: cached_methods must be a list: [\"GET\", \"HEAD\"] or [\"GET\", \"HEAD\", \"OPTIONS\"]")
    wanted = frozenset(m.upper() for m in raw)
    if wanted not in CACHED_METHODS:
        raise ConfigError(
            f"{where}: cached_methods {raw!r} is not one of CloudFront's choices: "
            "[\"GET\", \"HEAD\"] or [\"GET\", \"HEAD\", \"OPTIONS\"]"
        )
    if not wanted <= allowed:
        missing = ", ".join(sorted(wanted - allowed))
        raise ConfigError(f"{where}: cached_methods names {missing}, which methods does not allow")
    return wanted


def parse_behavior(index: int, raw: Any, origins: set[str], legacy: LegacyRead | None = None) -> Behavior:
    """Behavior #index+1; `legacy`: read from a stored document (edge/config/values.py)."""
    where = f"[[behaviors]] #{index + 1}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    pattern = check_pattern(raw.get("path"), where)
    where = f"{where} (path {pattern!r})"
    check_keys(raw, ("path", "origin", *(e.replace("-", "_") for e in EVENT_TYPES), "methods", "cached_methods",
                     "cache", "forward", "forward_host", "debug_errors"), where)
    origin = raw.get("origin")
    if origin not in origins:
        raise ConfigError(f"{where}: origin {origin!r} is not declared in [origins]")
    methods = raw.get("methods", ["GET", "HEAD"])
    if not isinstance(methods, list) or not methods:
        raise ConfigError(f"{where}: methods must be a list such as [\"GET\", \"HEAD\"]")
    methods_set = frozenset(str(m).upper() for m in methods)
    bad = methods_set - set(ALL_METHODS)
    if bad:
        raise ConfigError(unknown_keys_message(f"{where}.methods", bad, ALL_METHODS, noun="method"))
    if not {"GET", "HEAD"} <= methods_set:
        raise ConfigError(f"{where}: methods must include GET and HEAD")
    cached_methods = _cached_methods(raw.get("cached_methods", ["GET", "HEAD"]), methods_set, where)
    associations = {}
    for event_type in EVENT_TYPES:
        key = event_type.replace("-", "_")
        if key in raw:
            associations[event_type] = parse_association(event_type, raw[key], where, legacy)
    return Behavior(
        pattern=pattern,
        origin=origin,
        methods=methods_set,
        cached_methods=cached_methods,
        cache=parse_cache_policy(raw.get("cache"), where),
        associations=associations,
        forward=parse_forward_policy(raw.get("forward"), where),
        forward_host=flag(raw, "forward_host", where, legacy=legacy),
        debug_errors=flag(raw, "debug_errors", where, legacy=legacy),
    )
