"""Run invocations on worker threads without ever blocking the event loop.

Wasm runs on a small thread pool (wasmtime releases the GIL inside guest
code, so threads give real parallelism). Admission control keeps one busy
or looping function from starving the rest: a global gate sized to the pool
and a per-function gate below it. A caller that cannot get capacity within a
short bounded wait gets a `limit_exceeded` outcome immediately instead of
queueing without bound (the pipeline answers 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import Callable
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from . import calls, preparer
from .function import Function
from .instance import Slot
from .outcome import ErrorKind, Outcome
from .priority import guest_nice

MAX_DEFERRED = 64  # used instances awaiting teardown on the event loop
INLINE_TIMEOUT_STRIKES = 3  # inline attempts in a row past the time cap (with fuel left) before a version moves to threads
SPINNING = frozenset({ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT})  # outcomes that shrink a function's gate
# Fuel of an optimistic run on the event loop: ~0.15-0.3 ms of guest code. Under load a hop to a
# worker thread costs more than that (GIL hand-offs, and every page a fresh instance writes then
# flushes the other core's TLB): a JavaScript function (250,000-600,000 fuel a call) served
# 0.5-0.8x the requests on threads that it serves inline (docs/runtime.md, bench/README.md).
INLINE_FUEL = 1_000_000


class Gate:
    """A counting semaphore with a bounded queue and a bounded wait (asyncio, one loop).

    Its capacity adapts between 1 and `limit` (additive increase, multiplicative decrease):
    `shrink()` halves it — a function whose invocations run into their fuel or time limit
    keeps fewer threads spinning — and `grow()` gives one back per normal invocation."""

    def __init__(self, capacity: int, max_waiters: int) -> None:
        self.capacity = capacity
        self.limit = capacity
        self.max_waiters = max_waiters
        self.in_use = 0
        self.spinning = False  # its last invocation ran into a limit: it runs in the low lane
        self._waiters: deque[asyncio.Future[None]] = deque()

    def shrink(self) -> None:
        self.capacity = max(1, self.capacity // 2)
        self.spinning = True

    def grow(self) -> None:
        self.spinning = False
        if self.capacity < self.limit:
            self.capacity += 1
            if self.in_use < self.capacity:
                self._hand_over()

    def _hand_over(self) -> bool:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_use += 1
                fut.set_result(None)
                return True
        return False

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, timeout: float) -> bool:
        if self.in_use < self.capacity and not self._waiters:
            self.in_use += 1
            return True
        if len(self._waiters) >= self.max_waiters or timeout <= 0:
            return False
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(asyncio.shield(fut), timeout)
            return True
        except asyncio.TimeoutError:
            if fut.done() and not fut.cancelled():
                return True  # granted just as the wait expired
            fut.cancel()
            return False
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # granted, but our caller went away: pass it on
            else:
                fut.cancel()
            raise
        finally:
            try:
                self._waiters.remove(fut)
            except ValueError:
                pass

    def release(self) -> None:
        self.in_use -= 1
        if self.in_use < self.capacity:
            self._hand_over()  # our slot straight to the next waiter (none while over capacity)


class Invoker:
    """Async front of the runtime: admission, then a worker thread runs the function."""

    def __init__(
        self,
        threads: int | None = None,
        per_function: int | None = None,
        queue_wait_ms: int = 1000,
        max_queue: int = 256,
        per_function_queue: int = 64,
        inline_fuel: int = INLINE_FUEL,
        thread_nice: int | None = None,
    ) -> None:
        cores = os.cpu_count() or 2
        self.threads = threads or max(4, cores * 2)
        self.per_function_default = per_function or max(1, self.threads // 2)
        self.queue_wait = queue_wait_ms / 1000.0
        # Optimistic inline execution: a reactor first runs on the event loop with this much
        # fuel (INLINE_FUEL). Most edge functions finish well inside it, and skip the thread
        # hop and the GIL hand-offs that cost more than the function itself.
        # A run that needs more is stopped, discarded, and re-run on a worker thread with its
        # full limits; that version then always runs on threads. 0 disables inline runs.
        self.inline_fuel = inline_fuel
        self.per_function_queue = per_function_queue
        # Worker threads run guest code at a lower CPU priority than the event loop: a function
        # spinning on every core then cannot starve the loop that serves every other request.
        # The Python around it, which holds the GIL, runs at the loop's own (calls.c).
        thread_nice = guest_nice() if thread_nice is None else thread_nice  # EDGE_GUEST_NICE, default 19
        self.thread_nice = thread_nice
        self._pool = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="edge-wasm", initializer=_worker_priority, initargs=(thread_nice,)
        )
        # The low lane: a function whose last invocation ran into its fuel or time limit runs
        # on these few threads, its guest code at the scheduler's idle priority (SCHED_IDLE), so a loop keeps
        # at most a quarter of the threads and gets CPU only when nothing else wants it:
        # healthy functions on the normal threads, and the event loop, always come first.
        self.low_threads = max(1, self.threads // 4)
        self._low_pool = ThreadPoolExecutor(
            max_workers=self.low_threads, thread_name_prefix="edge-wasm-low", initializer=_idle_priority,
            initargs=(thread_nice,),
        )
        self._low = Gate(self.low_threads, max_queue)
        # Compiling is slow and rare: its own threads, so it never takes a request's worker.
        self._blocking = ThreadPoolExecutor(max_workers=2, thread_name_prefix="edge-compile")
        self._global = Gate(self.threads, max_queue)
        self._gates: weakref.WeakKeyDictionary[Function, Gate] = weakref.WeakKeyDictionary()  # gone with the version
        self._trash: list[Slot] = []  # used instances to tear down once the loop is free
        self._refill: list[Function] = []  # versions to prepare a fresh instance for, after that
        self._renewing: list[Function] = []  # versions with used instances set aside for renewal
        self._tidy_scheduled = False
        self.in_flight = 0

    def _discard(self, slot: Slot) -> None:
        """A used instance is renewed for its version's next request where it can be
        (Function.set_aside), else torn down on the next turn of the event loop (a bounded
        backlog: instances are a bounded resource, so past it they go at once)."""
        fn = slot.function
        if fn.set_aside(slot):
            if fn not in self._renewing:
                self._renewing.append(fn)
            self._schedule_tidy()
            return
        trash = self._trash
        if len(trash) >= MAX_DEFERRED or (slot.function.uses_preparer and preparer.current() is not None):  # the helper deletes it
            slot.delete()
            return
        trash.append(slot)
        self._schedule_tidy()

    def _schedule_tidy(self) -> None:
        """One callback on the loop's next turn does both kinds of work after a response."""
        if not self._tidy_scheduled:
            self._tidy_scheduled = True
            asyncio.get_running_loop().call_soon(self._tidy)

    def _tidy(self) -> None:
        """Tear down used instances first (their pool slots are then free, their memory warm
        for the next), then prepare the next fresh instances."""
        self._tidy_scheduled = False
        self._empty_trash()
        renewing, self._renewing = self._renewing, []
        for fn in renewing:
            fn.renew_set_aside()
        refill, self._refill = self._refill, []
        for fn in refill:
            fn.replenish(False)

    def _empty_trash(self) -> None:
        trash, self._trash = self._trash, []
        for slot in trash:
            slot.delete()

    def _gate_for(self, fn: Function) -> Gate:
        gate = self._gates.get(fn)
        if gate is None:
            # never every thread: another function always finds one (unless there is only one)
            capacity = min(fn.config.concurrency or self.per_function_default, max(1, self.threads - 1))
            gate = self._gates[fn] = Gate(capacity, self.per_function_queue)
        return gate

    def forget(self, fn: Function) -> None:
        """Drop a function's gate once it is unloaded."""
        self._gates.pop(fn, None)

    @property
    def queue_depth(self) -> int:
        return self._global.waiting + self._low.waiting + sum(g.waiting for g in list(self._gates.values()))

    async def invoke(self, fn: Function, event: bytes) -> Outcome:
        if self.inline_fuel and not fn.heavy:
            # the used instance is torn down, and the next one prepared, after this request moves on
            outcome = fn.invoke(event, self.inline_fuel, self._discard)
            if not outcome.over_budget:
                if fn.inline_timeouts:  # strikes count only in a row: a moment's stall is forgiven
                    fn.inline_timeouts = 0
                if fn.wants_replenish and fn not in self._refill:
                    self._refill.append(fn)
                    self._schedule_tidy()
                return outcome
            # Out of its inline fuel: it needs more than the loop may give, for good. Past the
            # inline time cap with fuel to spare, the loop itself was held up (CPU contention,
            # a slow host): the function moves to threads only if that happens several times
            # in a row.
            if outcome.error is ErrorKind.OUT_OF_FUEL:
                fn.heavy = True
            else:
                fn.inline_timeouts += 1
                fn.heavy = fn.inline_timeouts >= INLINE_TIMEOUT_STRIKES
        started = time.perf_counter()
        gate = self._gate_for(fn)
        if not await gate.acquire(self.queue_wait):
            return _limit_exceeded(f"function {fn.config.qualified} is at its concurrency limit ({gate.capacity})")
        lane, pool = (self._low, self._low_pool) if gate.spinning else (self._global, self._pool)
        try:
            remaining = self.queue_wait - (time.perf_counter() - started)
            if not await lane.acquire(remaining):
                gate.release()
                return _limit_exceeded(f"all {lane.capacity} worker threads for it are busy")
        except BaseException:
            gate.release()
            raise
        self.in_flight += 1

        def finished(outcome: Outcome | None = None) -> None:
            """On the loop, once the worker is really done: a caller that was cancelled
            meanwhile must not hand out capacity a thread is still using."""
            self.in_flight -= 1
            if outcome is not None and outcome.error in SPINNING and not outcome.guest_timeout:
                gate.shrink()  # it ran into its CPU or time limit: fewer of its threads at once
            else:
                gate.grow()
            lane.release()
            gate.release()

        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        try:
            pool.submit(_run, fn, event, loop, future, finished)
        except BaseException:  # the pool is shut down
            finished()
            raise
        return await future

    async def run_blocking(self, func, *args):  # type: ignore[no-untyped-def]
        """Run other blocking runtime work (compiling, loading) on the same pool."""
        return await asyncio.get_running_loop().run_in_executor(self._blocking, func, *args)

    def close(self) -> None:
        self._empty_trash()
        self._refill = []
        self._renewing = []
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._low_pool.shutdown(wait=False, cancel_futures=True)
        self._blocking.shutdown(wait=False, cancel_futures=True)


