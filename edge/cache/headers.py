"""Reading the HTTP fields the cache depends on: Cache-Control, dates, plain lookups.

Kept apart so TTL rules, keys and revalidation all parse fields the same way.
"""

from __future__ import annotations

from calendar import timegm
from email.utils import formatdate, parsedate_tz

Headers = list[tuple[str, str]]

# RFC 9111, section 1.2.2: delta-seconds beyond 2^31 are capped there.
DELTA_SECONDS_CAP = 2**31

# Never stored or merged: they describe one connection, not the representation (RFC 9111, section 3.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of a header, case-insensitively, in order."""
    lname = name.lower()
    return [value for key, value in headers if key.lower() == lname]


def first_header(headers: Headers, name: str) -> str | None:
    """First value of a header, or None."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    """Split on `sep`, except inside a quoted-string (Cache-Control values may quote commas)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def cache_control(headers: Headers) -> dict[str, str | None]:
    """Cache-Control directives (lower-case names) from every Cache-Control field.

    A repeated directive keeps its first value (RFC 9111, section 4.2.1 allows "first occurrence").
    Values are unquoted; a directive without `=` maps to None.
    """
    directives: dict[str, str | None] = {}
    for field in header_values(headers, "cache-control"):
        for part in _split_outside_quotes(field, ","):
            name, eq, value = part.partition("=")
            name = name.strip().lower()
            if not name or name in directives:
                continue
            if not eq:
                directives[name] = None
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace('\\"', '"')
            directives[name] = value
    return directives


def delta_seconds(value: str | None) -> int | None:
    """A delta-seconds value, or None when it is not one (missing, signed, fractional...)."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return min(int(value), DELTA_SECONDS_CAP)


def parse_http_date(value: str | None) -> float | None:
    """An HTTP date as epoch seconds, or None when unparseable (callers decide what that means)."""
    if not value:
        return None
    try:
        parts = parsedate_tz(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parts is None:
        return None
    try:
        return float(timegm(parts[:9]) - (parts[9] or 0))
    except (OverflowError, ValueError):
        return None


def http_date(timestamp: float) -> str:
    """Epoch seconds as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)."""
    return formatdate(timestamp, usegmt=True)
