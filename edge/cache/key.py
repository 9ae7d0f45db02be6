"""Cache keys: which requests share one stored response.

A key is a compact JSON array, so it is unambiguous whatever characters the parts hold, and the
path can be read back out of it for invalidation.

Query parameters are keyed as the origin receives them: split on `&` and the first `=`, nothing
decoded. `a=1+2` and `a=1%202` are one value to a form decoder but two to an origin that reads `+`
literally (or `%41` apart from `A`), so folding them would let one request's answer be served for
the other. Only which names are included is decided on the decoded name, as
pipeline/forward.py decides which parameters to send, so the key never leaves out a parameter
the origin gets.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

import orjson

from .headers import Headers, header_values
from ..config.cache_policy import CachePolicy
from ..config.selection import WHITELIST

# GET and HEAD share entries; OPTIONS is cached apart (when the behavior's cached_methods has it,
# which the caller checks); other methods are never cached.
_SCOPES = {"GET": "GET", "HEAD": "GET", "OPTIONS": "OPTIONS"}


def _query_part(policy: CachePolicy, query: str) -> list[list[str | None]]:
    """The included parameters, raw: `[name, value]`, value None for a bare `name` (no `=`),
    which some origins read apart from `name=`."""
    selection = policy.query_strings
    if selection.empty or not query:
        return []
    pairs: list[tuple[str, list[str | None]]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        decoded = unquote_plus(name)  # as forward.py selects what the origin gets
        if selection.includes(decoded):
            pairs.append((decoded, [name, value if eq else None]))
    # Sort by name only (stable): order of names doesn't matter, order of a repeated name's values may.
    pairs.sort(key=lambda pair: pair[0])
    return [pair for _, pair in pairs]


def _header_part(policy: CachePolicy, headers: Headers) -> list[list[object]]:
    # An absent header (None) differs from an empty one ([""]).
    return [[name, header_values(headers, name) or None] for name in policy.headers]


def cookie_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Every cookie of the request's Cookie header(s), in order."""
    out = []
    for field in header_values(headers, "cookie"):
        for crumb in field.split(";"):
            name, eq, value = crumb.partition("=")
            name = name.strip()
            if eq and name:
                out.append((name, value.strip()))
    return out


def _cookie_part(policy: CachePolicy, headers: Headers) -> list[list[object]]:
    selection = policy.cookies
    if selection.empty:
        return []
    found: dict[str, list[str]] = {}
    for name, value in cookie_pairs(headers):
        if selection.includes(name):
            found.setdefault(name, []).append(value)
    if selection.mode == WHITELIST:  # a configured name that is absent differs from an empty one
        return [[name, found.get(name)] for name in sorted(selection.names)]
    return [[name, found[name]] for name in sorted(found)]


def cache_key(
    policy: CachePolicy, *, method: str, host: str, path: str, query: str, headers: Headers
) -> str | None:
    """The key for a request, or None when its method is never cached.

    Host is compared case-insensitively; path, query names and cookie names case-sensitively.
    The caller must not store a HEAD response (no body) under a key a GET will read.
    """
    scope = _SCOPES.get(method.upper())
    if scope is None:
        return None
    parts = [
        scope,
        host.lower(),
        path,
        _query_part(policy, query),
        _header_part(policy, headers),
        _cookie_part(policy, headers),
    ]
    return orjson.dumps(parts).decode()


def key_path(key: str) -> str:
    """The URL path a key was made for; a key not made by `cache_key` is treated as a bare path."""
    if key.startswith("["):
        try:
            parts = orjson.loads(key)
        except orjson.JSONDecodeError:
            return key
        if isinstance(parts, list) and len(parts) >= 3 and isinstance(parts[2], str):
            return parts[2]
    return key