def _run(
    fn: Function,
    event: bytes,
    loop: asyncio.AbstractEventLoop,
    future: "asyncio.Future[Outcome]",
    finished: Callable[..., None],
) -> None:
    """Worker thread: invoke, hand the outcome to the loop at once (and give back the
    capacity), then prepare the next fresh instance in the same task, off the request's
    critical path."""
    try:
        outcome = fn.invoke(event)
    except BaseException as exc:  # a host bug, not guest misbehaviour: surface it to the caller
        loop.call_soon_threadsafe(_set_exception, future, exc)
        loop.call_soon_threadsafe(finished)
        return
    loop.call_soon_threadsafe(_set_result, future, outcome)
    loop.call_soon_threadsafe(finished, outcome)
    if fn.wants_replenish:
        fn.replenish()


def _worker_priority(nice: int) -> None:
    """Worker thread start: guest code `nice` steps below the event loop and the Python
    around it (which holds the GIL) at the loop's priority (calls.c, *Guest priority*);
    without the native library, or where the scheduler refuses the way back, the whole
    thread at that niceness."""
    native = calls.get()
    if nice > 0 and native is not None and hasattr(os, "getpriority"):
        try:
            guest_nice = min(19, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + nice)
        except OSError:
            guest_nice = 19
        if native.guest_priority(calls.GUEST_NICE, guest_nice):
            return
    _lower_priority(nice)


def _lower_priority(nice: int) -> None:
    """Raise this thread's niceness (Linux schedules threads separately)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:  # not permitted or not supported here: same priority as the loop
        pass


def _idle_priority(nice: int) -> None:
    """Low-lane thread start: guest code in the idle scheduling class and the rest at the
    loop's priority (calls.c, *Guest priority*); without the native library, or where the
    scheduler refuses the way back, the idle class throughout where there is one, else the
    lowest nice."""
    native = calls.get()
    if native is not None and native.guest_priority(calls.GUEST_IDLE):
        return
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: this thread
            return
        except OSError:
            pass
    _lower_priority(max(nice, 19))


def _set_result(future: "asyncio.Future[Outcome]", outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _set_exception(future: "asyncio.Future[Outcome]", exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def _limit_exceeded(message: str) -> Outcome:
    return Outcome(error=ErrorKind.LIMIT_EXCEEDED, message=message)
