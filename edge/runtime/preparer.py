"""Fresh instances prepared, and used ones deleted, by a native thread (preparer.c).

A `per-request` invocation costs a fresh instance and leaves a used one behind: ~35 µs
and ~50 µs of wasmtime work here. On the event loop that is most of what per-request
isolation costs; on a Python thread it waits for the GIL, which a busy loop gives up only
every few milliseconds (bench/README.md, finding 5). preparer.c runs the same C API calls
on a thread that never needs the GIL, so the second core does them while the loop serves.

A hand-off is not free: waking the thread, instances whose pages another core touched
last, and the kernel's per-process memory-map lock that both threads' faults and unmaps
take cost the loop ~20 µs a request (bench/README.md, finding 16). So by default (`auto`)
a version uses the helper only once its first call shows that a fresh instance writes many
pages (JavaScript engines' heaps): those the helper writes ahead, which saves far more.
`EDGE_NATIVE_PREPARER=1` gives every per-request version the helper from the start.

The helper lives in the runtime's native library (native.py: compiled on first use with the
machine's C compiler or `zig cc`, and cached); where neither works, or with
`EDGE_NATIVE_PREPARER=0`, the runtime prepares instances itself.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from ctypes import POINTER, Structure, c_char_p, c_int, c_int64, c_size_t, c_uint8, c_uint64, c_void_p, sizeof
from pathlib import Path
from typing import TYPE_CHECKING

from . import capi, hostcalls  # reactors' stray stdout is logged (hostcalls)
from .native import build_library

if TYPE_CHECKING:
    from .function import Function

log = logging.getLogger("edge.runtime")

ABI = 2
BLOB = 32
KEY_BASE = 1 << 48  # store data words of prepared instances (the runtime's own count up from 1)
MAX_READY = 16
ENV_SWITCH = "EDGE_NATIVE_PREPARER"
PAGE = 4096
WARM_MIN_PAGES = 16  # below this, a first call's faults cost less than populating ahead
WARM_GAP = 0  # runs this many pages apart are populated as one (measured: no faster than exact runs)


class Api(Structure):
    """edge_prep_api in preparer.c: the wasmtime entry points, in its order."""

    _fields_ = [
        (name, c_void_p)
        for name in (
            "store_new", "store_context", "store_limiter", "store_delete", "set_fuel", "get_fuel",
            "set_epoch_deadline", "set_wasi", "instantiate", "export_get", "call", "error_delete",
            "trap_delete", "wasi_new", "wasi_argv", "wasi_env", "wasi_stdout", "wasi_stderr",
            "py_stdout", "py_stderr", "memory_data",
        )
    ] + [("extern_size", c_uint64), ("extern_of_offset", c_uint64), ("key_base", c_uint64)]


def _padded(name: str, ctype: type) -> list[tuple[str, type]]:
    fields: list[tuple[str, type]] = [(name, ctype)]
    if sizeof(ctype) < BLOB:
        fields.append((f"_{name}_pad", c_uint8 * (BLOB - sizeof(ctype))))
    return fields


class Ready(Structure):
    """edge_prep_ready: one prepared instance, handed over by edge_prep_take."""

    _fields_ = [("store", c_void_p), ("ctx", c_void_p), ("key", c_uint64), ("init_fuel", c_uint64)] + (
        _padded("instance", capi.Instance) + _padded("memory", capi.Memory)
        + _padded("alloc", capi.Func) + _padded("handle", capi.Func)
    )


def _layout_ok() -> bool:
    """The C side assumes these offsets; a wasmtime whose structs outgrew them goes without."""
    sizes = (sizeof(capi.Instance), sizeof(capi.Memory), sizeof(capi.Func))
    offsets = (Ready.instance.offset, Ready.memory.offset, Ready.alloc.offset, Ready.handle.offset)
    return max(sizes) <= BLOB and offsets == (32, 64, 96, 128) and capi.Extern.kind.offset == 0


class Factory:
    """Prepared instances of one function version. The C side frees its state only after
    this object is gone, so a call racing with close() finds it closed, never freed."""

    __slots__ = ("_lib", "handle", "failed", "closed")

    def __init__(self, lib: ctypes.PyDLL, handle: int) -> None:
        self._lib = lib
        self.handle = handle
        self.failed = False
        self.closed = False

    def take(self) -> Ready | None:
        """A ready instance, or None (none ready yet, or the factory gave up or closed)."""
        ready = Ready()
        rc = self._lib.edge_prep_take(self.handle, ctypes.byref(ready))
        if rc == 1:
            return ready
        if rc < 0:
            self.failed = True
        return None

    def count(self) -> int:
        return 0 if self.closed else self._lib.edge_prep_count(self.handle)

    def stats(self) -> tuple[int, int]:
        """(instances prepared, instances handed over) so far."""
        prepared, taken = c_uint64(), c_uint64()
        self._lib.edge_prep_stats(self.handle, ctypes.byref(prepared), ctypes.byref(taken))
        return prepared.value, taken.value

    def warm(self, runs: list[tuple[int, int]]) -> bool:
        """Pages (first page, count) each instance prepared from now on gets written in
        advance (preparer.c, *Warm pages*); once per version."""
        if self.closed or not runs:
            return False
        pairs = (ctypes.c_uint32 * (2 * len(runs)))(*[n for run in runs for n in run])
        return self._lib.edge_prep_hot(self.handle, pairs, len(runs)) == 1

    def failure(self) -> str:
        buf = ctypes.create_string_buffer(160)
        self._lib.edge_prep_failure(self.handle, buf, len(buf))
        return buf.value.decode("utf-8", "replace")

    def close(self, *keepalive: object) -> None:
        """Stop preparing; returns once the helper no longer uses the version's InstancePre
        (`keepalive`: what must outlive that, held until now by a finalizer)."""
        if not self.closed:
            self.closed = True
            _close(self.handle)

    def __del__(self) -> None:
        try:
            if not self.closed:
                self.close()
            self._lib.edge_prep_release(self.handle)
        except Exception:  # interpreter shutdown: the process is going anyway
            pass


_close = None  # edge_prep_close through a GIL-releasing handle (it may wait for the helper)


class Preparer:
    """The process's helper thread."""

    def __init__(self, path: Path) -> None:
        self.pid = os.getpid()
        self.lib = lib = ctypes.PyDLL(str(path))  # quick calls: keep the GIL
        nogil = ctypes.CDLL(str(path))
        if lib.edge_prep_abi() != ABI:
            raise RuntimeError("native preparer: ABI mismatch")
        lib.edge_prep_start.argtypes = [POINTER(Api)]
        lib.edge_prep_start.restype = c_int
        lib.edge_prep_factory.argtypes = [
            c_void_p, c_void_p, c_int64, c_uint64, c_uint64, c_int, c_int,
            c_size_t, POINTER(c_char_p), c_size_t, POINTER(c_char_p), POINTER(c_char_p), c_int,
        ]
        lib.edge_prep_factory.restype = c_void_p
        lib.edge_prep_take.argtypes = [c_void_p, POINTER(Ready)]
        lib.edge_prep_take.restype = c_int
        lib.edge_prep_count.argtypes = [c_void_p]
        lib.edge_prep_count.restype = c_int
        lib.edge_prep_failure.argtypes = [c_void_p, c_char_p, c_size_t]
        lib.edge_prep_failure.restype = None
        lib.edge_prep_stats.argtypes = [c_void_p, POINTER(c_uint64), POINTER(c_uint64)]
        lib.edge_prep_stats.restype = None
        lib.edge_prep_release.argtypes = [c_void_p]
        lib.edge_prep_release.restype = None
        lib.edge_prep_hot.argtypes = [c_void_p, POINTER(ctypes.c_uint32), c_size_t]
        lib.edge_prep_hot.restype = c_int
        lib.edge_prep_discard.argtypes = [c_void_p]
        lib.edge_prep_discard.restype = c_int
        close = nogil.edge_prep_close
        close.argtypes = [c_void_p]
        close.restype = None
        global _close
        _close = close
        self._discard = lib.edge_prep_discard

        q = capi.quick

        def addr(f: object) -> int:
            return ctypes.cast(f, c_void_p).value or 0

        self._api = Api(
            addr(q.wasmtime_store_new), addr(q.wasmtime_store_context), addr(q.wasmtime_store_limiter),
            addr(q.wasmtime_store_delete), addr(q.wasmtime_context_set_fuel), addr(q.wasmtime_context_get_fuel),
            addr(q.wasmtime_context_set_epoch_deadline), addr(q.wasmtime_context_set_wasi),
            addr(q.wasmtime_instance_pre_instantiate), addr(q.wasmtime_instance_export_get),
            addr(q.wasmtime_func_call_unchecked), addr(q.wasmtime_error_delete), addr(q.wasm_trap_delete),
            addr(q.wasi_config_new), addr(q.wasi_config_set_argv), addr(q.wasi_config_set_env),
            addr(q.wasi_config_set_stdout_custom), addr(q.wasi_config_set_stderr_custom),
            addr(hostcalls.on_stdout_log), addr(hostcalls.on_stderr), addr(q.wasmtime_memory_data),
            sizeof(capi.Extern), capi.Extern.of.offset, KEY_BASE,
        )
        if lib.edge_prep_start(ctypes.byref(self._api)) != 0:
            raise RuntimeError("native preparer: could not start its thread")

    def factory(self, fn: "Function", fuel: int, deadline_ticks: int, target: int) -> Factory | None:
        if _pid != self.pid:  # a forked child has no helper thread
            return None
        config = fn.config
        args = config.wasi_argv
        argv = (c_char_p * len(args))(*[a.encode() for a in args])
        env = config.env
        names = (c_char_p * max(1, len(env)))(*[k.encode() for k, _ in env])
        values = (c_char_p * max(1, len(env)))(*[v.encode() for _, v in env])
        handle = self.lib.edge_prep_factory(
            fn.engine.ptr, fn.pre_ptr, config.limits.memory_bytes, fuel, deadline_ticks,
            int(fn.compiled.has_initialize), int(fn.compiled.uses_wasi),
            len(args), argv, len(env), names, values, min(MAX_READY, max(1, target)),
        )
        return Factory(self.lib, handle) if handle else None

    def discard(self, store: int) -> bool:
        """Hand a used store to the helper for deletion; False: delete it yourself."""
        return _pid == self.pid and self._discard(store) == 1


