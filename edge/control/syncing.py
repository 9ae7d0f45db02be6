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
    """The versions that can receive traffic: those the behaviors being served (`refs`) route
    to — a function's latest for an unqualified association, the version an association names
    by number, both sides of a canary for an alias. Versions nothing routes to (a function no
    behavior names, a new latest behind an alias, an alias no behavior uses) are not: they are
    loaded when something routes to them or a test invoke asks, so a start never waits for them."""
    active: set[tuple[str, int]] = set()
    for ref in refs:
        versions = snap.versions.get(ref.function)
        if not versions:
            continue
        qualifier = ref.qualifier
        if qualifier is None:
            active.add((ref.function, max(versions)))
        elif qualifier.isdigit():
            if int(qualifier) in versions:
                active.add((ref.function, int(qualifier)))
        else:
            alias = snap.aliases.get(ref.function, {}).get(qualifier)
            if alias is not None:
                active.update((ref.function, number) for number in alias.versions if number in versions)
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
