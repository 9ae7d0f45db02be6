"""Typed settings read from a manifest table (or the admin API's JSON of it).

A flag is a real boolean: `bool(raw[key])` once made the string "false" mean true, in the
manifest and through PUT /v1/behaviors, where it was stored as given. A document stored by
such a release is read with a `LegacyRead`: the values it holds keep the meaning they had
when they were accepted (an upgrade must not flip a setting), and each is recorded so the
caller can say so; new writes are refused as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

# Flags that some earlier release read by truthiness and stored as given. `debug_errors` and
# `sign` were checked from the start, so no release stored anything else for them.
TRUTHY_FLAGS = frozenset({"include_body", "include_origin_body", "allow_status_change", "forward_host",
                          "http2", "verify_tls"})


@dataclass(frozen=True)
class LegacyValue:
    """A stored value the current rules refuse, and how it is read instead."""

    section: str  # "origins" or "behaviors": the part of the stored document that holds it
    where: str  # the entry, as the parser's messages name it
    key: str  # the setting ("include_body"), or "qualifier" for a reference such as `fn:latest`
    value: Any  # as stored
    read_as: Any  # what it is served as
    refusal: str  # what a new write of it is told (the ConfigError of the current rules)


@dataclass
class LegacyRead:
    """Reading a stored document: values earlier releases accepted are read as they read them
    and collected in `found`, instead of refusing the whole document."""

    section: str = ""
    found: list[LegacyValue] = field(default_factory=list)

    def within(self, section: str) -> LegacyRead:
        """The same collection, for values in `section` of the document."""
        return LegacyRead(section, self.found)

    def add(self, where: str, key: str, value: Any, read_as: Any, refusal: str) -> None:
        self.found.append(LegacyValue(self.section, where, key, value, read_as, refusal))


def flag(raw: dict[str, Any], key: str, where: str, default: bool = False, legacy: LegacyRead | None = None) -> bool:
    """`raw[key]` as true or false (absent: `default`); anything else is a ConfigError naming it,
    unless `legacy` reads a stored document: then a flag earlier releases read by truthiness is
    read that way ("false" is true) and recorded."""
    value = raw.get(key, default)
    if isinstance(value, bool):
        return value
    refusal = f"{where}: {key} must be true or false, got {value!r}"
    if key not in TRUTHY_FLAGS:
        raise ConfigError(refusal)
    read_as = bool(value)
    # whoever fixes it needs the old meaning: replacing "false" by false would flip it
    refusal += f" (earlier releases read {value!r} as {'true' if read_as else 'false'})"
    if legacy is None:
        raise ConfigError(refusal)
    legacy.add(where, key, value, read_as, refusal)
    return read_as