def written_pages(base: int, size: int, limit: int, resident: int = 0) -> list[tuple[int, int]]:
    """The pages of a linear memory (at `base`, `size` bytes) that its instance has written:
    present in this process and no longer the module image's (private) page, from
    /proc/self/pagemap, as (first page, count) runs below `limit` bytes and from `resident`
    bytes on (the pool keeps the first ones of a memory present anyway). Empty where the
    pagemap cannot be read, or where fewer than WARM_MIN_PAGES were written."""
    first = resident // PAGE
    pages = min(size, limit) // PAGE
    try:
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(base // PAGE * 8)
            data = f.read(pages * 8)
    except OSError:
        return []
    runs: list[list[int]] = []
    count = 0
    for i, entry in enumerate(memoryview(data).cast("Q")):
        if i >= first and entry >> 63 and not entry >> 61 & 1:  # present, and not a file (image) page
            count += 1
            if runs and i - runs[-1][1] <= WARM_GAP:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
    if count < WARM_MIN_PAGES:
        return []
    return [(start, end - start) for start, end in runs]


_lock = threading.Lock()
_pid = os.getpid()  # this process (kept current by _forked: getpid is a system call, asked per request)
_preparer: Preparer | None = None
_tried = False


AUTO, ALWAYS, OFF = "auto", "always", "off"


def mode() -> str:
    """`EDGE_NATIVE_PREPARER`: unset or `auto`; `1`/`on`/`always`; `0`/`off`."""
    value = os.environ.get(ENV_SWITCH, AUTO).strip().lower()
    if value in ("0", "false", "off", "no"):
        return OFF
    if value in ("1", "true", "on", "yes", "always"):
        return ALWAYS
    if value not in ("", AUTO) and value not in _warned:
        _warned.add(value)
        log.warning("%s=%r is not one of auto, 1 (always), 0 (off): using auto", ENV_SWITCH, value)
    return AUTO


_warned: set[str] = set()


def get() -> Preparer | None:
    """The process's preparer, started on first use; None where it cannot run."""
    global _preparer, _tried
    if _tried:
        return _preparer
    with _lock:
        if _tried:
            return _preparer
        _tried = True
        if mode() == OFF:
            return None
        if not _layout_ok():
            log.info("native preparer: unexpected wasmtime struct layout; not used")
            return None
        try:
            path = build_library()
            if path is not None:
                _preparer = Preparer(path)
        except (OSError, RuntimeError, AttributeError) as exc:
            log.info("native preparer unavailable: %s", exc)
            _preparer = None
        return _preparer


def current() -> Preparer | None:
    """The preparer if it has been started in this process (never starts it: for teardown)."""
    helper = _preparer
    return helper if helper is not None and helper.pid == _pid else None


def _forked() -> None:
    """In a forked child: the parent's helper thread did not come along (preparer.c fails
    the parent's factories); a new one starts on first use."""
    global _preparer, _tried, _lock, _pid
    _pid = os.getpid()
    _lock = threading.Lock()  # another thread may have held it at the fork
    _preparer = None
    _tried = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)
