"""The runtime: one engine, one linker with the host's imports, and an artifact cache."""

from __future__ import annotations

import os

import wasmtime

from . import capi
from .engine import Engine, EngineSettings
from .function import Function
from .instance import host_log, host_poll_oneoff
from .limits import FunctionConfig
from .module import ArtifactCache, CompiledModule, ModuleError, first_line, load


class Runtime:
    """Loads modules and creates Functions. Thread-safe; one per process."""

    def __init__(
        self,
        settings: EngineSettings | None = None,
        artifact_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.engine = Engine(settings)
        self.artifacts = ArtifactCache(artifact_dir)
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
        err = capi.linker_define_func_unchecked(
            capi.ptr_of(self.linker), module, len(module), name, len(name), capi.ptr_of(ty), callback, None, None
        )
        if err:
            message, _ = capi.take_error(err)
            raise RuntimeError(f"could not define {module.decode()}.{name.decode()}: {message}")

    def load(self, source: bytes | str) -> CompiledModule:
        """Validate and compile a module (or load its precompiled artifact). Blocking."""
        return load(self.engine, source, self.artifacts)

    def instantiate_pre(self, compiled: CompiledModule) -> wasmtime.InstancePre:
        try:
            return self.linker.instantiate_pre(compiled.module)
        except wasmtime.WasmtimeError as exc:
            raise ModuleError(f"module cannot be linked: {first_line(exc)}") from None

    def function(self, source: bytes | str | CompiledModule, config: FunctionConfig | None = None) -> Function:
        """A ready-to-invoke Function; raises ModuleError if the module cannot run here."""
        compiled = source if isinstance(source, CompiledModule) else self.load(source)
        return Function(self, compiled, config or FunctionConfig())

    def close(self) -> None:
        self.engine.close()
