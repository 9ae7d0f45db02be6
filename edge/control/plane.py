"""The control plane of one worker process: changes go to the store, the store drives the registry.

Every change (deploy, alias move, delete, new behaviors) is one store transaction. Then
`sync()` makes this process match the store: it loads the versions that can receive
traffic, swaps aliases and latest numbers in one step, and reconfigures the pipeline. The
same `sync()` runs when the watcher sees another process change the store, so every
worker converges on the store's state, and a restart is just a sync from an empty registry.

Only *active* versions are kept loaded — those the behaviors route to (a function's latest
for an unqualified association, a version named by number, an alias's targets) — because
every loaded version holds ready instances from a bounded pool, and a start waits for what it
loads. Others are loaded on demand (a behavior or an alias moving to them, a test invoke) and
unloaded a grace period after they stop being active, so requests in flight finish.

All methods here block (compiling, instantiating, the store's database, fsync): call them off the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.errors import ConfigError
from ..config.manifest import Manifest, too_many_behaviors, too_many_origins
from ..config.values import LegacyRead, check_unicode
from ..runtime import Runtime
from . import edits, invalidation, leftovers, legacy, routing, seeding, syncing
from .catalog import Catalog
from .compiling import Compiler, LoadInfo
from .errors import bad_request, not_found
from .leftovers import Collected
from .legacy import LegacyLog
from .loading import VersionLoader
from .publishing import Deployed, Publisher
from .registry import Alias, PublishedVersion, Registry
from .rows import one_line
from .store import AliasRow, ControlStore, Snapshot

log = logging.getLogger("edge.control")


class ControlPlane:
    """The one door callers use; the work is done by the modules it delegates to:
    publishing.py (deploys), seeding.py (the manifest at start), edits.py (alias moves and
    deletes), loading.py (loading, optimizing and retiring versions), syncing.py (what a
    snapshot asks for) and invalidation.py (cache purges)."""

    def __init__(
        self,
        store: ControlStore,
        runtime: Runtime,
        registry: Registry,
        manifest: Manifest,
        *,
        retire_after: float = 60.0,
        tiered: bool = True,
        siblings: bool = False,  # other worker processes share this store and its artifacts (--workers 2+)
    ) -> None:
        self.store = store
        self.manifest = manifest
        self.runtime = runtime
        self.registry = registry
        self.distribution = manifest.distribution
        self.base_dir = manifest.path.parent if manifest.path else Path.cwd()
        self.routing: Manifest | None = None  # behaviors/origins now applied
        self.on_routing: Callable[[Manifest], None] | None = None
        self.on_invalidate: Callable[[list[str]], None] | None = None
        self.on_applied: Callable[[Snapshot, int], None] | None = None  # each revision applied, and its last purge
        self.revision = -1  # the store revision this process has synced with
        # what the registry reports: the last revision applied in full, and why a later one is not
        # (the stored behaviors/origins cannot be applied here: this node serves others, `behind`)
        self.applied_revision = -1
        self.not_applied: str | None = None
        self.invalidated_through = 0  # a start without the database: from the saved state (fleet/lastknown.py)
        if store.offline_start is None:
            with store.read() as tx:  # purges made before this process started concern no cache of ours
                self.invalidated_through = tx.last_invalidation()
        self.load_info: dict[tuple[str, int], LoadInfo] = {}
        self.compiler = Compiler(runtime, registry, store.blobs, share_baseline=siblings)
        self.catalog = Catalog(store, registry, self.load_info)
        # Publishing, loading, swapping in and unloading versions, and every sync, hold this lock
        # (re-entrant: a deploy syncs holding it).
        self._sync_lock = threading.RLock()
        # Tiered compilation for deploys: a new module serves from the baseline compiler's
        # code (~4x faster to compile) at once, and its optimized code replaces it in the
        # background (docs/control-plane.md). Restarts and other workers load optimized code.
        self.legacy_log = LegacyLog()  # what an earlier release stored, said once (edge/control/legacy.py)
        self.loader = VersionLoader(
            store, registry, self.compiler, self.load_info, self._sync_lock, retire_after=retire_after, tiered=tiered,
            legacy_log=self.legacy_log,
        )
        self.publisher = Publisher(store, self.compiler, self.loader, self._sync_lock, self.sync,
                                   self._discard_refused)
        self._routing_parser = syncing.RoutingParser(self.base_dir, self.distribution, self.legacy_log)
        self.collect_pending = False  # leftover collection to retry (a deploy held the blob directory)
        self.unreachable_loads: set[tuple[str, int]] = set()  # failed without the store: synced again once it answers

    @property
    def tiered(self) -> bool:
        return self.loader.tiered

    @tiered.setter
    def tiered(self, value: bool) -> None:
        self.loader.tiered = value

    @property
    def retire_after(self) -> float:
        return self.loader.retire_after

    @retire_after.setter
    def retire_after(self, value: float) -> None:
        self.loader.retire_after = value

    def close(self) -> None:
        """Stop swapping in optimized code (the registry is about to close every version)."""
        self.loader.close()

    # -- deploy and the manifest ---------------------------------------------------------

    def deploy(
        self,
        name: str,
        source: bytes,
        settings_raw: Any = None,
        *,
        alias: str | None = None,
        description: str = "",
    ) -> Deployed:
        """Publish a new immutable version (or reuse an identical latest one), optionally moving an alias."""
        return self.publisher.deploy(name, source, settings_raw, alias, description)

    def seed(self, manifest: Manifest, sources: dict[str, bytes]) -> None:
        """Publish manifest functions whose bytes or settings changed since the manifest last did,
        and store the manifest's behaviors/origins if they changed since last seen."""
        seeding.seed(self.publisher, manifest, sources)

    # -- aliases and deletes: one write transaction each, then a sync ----------------------

    def set_alias(self, name: str, alias: str, version: int, canary: tuple[int, float] | None = None) -> AliasRow:
        edits.check_alias_move(alias, version, canary)
        with self.store.write() as tx:
            row = edits.set_alias(tx, name, alias, version, canary)
        self.sync()
        return row

    def rollback(self, name: str, alias: str) -> AliasRow:
        """Point the alias back at its previous target (the one before its last move)."""
        with self.store.write() as tx:
            row = edits.roll_back(tx, name, alias)
        self.sync()
        return row

    def delete_alias(self, name: str, alias: str) -> None:
        with self.store.write() as tx:
            edits.delete_alias(tx, name, alias)
        self.sync()

    def delete_version(self, name: str, version: int) -> None:
        edits.check_version(version)
        with self.store.write() as tx:
            edits.delete_version(tx, name, version)
        self.sync()
        self._collect_after_delete()

    def delete_function(self, name: str) -> None:
        with self.store.write() as tx:
            edits.delete_function(tx, name)
        self.sync()
        self._collect_after_delete()

    # -- behaviors and origins -----------------------------------------------------------

    def replace_routing(self, changes: dict[str, Any]) -> Manifest:
        """Replace the origins and/or behaviors; validated as a whole, nothing applied on error."""
        if isinstance(changes, dict):
            changes = {k: v for k, v in changes.items() if k != "source"}  # read-only, as GET shows it
        if not isinstance(changes, dict) or not changes or set(changes) - set(routing.SECTIONS):
            raise bad_request("expected a JSON object with \"origins\" and/or \"behaviors\"")
        # before parsing thousands of them
        too_many = too_many_behaviors(changes.get("behaviors")) or too_many_origins(changes.get("origins"))
        if too_many:
            raise bad_request(too_many, "bad_config")
        try:
            check_unicode(changes, "")
        except ConfigError as exc:
            raise bad_request(str(exc).lstrip("."), "bad_config") from None
        with self.store.write() as tx:
            current = tx.routing()
            document = dict(current.document) if current else {}
            document.update(changes)
            # a section not replaced stays as stored, read as the release that stored it did;
            # the sections written follow today's rules (edge/control/legacy.py)
            read = LegacyRead()
            try:
                parsed = routing.parse(document, self.base_dir, self.distribution, tx.function_names(), read)
                routing.refuse_written(read, set(changes))
                routing.check_qualifiers(routing.stored_references(document), tx.version_numbers(), tx.alias_names())
            except ConfigError as exc:
                raise bad_request(str(exc), "bad_config") from None
            tx.set_routing(document, "api", current.manifest_digest if current else None)
        self.sync()
        return parsed

    def routing_document(self) -> dict[str, Any]:
        with self.store.read() as tx:
            row = tx.routing()
        return {"origins": {}, "behaviors": []} if row is None else row.document | {"source": row.origin}

    # -- test invoke ---------------------------------------------------------------------

    def target(self, name: str, qualifier: str | None) -> PublishedVersion:
        """The loaded version a qualifier names now (loading it if needed), for a test invoke."""
        with self.store.read() as tx:
            edits.require_function(tx, name)
            if qualifier is None or qualifier == "$LATEST":
                row = tx.latest(name)
                if row is None:
                    raise not_found(f"function {name} has no versions")
            elif qualifier.isdigit():
                row = tx.version(name, int(qualifier))
                if row is None:
                    raise not_found(f"function {name} has no version {qualifier}")
            else:
                alias = tx.alias(name, qualifier)
                if alias is None:
                    raise not_found(f"function {name} has no alias {qualifier!r}")
                pick = Alias(alias.version, (alias.canary_version, alias.canary_weight)  # type: ignore[arg-type]
                             if alias.canary_version is not None else None).pick()
                row = tx.version(name, pick)
        assert row is not None
        with self._sync_lock:  # not one loaded before from a row its number no longer names
            return self.loader.current(row) or self.loader.replace(row)

    # -- sync: make this process match the store -----------------------------------------

    def maintain(self) -> None:
        """The watcher's tick: sync if another process changed the store; unload retired versions
        (also while the store cannot be reached: what is loaded keeps serving)."""
        try:
            if self.store.revision() != self.revision or self.unreachable_loads:
                self.sync()
            if self.collect_pending:
                self.collect_leftovers()
        finally:
            with self._sync_lock:
                self.loader.retire(time.monotonic())
            self.registry.close_superseded(time.monotonic())

    def collect_leftovers(self) -> Collected:
        """Remove temporary files, blobs and artifacts no version refers to (edge/control/leftovers.py);
        retried by the watcher while a deploy holds the blob directory."""
        self.collect_pending = True
        collected = leftovers.collect(self.store, self.runtime.artifacts.directory)
        self.collect_pending = collected.skipped
        return collected

    def _discard_refused(self, digest: str) -> None:
        """A refused deploy's module bytes and compiled code go at once (unless a stored version
        uses them); while another deploy holds the blob directory, the watcher's collection does it."""
        try:
            if leftovers.discard(self.store, self.runtime.artifacts.directory, digest):
                return
        except Exception as exc:  # the refusal is the answer; the watcher collects later
            log.warning("removing a refused deploy's files failed (will retry): %s", one_line(exc))
        self.collect_pending = True

    def _collect_after_delete(self) -> None:
        try:
            self.collect_leftovers()
        except Exception as exc:  # the delete itself succeeded; the watcher tries again
            log.warning("collecting leftovers after a delete failed (will retry): %s", one_line(exc))
            self.collect_pending = True

    def sync(self, saved: Snapshot | None = None) -> None:
        """`saved`: a snapshot kept by an earlier run, when the store cannot be reached at start."""
        with self._sync_lock:
            snap = saved if saved is not None else self.store.snapshot()
            if snap.revision == self.revision and not self.unreachable_loads:
                return
            self.unreachable_loads.clear()
            parsed = self._routing_parser.parse_changed(snap)
            for note in legacy.alias_notes(snap):
                self.legacy_log.warn(note)
            # the behaviors served from now on: the stored ones if usable, else those served before
            serving = parsed or self.routing or self.manifest  # (a Manifest is never falsy)
            active = syncing.active_versions(snap, routing.manifest_references(serving))
            self.loader.drop_deleted(snap)  # first: a number a new function reuses is loaded anew
            self.loader.load_missing(snap, active, self.unreachable_loads)
            self.registry.apply(syncing.latest_numbers(snap), syncing.aliases(snap))
            if parsed is not None:
                self.routing = parsed
                if self.on_routing is not None:
                    self.on_routing(parsed)
            self.loader.track_active(active)
            if saved is None:
                self._apply_invalidations()
            self.revision = snap.revision  # unloading is the watcher's job (maintain), never a deploy's
            self.not_applied = self._routing_refused(snap)
            if self.not_applied is None:
                self.applied_revision = snap.revision
            if saved is None and self.on_applied is not None:
                self.on_applied(snap, self.invalidated_through)

    def _routing_refused(self, snap: Snapshot) -> str | None:
        """Why the snapshot's behaviors/origins are not the ones served here (None: they are),
        as the routing parser logged it (it keeps the previous ones)."""
        parser = self._routing_parser
        refused, row = parser._refused, snap.routing  # (a document's key, its error), last logged
        if row is None or refused is None:
            return None
        key = (routing.digest(row.document), row.updated)
        if refused[0] != key or parser._key == key:  # another document refused, or this one parsed since
            return None
        return f"stored behaviors/origins cannot be applied here (keeping the previous ones): {one_line(refused[1])}"

    # -- cache invalidation ------------------------------------------------------------------

    def invalidate(self, paths: list[str]) -> dict[str, Any]:
        """Record a purge by path patterns; every worker applies it to its own cache."""
        invalidation.check_paths(paths)
        with self.store.write() as tx:
            number = tx.add_invalidation(paths)
        self.sync()  # this worker purges before answering
        return {"id": number, "paths": paths}

    def _apply_invalidations(self) -> None:
        for number, paths in invalidation.recorded_after(self.store, self.invalidated_through):
            if self.on_invalidate is not None:
                self.on_invalidate(paths)
            self.invalidated_through = number
