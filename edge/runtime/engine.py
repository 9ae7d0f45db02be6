"""The process-wide wasmtime engine, configured for sandboxing.

One engine per process: compiled modules and pre-instantiated modules may be
shared by every worker thread, stores may not (see instance.py). The engine
settings are part of every precompiled artifact's key, because an artifact
compiled under other settings must be recompiled, never loaded.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import mmap
import threading
from dataclasses import asdict, dataclass

import wasmtime

from . import capi, preparer, ticker

log = logging.getLogger("edge.runtime")

MiB = 1024 * 1024
GUARD_ALLOWANCE = 64 * MiB  # per pooled memory beyond its reservation: guard regions (wasmtime: 32 MiB each side)
# Bytes at the start of each freed pooled memory kept present (zeroed rather than released):
# the next instance in that slot finds them without page faults. 128 KiB holds a C or Zig
# function's stack, data and the SDK's static arena and event buffer (toolchain.py), so such
# a function's fresh instance runs without faults (bench/README.md, finding 25).
KEEP_RESIDENT = 128 * 1024


@dataclass(frozen=True)
class EngineSettings:
    """Engine-wide settings. Every field changes generated code or memory layout."""

    fuel: bool = True  # deterministic CPU caps (costs up to ~2x on hot loops)
    epochs: bool = True  # wall-clock interruption (a cheap check at loop headers)
    max_wasm_stack: int = 2 * 1024 * 1024  # bounded guest stack: deep recursion traps (JS: a RangeError first, docs/javascript.md)
    memory_init_cow: bool = True  # copy-on-write data segments: instantiation without copying
    opt_level: str = "speed"
    pooling: bool = True  # pooling instance allocator: pre-reserved slots, faster instantiation
    pool_instances: int = 1000  # bound on live instances (and memories) in the process
    pool_max_memory: int = 4096 * MiB  # per-memory address-space reservation (caps every function)
    epoch_tick_ms: int = 5  # timeout resolution
    # "cranelift" (optimizing) or "winch" (baseline: compiles ~4x faster, slower code; the
    # control plane serves a new version from it while Cranelift compiles, see docs/runtime.md)
    strategy: str = "cranelift"
    parallel_compile: bool = True  # compile on every core (off: one thread, for background work)

    def fingerprint(self) -> str:
        """Identifies code-generation-relevant settings plus the wasmtime version."""
        ignored = ("pool_instances", "epoch_tick_ms", "parallel_compile")
        relevant = {k: v for k, v in asdict(self).items() if k not in ignored}
        if relevant["strategy"] == "cranelift":
            del relevant["strategy"]  # artifacts from before the setting existed stay valid
        relevant["wasmtime"] = capi.WASMTIME_VERSION
        blob = json.dumps(relevant, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def address_space_available(size: int) -> bool:
    """Can this process reserve `size` bytes of address space now? (An inaccessible,
    unbacked mapping, released at once: what the pooling allocator's reservation needs.)"""
    libc = _libc()
    if libc is None:
        return True  # cannot tell: let wasmtime try
    addr = libc.mmap(None, ctypes.c_size_t(size), 0,  # PROT_NONE
                     mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        return False
    libc.munmap(ctypes.c_void_p(addr), ctypes.c_size_t(size))
    return True


_LIBC: ctypes.CDLL | None = None
MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)  # 0x4000: Linux


def _libc() -> ctypes.CDLL | None:
    global _LIBC
    if _LIBC is None:
        try:
            libc = ctypes.CDLL(None)  # the process's own symbols: libc's mmap and munmap
            libc.mmap, libc.munmap
        except (OSError, AttributeError):
            return None
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
        libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
        _LIBC = libc
    return _LIBC


class Engine:
    """A wasmtime engine plus its epoch ticker thread."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.pooling = False
        self.engine = self._build(self.settings)
        self.ptr = capi.ptr_of(self.engine)
        self.fingerprint = self.settings.fingerprint()
        self._ticks: dict[int, int] = {}  # timeout_ms -> epoch ticks (asked on every invocation)
        # It ticks only while some invocation that relies on the wall-clock limit runs
        # (budgeted inline runs do not): enter() / leave().
        self._ticker: ticker.Ticker | None = None
        self._ticker_lock = threading.Lock()
        # Instances kept ready (prewarm) across all functions: at most half the pool, so the
        # other half is always there for invocations (a function asking for hundreds would
        # otherwise leave none for the rest).
        self.ready_budget = max(1, self.settings.pool_instances // 2)
        self._ready_reserved = 0
        self._ready_lock = threading.Lock()

    def _config(self, settings: EngineSettings) -> wasmtime.Config:
        config = wasmtime.Config()
        config.consume_fuel = settings.fuel
        config.epoch_interruption = settings.epochs
        config.max_wasm_stack = settings.max_wasm_stack
        config.cranelift_opt_level = settings.opt_level
        config.parallel_compilation = settings.parallel_compile
        capi.config_memory_init_cow_set(capi.ptr_of(config), settings.memory_init_cow)
        if settings.strategy not in ("cranelift", "winch"):
            raise ValueError(f"strategy must be cranelift or winch, not {settings.strategy!r}")
        capi.config_strategy_set(
            capi.ptr_of(config), capi.STRATEGY_WINCH if settings.strategy == "winch" else capi.STRATEGY_CRANELIFT
        )
        return config

    def _build(self, settings: EngineSettings) -> wasmtime.Engine:
        config = self._config(settings)
        if settings.pooling:
            try:
                # wasmtime reserves at least its default 4 GiB per memory slot on 64-bit hosts
                slot = max(settings.pool_max_memory, 4096 * MiB) + GUARD_ALLOWANCE
                reservation = settings.pool_instances * slot
                if not address_space_available(reservation):
                    # wasmtime cannot report this: an engine whose reservation fails aborts the process
                    raise RuntimeError(f"no {reservation >> 30} GiB of free address space for "
                                       f"{settings.pool_instances} pooled memories")
                self._enable_pooling(config, settings)
                engine = wasmtime.Engine(config)
                self.pooling = True
                return engine
            except Exception as exc:  # e.g. address space too small for the reservation
                log.warning("pooling allocator unavailable (%s); using on-demand allocation", exc)
                config = self._config(settings)
        return wasmtime.Engine(config)

    @staticmethod
    def _enable_pooling(config: wasmtime.Config, settings: EngineSettings) -> None:
        pool = capi.pooling_config_new()
        if not pool:
            raise RuntimeError("wasmtime_pooling_allocation_config_new failed")
        try:
            n = settings.pool_instances
            capi.pooling_total_core_instances_set(pool, n)
            capi.pooling_total_memories_set(pool, n)
            capi.pooling_total_tables_set(pool, n)
            capi.pooling_total_stacks_set(pool, n)
            capi.pooling_max_memory_size_set(pool, settings.pool_max_memory)
            capi.pooling_max_unused_warm_slots_set(pool, min(n, 100))
            # Return freed memories to the OS in batches: instance teardown stays cheap.
            capi.pooling_decommit_batch_size_set(pool, 16)
            capi.pooling_table_elements_set(pool, 100_000)
            capi.pooling_max_core_instance_size_set(pool, 1 * MiB)
            # Keep a little of each freed memory resident so reuse avoids page faults.
            capi.pooling_linear_memory_keep_resident_set(pool, KEEP_RESIDENT)
            capi.pooling_strategy_set(capi.ptr_of(config), pool)
        finally:
            capi.pooling_config_delete(pool)

    # -- ready instances ------------------------------------------------------

    def reserve_ready(self, wanted: int) -> int:
        """Take up to `wanted` of the process's ready-instance budget; returns what was granted."""
        with self._ready_lock:
            granted = max(0, min(wanted, self.ready_budget - self._ready_reserved))
            self._ready_reserved += granted
            return granted

    def release_ready(self, count: int) -> None:
        with self._ready_lock:
            self._ready_reserved = max(0, self._ready_reserved - count)

    # -- epochs ---------------------------------------------------------------

    def ticks_for(self, timeout_ms: int) -> int:
        """Epoch ticks that cover timeout_ms (one extra: the current tick is partial)."""
        ticks = self._ticks.get(timeout_ms)
        if ticks is None:
            tick = self.settings.epoch_tick_ms
            ticks = self._ticks[timeout_ms] = max(1, -(-timeout_ms // tick)) + 1
        return ticks

    def ensure_ticker(self) -> None:
        """Start the epoch ticker once (edge/runtime/ticker.py; again in a forked child)."""
        if not self.settings.epochs:
            return
        current = self._ticker
        if current is not None and current.pid == preparer._pid:
            return
        with self._ticker_lock:
            current = self._ticker
            if current is None or current.pid != preparer._pid:
                self._ticker = ticker.start(self.ptr, self.settings.epoch_tick_ms)

    def enter(self) -> None:
        """An invocation that needs the wall-clock limit is starting."""
        current = self._ticker
        if current is None or current.pid != preparer._pid:
            self.ensure_ticker()
            current = self._ticker
        if current is not None:
            current.enter()

    def leave(self) -> None:
        current = self._ticker
        if current is not None and current.pid == preparer._pid:
            current.leave()

    def close(self) -> None:
        current, self._ticker = self._ticker, None
        if current is not None:
            current.stop()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown  # noqa: BLE001
            pass
