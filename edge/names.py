"""The rules for every name a user gives: functions, aliases, qualifiers and origins.

One place, used by the manifest, the admin API and the CLI. A name is checked as a whole
(`fullmatch`): a pattern ending in `$` also accepts a trailing newline, which once let
`"abc\\n"` become a function that faked rows in listings and broke the CLI. The messages say
what is allowed, so each caller can hand them on as they are.
"""

from __future__ import annotations

import re
from urllib.parse import quote

MAX_LENGTH = 64
# The largest version number: the longest one a qualifier reads (18 digits, `_VERSION`), well
# inside the stores' 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT), so no number the
# API accepts can overflow a query.
MAX_VERSION = 10**18 - 1
# Alias names a qualifier cannot use (compared without case): an unqualified function name
# means its latest version (docs, the metrics' `alias` label), so `fn:latest` must mean nothing else.
RESERVED_ALIASES = ("latest",)

_FUNCTION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ALIAS = re.compile(r"(?!\d+\Z)[A-Za-z0-9_-]{1,64}")  # all digits would read as a version number
_VERSION = re.compile(r"[1-9][0-9]{0,17}")
_ORIGIN = re.compile(r"[A-Za-z0-9_.-]{1,64}")

FUNCTION_RULE = "letters, digits, '_' and '-' (1 to 64)"
ALIAS_RULE = "letters, digits, '_' and '-' (1 to 64), not only digits, not 'latest'"
ORIGIN_RULE = "letters, digits, '_', '-' and '.' (1 to 64)"


class BadName(ValueError):
    """A name outside its rule; the message names it and says what is allowed."""


def is_function_name(name: object) -> bool:
    return isinstance(name, str) and _FUNCTION.fullmatch(name) is not None


def is_alias_name(name: object) -> bool:
    return is_alias_syntax(name) and not is_reserved_alias(name)


def is_alias_syntax(name: object) -> bool:
    """The alias pattern alone, reserved names included: an alias stored before a name was
    reserved must stay deletable."""
    return isinstance(name, str) and _ALIAS.fullmatch(name) is not None


def is_reserved_alias(name: object) -> bool:
    return isinstance(name, str) and name.lower() in RESERVED_ALIASES


def is_version_number(text: object) -> bool:
    return isinstance(text, str) and _VERSION.fullmatch(text) is not None


def is_origin_name(name: object) -> bool:
    return isinstance(name, str) and _ORIGIN.fullmatch(name) is not None


def check_function(name: object) -> str:
    if not is_function_name(name):
        raise BadName(f"function name {name!r}: use {FUNCTION_RULE}")
    return name  # type: ignore[return-value]


def check_alias(name: object) -> str:
    if is_reserved_alias(name):
        raise BadName(f"alias name {name!r} is reserved: an unqualified function name already means its latest version")
    if not is_alias_name(name):
        raise BadName(f"alias name {name!r}: use {ALIAS_RULE}")
    return name  # type: ignore[return-value]


def check_qualifier(qualifier: object) -> str:
    """A version number (`3`) or an alias name (`live`), as after `function:`."""
    if is_reserved_alias(qualifier):
        raise BadName(f"qualifier {qualifier!r} is reserved: leave the qualifier out (`fn`, not `fn:{qualifier}`) "
                      f"to run the latest version (earlier releases read it as an alias named {qualifier!r}: "
                      "to keep running such an alias, give it another name)")
    if not (is_version_number(qualifier) or is_alias_name(qualifier)):
        raise BadName(f"qualifier {qualifier!r}: use a version number or an alias name ({ALIAS_RULE})")
    return qualifier  # type: ignore[return-value]


def check_version(value: object, field: str = "version") -> int:
    """A version number given as a JSON or path integer: whole, and from 1 to MAX_VERSION."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise BadName(f"{field} must be a whole number from 1 to {MAX_VERSION}, got {value!r}")
    return value


def check_origin(name: object) -> str:
    if not is_origin_name(name):
        raise BadName(f"origin name {name!r}: use {ORIGIN_RULE}")
    return name  # type: ignore[return-value]


def segment(value: str | int) -> str:
    """One URL path segment, percent-escaped whole (`/` included): a checked name needs no
    escaping, but nothing sent by a client may ever change the path's shape."""
    return quote(str(value), safe="")
