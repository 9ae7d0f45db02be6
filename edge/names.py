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

_FUNCTION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ALIAS = re.compile(r"(?!\d+\Z)[A-Za-z0-9_-]{1,64}")  # all digits would read as a version number
_VERSION = re.compile(r"[1-9][0-9]{0,17}")
_ORIGIN = re.compile(r"[A-Za-z0-9_.-]{1,64}")

FUNCTION_RULE = "letters, digits, '_' and '-' (1 to 64)"
ALIAS_RULE = "letters, digits, '_' and '-' (1 to 64), not only digits"
ORIGIN_RULE = "letters, digits, '_', '-' and '.' (1 to 64)"


class BadName(ValueError):
    """A name outside its rule; the message names it and says what is allowed."""


def is_function_name(name: object) -> bool:
    return isinstance(name, str) and _FUNCTION.fullmatch(name) is not None


def is_alias_name(name: object) -> bool:
    return isinstance(name, str) and _ALIAS.fullmatch(name) is not None


def is_version_number(text: object) -> bool:
    return isinstance(text, str) and _VERSION.fullmatch(text) is not None


def is_origin_name(name: object) -> bool:
    return isinstance(name, str) and _ORIGIN.fullmatch(name) is not None


def check_function(name: object) -> str:
    if not is_function_name(name):
        raise BadName(f"function name {name!r}: use {FUNCTION_RULE}")
    return name  # type: ignore[return-value]


def check_alias(name: object) -> str:
    if not is_alias_name(name):
        raise BadName(f"alias name {name!r}: use {ALIAS_RULE}")
    return name  # type: ignore[return-value]


def check_qualifier(qualifier: object) -> str:
    """A version number (`3`) or an alias name (`live`), as after `function:`."""
    if not (is_version_number(qualifier) or is_alias_name(qualifier)):
        raise BadName(f"qualifier {qualifier!r}: use a version number or an alias name ({ALIAS_RULE})")
    return qualifier  # type: ignore[return-value]


def check_origin(name: object) -> str:
    if not is_origin_name(name):
        raise BadName(f"origin name {name!r}: use {ORIGIN_RULE}")
    return name  # type: ignore[return-value]


def segment(value: str | int) -> str:
    """One URL path segment, percent-escaped whole (`/` included): a checked name needs no
    escaping, but nothing sent by a client may ever change the path's shape."""
    return quote(str(value), safe="")
