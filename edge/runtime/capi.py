"""Thin ctypes bindings to the wasmtime C API shipped inside the wasmtime wheel.

Why: the high-level wasmtime-py wrappers cost tens of microseconds per call
(they wrap every export and convert every value), while the C API underneath
costs one or two. The per-invocation hot path (store, instantiate, export
lookup, call, memory access) goes through these bindings; setup work
(compiling, linking, serialising) stays on wasmtime-py.

We open our own handle on the library so that our argument types never clash
with wasmtime-py's, and we take struct layouts from wasmtime-py's generated
bindings, which match the library they ship with. The supported major version
is pinned in pyproject.toml and checked here.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_bool, c_char_p, c_int, c_int64, c_size_t, c_uint8, c_uint64, c_void_p

from importlib.metadata import version as _dist_version

from wasmtime import _bindings as _b
from wasmtime import _ffi

SUPPORTED_MAJOR = 50

WASMTIME_VERSION: str = _dist_version("wasmtime")
if int(WASMTIME_VERSION.split(".")[0]) != SUPPORTED_MAJOR:  # pragma: no cover - guarded by pyproject pin
    raise ImportError(
        f"edge.runtime.capi is written against wasmtime {SUPPORTED_MAJOR}.x, found {WASMTIME_VERSION}"
    )

# Two handles on the same library. `lib` releases the GIL around each call: for calls that
# run guest code (call, instantiate) or may block (store teardown). `quick` keeps the GIL:
# for the many sub-microsecond calls of the hot path, where releasing and re-taking the GIL
# costs more than the call and lets a busy event loop convoy the worker thread.
lib = ctypes.CDLL(str(_ffi.filename))
quick = ctypes.PyDLL(str(_ffi.filename))

# Struct layouts (from the bindings generated for this exact library).
Instance = _b.wasmtime_instance_t
Extern = _b.wasmtime_extern_t
Func = _b.wasmtime_func_t
Memory = _b.wasmtime_memory_t
ValRaw = _b.wasmtime_val_raw_t
ByteVec = _b.wasm_byte_vec_t

EXTERN_FUNC = 0
EXTERN_MEMORY = 3

# Trap codes (wasmtime_trap_code_t); names are what outcomes report.
TRAP_NAMES = {
    0: "stack_overflow",
    1: "memory_out_of_bounds",
    2: "heap_misaligned",
    3: "table_out_of_bounds",
    4: "indirect_call_to_null",
    5: "bad_signature",
    6: "integer_overflow",
    7: "integer_division_by_zero",
    8: "bad_conversion_to_integer",
    9: "unreachable",
    10: "interrupt",
    11: "out_of_fuel",
    15: "allocation_too_large",
}
TRAP_INTERRUPT = 10
TRAP_OUT_OF_FUEL = 11


def _fn(name: str, restype, *argtypes, releases_gil: bool = False):
    f = getattr(lib if releases_gil else quick, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# Stores and contexts
store_new = _fn("wasmtime_store_new", c_void_p, c_void_p, c_void_p, c_void_p)
store_delete = _fn("wasmtime_store_delete", None, c_void_p)  # cheap with batched decommits
store_context = _fn("wasmtime_store_context", c_void_p, c_void_p)
store_limiter = _fn("wasmtime_store_limiter", None, c_void_p, c_int64, c_int64, c_int64, c_int64, c_int64)
context_set_fuel = _fn("wasmtime_context_set_fuel", c_void_p, c_void_p, c_uint64)
context_get_fuel = _fn("wasmtime_context_get_fuel", c_void_p, c_void_p, POINTER(c_uint64))
context_set_epoch_deadline = _fn("wasmtime_context_set_epoch_deadline", None, c_void_p, c_uint64)
context_get_data = _fn("wasmtime_context_get_data", c_void_p, c_void_p)
context_set_wasi = _fn("wasmtime_context_set_wasi", c_void_p, c_void_p, c_void_p)
engine_increment_epoch = _fn("wasmtime_engine_increment_epoch", None, c_void_p)

# Instances, exports, calls, memory
instance_pre_instantiate = _fn(
    "wasmtime_instance_pre_instantiate", c_void_p, c_void_p, c_void_p, POINTER(Instance), POINTER(c_void_p),
    releases_gil=True,
)
instance_export_get = _fn(
    "wasmtime_instance_export_get", c_bool, c_void_p, POINTER(Instance), c_char_p, c_size_t, POINTER(Extern)
)
func_call_unchecked = _fn(
    "wasmtime_func_call_unchecked", c_void_p, c_void_p, POINTER(Func), c_void_p, c_size_t, POINTER(c_void_p),
    releases_gil=True,
)
# The same two calls keeping the GIL, for the event loop's own budgeted (inline) work: the loop
# is blocked for the call either way, and releasing the GIL would let another thread take it
# and make the loop wait for it back (a convoy that costs more than the call).
instance_pre_instantiate_quick = _fn(
    "wasmtime_instance_pre_instantiate", c_void_p, c_void_p, c_void_p, POINTER(Instance), POINTER(c_void_p),
)
func_call_unchecked_quick = _fn(
    "wasmtime_func_call_unchecked", c_void_p, c_void_p, POINTER(Func), c_void_p, c_size_t, POINTER(c_void_p),
)
memory_data = _fn("wasmtime_memory_data", c_void_p, c_void_p, POINTER(Memory))
memory_data_size = _fn("wasmtime_memory_data_size", c_size_t, c_void_p, POINTER(Memory))
caller_context = _fn("wasmtime_caller_context", c_void_p, c_void_p)
trap_new = _fn("wasmtime_trap_new", c_void_p, c_char_p, c_size_t)

# Errors and traps
error_message = _fn("wasmtime_error_message", None, c_void_p, POINTER(ByteVec))
error_delete = _fn("wasmtime_error_delete", None, c_void_p)
error_exit_status = _fn("wasmtime_error_exit_status", c_bool, c_void_p, POINTER(c_int))
trap_code = _fn("wasmtime_trap_code", c_bool, c_void_p, POINTER(c_uint8))
trap_message = _fn("wasm_trap_message", None, c_void_p, POINTER(ByteVec))
trap_delete = _fn("wasm_trap_delete", None, c_void_p)
byte_vec_delete = _fn("wasm_byte_vec_delete", None, POINTER(ByteVec))
byte_vec_new = _fn("wasm_byte_vec_new", None, POINTER(ByteVec), c_size_t, c_void_p)

# Host functions
HostCallback = ctypes.CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_void_p, c_size_t)
Finalizer = ctypes.CFUNCTYPE(None, c_void_p)
linker_define_func_unchecked = _fn(
    "wasmtime_linker_define_func_unchecked",
    c_void_p,
    c_void_p,
    c_char_p,
    c_size_t,
    c_char_p,
    c_size_t,
    c_void_p,
    HostCallback,
    c_void_p,
    c_void_p,
)

# WASI
wasi_config_new = _fn("wasi_config_new", c_void_p)
wasi_config_set_env = _fn(
    "wasi_config_set_env", c_bool, c_void_p, c_size_t, POINTER(c_char_p), POINTER(c_char_p)
)
wasi_config_set_argv = _fn("wasi_config_set_argv", c_bool, c_void_p, c_size_t, POINTER(c_char_p))
wasi_config_set_stdin_bytes = _fn("wasi_config_set_stdin_bytes", None, c_void_p, POINTER(ByteVec))
OutputCallback = ctypes.CFUNCTYPE(ctypes.c_ssize_t, c_void_p, c_void_p, c_size_t)
wasi_config_set_stdout_custom = _fn(
    "wasi_config_set_stdout_custom", None, c_void_p, OutputCallback, c_void_p, c_void_p
)
wasi_config_set_stderr_custom = _fn(
    "wasi_config_set_stderr_custom", None, c_void_p, OutputCallback, c_void_p, c_void_p
)

# Engine configuration not exposed by wasmtime-py's Config
config_strategy_set = _fn("wasmtime_config_strategy_set", None, c_void_p, c_uint8)
STRATEGY_CRANELIFT = 1
STRATEGY_WINCH = 2  # wasmtime's baseline (single-pass) compiler
config_memory_init_cow_set = _fn("wasmtime_config_memory_init_cow_set", None, c_void_p, c_bool)
pooling_config_new = _fn("wasmtime_pooling_allocation_config_new", c_void_p)
pooling_config_delete = _fn("wasmtime_pooling_allocation_config_delete", None, c_void_p)
pooling_strategy_set = _fn("wasmtime_pooling_allocation_strategy_set", None, c_void_p, c_void_p)
pooling_total_core_instances_set = _fn(
    "wasmtime_pooling_allocation_config_total_core_instances_set", None, c_void_p, ctypes.c_uint32
)
pooling_total_memories_set = _fn(
    "wasmtime_pooling_allocation_config_total_memories_set", None, c_void_p, ctypes.c_uint32
)
pooling_total_tables_set = _fn(
    "wasmtime_pooling_allocation_config_total_tables_set", None, c_void_p, ctypes.c_uint32
)
pooling_total_stacks_set = _fn(
    "wasmtime_pooling_allocation_config_total_stacks_set", None, c_void_p, ctypes.c_uint32
)
pooling_max_memory_size_set = _fn(
    "wasmtime_pooling_allocation_config_max_memory_size_set", None, c_void_p, c_size_t
)
pooling_decommit_batch_size_set = _fn(
    "wasmtime_pooling_allocation_config_decommit_batch_size_set", None, c_void_p, c_size_t
)
pooling_max_unused_warm_slots_set = _fn(
    "wasmtime_pooling_allocation_config_max_unused_warm_slots_set", None, c_void_p, ctypes.c_uint32
)
pooling_linear_memory_keep_resident_set = _fn(
    "wasmtime_pooling_allocation_config_linear_memory_keep_resident_set", None, c_void_p, c_size_t
)
pooling_table_elements_set = _fn(
    "wasmtime_pooling_allocation_config_table_elements_set", None, c_void_p, c_size_t
)
pooling_max_core_instance_size_set = _fn(
    "wasmtime_pooling_allocation_config_max_core_instance_size_set", None, c_void_p, c_size_t
)


# Copies between Python bytes and guest memory that keep the GIL: ctypes.memmove and
# ctypes.string_at release and re-take it around every call, and on a busy event loop with
# other threads waiting for it that round trip cost ~13 µs per copy (measured in the server).
copy_in = ctypes.PyDLL(None).memmove  # (dest address, bytes, n)
copy_in.restype = c_void_p
copy_in.argtypes = [c_void_p, c_char_p, c_size_t]
bytes_at = ctypes.pythonapi.PyBytes_FromStringAndSize  # (address, n) -> a new bytes object
bytes_at.restype = ctypes.py_object
bytes_at.argtypes = [c_void_p, ctypes.c_ssize_t]


def ptr_of(managed: object) -> int:
    """Raw address behind a wasmtime-py object (Engine, Linker, InstancePre, Config...)."""
    p = managed.ptr()  # type: ignore[attr-defined]
    return ctypes.cast(p, c_void_p).value or 0


def _take_vec(vec: ByteVec) -> str:
    try:
        return ctypes.string_at(vec.data, vec.size).decode("utf-8", "replace")
    finally:
        byte_vec_delete(byref(vec))


def take_error(err: int) -> tuple[str, int | None]:
    """Message and WASI exit status of an owned wasmtime_error_t; frees it."""
    status = c_int(0)
    exit_status = int(status.value) if error_exit_status(err, byref(status)) else None
    vec = ByteVec()
    error_message(err, byref(vec))
    msg = _take_vec(vec)
    error_delete(err)
    return msg, exit_status


def take_trap(trap: int) -> tuple[str, int | None]:
    """Message and trap code of an owned wasm_trap_t; frees it."""
    code = c_uint8(0)
    trap_code_value = int(code.value) if trap_code(trap, byref(code)) else None
    vec = ByteVec()
    trap_message(trap, byref(vec))
    msg = _take_vec(vec)
    trap_delete(trap)
    return msg, trap_code_value


def bytes_vec(data: bytes) -> ByteVec:
    """A wasm_byte_vec_t owning a copy of data (for APIs that take ownership)."""
    vec = ByteVec()
    byte_vec_new(byref(vec), len(data), ctypes.c_char_p(data) if data else None)
    return vec
