"""What a store snapshot asks of this process: the versions to keep loaded, the registry's
latest numbers and aliases, and the behaviors/origins when the stored ones changed.

The control plane's `sync()` applies these under its sync lock; nothing here changes the registry.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..config.distribution import Distribution
from ..config.errors import ConfigError
from ..config.manifest import Manifest
from ..config.values import LegacyRead
from . import legacy, routing
from .legacy import LegacyLog
from .registry import Alias
from .store import Snapshot

log = logging.getLogger("edge.control")


def active_versions(snap: Snapshot, refs: list[routing.Reference]) -> set[tuple[str, int]]:
    """The versions that can receive traffic: each function's latest, alias targets (both sides
    of a canary) and versions the behaviors being served (`refs`) name by number."""
    active: set[tuple[str, int]] = set()
    for name, versions in snap.versions.items():
        if versions:
            active.add((name, max(versions)))
    for name, rows in snap.aliases.items():
        for row in rows.values():
            active.update((name, number) for number in row.versions)
    for ref in refs:
        if ref.qualifier and ref.qualifier.isdigit() and int(ref.qualifier) in snap.versions.get(ref.function, {}):
            active.add((ref.function, int(ref.qualifier)))
    return active


def latest_numbers(snap: Snapshot) -> dict[str, int]:
    return {name: max(versions) for name, versions in snap.versions.items() if versions}


def aliases(snap: Snapshot) -> dict[str, dict[str, Alias]]:
    return {
        name: {
            alias: Alias(row.version, (row.canary_version, row.canary_weight)  # type: ignore[arg-type]
                         if row.canary_version is not None else None)
            for alias, row in rows.items()
        }
        for name, rows in snap.aliases.items()
    }


class RoutingParser:
    """Parses the stored behaviors/origins only when they changed since the last parse."""

    def __init__(self, base_dir: Path, distribution: Distribution, legacy_log: LegacyLog) -> None:
        self.base_dir = base_dir
        self.distribution = distribution
        self.legacy_log = legacy_log
        self._key: tuple[str, float] | None = None
        self._refused: tuple[tuple[str, float], str] | None = None  # the document and error last logged

    def parse_changed(self, snap: Snapshot) -> Manifest | None:
        """The new routing if the stored document changed (None: unchanged or unusable)."""
        row = snap.routing
        if row is None:
            return None
        key = (routing.digest(row.document), row.updated)
        if key == self._key:
            return None
        read = LegacyRead()  # what an earlier release stored keeps its meaning (edge/control/legacy.py)
        try:
            parsed = routing.parse(row.document, self.base_dir, self.distribution, set(snap.functions), read)
        except ConfigError as exc:
            # Parsed again at every sync (what it refers to may appear), logged once per document and error.
            if self._refused != (key, str(exc)):
                self._refused = (key, str(exc))
                log.error("stored behaviors/origins cannot be applied here (keeping the previous ones): %s", exc)
            return None
        for note in legacy.routing_notes(read.found, snap.aliases):
            self.legacy_log.warn(note)
        self._key = key
        return parsed
