"""A loaded function version: its pre-instantiated module and its pool of ready instances.

Isolation policies:
- `per-request` (default): every invocation gets a fresh instance that is
  thrown away afterwards; the next one is instantiated ahead of time
  (`replenish`), off the request's critical path.
- `reuse`: a warm instance serves invocations one at a time, keeping its
  globals, and is replaced after any failure or `max_reuse` invocations.

Any thread may call `invoke`; a slot is only ever held by one thread.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import weakref
from collections import deque
from ctypes import byref
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import capi, preparer
from .engine import KEEP_RESIDENT, Engine
from .failures import InstantiationError
from .instance import INLINE_INIT_FUEL, INLINE_TIMEOUT_MS, Slot
from .limits import FunctionConfig
from .module import ABI_VERSION, STYLE_REACTOR, CompiledModule, ModuleError, StartupFailed
from .outcome import ErrorKind, Outcome

# The most wall clock a version's check (Function._probe) gives the module's start-up, whatever
# its own timeout: a deploy runs the check holding the control plane's lock.
PROBE_START_MS = 10_000

if TYPE_CHECKING:
    from .runtime import Runtime

MAX_IDLE_SLOTS = 64
MAX_SET_ASIDE = 64  # used instances awaiting renewal per version (past it they are deleted)

log = logging.getLogger("edge.runtime")


class Function:
    """Runs one compiled module under one FunctionConfig."""

    def __init__(self, runtime: "Runtime", compiled: CompiledModule, config: FunctionConfig) -> None:
        self.runtime = runtime
        self.engine = runtime.engine
        self.compiled = compiled
        self.config = config
        self._ready: deque[Slot] = deque()
        # used per-request instances awaiting renewal (event loop only; set_aside)
        self._used: deque[Slot] = deque()
        self._factory: preparer.Factory | None = None
        self._closed = False
        # The pipeline's memo of this version's last generated response per event type
        # (pipeline/hooks.py): validation is skipped when the result bytes repeat.
        self.generated_memo: dict[str, tuple[bytes, dict]] = {}
        self._lock = threading.Lock()
        # Set once a budgeted inline attempt ran out: this version then always runs on threads.
        self.heavy = compiled.style != STYLE_REACTOR
        self.inline_timeouts = 0  # inline attempts stopped by the time cap with fuel to spare (Invoker)
        if compiled.initial_memory > config.limits.memory_bytes:
            raise ModuleError(
                f"module declares {compiled.initial_memory // 1024} KiB of initial memory, "
                f"above this function's memory limit of {config.limits.memory_bytes // 1024} KiB"
            )
        self._warm_learned = False  # the first call's written pages have been looked at (preparer.c)
        self.pre = runtime.instantiate_pre(compiled)
        self.pre_ptr = capi.ptr_of(self.pre)
        self.engine.ensure_ticker()
        self._probe()
        self.wanted_prewarm = config.prewarm  # what the version asked for (shed() and rewarm())
        granted = self.engine.reserve_ready(config.prewarm)
        # a cell, so a version dropped without close() gives its share back too
        self._budget = [granted]
        weakref.finalize(self, _give_back_budget, self.engine, self._budget)
        if granted < config.prewarm:
            log.warning("%s: keeps %d instances ready, not %d: the process keeps at most %d ready across "
                        "all functions (half the instance pool)", config.qualified, granted,
                        config.prewarm, self.engine.ready_budget)
            self.config = dataclasses.replace(config, prewarm=granted)
        if preparer.mode() == preparer.ALWAYS:
            self._factory = self._start_factory()
        elif self._may_use_preparer() and preparer.mode() == preparer.AUTO:
            preparer.get()  # started here, off the request path, in case the first call asks for it
        self.replenish()

    @property
    def reuse(self) -> bool:
        return self.config.isolation == "reuse"

    def _probe(self) -> None:
        """Instantiate once at load time so a broken module fails on deploy, not on a request.
        Its start-up gets at most PROBE_START_MS of wall clock whatever the function's timeout:
        a deploy runs this holding the control plane's lock and a store transaction."""
        try:
            slot = Slot(self, start_timeout_ms=PROBE_START_MS)
        except InstantiationError as exc:
            if exc.kind is ErrorKind.TIMEOUT and self.config.limits.timeout_ms > PROBE_START_MS:
                where = str(exc).split(":", 1)[0]
                raise StartupFailed(f"{where}: the module's start-up (instantiation and _initialize) ran longer than "
                                    f"{PROBE_START_MS / 1000:g} s, the most a version's check waits; make its "
                                    f"start-up cheaper") from None
            if exc.kind in (ErrorKind.TIMEOUT, ErrorKind.TRAP, ErrorKind.OUT_OF_FUEL, ErrorKind.MEMORY_LIMIT):
                raise StartupFailed(str(exc)) from None
            raise ModuleError(str(exc)) from None
        try:
            if slot.init_fuel > INLINE_INIT_FUEL:
                self.heavy = True  # instantiation itself is too costly to run on the event loop
            if self.compiled.style == STYLE_REACTOR:
                ext = capi.Extern()
                version_fn = slot._export(b"edge_abi_version", capi.EXTERN_FUNC, ext).of.func
                timed = self.engine.settings.epochs
                if timed:  # the ticker runs the wall-clock limit: a spinning edge_abi_version ends too
                    self.engine.enter()
                try:
                    err, trap = slot._call(version_fn, 1)
                finally:
                    if timed:
                        self.engine.leave()
                if err or trap:
                    _, message, _ = slot._classify(err, trap)
                    raise StartupFailed(f"edge_abi_version() failed: {message}")
                version = slot.vals[0].i32
                if version != ABI_VERSION:
                    raise ModuleError(
                        f"module speaks edge ABI version {version}; this host supports version {ABI_VERSION}"
                    )
        finally:
            slot.delete()

    def _start_factory(self) -> "preparer.Factory | None":
        """`per-request` reactors may get their fresh instances from the native preparer's
        thread (preparer.py says when). Its instances start under the same budget as the
        event loop's own (INLINE_INIT_FUEL), which needs fuel metering to bound a spinning
        `_initialize`."""
        if not self._may_use_preparer():
            return None
        helper = preparer.get()
        if helper is None:
            return None
        limits = self.config.limits
        ticks = self.engine.ticks_for(min(limits.timeout_ms, INLINE_TIMEOUT_MS)) if self.engine.settings.epochs else 0
        factory = helper.factory(self, min(limits.fuel, INLINE_INIT_FUEL), ticks, self.config.prewarm)
        if factory is not None:
            # A version dropped without close() must still stop its factory before its
            # InstancePre and engine go: the finalizer holds both until it has run.
            weakref.finalize(self, factory.close, self.pre, self.engine.engine)
        return factory

    @property
    def uses_preparer(self) -> bool:
        """Instances come from (and go back to) the native preparer's thread."""
        return self._factory is not None

    def _stop_factory(self) -> None:
        with self._lock:
            factory, self._factory = self._factory, None
        if factory is not None:
            factory.close()

    # -- pool ----------------------------------------------------------------------

    def _take(self, nogil: bool = True) -> Slot:
        factory = self._factory
        if factory is not None:
            ready = factory.take()
            if ready is not None:
                return Slot.adopt(self, ready)
            if factory.failed:  # e.g. _initialize writes output: prepare them here instead
                log.info("%s: instances are prepared in-process (%s)", self.config.qualified, factory.failure())
                self._stop_factory()
        try:
            return self._ready.popleft()
        except IndexError:
            pass
        if not nogil:  # on the event loop, under load: renew a used one rather than build a slot
            used = self._used
            while used:
                slot = used.pop()  # the most recent: its memory is the warmest
                if slot.renew():
                    return slot
        return Slot(self, nogil)

    def _give_back(self, slot: Slot, outcome: Outcome, discard: Callable[[Slot], None] | None = None) -> None:
        keep = (
            self.reuse
            and self.compiled.style == STYLE_REACTOR  # a command's _start runs once per instance
            and outcome.ok
            and slot.uses < self.config.max_reuse
            and not self._closed
            and len(self._ready) < MAX_IDLE_SLOTS
        )
        if keep:
            self._ready.append(slot)
        elif discard is not None:
            discard(slot)
        else:
            slot.delete()

    def replenish(self, nogil: bool = True) -> None:
        """Bring the ready pool up to `prewarm` instances. Run it off the request path
        (`nogil=False` on the event loop: instantiating keeps the GIL)."""
        while not self._closed and self._factory is None and len(self._ready) < self.config.prewarm:
            try:
                slot = Slot(self, nogil)
            except InstantiationError as exc:
                if exc.over_budget:
                    self.heavy = True  # its start-up is too costly for the event loop
                return  # the next invocation reports the failure
            if self._closed:
                slot.delete()
                return
            self._ready.append(slot)

    def set_aside(self, slot: Slot) -> bool:
        """Keep a used `per-request` instance to be made fresh again (`Slot.renew`, one native
        call) instead of deleted: after the response, or by the next request that finds none
        ready. On the event loop only. False: the caller deletes it."""
        if (self._closed or self.reuse or self._factory is not None or slot.function is not self
                or not slot.renewable or len(self._used) >= MAX_SET_ASIDE):
            return False
        self._used.append(slot)
        return True

    def renew_set_aside(self) -> None:
        """After the responses, on the event loop: renew set-aside instances until `prewarm`
        are ready, delete the rest (a renewal that fails deletes its slot; the next request
        that needs one makes its own, and reports the failure)."""
        used = self._used
        while used:
            try:
                slot = used.pop()
            except IndexError:  # close() emptied it meanwhile
                return
            if self._closed or len(self._ready) >= self.config.prewarm or not slot.renew():
                slot.delete()
                continue
            if self._closed:  # closed while its start-up ran (a host call may have unloaded it)
                slot.delete()
                continue
            self._ready.append(slot)

    @property
    def ready_count(self) -> int:
        factory = self._factory
        return len(self._ready) + (factory.count() if factory is not None else 0)

    @property
    def wants_replenish(self) -> bool:
        """Whether the event loop or a worker should prepare instances for this version."""
        return not self.reuse and self._factory is None and len(self._ready) < self.config.prewarm

    # -- invocation ----------------------------------------------------------------

    def invoke(
        self, event: bytes, budget: int | None = None, discard: Callable[[Slot], None] | None = None
    ) -> Outcome:
        """Run the handler on event JSON bytes; blocking, call from a worker thread.

        `budget` caps fuel for an optimistic attempt (see Invoker); a run that exceeds it
        comes back `over_budget` with its instance discarded and its logs dropped.
        `discard` takes instances that are done with (default: delete them now); the event
        loop defers their teardown until the response is on its way.
        """
        if self._closed:
            return Outcome(error=ErrorKind.INSTANTIATION, message=f"function {self.config.qualified} was unloaded")
        try:
            slot = self._take(budget is None)  # budgeted: on the event loop, keep the GIL
        except InstantiationError as exc:
            return Outcome(error=exc.kind, message=str(exc), trap_code=exc.trap_code, over_budget=exc.over_budget)
        try:
            outcome = slot.invoke(event, budget)
        except BaseException:
            slot.delete()
            raise
        if not self._warm_learned and outcome.ok and not self.reuse:
            self._warm_learned = True
            if discard is None:
                self._learn_warm_pages(slot)
            else:  # on the event loop: look at its pages when it is torn down, after the response
                slot.before_delete = self._learn_warm_pages
        self._give_back(slot, outcome, discard)
        return outcome

    def _learn_warm_pages(self, slot: Slot) -> None:
        """Once per version: the pages this fresh instance's first call wrote, which the
        preparer then writes in every instance it prepares, off the request's path. In
        `auto` mode, many such pages are what starts the preparer for this version."""
        if self._closed or not slot.has_memory or slot.uses != 1:
            return
        if self._factory is None and (preparer.mode() != preparer.AUTO or not self._may_use_preparer()):
            return
        base = capi.memory_data(slot.ctx, byref(slot.memory))
        resident = KEEP_RESIDENT if self.engine.pooling else 0
        runs = preparer.written_pages(base, slot.memory_size(), self.compiled.initial_memory, resident)
        if not runs:  # few pages: preparing here costs less than handing instances over
            return
        factory = self._factory
        if factory is None:
            with self._lock:
                if self._closed or self._factory is not None:
                    return
                factory = self._factory = self._start_factory()
            if factory is None:
                return
            if self._closed or self.config.prewarm < 1:  # close() or shed() ran meanwhile and may have missed it
                self._stop_factory()
                return
        factory.warm(runs)

    def _may_use_preparer(self) -> bool:
        return not (self.reuse or self.heavy or self.config.prewarm < 1 or not self.engine.settings.fuel)

    def shed(self) -> None:
        """Keep no instances ready (a version about to be closed): later invocations, if any,
        make their own."""
        self.config = dataclasses.replace(self.config, prewarm=0)
        self._release_budget()
        self._drop_ready()

    def rewarm(self) -> None:
        """Keep instances ready again after `shed()` (its version is routed to again)."""
        if self._closed or self.config.prewarm or not self.wanted_prewarm:
            return
        with self._lock:
            granted = self.engine.reserve_ready(self.wanted_prewarm)
            self._budget[0] += granted
            self.config = dataclasses.replace(self.config, prewarm=granted)
            if preparer.mode() == preparer.ALWAYS and self._factory is None:
                self._factory = self._start_factory()
        self.replenish()  # (called off the request path: the control plane's sync)

    def close(self) -> None:
        """Unload: drop ready instances; in-flight invocations finish and drop theirs."""
        self._closed = True
        self._release_budget()
        self._drop_ready()

    def _release_budget(self) -> None:
        with self._lock:
            _give_back_budget(self.engine, self._budget)

    def _drop_ready(self) -> None:
        self._stop_factory()
        for slots in (self._ready, self._used):
            while slots:
                try:
                    slots.popleft().delete()
                except IndexError:
                    break


def _give_back_budget(engine: "Engine", cell: list[int]) -> None:
    reserved, cell[0] = cell[0], 0
    engine.release_ready(reserved)
