"""A deploy's module, from bytes to code that can serve.

Bytes already loaded (or precompiled into a stored artifact) are never compiled again. With
tiered compilation a new module is compiled by the baseline compiler first (~4x faster), so
it serves at once, and its optimized code is compiled in the background and handed to the
control plane to swap in (docs/control-plane.md). All of this blocks: call it off the loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..runtime import CompiledModule, ModuleError, NotWasm, Runtime
from ..runtime.module import StartupFailed
from ..runtime.module import sha256 as sha256_of
from ..runtime.module import to_wasm
from .blobs import BlobStore
from .errors import ControlError, bad_request
from .registry import PublishedVersion, Registry

log = logging.getLogger("edge.control")


class _Unwanted(Exception):
    """The version an optimizing compile was for is no longer loaded: the compile is skipped."""


@dataclass(frozen=True)
class Prepared:
    """A validated, compiled module ready to be published."""

    wasm: bytes
    compiled: CompiledModule
    compile_ms: float
    reused: bool  # nothing was compiled: a loaded version's module or the precompiled artifact
    baseline: bool = False  # compiled by the baseline compiler: optimized code follows (tiering)


@dataclass
class LoadInfo:
    """How a loaded version got its code (the admin API shows it)."""

    from_artifact: bool
    load_ms: float
    optimized: bool = True  # False while a tiered deploy still serves baseline code


class Compiler:
    """Turns uploaded bytes into compiled modules and loaded versions, reusing what it can."""

    def __init__(self, runtime: Runtime, registry: Registry, blobs: BlobStore, *, share_baseline: bool = False) -> None:
        self.runtime = runtime
        self.registry = registry
        self.blobs = blobs
        # with sibling workers (--workers 2+) a deploy writes its baseline artifact before it
        # commits: the others map it (~1 ms) instead of compiling the module again while the
        # deploy's answer waits for them (convergence.py)
        self.share_baseline = share_baseline

    def prepare(self, source: bytes, *, tiered: bool = False) -> Prepared:
        """Validate and compile (or reuse what is loaded / precompiled). Raises ControlError 400/422.

        `tiered`: a module that would have to be compiled is compiled by the baseline compiler
        instead (the caller then schedules the optimizing compile: `upgrade_later`)."""
        started = time.perf_counter()
        try:
            wasm = to_wasm(source)
        except ModuleError as exc:
            raise bad_request(str(exc), "not_wasm") from None
        compiled = self.compiled_in_memory(sha256_of(wasm))
        reused = compiled is not None
        if compiled is None:
            try:  # alone, a deploy's baseline artifact is written off its path, by the optimizing thread
                compiled = self.compile(wasm, tiered, write_baseline=self.share_baseline)
            except NotWasm as exc:
                raise bad_request(str(exc), "not_wasm") from None
            except ModuleError as exc:
                raise ControlError(422, "invalid_module", str(exc)) from None
            reused = compiled.from_artifact
        return Prepared(wasm, compiled, (time.perf_counter() - started) * 1000, reused, self.is_baseline(compiled))

    def compile(self, wasm: bytes, tiered: bool, *, write_baseline: bool = True) -> CompiledModule:
        """Baseline code when tiering and no optimized artifact is stored yet (a module Winch
        cannot compile, e.g. with tail calls, gets Cranelift); else the optimized module.
        `write_baseline=False`: baseline code compiled here has no artifact until `upgrade_later`
        writes it (~3.5 ms of a 100 KB module's deploy, ~35 ms of a JavaScript function's)."""
        baseline = self.runtime.baseline() if tiered and not self.runtime.has_artifact(wasm) else None
        if baseline is not None:
            try:
                return baseline.load(wasm, write_artifact=write_baseline)
            except ModuleError:
                pass
        return self.runtime.load(wasm)

    def stored(self, digest: str, tiered: bool, *, javascript: bool = False) -> CompiledModule | None:
        """A stored module's code from its artifact, without its bytes: the optimized one, else
        (tiering) the baseline one a deploy or a compile before a restart left; None if neither.
        `javascript`: built from JavaScript (an artifact cannot say: its trap messages differ)."""
        compiled = self.runtime.load_artifact(digest, javascript=javascript)
        baseline = self.runtime.baseline() if compiled is None and tiered else None
        return baseline.load_artifact(digest, javascript=javascript) if baseline is not None else compiled

    def build_version(self, spec: Any, compiled: CompiledModule, number: int,
                      wasm: bytes | Callable[[], bytes]) -> PublishedVersion:
        """Instantiate a version; baseline code that cannot be (e.g. its instance pool is
        full) is replaced by optimized code (`wasm`: the bytes, or where to read them). Raises ModuleError."""
        try:
            return self.registry.build(spec, compiled, number)
        except StartupFailed:  # its own start-up: optimized code fails the same way (and would wait again)
            raise
        except ModuleError:
            if not self.is_baseline(compiled):
                raise
        return self.registry.build(spec, self.runtime.load(wasm() if callable(wasm) else wasm), number)

    def is_baseline(self, compiled: CompiledModule) -> bool:
        return compiled.fingerprint != self.runtime.engine.fingerprint

    def compiled_in_memory(self, digest: str) -> CompiledModule | None:
        """A loaded version's module with these bytes, the optimized one if there is one."""
        found = None
        for versions in self.registry.versions.values():
            for published in versions.values():
                if published.compiled.sha256 == digest:
                    if not self.is_baseline(published.compiled):
                        return published.compiled
                    found = published.compiled
        return found

    def upgrade_later(self, label: str, baseline: CompiledModule, swap: Callable[[CompiledModule], None],
                      wanted: Callable[[], bool] = lambda: True) -> None:
        """Compile a module's optimized code on a background thread, then hand it to `swap`.
        The bytes are read from the blob store when the compile starts, not held meanwhile.
        `wanted`: asked before the baseline artifact is written and when the compile's turn comes
        (compiles run one at a time): a version deleted or unloaded meanwhile costs no compile."""

        def source() -> bytes:
            if not wanted():
                raise _Unwanted()
            return self.blobs.get(baseline.sha256)

        def upgrade() -> None:
            try:
                with self.blobs.deploying():  # its artifact writes are no leftovers
                    if not wanted():
                        return
                    self._store_baseline(baseline)
                    compiled = self.runtime.optimize(source)
                swap(compiled)
            except _Unwanted:
                log.debug("optimizing %s: skipped, the version is no longer loaded", label)
            except Exception:  # the baseline code keeps serving; a restart loads optimized code
                log.exception("optimizing %s failed", label)

        threading.Thread(target=upgrade, name=f"edge-optimize-{label}", daemon=True).start()

    def _store_baseline(self, compiled: CompiledModule) -> None:
        """A deploy's baseline code gets its artifact first (a restart or another worker maps it
        until the optimized one is stored); a failure here only costs them a compile."""
        baseline = self.runtime.baseline()
        if baseline is None or compiled.fingerprint != baseline.engine.fingerprint:
            return
        if self.runtime.artifacts.exists(compiled.sha256, self.runtime.engine.fingerprint):
            return  # optimized already (another worker): the baseline artifact would never be loaded
        try:
            baseline.store(compiled)
        except OSError as exc:
            log.warning("storing the baseline code of %s failed (it is compiled again where needed): %s",
                        compiled.sha256[:12], exc)
