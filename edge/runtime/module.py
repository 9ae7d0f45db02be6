"""Validate, compile and load modules; detect their ABI style; keep precompiled artifacts.

Compile once, load in microseconds: an artifact is wasmtime's serialized
machine code, stored under the wasm's sha256 plus the engine fingerprint, so
a restart or a new worker deserializes instead of compiling, and an artifact
made under other engine settings is never loaded (edge/runtime/artifacts.py).
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import time
from dataclasses import dataclass, field

import wasmtime

from .artifacts import ArtifactCache, write_atomic  # noqa: F401 (write_atomic: re-exported)
from .engine import Engine

ABI_VERSION = 1
WASI_MODULE = "wasi_snapshot_preview1"
EDGE_MODULE = "edge"
# Host functions in the `edge` import module: name -> (params, results) as wasm type names.
EDGE_IMPORTS = {"log": (("i32", "i32", "i32"), ())}
REACTOR_EXPORTS = ("memory", "edge_alloc", "edge_handle", "edge_abi_version")

STYLE_REACTOR = "reactor"
STYLE_COMMAND = "command"

# The custom section edge/js/build.py (BUILD_NOTE) puts first in every module it builds: a
# JavaScript function's traps are explained differently (failures.py). wasmtime keeps no custom
# section in a compiled artifact: a module loaded from its artifact is one if its loader says so
# (control/loading.py reads the stored bytes' first section).
JS_BUILD_NOTE = b"edge.js.build"
CUSTOM_SECTION = 0


class ModuleError(ValueError):
    """A module that cannot be run here; the message names the problem."""


class StartupFailed(ModuleError):
    """The module's own start-up failed its check (a trap, out of fuel, a timeout in its start
    function, `_initialize` or `edge_abi_version`): other code for the same module would fail
    the same way, so nothing retries it."""


class NotWasm(ModuleError):
    """The bytes are not a WebAssembly module at all (neither valid binary nor WAT)."""


def to_wasm(source: bytes | str) -> bytes:
    """Binary wasm from either binary or WAT text (the engine's parser message on failure)."""
    if isinstance(source, str):
        source = source.encode()
    if source[:4] == b"\0asm":
        return bytes(source)
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        raise NotWasm("not a WebAssembly module: no \\0asm header and not WAT text") from None
    try:
        return bytes(wasmtime.wat2wasm(text))
    except wasmtime.WasmtimeError as exc:
        raise NotWasm(f"not a WebAssembly module: {engine_message(exc)}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_LOCATION = re.compile(r"^-->\s.*:(\d+):(\d+)$")
_CAUSE_NUMBER = re.compile(r"^\d+:\s+")


def engine_message(exc: BaseException, limit: int = 600) -> str:
    """wasmtime's error on one line, cause included. Its message is a context line, then
    "Caused by:" and numbered causes (`failed to compile: wasm[0]::function[0]::f` only says
    where; `… local index out of bounds` is why): they are joined with ": ", as anyhow's
    chains print. A WAT parse error's `--> <anon>:LINE:COL` becomes "(line L, column C)";
    its source excerpt is left out. Bounded to `limit` characters."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    if not lines or not lines[0]:
        return type(exc).__name__
    parts = [lines[0]]
    caused = False
    for line in lines[1:]:
        if line == "Caused by:":
            caused = True
        elif caused and line:
            parts.append(_CAUSE_NUMBER.sub("", line))
        elif (where := _LOCATION.match(line)) and len(parts) == 1:
            parts[0] += f" (line {where[1]}, column {where[2]})"
    message = ": ".join(part.rstrip(":") for part in parts)
    return message if len(message) <= limit else message[:limit - 1] + "…"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 number at `pos` and the position after it (IndexError past the end)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80 or shift > 28:
            return value, pos
        shift += 7


def built_from_javascript(wasm: bytes) -> bool:
    """Whether the module's first section is the JavaScript builder's note."""
    if len(wasm) < 9 or wasm[8] != CUSTOM_SECTION:
        return False
    try:
        _, pos = _uleb(wasm, 9)
        length, pos = _uleb(wasm, pos)
    except IndexError:
        return False
    return wasm[pos:pos + length] == JS_BUILD_NOTE


def _valtype_names(types: list[wasmtime.ValType]) -> tuple[str, ...]:
    return tuple(str(t) for t in types)


@dataclass
class CompiledModule:
    """A compiled module plus what the host learnt about it at load time."""

    module: wasmtime.Module
    sha256: str
    style: str
    uses_wasi: bool
    has_initialize: bool
    initial_memory: int  # bytes the module's memory starts with
    compile_ms: float = 0.0
    from_artifact: bool = False
    imports: list[str] = field(default_factory=list)
    fingerprint: str = ""  # the engine it was compiled for: it can only run there
    javascript: bool = False  # built by edge/js (known from the bytes: False from an artifact alone)

    @property
    def abi(self) -> str:
        return f"edge-reactor/v{ABI_VERSION}" if self.style == STYLE_REACTOR else "wasi-command"


def inspect(module: wasmtime.Module, digest: str) -> CompiledModule:
    """Check imports and exports against the ABI (docs/abi.md); raise ModuleError naming the problem."""
    imports: list[str] = []
    unknown: list[str] = []
    uses_wasi = False
    for imp in module.imports:
        name = f"{imp.module}::{imp.name}"
        imports.append(name)
        ty = imp.type
        if imp.module == WASI_MODULE and isinstance(ty, wasmtime.FuncType):
            uses_wasi = True
            continue  # names and signatures are checked by the linker (import_check)
        if imp.module == EDGE_MODULE and imp.name in EDGE_IMPORTS and isinstance(ty, wasmtime.FuncType):
            want_params, want_results = EDGE_IMPORTS[imp.name]
            got = (_valtype_names(ty.params), _valtype_names(ty.results))
            if got != (want_params, want_results):
                raise ModuleError(
                    f"import {name} has signature {got[0]} -> {got[1]}, "
                    f"expected {want_params} -> {want_results}"
                )
            continue
        unknown.append(name)
    if unknown:
        raise ModuleError(
            "module imports what the host does not provide: " + ", ".join(unknown)
        )

    exports = {exp.name: exp.type for exp in module.exports}
    memory = exports.get("memory")
    initial_memory = 0
    if isinstance(memory, wasmtime.MemoryType):
        if memory.is_64 or memory.is_shared:
            raise ModuleError("exported memory must be a 32-bit, non-shared memory")
        initial_memory = memory.limits.min * 65536

    if all(name in exports for name in REACTOR_EXPORTS):
        _expect_func(exports, "edge_alloc", ("i32",), ("i32",))
        _expect_func(exports, "edge_handle", ("i32", "i32"), ("i64",))
        _expect_func(exports, "edge_abi_version", (), ("i32",))
        if not isinstance(memory, wasmtime.MemoryType):
            raise ModuleError("export `memory` must be a memory")
        style = STYLE_REACTOR
    elif "_start" in exports:
        _expect_func(exports, "_start", (), ())
        if not uses_wasi:
            raise ModuleError("a command module (`_start`) must use WASI for stdin/stdout")
        style = STYLE_COMMAND
    else:
        present = [n for n in REACTOR_EXPORTS if n in exports]
        missing = [n for n in REACTOR_EXPORTS if n not in exports]
        hint = f" (has {', '.join(present)}; missing {', '.join(missing)})" if present else ""
        raise ModuleError(
            "module is neither an edge reactor (exports memory, edge_alloc, edge_handle, "
            f"edge_abi_version) nor a WASI command (exports _start){hint}"
        )
    has_init = "_initialize" in exports
    if has_init:
        _expect_func(exports, "_initialize", (), ())
    return CompiledModule(
        module=module,
        sha256=digest,
        style=style,
        uses_wasi=uses_wasi,
        has_initialize=has_init,
        initial_memory=initial_memory,
        imports=imports,
    )


def _expect_func(exports: dict, name: str, params: tuple, results: tuple) -> None:
    ty = exports[name]
    if not isinstance(ty, wasmtime.FuncType):
        raise ModuleError(f"export `{name}` must be a function")
    got = (_valtype_names(ty.params), _valtype_names(ty.results))
    if got != (params, results):
        raise ModuleError(f"export `{name}` has signature {got[0]} -> {got[1]}, expected {params} -> {results}")


def compile_module(engine: wasmtime.Engine, wasm: bytes) -> wasmtime.Module:
    """`wasmtime.Module(engine, wasm)` without its copy of the bytes: wasmtime reads them
    straight from the bytes object (immutable, and alive for the call), so compiling a large
    upload does not hold it twice. Raises WasmtimeError."""
    from wasmtime import _ffi as ffi

    if not isinstance(wasm, bytes):
        wasm = bytes(wasm)
    data = ctypes.cast(ctypes.c_char_p(wasm), ctypes.POINTER(ctypes.c_uint8))
    ptr = ctypes.POINTER(ffi.wasmtime_module_t)()
    error = ffi.wasmtime_module_new(engine.ptr(), data, len(wasm), ctypes.byref(ptr))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    return wasmtime.Module._from_ptr(ptr)


def load(engine: Engine, source: bytes | str, cache: ArtifactCache | None = None, *,
         write: bool = True) -> CompiledModule:
    """Validate and compile (or deserialize a matching artifact). Blocking: call off the event loop.
    `write=False`: a compiled module's artifact is left for the caller to store later (`store`)."""
    wasm = to_wasm(source)
    digest = sha256(wasm)
    fingerprint = engine.fingerprint
    started = time.perf_counter()
    javascript = built_from_javascript(wasm)
    if cache is None:
        return _inspected(_compile(engine, wasm), digest, fingerprint, started, False, javascript)
    module = cache.deserialize(engine.engine, digest, fingerprint)
    if module is None and not write:
        return _inspected(_compile(engine, wasm), digest, fingerprint, started, False, javascript)
    if module is None:
        with cache.compiling(digest, fingerprint):  # another process compiling it: its artifact
            module = cache.deserialize(engine.engine, digest, fingerprint)
            if module is None:
                try:
                    compiled = _compile(engine, wasm)
                    cache.write(digest, fingerprint, bytes(compiled.serialize()))
                finally:
                    cache.compiled(digest, fingerprint)
                # served from the file just written, as after a restart: its pages are shared and
                # mostly never read, where the compiled copy holds all of them in this process
                mapped = cache.deserialize(engine.engine, digest, fingerprint)
                return _inspected(mapped or compiled, digest, fingerprint, started, False, javascript)
    return _inspected(module, digest, fingerprint, started, True, javascript)


def _compile(engine: Engine, wasm: bytes) -> wasmtime.Module:
    try:
        return compile_module(engine.engine, wasm)
    except wasmtime.WasmtimeError as exc:
        raise NotWasm(f"invalid WebAssembly: {engine_message(exc)}") from None


def store(compiled: CompiledModule, cache: ArtifactCache) -> None:
    """Write the artifact of a module compiled with `write=False`, unless one is there."""
    digest, fingerprint = compiled.sha256, compiled.fingerprint
    with cache.compiling(digest, fingerprint):  # a process about to compile it waits for this one
        try:
            if not cache.exists(digest, fingerprint):
                cache.write(digest, fingerprint, bytes(compiled.module.serialize()))
        finally:
            cache.compiled(digest, fingerprint)


def load_artifact(engine: Engine, digest: str, cache: ArtifactCache, *,
                  javascript: bool = False) -> CompiledModule | None:
    """A stored module by its sha256 from its precompiled artifact, without reading (or
    hashing) its bytes; None when there is no usable artifact. Blocking. `javascript`: the
    caller's word for it (an artifact keeps no custom section: `built_from_javascript` of the
    stored bytes' head)."""
    started = time.perf_counter()
    module = cache.deserialize(engine.engine, digest, engine.fingerprint)
    if module is None:
        return None
    return _inspected(module, digest, engine.fingerprint, started, True, javascript)


def _inspected(module: wasmtime.Module, digest: str, fingerprint: str, started: float,
               from_artifact: bool, javascript: bool = False) -> CompiledModule:
    compiled = inspect(module, digest)
    compiled.compile_ms = (time.perf_counter() - started) * 1000
    compiled.from_artifact = from_artifact
    compiled.fingerprint = fingerprint
    compiled.javascript = javascript
    return compiled
