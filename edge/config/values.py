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


# -- text: what can be stored, sent and shown ------------------------------------------------------

# C0 controls, DEL and C1 controls (CSI 0x9B, OSC 0x9D): a terminal acts on them instead of showing them
_CONTROL = frozenset(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))


def describe_char(char: str) -> str:
    """`U+001B`, with the character itself when it can be shown (`'é' (U+00E9)`)."""
    code = f"U+{ord(char):04X}"
    return code if char in _CONTROL or 0xD800 <= ord(char) <= 0xDFFF or char.isspace() else f"{char!r} ({code})"


def not_unicode(value: str) -> str | None:
    """Why `value` is not a sequence of Unicode scalar values (it holds a lone surrogate, which
    JSON's `\\ud800` escape can carry but UTF-8 cannot), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = describe_char(value[exc.start])
        return f"a lone surrogate ({char}) at character {exc.start}, which is not Unicode text"
    return None


def control_character(value: str, allowed: str = "") -> str | None:
    """The first control character of `value` (C0, DEL or C1) not in `allowed`, described, or None."""
    for index, char in enumerate(value):
        if char in _CONTROL and char not in allowed:
            return f"the control character {describe_char(char)} at character {index}"
    return None


def check_unicode(value: Any, where: str) -> None:
    """Every string in `value` (nested lists and objects, their keys too) is Unicode text:
    ConfigError naming the first one that is not. Iterative, so any nesting is safe."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            problem = not_unicode(item)
            if problem:
                raise ConfigError(f"{where}{path}: the string holds {problem}")
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = not_unicode(key) if isinstance(key, str) else None
                if problem:
                    raise ConfigError(f"{where}{path}: a key holds {problem}")
                pending.append((child, f"{path}.{key}"))
        elif isinstance(item, (list, tuple)):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
