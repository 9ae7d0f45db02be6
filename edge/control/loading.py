"""Which versions this process has loaded: loading them, swapping in their optimized code, retiring them.

Only active versions stay loaded (each holds ready instances from a bounded pool); one that
stops being active is unloaded `retire_after` seconds later, so requests in flight finish.
A version serving baseline code gets its optimized code swapped in from a background thread.
Every method expects the control plane's sync lock held, except `close` and the swap, which take it.
"""

from __future__ import annotations

import logging
import threading
import time

from collections.abc import Callable

from ..runtime import CompiledModule, Function, ModuleError
from ..runtime.module import built_from_javascript
from . import legacy, settings
from .compiling import Compiler, LoadInfo, Prepared
from .legacy import LegacyLog
from .registry import PublishedVersion, Registry
from .rows import one_line
from .store import ControlStore, Snapshot, StoreUnavailable, VersionRow

log = logging.getLogger("edge.control")

# Seconds a version's baseline functions stay open after optimized ones replace them: a
# request that resolved them before the swap keeps calling them for its later hooks.
UPGRADE_GRACE = 120.0


class VersionLoader:
    def __init__(
        self,
        store: ControlStore,
        registry: Registry,
        compiler: Compiler,
        load_info: dict[tuple[str, int], LoadInfo],
        sync_lock: threading.RLock,
        *,
        retire_after: float,
        tiered: bool,
        legacy_log: LegacyLog | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.compiler = compiler
        self.load_info = load_info  # the control plane's, shown by its catalog
        self.retire_after = retire_after
        self.tiered = tiered
        self.legacy_log = legacy_log or LegacyLog()
        self._sync_lock = sync_lock
        self._closed = False
        self._inactive_since: dict[tuple[str, int], float] = {}

    def close(self) -> None:
        """Stop swapping in optimized code (the registry is about to close every version)."""
        with self._sync_lock:
            self._closed = True

    def add_published(self, name: str, number: int, published: PublishedVersion, prepared: Prepared) -> None:
        """A version just published (deploy, manifest) joins the registry; baseline code gets optimized later."""
        self.registry.add(published)
        baseline = self.compiler.is_baseline(published.compiled)
        self.load_info[(name, number)] = LoadInfo(prepared.reused, prepared.compile_ms, optimized=not baseline)
        if baseline:
            self._upgrade_later(name, number, published.compiled)

    def load_missing(self, snap: Snapshot, active: set[tuple[str, int]], unreachable: set[tuple[str, int]]) -> None:
        """Load the active versions not loaded yet; one that fails is logged (requests to it get
        503) and, if the store could not be reached, added to `unreachable` to be tried again."""
        for name, number in sorted(active):
            row = snap.versions[name][number]
            if self.current(row) is None:
                try:
                    self.replace(row)
                except Exception as exc:  # keep serving everything else; requests to it get 503
                    log.error("cannot load %s:%d: %s", name, number, one_line(exc))
                    if isinstance(exc, StoreUnavailable):
                        unreachable.add((name, number))

    def serves(self, published: PublishedVersion, row: VersionRow) -> bool:
        """Whether a loaded version is the stored row's: the same bytes and the same settings (a
        number reused after its function was deleted and deployed anew can name other settings).
        A string comparison, except once for a deploy's own version (its spec against the row's)."""
        if published.compiled.sha256 != row.sha256:
            return False
        if published.settings is None:  # published by a deploy here: its row's settings not recorded
            spec = settings.to_spec(row.function, row.settings_dict, self.store.blobs.path(row.sha256))
            if spec != published.spec:
                return False
            published.settings = row.settings
        return published.settings == row.settings

    def current(self, row: VersionRow) -> PublishedVersion | None:
        """The loaded version of the row's number if it is that row's, else None."""
        published = self.registry.loaded(row.function, row.version)
        return published if published is not None and self.serves(published, row) else None

    def replace(self, row: VersionRow) -> PublishedVersion:
        """Load the row, first unloading what its number had loaded if that is another version
        (other bytes or settings): requests that resolved that one keep it until it is closed."""
        if self.registry.loaded(row.function, row.version) is not None:
            self._unload((row.function, row.version), time.monotonic() + self.retire_after)
        return self.load(row)

    def load(self, row: VersionRow) -> PublishedVersion:
        """Load a stored version into the registry: its precompiled artifact, not a recompile."""
        started = time.perf_counter()
        # loaded already, else its artifact (mapped, ~1 ms): the bytes are read only to compile
        compiled = self.compiler.compiled_in_memory(row.sha256) or self.compiler.stored(
            row.sha256, self.tiered, javascript=built_from_javascript(self.store.blobs.head(row.sha256)))
        reused = True
        if compiled is None:
            # another worker's deploy, or a restart without its artifact: serve at once, optimize later
            data = self.store.blobs.get(row.sha256)
            with self.store.blobs.deploying():  # its artifact write is no leftover
                compiled = self.compiler.compile(data, self.tiered)
            if compiled.sha256 != row.sha256:
                raise ModuleError(f"stored module {row.sha256} is damaged (its bytes hash to {compiled.sha256})")
            reused = compiled.from_artifact
        note = legacy.settings_note(row)  # settings an earlier release accepted run as stored
        if note is not None:
            self.legacy_log.warn(note)
        spec = settings.to_spec(row.function, row.settings_dict, self.store.blobs.path(row.sha256))
        published = self.compiler.build_version(spec, compiled, row.version, lambda: self.store.blobs.get(row.sha256))
        published.settings = row.settings
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

    def track_active(self, active: set[tuple[str, int]]) -> None:
        """After a sync: active versions stay; a loaded one no longer active starts its grace period."""
        now = time.monotonic()
        for key in active:
            if self._inactive_since.pop(key, None) is not None:
                self._each_function(key, lambda fn: fn.rewarm())  # active again (a rollback): ready instances back
        for name, versions in self.registry.versions.items():
            for number in versions:
                if (name, number) not in active and (name, number) not in self._inactive_since:
                    self._inactive_since[(name, number)] = now
                    # nothing routes to it now: its ready instances give their pool slots back at
                    # once (requests still running on it make their own)
                    self._each_function((name, number), lambda fn: fn.shed())

    def drop_deleted(self, snap: Snapshot) -> None:
        """After a sync: a loaded version the store no longer has (deleted, here or by another
        process) leaves the registry at once; it can never be routed to again. So does one whose
        number now names other bytes or other settings (its function was deleted and deployed
        anew meanwhile); load_missing loads the new one if it is active. Requests that resolved
        it before keep calling it until it is closed, `retire_after` seconds later."""
        close_after = time.monotonic() + self.retire_after
        for name, versions in self.registry.versions.items():
            stored = snap.versions.get(name, {})
            gone = [n for n, published in versions.items() if n not in stored or not self.serves(published, stored[n])]
            for number in gone:
                self._unload((name, number), close_after)

    def _unload(self, key: tuple[str, int], close_after: float) -> None:
        self._inactive_since.pop(key, None)
        self.load_info.pop(key, None)
        self.registry.unload(*key, close_after)

    def _each_function(self, key: tuple[str, int], act: Callable[[Function], None]) -> None:
        published = self.registry.loaded(*key)
        if published is not None:
            for fn in published.functions.values():
                act(fn)

    def retire(self, now: float) -> None:
        """Unload the versions inactive for `retire_after` seconds."""
        for key, since in list(self._inactive_since.items()):
            if now - since >= self.retire_after:
                del self._inactive_since[key]
                published = self.registry.remove(*key)
                self.load_info.pop(key, None)
                if published is not None:
                    published.close()

    def _upgrade_later(self, name: str, number: int, baseline: CompiledModule) -> None:
        self.compiler.upgrade_later(
            f"{name}-{number}", baseline, lambda compiled: self._swap_optimized(name, number, baseline, compiled),
            wanted=lambda: self._serves_baseline(name, number, baseline),
        )

    def _serves_baseline(self, name: str, number: int, baseline: CompiledModule) -> bool:
        """Whether the version is still loaded with this baseline code (read without the lock: a
        compile not started for a version deleted or unloaded meanwhile is skipped)."""
        current = self.registry.loaded(name, number)
        return not self._closed and current is not None and current.compiled is baseline

    def _swap_optimized(self, name: str, number: int, baseline: CompiledModule, compiled: CompiledModule) -> None:
        """The optimized code of a version serving baseline code is ready: requests already
        running keep the baseline functions, which close once they are surely done."""
        with self._sync_lock:
            current = self.registry.loaded(name, number)
            if self._closed or current is None or current.compiled is not baseline:
                return  # shut down, or deleted / retired / replaced meanwhile: the optimized code is dropped
            # nothing routes to it (its alias moved away, or nothing ever did): the optimized code
            # keeps no instances ready either, until it is routed to again (track_active: rewarm)
            routed = (name, number) not in self._inactive_since
            optimized = self.registry.build(current.spec, compiled, number, ready=routed)
            optimized.settings = current.settings  # the same stored version, optimized
            info = self.load_info.get((name, number))
            if info is not None:
                info.optimized = True  # first: whoever sees the optimized code sees the flag
            self.registry.add(optimized)
            self.registry.supersede(current, time.monotonic() + UPGRADE_GRACE)
