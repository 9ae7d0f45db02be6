"""The engine's epoch ticker: the clock of every invocation's wall-clock limit.

Native where the helper library builds (edge/runtime/preparer.c, `edge_ticker_*`): a thread
that never takes the GIL. A Python ticker needs the GIL on every 5 ms tick, and each
hand-over stalls the event loop — worst exactly when a looping guest keeps the other core
busy. Without a C compiler (or with `EDGE_NATIVE_PREPARER=0`) a Python thread ticks.

Both tick only while an invocation that relies on the wall-clock limit runs, and both follow
wall time: a tick that comes late (the thread starved of CPU) is made up at once, so a
timeout ends when it should even on a saturated machine.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
import weakref
from ctypes import c_int, c_uint64, c_void_p
from typing import Protocol

from . import capi, native, preparer

log = logging.getLogger("edge.runtime")

MAX_CATCH_UP = 10_000  # ticks made up at once after a long stall (50 s at 5 ms)


class Ticker(Protocol):
    pid: int

    def enter(self) -> None: ...

    def leave(self) -> None: ...

    def stop(self) -> None: ...


def start(engine_ptr: int, interval_ms: int) -> Ticker:
    """A native ticker if the helper library is available, else a Python one."""
    if preparer.mode() != preparer.OFF:
        try:
            path = native.build_library()
            if path is not None:
                return NativeTicker(str(path), engine_ptr, interval_ms)
        except (OSError, AttributeError, RuntimeError) as exc:
            log.info("native epoch ticker unavailable: %s", exc)
    return PythonTicker(engine_ptr, interval_ms)


class NativeTicker:
    def __init__(self, path: str, engine_ptr: int, interval_ms: int) -> None:
        self.pid = preparer._pid
        quick = ctypes.PyDLL(path)  # enter/leave: a few instructions, keep the GIL
        nogil = ctypes.CDLL(path)  # stop joins the thread
        quick.edge_ticker_start.argtypes = [c_void_p, c_void_p, c_uint64]
        quick.edge_ticker_start.restype = c_void_p
        quick.edge_ticker_active.argtypes = [c_void_p, c_int]
        quick.edge_ticker_active.restype = None
        nogil.edge_ticker_stop.argtypes = [c_void_p]
        nogil.edge_ticker_stop.restype = None
        increment = ctypes.cast(capi.quick.wasmtime_engine_increment_epoch, c_void_p).value
        handle = quick.edge_ticker_start(engine_ptr, increment, interval_ms * 1_000_000)
        if not handle:
            raise RuntimeError("could not start the ticker thread")
        self._handle: int | None = handle
        self._active = quick.edge_ticker_active
        self._stop = nogil.edge_ticker_stop

    def enter(self) -> None:
        self._active(self._handle, 1)

    def leave(self) -> None:
        self._active(self._handle, -1)

    def stop(self) -> None:
        handle, self._handle = self._handle, None
        if handle and self.pid == preparer._pid:  # a forked child has no such thread to join
            self._stop(handle)


class PythonTicker:
    def __init__(self, engine_ptr: int, interval_ms: int) -> None:
        self.pid = preparer._pid
        self._active = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        interval = interval_ms / 1000.0
        ref = weakref.ref(self)
        stopped, wake = self._stopped, self._wake

        def tick() -> None:
            last = time.monotonic()
            while not stopped.is_set():
                ticker = ref()
                if ticker is None:
                    return
                if ticker._active <= 0:
                    wake.clear()
                    if ticker._active <= 0:
                        del ticker
                        wake.wait(1.0)
                        last = time.monotonic()
                        continue
                del ticker
                now = time.monotonic()
                due = max(1, int((now - last) / interval))
                for _ in range(min(due, MAX_CATCH_UP)):
                    capi.engine_increment_epoch(engine_ptr)
                last = now if due > MAX_CATCH_UP else last + due * interval
                stopped.wait(max(0.0, last + interval - time.monotonic()))

        threading.Thread(target=tick, name="edge-epoch-ticker", daemon=True).start()

    def enter(self) -> None:
        with self._lock:
            self._active += 1
        if not self._wake.is_set():
            self._wake.set()

    def leave(self) -> None:
        with self._lock:
            self._active -= 1

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
