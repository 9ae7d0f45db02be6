"""Vary (RFC 9111): a stored response serves only requests that carry the same
values of the request headers its `Vary` names.

A stored entry keeps those values as a tuple of `(name, value)` pairs (lower-case names;
the value is the request's field lines, each trimmed, joined with ", ", or None when the
header was absent): tuples of strings, which the garbage collector stops tracking. An entry
without a Vary keeps None, and a lookup pays one attribute test for it.
"""

from __future__ import annotations

from .headers import Headers

Vary = tuple[tuple[str, "str | None"], ...]
ANY = "*"


def vary_names(headers: Headers) -> tuple[str, ...]:
    """The header names a response's Vary field(s) list: lower-case, once each, sorted;
    `*` among them when the response varies on more than request headers."""
    names: set[str] = set()
    for key, value in headers:
        if key.lower() == "vary":
            for part in value.split(","):
                name = part.strip().lower()
                if name:
                    names.add(name)
    return tuple(sorted(names))


def request_value(headers: Headers, name: str) -> str | None:
    """A request header's value as Vary compares it: its field lines combined, whitespace trimmed."""
    values = [value.strip() for key, value in headers if key.lower() == name]
    return ", ".join(values) if values else None


def request_vary(names: tuple[str, ...] | list[str], headers: Headers) -> Vary:
    """What an entry remembers of the request it was stored for."""
    return tuple((name, request_value(headers, name)) for name in names)


def vary_matches(vary: Vary, headers: Headers) -> bool:
    """May a response stored with `vary` serve a request with these headers?"""
    for name, value in vary:
        if request_value(headers, name) != value:
            return False
    return True
