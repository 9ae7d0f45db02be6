"""The control plane of one worker process: changes go to the store, the store drives the registry.

Every change (deploy, alias move, delete, new behaviors) is one store transaction. Then
`sync()` makes this process match the store: it loads the versions that can receive
traffic, swaps aliases and latest numbers in one step, and reconfigures the pipeline. The
same `sync()` runs when the watcher sees another process change the store, so every
worker converges on the store's state, and a restart is just a sync from an empty registry.

Only *active* versions are kept loaded (the latest of each function, alias targets, and
versions named by a behavior), because every loaded version holds ready instances from
a bounded pool. Others are loaded on demand (an alias moving to them, a test invoke) and
unloaded a grace period after they stop being active, so requests in flight finish.

All methods here block (compiling, instantiating, the store's database, fsync): call them off the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.behaviors import check_pattern
from ..config.errors import ConfigError
from ..config.manifest import Manifest
from ..runtime import CompiledModule, ModuleError, Runtime
from .. import names
from . import leftovers, routing, settings
from .catalog import Catalog
from .compiling import Compiler, LoadInfo, Prepared
from .leftovers import Collected
from .errors import ControlError, bad_request, conflict, not_found
from .registry import Alias, PublishedVersion, Registry
from .store import AliasRow, ControlStore, Snapshot, Tx, VersionRow

log = logging.getLogger("edge.control")

# Seconds a version's baseline functions stay open after optimized ones replace them: a
# request that resolved them before the swap keeps calling them for its later hooks.
UPGRADE_GRACE = 120.0

MAX_INVALIDATION_PATHS = 3000  # as CloudFront


def check_alias_name(alias: str) -> str:
    try:
        return names.check_alias(alias)
    except names.BadName as exc:
        raise bad_request(str(exc)) from None


@dataclass(frozen=True)
class Deployed:
    row: VersionRow
    created: bool  # False: identical to the latest version, which was reused
    compile_ms: float
    from_artifact: bool  # nothing compiled: the stored artifact (or a loaded copy of it) was used
    alias: AliasRow | None
    optimizing: bool = False  # serving baseline code while the optimizing compile runs

    def to_dict(self) -> dict[str, Any]:
        out = self.row.to_dict()
        out.update(created=self.created, compile_ms=round(self.compile_ms, 3), from_artifact=self.from_artifact,
                   alias=self.alias.to_dict() if self.alias else None, optimizing=self.optimizing)
        return out


class ControlPlane:
    def __init__(
        self,
        store: ControlStore,
        runtime: Runtime,
        registry: Registry,
        manifest: Manifest,
        *,
        retire_after: float = 60.0,
        tiered: bool = True,
    ) -> None:
        self.store = store
        # Tiered compilation for deploys: a new module serves from the baseline compiler's
        # code (~4x faster to compile) at once, and its optimized code replaces it in the
        # background (docs/control-plane.md). Restarts and other workers load optimized code.
        self.tiered = tiered
        self._closed = False
        self.manifest = manifest
        self.runtime = runtime
        self.registry = registry
        self.distribution = manifest.distribution
        self.base_dir = manifest.path.parent if manifest.path else Path.cwd()
        self.retire_after = retire_after
        self.routing: Manifest | None = None  # behaviors/origins now applied
        self.on_routing: Callable[[Manifest], None] | None = None
        self.on_invalidate: Callable[[list[str]], None] | None = None
        self.revision = -1  # the store revision this process has applied
        with store.read() as tx:  # purges made before this process started concern no cache of ours
            self.invalidated_through = tx.last_invalidation()
        self.load_info: dict[tuple[str, int], LoadInfo] = {}
        self.compiler = Compiler(runtime, registry, store.blobs)
        self.catalog = Catalog(store, registry, self.load_info)
        self._routing_key: tuple[str, float] | None = None
        self._inactive_since: dict[tuple[str, int], float] = {}
        self._sync_lock = threading.RLock()
        self.collect_pending = False  # leftover collection to retry (a deploy held the blob directory)

    def close(self) -> None:
        """Stop swapping in optimized code (the registry is about to close every version)."""
        with self._sync_lock:
            self._closed = True

    # -- modules -------------------------------------------------------------------------

    def _swap_optimized(self, name: str, number: int, baseline: CompiledModule, compiled: CompiledModule) -> None:
        """The optimized code of a version serving baseline code is ready: requests already
        running keep the baseline functions, which close once they are surely done."""
        with self._sync_lock:
            current = self.registry.loaded(name, number)
            if self._closed or current is None or current.compiled is not baseline:
                return  # shut down, or deleted / retired / replaced meanwhile
            optimized = self.registry.build(current.spec, compiled, number)
            info = self.load_info.get((name, number))
            if info is not None:
                info.optimized = True  # first: whoever sees the optimized code sees the flag
            self.registry.add(optimized)
            self.registry.supersede(current, time.monotonic() + UPGRADE_GRACE)

    def _upgrade_later(self, name: str, number: int, baseline: CompiledModule) -> None:
        self.compiler.upgrade_later(
            f"{name}-{number}", baseline, lambda compiled: self._swap_optimized(name, number, baseline, compiled)
        )

    def _build(self, name: str, number: int, prepared: Prepared, settings_dict: dict[str, Any]) -> PublishedVersion:
        spec = settings.to_spec(name, settings_dict, self.store.blobs.path(prepared.compiled.sha256))
        try:
            return self.compiler.build_version(spec, prepared.compiled, number, prepared.wasm)
        except ModuleError as exc:
            raise ControlError(422, "invalid_module", str(exc)) from None

    def _publish(
        self, tx: Tx, name: str, prepared: Prepared, settings_dict: dict[str, Any], description: str, origin: str
    ) -> tuple[VersionRow, PublishedVersion | None]:
        """Inside a write transaction: reuse the latest version if identical, else build and insert."""
        canonical = settings.canonical(settings_dict)
        digest = prepared.compiled.sha256
        latest = tx.latest(name)
        if latest is not None and latest.sha256 == digest and latest.settings == canonical:
            return latest, None
        number = tx.ensure_function(name)["next_version"]
        published = self._build(name, number, prepared, settings_dict)
        try:
            row = tx.insert_version(
                name, digest, len(prepared.wasm), prepared.compiled.abi, canonical, description, origin
            )
        except BaseException:
            published.close()
            raise
        return row, published

    # -- deploy --------------------------------------------------------------------------

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
        try:
            settings.check_name(name)
            settings_dict = settings.normalize(settings_raw)
        except settings.SettingsError as exc:
            raise bad_request(str(exc), "bad_settings") from None
        if alias is not None:
            check_alias_name(alias)
        with self.store.blobs.deploying():  # leftover collection leaves this deploy's files alone
            return self._deploy(name, source, settings_dict, alias, description)

    def _deploy(
        self, name: str, source: bytes, settings_dict: dict[str, Any], alias: str | None, description: str
    ) -> Deployed:
        prepared = self.compiler.prepare(source, tiered=self.tiered)
        published: PublishedVersion | None = None
        with self._sync_lock:  # the new version joins the registry before any sync can look for it
            try:
                with self.store.write({prepared.compiled.sha256: prepared.wasm}) as tx:
                    row, published = self._publish(tx, name, prepared, settings_dict, description, "api")
                    alias_row = None
                    if alias is not None:
                        current = tx.alias(name, alias)
                        if current is not None and current.version == row.version and current.canary_version is None:
                            alias_row = current
                        else:
                            alias_row = tx.set_alias(name, alias, row.version, None)
            except BaseException:
                if published is not None:
                    published.close()
                raise
            if published is not None:
                self.registry.add(published)
                baseline = self.compiler.is_baseline(published.compiled)
                self.load_info[(name, row.version)] = LoadInfo(prepared.reused, prepared.compile_ms, optimized=not baseline)
                if baseline:
                    self._upgrade_later(name, row.version, published.compiled)
            self.sync()
        optimizing = published is not None and self.compiler.is_baseline(published.compiled)
        return Deployed(row, published is not None, prepared.compile_ms, prepared.reused, alias_row, optimizing)

    # -- aliases -------------------------------------------------------------------------

    def set_alias(self, name: str, alias: str, version: int, canary: tuple[int, float] | None = None) -> AliasRow:
        check_alias_name(alias)
        if canary is not None:
            other, weight = canary
            if not 0.0 < weight < 1.0:
                raise bad_request(f"canary weight must be between 0 and 1 (exclusive), got {weight}")
            if other == version:
                raise bad_request("the canary version must differ from the alias's main version")
        with self.store.write() as tx:
            self._require_function(tx, name)
            for number in (version, *((canary[0],) if canary else ())):
                if tx.version(name, number) is None:
                    raise not_found(f"function {name} has no version {number}")
            current = tx.alias(name, alias)
            unchanged = current is not None and current.version == version and (
                (current.canary_version, current.canary_weight) == (canary or (None, None))
            )
            row = current if unchanged else tx.set_alias(name, alias, version, canary)
        self.sync()
        return row  # type: ignore[return-value]

    def rollback(self, name: str, alias: str) -> AliasRow:
        """Point the alias back at its previous target (the one before its last move)."""
        with self.store.write() as tx:
            self._require_function(tx, name)
            current = tx.alias(name, alias)
            if current is None:
                raise not_found(f"function {name} has no alias {alias!r}")
            now = (current.version, current.canary_version, current.canary_weight)
            dropped: list[int] = []
            target = None
            for entry_id, version, canary_version, canary_weight in tx.history(name, alias):
                if (version, canary_version, canary_weight) == now or tx.version(name, version) is None or (
                    canary_version is not None and tx.version(name, canary_version) is None
                ):
                    dropped.append(entry_id)
                    continue
                target = (version, canary_version, canary_weight)
                break
            if target is None:
                raise conflict(f"alias {name}:{alias} has no earlier target to roll back to", "no_history")
            tx.drop_history(dropped)
            canary = (target[1], target[2]) if target[1] is not None else None
            row = tx.set_alias(name, alias, target[0], canary, history=False)  # type: ignore[arg-type]
        self.sync()
        return row

    def delete_alias(self, name: str, alias: str) -> None:
        with self.store.write() as tx:
            if tx.alias(name, alias) is None:
                raise not_found(f"function {name} has no alias {alias!r}")
            for ref in self._references(tx):
                if ref.function == name and ref.qualifier == alias:
                    raise conflict(f"alias {name}:{alias} is still referenced: {ref.describe()}", "in_use")
            tx.delete_alias(name, alias)
        self.sync()

    # -- deletes -------------------------------------------------------------------------

    def delete_version(self, name: str, version: int) -> None:
        with self.store.write() as tx:
            self._require_function(tx, name)
            if tx.version(name, version) is None:
                raise not_found(f"function {name} has no version {version}")
            for row in tx.aliases(name):
                if version in row.versions:
                    raise conflict(f"version {name}:{version} is still referenced by alias {row.name!r}", "in_use")
            latest = tx.latest(name)
            for ref in self._references(tx):
                if ref.function != name:
                    continue
                if ref.qualifier == str(version) or (ref.qualifier is None and latest and latest.version == version):
                    raise conflict(f"version {name}:{version} is still referenced: {ref.describe()}", "in_use")
            tx.delete_version(name, version)
        self.sync()
        self._collect_after_delete()

    def delete_function(self, name: str) -> None:
        with self.store.write() as tx:
            self._require_function(tx, name)
            for ref in self._references(tx):
                if ref.function == name:
                    raise conflict(f"function {name} is still referenced: {ref.describe()}", "in_use")
            tx.delete_function(name)
        self.sync()
        self._collect_after_delete()

    # -- behaviors and origins -----------------------------------------------------------

    def replace_routing(self, changes: dict[str, Any]) -> Manifest:
        """Replace the origins and/or behaviors; validated as a whole, nothing applied on error."""
        if isinstance(changes, dict):
            changes = {k: v for k, v in changes.items() if k != "source"}  # read-only, as GET shows it
        if not isinstance(changes, dict) or not changes or set(changes) - set(routing.SECTIONS):
            raise bad_request("expected a JSON object with \"origins\" and/or \"behaviors\"")
        with self.store.write() as tx:
            current = tx.routing()
            document = dict(current.document) if current else {}
            document.update(changes)
            try:
                parsed = routing.parse(document, self.base_dir, self.distribution, tx.function_names())
                routing.check_qualifiers(routing.references(document), tx.version_numbers(), tx.alias_names())
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
            self._require_function(tx, name)
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
        with self._sync_lock:
            return self.registry.loaded(name, row.version) or self._load(row)

    # -- sync: make this process match the store -----------------------------------------

    def maintain(self) -> None:
        """The watcher's tick: sync if another process changed the store; unload retired versions
        (also while the store cannot be reached: what is loaded keeps serving)."""
        try:
            if self.store.revision() != self.revision:
                self.sync()
            if self.collect_pending:
                self.collect_leftovers()
        finally:
            with self._sync_lock:
                self._retire(time.monotonic())
            self.registry.close_superseded(time.monotonic())

    def collect_leftovers(self) -> Collected:
        """Remove temporary files, blobs and artifacts no version refers to (edge/control/leftovers.py);
        retried by the watcher while a deploy holds the blob directory."""
        self.collect_pending = True
        collected = leftovers.collect(self.store, self.runtime.artifacts.directory)
        self.collect_pending = collected.skipped
        return collected

    def _collect_after_delete(self) -> None:
        try:
            self.collect_leftovers()
        except Exception as exc:  # the delete itself succeeded; the watcher tries again
            log.warning("collecting leftovers after a delete failed (will retry): %s", exc)
            self.collect_pending = True

    def sync(self) -> None:
        with self._sync_lock:
            snap = self.store.snapshot()
            if snap.revision == self.revision:
                return
            parsed = self._parse_routing(snap)
            routing_doc = snap.routing.document if snap.routing else {}
            active = self._active(snap, routing_doc)
            for name, number in sorted(active):
                if self.registry.loaded(name, number) is None:
                    try:
                        self._load(snap.versions[name][number])
                    except Exception as exc:  # keep serving everything else; requests to it get 503
                        log.error("cannot load %s:%d: %s", name, number, exc)
            latest = {name: max(versions) for name, versions in snap.versions.items() if versions}
            aliases = {
                name: {
                    alias: Alias(row.version, (row.canary_version, row.canary_weight)  # type: ignore[arg-type]
                                 if row.canary_version is not None else None)
                    for alias, row in rows.items()
                }
                for name, rows in snap.aliases.items()
            }
            self.registry.apply(latest, aliases)
            if parsed is not None:
                self.routing = parsed
                if self.on_routing is not None:
                    self.on_routing(parsed)
            now = time.monotonic()
            for key in active:
                self._inactive_since.pop(key, None)
            for name, versions in self.registry.versions.items():
                for number in versions:
                    if (name, number) not in active:
                        self._inactive_since.setdefault((name, number), now)
            self._apply_invalidations()
            self.revision = snap.revision  # unloading is the watcher's job (maintain), never a deploy's

    # -- cache invalidation ------------------------------------------------------------------

    def invalidate(self, paths: list[str]) -> dict[str, Any]:
        """Record a purge by path patterns; every worker applies it to its own cache."""
        if not isinstance(paths, list) or not paths:
            raise bad_request("paths must be a non-empty list of path patterns, e.g. [\"/images/*\"]")
        if len(paths) > MAX_INVALIDATION_PATHS:
            raise bad_request(f"at most {MAX_INVALIDATION_PATHS} paths per invalidation, got {len(paths)}")
        for index, path in enumerate(paths):
            try:
                check_pattern(path, f"paths[{index}]")
            except ConfigError as exc:
                raise bad_request(str(exc)) from None
        with self.store.write() as tx:
            number = tx.add_invalidation(paths)
        self.sync()  # this worker purges before answering
        return {"id": number, "paths": paths}

    def _apply_invalidations(self) -> None:
        with self.store.read() as tx:
            pending = tx.invalidations_after(self.invalidated_through)
        for number, paths in pending:
            if self.on_invalidate is not None:
                self.on_invalidate(paths)
            self.invalidated_through = number

    def _parse_routing(self, snap: Snapshot) -> Manifest | None:
        """The new routing if the stored document changed (None: unchanged or unusable)."""
        row = snap.routing
        if row is None:
            return None
        key = (routing.digest(row.document), row.updated)
        if key == self._routing_key:
            return None
        try:
            parsed = routing.parse(row.document, self.base_dir, self.distribution, set(snap.functions))
        except ConfigError as exc:
            log.error("stored behaviors/origins cannot be applied here (keeping the previous ones): %s", exc)
            return None
        self._routing_key = key
        return parsed

    @staticmethod
    def _active(snap: Snapshot, document: dict[str, Any]) -> set[tuple[str, int]]:
        active: set[tuple[str, int]] = set()
        for name, versions in snap.versions.items():
            if versions:
                active.add((name, max(versions)))
        for name, rows in snap.aliases.items():
            for row in rows.values():
                active.update((name, number) for number in row.versions)
        for ref in routing.references(document) if document else []:
            if ref.qualifier and ref.qualifier.isdigit() and int(ref.qualifier) in snap.versions.get(ref.function, {}):
                active.add((ref.function, int(ref.qualifier)))
        return active

    def _load(self, row: VersionRow) -> PublishedVersion:
        """Load a stored version into the registry: its precompiled artifact, not a recompile."""
        started = time.perf_counter()
        compiled = self.compiler.compiled_in_memory(row.sha256)
        reused = True
        # the bytes: to compile them, or to optimize / replace baseline code reused from memory
        data = self.store.blobs.get(row.sha256) if compiled is None or self.compiler.is_baseline(compiled) else b""
        if compiled is None:
            # another worker's deploy, or a restart without its artifact: serve at once, optimize later
            with self.store.blobs.deploying():  # its artifact write is no leftover
                compiled = self.compiler.compile(data, self.tiered)
            if compiled.sha256 != row.sha256:
                raise ModuleError(f"stored module {row.sha256} is damaged (its bytes hash to {compiled.sha256})")
            reused = compiled.from_artifact
        spec = settings.to_spec(row.function, row.settings_dict, self.store.blobs.path(row.sha256))
        published = self.compiler.build_version(spec, compiled, row.version, data)
        compiled = published.compiled
        self.registry.add(published)
        baseline = self.compiler.is_baseline(compiled)
        self.load_info[(row.function, row.version)] = LoadInfo(
            reused, (time.perf_counter() - started) * 1000, optimized=not baseline
        )
        if baseline:
            self._upgrade_later(row.function, row.version, compiled)
        self._inactive_since.setdefault((row.function, row.version), time.monotonic())
        return published

    def _retire(self, now: float) -> None:
        for key, since in list(self._inactive_since.items()):
            if now - since >= self.retire_after:
                del self._inactive_since[key]
                published = self.registry.remove(*key)
                self.load_info.pop(key, None)
                if published is not None:
                    published.close()

    # -- manifest seeding ----------------------------------------------------------------

    def seed(self, manifest: Manifest, sources: dict[str, bytes]) -> None:
        """Publish manifest functions whose bytes or settings changed since the manifest last did,
        and store the manifest's behaviors/origins if they changed since last seen."""
        for name, spec in manifest.functions.items():
            with self.store.blobs.deploying():  # leftover collection leaves this deploy's files alone
                self._seed_function(name, spec, sources[name])
        if manifest.path is None:
            return
        document = routing.manifest_document(manifest.path)
        digest = routing.digest(document)
        with self.store.read() as tx:  # unchanged (the usual restart, every node of a fleet): no write
            current = tx.routing()
        if current is not None and current.manifest_digest == digest:
            return
        with self.store.write() as tx:
            current = tx.routing()
            if current is None or current.manifest_digest != digest:
                if current is not None and current.origin == "api":
                    log.warning("the manifest's behaviors/origins changed: they replace those set through the API")
                tx.set_routing(document, "manifest", digest)

    def _seed_function(self, name: str, spec: Any, source: bytes) -> None:
        try:  # a first start serves baseline code at once, like a deploy (optimized code follows)
            prepared = self.compiler.prepare(source, tiered=self.tiered)
        except ControlError as exc:
            raise ModuleError(f"[functions.{name}] ({spec.source}): {exc.message}") from None
        settings_dict = settings.from_spec(spec)
        digest = f"{prepared.compiled.sha256}:{settings.canonical(settings_dict)}"
        with self.store.read() as tx:
            current = tx.function(name)
        if current is not None and current.get("manifest_digest") == digest:
            return  # published by an earlier start (or another node)
        with self._sync_lock:
            published = None
            try:
                with self.store.write({prepared.compiled.sha256: prepared.wasm}) as tx:
                    if tx.ensure_function(name).get("manifest_digest") == digest:
                        return
                    row, published = self._publish(tx, name, prepared, settings_dict, "from the manifest", "manifest")
                    tx.set_manifest_digest(name, digest)
            except ControlError as exc:
                raise ModuleError(f"[functions.{name}] ({spec.source}): {exc.message}") from None
            if published is not None:
                self.registry.add(published)
                baseline = self.compiler.is_baseline(published.compiled)
                self.load_info[(name, row.version)] = LoadInfo(prepared.reused, prepared.compile_ms, optimized=not baseline)
                if baseline:
                    self._upgrade_later(name, row.version, published.compiled)
                log.info("published %s version %d from the manifest", name, row.version)

    # -- helpers -------------------------------------------------------------------------

    def _require_function(self, tx: Tx, name: str) -> None:
        if tx.function(name) is None:
            raise not_found(f"no function named {name!r}")

    @staticmethod
    def _references(tx: Tx) -> list[routing.Reference]:
        row = tx.routing()
        return routing.references(row.document) if row else []
