"""The admin API's read side: functions, versions and aliases as the store has them, with
whether (and how) this process has each version loaded. Reads never block a deploy."""

from __future__ import annotations

from typing import Any

from ..config.errors import ConfigError
from . import edits, routing
from .compiling import LoadInfo
from .errors import not_found
from .registry import Registry
from .store import ControlStore, Snapshot, VersionRow


class Catalog:
    def __init__(self, store: ControlStore, registry: Registry, load_info: dict[tuple[str, int], LoadInfo]) -> None:
        self.store = store
        self.registry = registry
        self.load_info = load_info  # the control plane's, kept up to date by it

    def list_functions(self) -> list[dict[str, Any]]:
        snap = self.store.snapshot()
        refs = _references(snap)
        return [self._function_dict(snap, name, refs, full=False) for name in sorted(snap.functions)]

    def describe_function(self, name: str) -> dict[str, Any]:
        snap = self.store.snapshot()
        if name not in snap.functions:
            raise not_found(f"no function named {name!r}")
        refs = _references(snap)
        return self._function_dict(snap, name, refs, full=True)

    def _function_dict(self, snap: Snapshot, name: str, refs: list[routing.Reference], *, full: bool) -> dict[str, Any]:
        versions = snap.versions.get(name, {})
        out: dict[str, Any] = {
            "name": name,
            "latest": snap.latest(name),
            "versions": len(versions),
            "aliases": {a: row.to_dict() for a, row in sorted(snap.aliases.get(name, {}).items())},
            "references": [ref.describe() for ref in refs if ref.function == name],
        }
        if full:
            out["versions"] = [self._version_dict(row) for _, row in sorted(versions.items())]
        return out

    def describe_version(self, name: str, version: int) -> dict[str, Any]:
        edits.check_version(version)
        with self.store.read() as tx:
            row = tx.version(name, version)
            if row is None:
                raise not_found(f"function {name} has no version {version}")
            aliases = [a.name for a in tx.aliases(name) if version in a.versions]
        out = self._version_dict(row)
        out["aliases"] = aliases
        return out

    def list_versions(self, name: str) -> list[dict[str, Any]]:
        with self.store.read() as tx:
            if tx.function(name) is None:
                raise not_found(f"no function named {name!r}")
            rows = tx.versions(name)
        return [self._version_dict(row) for row in rows]

    def _version_dict(self, row: VersionRow) -> dict[str, Any]:
        out = row.to_dict()
        info = self.load_info.get((row.function, row.version))
        loaded = self.registry.loaded(row.function, row.version) is not None
        out["loaded"] = {"from_artifact": info.from_artifact, "load_ms": round(info.load_ms, 3),
                         "optimized": info.optimized} if (loaded and info) else None
        return out


def _references(snap: Snapshot) -> list[routing.Reference]:
    """The stored behaviors' associations, as the release that stored them read them (none
    shown if they cannot be read at all: a listing still answers)."""
    if snap.routing is None:
        return []
    try:
        return routing.stored_references(snap.routing.document)
    except ConfigError:
        return []
