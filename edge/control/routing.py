"""Behaviors and origins as a stored JSON document, validated by the manifest's own rules.

The document is the manifest's `[origins]` and `[[behaviors]]` sections in JSON shape:
`{"origins": {...}, "behaviors": [...]}`. It is parsed by `parse_manifest`, so the API and
the manifest accept exactly the same things, plus one check the manifest cannot make:
every qualified association must name a version or alias that exists.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.behaviors import parse_behavior
from ..config.distribution import Distribution
from ..config.errors import ConfigError, unknown_keys_message
from ..config.manifest import Manifest, parse_manifest
from ..config.manifest import load_manifest as config_load_manifest
from ..config.values import LegacyRead

SECTIONS = ("origins", "behaviors")


@dataclass(frozen=True, slots=True)
class Reference:
    """One association: which behavior and event type use function[:qualifier]."""

    pattern: str
    event_type: str
    function: str
    qualifier: str | None

    def describe(self) -> str:
        target = f"{self.function}:{self.qualifier}" if self.qualifier else f"{self.function} (latest version)"
        return f"behavior {self.pattern!r} {self.event_type} uses {target}"


def load_manifest(path: str | Path, known_functions: set[str]) -> Manifest:
    """`config.load_manifest`, where behaviors may also name functions already in the
    store (deployed through the API), not only the manifest's own."""
    return config_load_manifest(path, known_functions)


def manifest_document(path: Path) -> dict[str, Any]:
    """The origins and behaviors sections of a manifest file, as a JSON-shaped document."""
    raw = tomllib.loads(path.read_text())
    return {"origins": raw.get("origins", {}), "behaviors": raw.get("behaviors", [])}


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def parse(
    document: dict[str, Any], base_dir: Path, distribution: Distribution, known_functions: set[str],
    legacy: LegacyRead | None = None,
) -> Manifest:
    """A Manifest with these origins and behaviors (functions must be known). Raises ConfigError.
    `legacy`: the document is the stored one, read as the release that stored it did (values
    earlier releases accepted are collected there, edge/control/legacy.py)."""
    if not isinstance(document, dict):
        raise ConfigError("expected a JSON object with \"origins\" and \"behaviors\"")
    unknown = [key for key in document if key not in SECTIONS]
    if unknown:  # `behavior`: the one meant is named, as the manifest's top-level sections do
        raise ConfigError(unknown_keys_message("", unknown, SECTIONS, noun="section"))
    parsed = parse_manifest(
        {key: document[key] for key in SECTIONS if key in document}, base_dir, known_functions=known_functions,
        legacy=legacy,
    )
    return Manifest(distribution, parsed.origins, {}, parsed.behaviors)


def references(document: dict[str, Any], legacy: LegacyRead | None = None) -> list[Reference]:
    """Every association in a (previously validated) document, without touching the filesystem.
    `legacy`: the stored document, read as the release that stored it did."""
    origins = set(document.get("origins", {}))
    out = []
    for index, raw in enumerate(document.get("behaviors", [])):
        behavior = parse_behavior(index, raw, origins, legacy.within("behaviors") if legacy is not None else None)
        for assoc in behavior.associations.values():
            out.append(Reference(behavior.pattern, assoc.event_type, assoc.function, assoc.qualifier))
    return out


def stored_references(document: dict[str, Any]) -> list[Reference]:
    """The associations of the stored document, read as the release that stored it did (a
    document an earlier release accepted still names what it named). Raises ConfigError."""
    return references(document, LegacyRead())


def manifest_references(manifest: Manifest) -> list[Reference]:
    """The associations of parsed behaviors (the routing being served)."""
    return [Reference(b.pattern, a.event_type, a.function, a.qualifier)
            for b in manifest.behaviors for a in b.associations.values()]


def refuse_written(legacy: LegacyRead, sections: set[str]) -> None:
    """A write keeps the stored sections it does not replace as they are, but the sections it
    writes follow today's rules: the first value in them only a legacy read accepts is refused."""
    for value in legacy.found:
        if value.section in sections:
            raise ConfigError(value.refusal)


def check_qualifiers(refs: list[Reference], versions: dict[str, set[int]], aliases: dict[str, set[str]]) -> None:
    """Refuse associations that name a missing version or alias (the message names the behavior)."""
    for ref in refs:
        if ref.qualifier is None:
            continue
        if ref.qualifier.isdigit():
            if int(ref.qualifier) not in versions.get(ref.function, set()):
                raise ConfigError(f"{ref.describe()}: function {ref.function} has no version {ref.qualifier}")
        elif ref.qualifier not in aliases.get(ref.function, set()):
            raise ConfigError(f"{ref.describe()}: function {ref.function} has no alias {ref.qualifier!r}")
