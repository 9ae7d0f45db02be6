"""Header rules for a function's result: a headers map's shape, and which headers it may touch.

Shared by returned requests, responses and an origin's customHeaders, so every headers map a
function hands back is normalised and checked against the restricted headers the same way.
"""

from __future__ import annotations

import re

from .headers import CfHeaders, default_key, is_disallowed
from .validation import fail

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
# Header values: no controls except HTAB (CR/LF would split headers), no lone surrogates.
# Control characters (tab allowed), and anything outside Latin-1: HTTP/1.1 field values are
# bytes, and a value that cannot be encoded would fail on the wire after being cached.
_BAD_HEADER_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0100-\U0010ffff]")


def check_headers(value: object, where: str) -> tuple[CfHeaders, int]:
    """Check a headers map's shape; return it normalised (keys filled in, empty arrays dropped)
    and its size as on the wire, ``Key: value\\r\\n`` per entry (counted in the pass the checks
    make anyway, so a size limit costs a small result nothing).

    The map name (lowercase) decides which header an entry is: restricted-header checks use it,
    and the entry goes on the wire under it. A ``key`` that spells another name is replaced by
    the name's canonical case, so a key can never smuggle, say, Host past the read-only checks.
    Keys are then ASCII and values ISO-8859-1: one byte a character on the wire.
    """
    if not isinstance(value, dict):
        raise fail("headers", f"The {where} must be an object.")
    out: CfHeaders = {}
    size = 0
    for name, entries in value.items():
        if not _TOKEN.match(name):
            raise fail("header-name", f"The header name {name!r} in the {where} must be a lowercase HTTP token.")
        if not isinstance(entries, list):
            raise fail(
                "header-not-array",
                f"The function returned an invalid entry in the {where} ({name}): "
                "Each header entry in the headers object must be an array.",
            )
        normalised: list[dict[str, str]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise fail("header-entry", f"Each element of the {name} array in the {where} must be an object.")
            header_value = entry.get("value")
            if not isinstance(header_value, str):
                raise fail("header-value", f"The value of header {name} in the {where} must be a string.")
            if _BAD_HEADER_VALUE.search(header_value):
                raise fail(
                    "header-value",
                    f"The value of header {name} in the {where} contains control characters or characters "
                    "outside ISO-8859-1 (percent-encode them).",
                )
            key = entry.get("key")
            if key is not None and not isinstance(key, str):
                raise fail("header-name", f"The key {key!r} of header {name} in the {where} must be a string.")
            if not key or not key.isascii() or key.lower() != name:  # "\u212a".lower() is "k"
                # AWS's own "override a response header" example copies a whole entry under
                # another name; the map name decides which header it is, so it is sent under
                # that name (the key's casing is kept only when it spells the same name).
                key = default_key(name)
            normalised.append({"key": key, "value": header_value})
            size += len(key) + len(header_value) + 4
        if normalised:
            out[name] = normalised
    return out, size


def check_size(what: str, limit: int, head: int, body: int | None = None, *, head_is: str = "headers") -> None:
    """Refuse (rule ``size``) a result part whose head (``check_headers``' size, plus a request's
    line) and the body the function set come to more than ``limit`` bytes: CloudFront's limits
    count headers too, so a function cannot add a megabyte header where it may not set such a body."""
    size = head if body is None else head + body
    if size > limit:
        counted = f"{head} bytes of {head_is}" + ("" if body is None else f" and {body} of body")
        raise fail("size", f"The {what} is {size} bytes ({counted}); the maximum is {limit} bytes.")


def head_bytes(headers: object) -> int:
    """The size ``check_headers`` gives, of the headers the function was given (an event's):
    what a result is compared with, so headers it left as they were never count against it."""
    if not isinstance(headers, dict):
        return 0
    return sum(len(e.get("key", "")) + len(e.get("value", "")) + 4
               for entries in headers.values() if isinstance(entries, list) for e in entries if isinstance(e, dict))


def entry_values(headers: CfHeaders, name: str) -> list[str]:
    """A header's values in order: what "changed" means when comparing a result with its original."""
    return [entry.get("value", "") for entry in headers.get(name, ())]


_SORTED: dict[frozenset[str], tuple[str, ...]] = {}


def check_restricted(before: CfHeaders, after: CfHeaders, read_only: frozenset[str], where: str) -> None:
    """Disallowed headers may not appear or change; read-only ones may not be added, changed or deleted."""
    for name in after:
        if is_disallowed(name) and entry_values(after, name) != entry_values(before, name):
            raise fail("disallowed-header", f"The function tried to add a disallowed header ({name}) in the {where}.")
    names = _SORTED.get(read_only)
    if names is None:
        names = _SORTED[read_only] = tuple(sorted(read_only))
    for name in names:
        if (name in before or name in after) and entry_values(before, name) != entry_values(after, name):
            raise fail(
                "read-only-header", f"The function tried to add, delete, or change a read-only header ({name})."
            )
