"""Typed settings read from a manifest table (or the admin API's JSON of it).

A flag is a real boolean: `bool(raw[key])` once made the string "false" mean true, in the
manifest and through PUT /v1/behaviors, where it was stored as given.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError


def flag(raw: dict[str, Any], key: str, where: str, default: bool = False) -> bool:
    """`raw[key]` as true or false (absent: `default`); anything else is a ConfigError naming it."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    return value
