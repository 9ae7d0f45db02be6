"""The runtime: one engine, one linker with the host's imports, and an artifact cache."""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import os
import threading
from collections.abc import Callable

import wasmtime

from . import calls, capi
from .engine import Engine, EngineSettings
from .function import Function
from .hostcalls import host_log, host_poll_oneoff
from .limits import FunctionConfig
from .module import ArtifactCache, CompiledModule, ModuleError, engine_message, load, load_artifact, sha256, store, to_wasm
from .priority import optimize_nice

log = logging.getLogger("edge.runtime")

# Live instances of the baseline engine: versions only run on it briefly, and every pooled
# instance reserves address space (pool_max_memory each).
BASELINE_POOL = 200


class Runtime:
    """Loads modules and creates Functions. Thread-safe; one per process."""

    def __init__(
        self,
        settings: EngineSettings | None = None,
        artifact_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.engine = Engine(settings)
        self.artifacts = ArtifactCache(artifact_dir)
        self._baseline: Runtime | None = None
        self._baseline_tried = False
        self._baseline_lock = threading.Lock()
        self._background: Engine | None = None
        self._optimizing = threading.Lock()  # background compiles run one at a time
        self.linker = wasmtime.Linker(self.engine.engine)
        self.linker.define_wasi()
        self.linker.allow_shadowing = True
        i32 = wasmtime.ValType.i32()
        self._types = [wasmtime.FuncType([i32] * 3, []), wasmtime.FuncType([i32] * 4, [i32])]  # kept alive
        # edge.log, and WASI's poll_oneoff replaced: a guest sleeping inside the host would
        # use no fuel and never reach an epoch check, so no limit could stop it.
        self._define(b"edge", b"log", self._types[0], host_log)
        self._define(b"wasi_snapshot_preview1", b"poll_oneoff", self._types[1], host_poll_oneoff)
        self.linker.allow_shadowing = False

    def _define(self, module: bytes, name: bytes, ty: wasmtime.FuncType, callback: object) -> None:
        """A host function; entered through calls.c where the native library is (the Python
        callback runs at the thread's own priority, not its guest priority), else the callback itself."""
        native = calls.get()
        entry, env = (native.host_entry, ctypes.cast(callback, ctypes.c_void_p)) if native is not None else (callback, None)
        err = capi.linker_define_func_unchecked(
            capi.ptr_of(self.linker), module, len(module), name, len(name), capi.ptr_of(ty), entry, env, None
        )
        if err:
            message, _ = capi.take_error(err)
            raise RuntimeError(f"could not define {module.decode()}.{name.decode()}: {message}")

    def load(self, source: bytes | str, *, write_artifact: bool = True) -> CompiledModule:
        """Validate and compile a module (or load its precompiled artifact). Blocking.
        `write_artifact=False`: a compiled module's artifact is written later, by `store`."""
        return load(self.engine, source, self.artifacts, write=write_artifact)

    def store(self, compiled: CompiledModule) -> None:
        """Write the artifact of a module loaded with `write_artifact=False` (if none is there). Blocking."""
        store(compiled, self.artifacts)

    def load_artifact(self, digest: str, *, javascript: bool = False) -> CompiledModule | None:
        """A module this engine compiled before, from its artifact, by its sha256 alone (its bytes
        are neither read nor hashed); None if there is none. Blocking. `javascript`: it was built
        from JavaScript (module.built_from_javascript of its bytes' head)."""
        return load_artifact(self.engine, digest, self.artifacts, javascript=javascript)

    def optimize(self, source: bytes | Callable[[], bytes]) -> CompiledModule:
        """Compile in the background: on one thread at the lowest CPU priority, so serving
        keeps both cores, then load the artifact into this runtime's engine. Blocking.
        One compile at a time; `source` may be a function returning the bytes, called when
        this compile's turn comes (so waiting compiles hold no module bytes).

        The compiling engine has this engine's code-generation settings (same fingerprint) and
        a one-slot pool; if wasmtime ever found its artifact incompatible, `load` recompiles."""
        with self._baseline_lock:
            if self._background is None:
                self._background = Engine(dataclasses.replace(
                    self.engine.settings, parallel_compile=False, pool_instances=1
                ))
        failure: list[BaseException] = []

        def compile_niced() -> None:  # its own thread: the caller keeps its priority afterwards
            _lowest_priority()
            try:
                load(self._background, source, self.artifacts)  # writes the artifact
            except BaseException as exc:
                failure.append(exc)

        with self._optimizing:  # one at a time: background work, and its memory, stay bounded
            if callable(source):
                source = source()
            worker = threading.Thread(target=compile_niced, name="edge-optimize", daemon=True)
            worker.start()
            worker.join()
            if failure:
                raise failure[0]
            compiled = self.load(source)  # deserializes it here (or compiles, without an artifact dir)
        baseline = self._baseline
        if baseline is not None:  # never loaded once the optimized artifact is there
            baseline.artifacts.discard(compiled.sha256, baseline.engine.fingerprint)
        return compiled

    def has_artifact(self, source: bytes) -> bool:
        """Whether loading these bytes would deserialize a stored artifact (no compile)."""
        return self.artifacts.exists(sha256(to_wasm(source)), self.engine.fingerprint)

    def baseline(self) -> "Runtime | None":
        """A runtime on wasmtime's baseline compiler (Winch), same limits and host functions,
        created on first use: it compiles ~4x faster, so a new version can serve while this
        runtime's optimizing compile runs. Its artifacts are kept next to this runtime's until
        the optimized one is stored (a restart meanwhile, or another worker, loads them instead
        of compiling). None where Winch is not available."""
        if self._baseline_tried:
            return self._baseline
        with self._baseline_lock:
            if not self._baseline_tried:
                self._baseline_tried = True
                if self.engine.settings.strategy == "cranelift":
                    settings = dataclasses.replace(
                        self.engine.settings, strategy="winch",
                        pool_instances=min(BASELINE_POOL, self.engine.settings.pool_instances),
                    )
                    try:
                        self._baseline = Runtime(settings, self.artifacts.directory)
                    except (wasmtime.WasmtimeError, RuntimeError, ValueError) as exc:
                        log.info("baseline compiler unavailable: %s", exc)
            return self._baseline

    def instantiate_pre(self, compiled: CompiledModule) -> wasmtime.InstancePre:
        try:
            return self.linker.instantiate_pre(compiled.module)
        except wasmtime.WasmtimeError as exc:
            raise ModuleError(f"module cannot be linked: {engine_message(exc)}") from None

    def function(self, source: bytes | str | CompiledModule, config: FunctionConfig | None = None) -> Function:
        """A ready-to-invoke Function; raises ModuleError if the module cannot run here."""
        compiled = source if isinstance(source, CompiledModule) else self.load(source)
        baseline = self._baseline
        if baseline is not None and compiled.fingerprint == baseline.engine.fingerprint != self.engine.fingerprint:
            return baseline.function(compiled, config)  # baseline code runs on the baseline engine
        return Function(self, compiled, config or FunctionConfig())

    def close(self) -> None:
        self.engine.close()
        if self._baseline is not None:
            self._baseline.close()


def _lowest_priority() -> None:
    """This thread (Linux schedules threads separately) yields the CPU to everything else."""
    if not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), optimize_nice())
    except OSError:
        pass
