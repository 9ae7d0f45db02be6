"""Making an instance and calling its handler, each in one native call (calls.c).

From Python, either step is a dozen ctypes calls into wasmtime (~0.5 µs each, plus the
Python between them); calls.c makes the same C-API calls through the same function
pointers in one call and leaves what it found in a `Call` struct that the slot reuses.
The slot (instance.py) keeps every decision that is not a C-API call, so outcomes are the
same either way; without the native library (no compiler, or `EDGE_NATIVE_PREPARER=0`) it
makes the calls itself. The same calls give the invoker's threads their lower priority
for guest code only (calls.c, *Guest priority*).
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from ctypes import POINTER, Structure, c_char_p, c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p, sizeof

from . import capi, native, preparer

log = logging.getLogger("edge.runtime")

ABI = 2
METERED, TIMED, INITIALIZE = 1, 2, 4
GUEST_NICE, GUEST_IDLE = 1, 2  # how a thread runs guest code (calls.c, *Guest priority*)

# Stages at which a step stopped (calls.c)
DONE, ALLOC_FAILED, ALLOC_UNUSABLE, HANDLE_FAILED, FUEL_UNSET = 0, 1, 2, 3, 4
INSTANTIATE_FAILED, EXPORT_MISSING, EXPORT_KIND, INIT_FAILED, STORE_FAILED = 5, 6, 7, 8, 9
EXPORTS = {1: "memory", 2: "edge_alloc", 3: "edge_handle", 4: "_initialize"}


class Api(Structure):
    """edge_calls_api in calls.c, in its order."""

    _fields_ = [
        (name, c_void_p)
        for name in (
            "store_context", "store_limiter", "set_fuel", "get_fuel", "set_epoch_deadline", "instantiate",
            "export_get", "call", "memory_data", "memory_data_size",
        )
    ] + [("extern_size", c_uint64), ("extern_of_offset", c_uint64), ("memory_size", c_uint64), ("func_size", c_uint64),
         ("val_size", c_uint64), ("store_new", c_void_p), ("store_delete", c_void_p)]


class Call(Structure):
    """edge_call in calls.c: one instance's addresses (set once) and a step's in and out."""

    _fields_ = [
        ("store", c_void_p), ("ctx", c_void_p), ("instance", c_void_p), ("memory", c_void_p),
        ("alloc", c_void_p), ("handle", c_void_p), ("vals", c_void_p),
        ("fuel", c_uint64), ("ticks", c_uint64), ("flags", c_uint32),
        ("stage", c_int32), ("missing", c_int32), ("ptr", c_uint32),
        ("err", c_void_p), ("trap", c_void_p), ("fuel_err", c_void_p),
        ("packed", c_int64), ("base", c_void_p), ("size", c_uint64), ("fuel_left", c_uint64),
        ("memory_ready", c_uint32),
    ]


class Calls:
    """The library's two steps, each through a handle that keeps the GIL (the event loop's
    budgeted runs) and one that releases it (worker threads), and `renew_quick`: a used
    slot's store replaced and instantiated again, on the event loop."""

    def __init__(self, path: str) -> None:
        quick, nogil = ctypes.PyDLL(path), ctypes.CDLL(path)
        if quick.edge_calls_abi() != ABI:
            raise RuntimeError("native calls: ABI mismatch")
        self.instantiate_quick, self.instantiate_nogil = (
            self._bind(lib.edge_call_instantiate, [POINTER(Call), c_void_p, c_int64]) for lib in (quick, nogil)
        )
        self.reactor_quick, self.reactor_nogil = (
            self._bind(lib.edge_call_reactor, [POINTER(Call), c_char_p, c_size_t]) for lib in (quick, nogil)
        )
        self.renew_quick = self._bind(quick.edge_call_renew, [POINTER(Call), c_void_p, c_uint64, c_void_p, c_int64])
        # commands and WASI reactors call guests from Python: the same wrapper gives them guest priority
        self.guest = nogil.edge_call_guest
        self.guest.argtypes = capi.func_call_unchecked.argtypes
        self.guest.restype = c_void_p
        # entries for the runtime's Python host functions and output streams (calls.c, *host calls*)
        self.host_entry = capi.HostCallback(ctypes.cast(quick.edge_calls_host, c_void_p).value)
        self.output_entry = capi.OutputCallback(ctypes.cast(quick.edge_calls_output, c_void_p).value)
        self.output_route = quick.edge_calls_output_route
        self.output_route.argtypes = [c_void_p, c_uint64]
        self.output_route.restype = c_void_p
        self.free = ctypes.cast(quick.edge_calls_free, c_void_p).value
        self._guest_priority = nogil.edge_calls_guest_priority  # system calls: release the GIL
        self._guest_priority.argtypes = [ctypes.c_int, ctypes.c_int]
        self._guest_priority.restype = c_int32
        q = capi.quick

        def addr(f: object) -> int:
            return ctypes.cast(f, c_void_p).value or 0

        self._api = Api(
            addr(q.wasmtime_store_context), addr(q.wasmtime_store_limiter), addr(q.wasmtime_context_set_fuel),
            addr(q.wasmtime_context_get_fuel), addr(q.wasmtime_context_set_epoch_deadline),
            addr(q.wasmtime_instance_pre_instantiate), addr(q.wasmtime_instance_export_get),
            addr(q.wasmtime_func_call_unchecked), addr(q.wasmtime_memory_data), addr(q.wasmtime_memory_data_size),
            sizeof(capi.Extern), capi.Extern.of.offset, sizeof(capi.Memory), sizeof(capi.Func),
            sizeof(capi.ValRaw), addr(q.wasmtime_store_new), addr(q.wasmtime_store_delete),
        )
        quick.edge_calls_init.argtypes = [POINTER(Api)]
        quick.edge_calls_init.restype = None
        quick.edge_calls_init(ctypes.byref(self._api))

    def guest_priority(self, mode: int, nice: int = 19) -> bool:
        """This thread runs guest code at `nice` (GUEST_NICE) or in the idle class (GUEST_IDLE)
        and the rest at its own priority (calls.c, *Guest priority*); False where the
        scheduler refuses the round trip (the caller then lowers the thread for good)."""
        return self._guest_priority(mode, nice) == 0

    @staticmethod
    def _bind(f, argtypes):  # type: ignore[no-untyped-def]
        f.argtypes = argtypes
        f.restype = c_int32
        return f


def _layout_ok() -> bool:
    """calls.c copies a memory or func handle out of an extern: both must fit its buffer."""
    handles = max(sizeof(capi.Memory), sizeof(capi.Func))
    return (capi.Extern.kind.offset == 0 and sizeof(capi.Extern) <= 128 and capi.Extern.of.offset + handles <= 128
            and handles <= 64 and sizeof(capi.ValRaw) >= 8)


_lock = threading.Lock()
_calls: Calls | None = None
_tried = False


def get() -> Calls | None:
    """The native steps, loaded on first use; None where they cannot run (the slot then makes
    each C-API call itself)."""
    global _calls, _tried
    if _tried:
        return _calls
    with _lock:
        if _tried:
            return _calls
        if preparer.mode() != preparer.OFF and _layout_ok():
            try:
                path = native.build_library()
                if path is not None:
                    _calls = Calls(str(path))
            except (OSError, RuntimeError, AttributeError) as exc:
                log.info("native calls unavailable: %s", exc)
        _tried = True
        return _calls


def _forked() -> None:
    """A forked child keeps the loaded library (same memory) but not another thread's hold
    on the lock."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)
