"""One sandboxed instance (a store plus an instantiated module) and how to call it.

This is the hot path, so it talks to wasmtime's C API directly (capi.py).
A Slot belongs to one thread at a time: wasmtime stores are not thread-safe,
so a slot is taken out of its function's pool, used, and then put back or
deleted, never shared. Host callbacks find their slot through the store's
data word, which holds the slot's key.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import time
from collections.abc import Callable
from ctypes import addressof, byref, c_char_p, c_uint64, c_void_p
from typing import TYPE_CHECKING

from . import calls, capi, failures, hostcalls, preparer
from .failures import MEMORY_CAUSED, InstantiationError
from .hostcalls import U32
from .outcome import (
    GUEST_FAILED_AS_LOGGED,
    GUEST_TIMED_OUT,
    ErrorKind,
    LogLine,
    Outcome,
)

if TYPE_CHECKING:
    from .function import Function
    from .preparer import Ready

INLINE_TIMEOUT_MS = 50  # wall-clock cap of a budgeted (inline) attempt
PAGE = 65536

_keys = itertools.count(1)


# Fuel for a start function and `_initialize` run on the event loop; past it the instance is
# abandoned and the version runs on worker threads (a costly start must not stall the loop).
INLINE_INIT_FUEL = 100_000

log = logging.getLogger("edge.runtime")


class Slot:
    """A store with one ready instance; reset per invocation (fuel, deadline, logs)."""

    __slots__ = (
        "function", "key", "store", "ctx", "instance", "memory", "alloc", "handle", "start", "nogil",
        "vals", "uses", "has_memory", "init_fuel", "logs", "log_bytes", "logs_truncated", "stdout", "stdout_overflow", "stdout_bytes",
        "_partial", "call", "native", "before_delete", "start_timeout_ms",
    )

    def __init__(self, function: "Function", nogil: bool = True, start_timeout_ms: int | None = None) -> None:
        """`nogil=False` on the event loop: instantiate and `_initialize` keep the GIL.
        `start_timeout_ms`: a shorter wall-clock bound for the start-up than the function's
        timeout (a deploy's check, Function._probe)."""
        self.function = function
        self.nogil = nogil
        self.start_timeout_ms = start_timeout_ms
        self.key = next(_keys)
        self._start_fresh(0)
        self.before_delete: Callable[[Slot], None] | None = None
        self.vals = (capi.ValRaw * 2)()
        self.instance = capi.Instance()
        self.memory = capi.Memory()
        self.has_memory = False
        self.alloc = self.handle = self.start = None
        self.call = self.native = None
        self.store = capi.store_new(function.engine.ptr, self.key, None)
        if not self.store:
            raise InstantiationError(ErrorKind.INSTANTIATION, "could not create a store")
        hostcalls.SLOTS[self.key] = self
        engine = function.engine
        timed = self.start_is_timed()
        if timed:
            engine.enter()
        try:
            self._instantiate()
        except BaseException:
            self.delete()
            raise
        finally:
            if timed:
                engine.leave()

    @classmethod
    def adopt(cls, function: "Function", ready: "Ready") -> "Slot":
        """A slot around an instance the native preparer made (preparer.py): instantiated,
        exports looked up and `_initialize` run, on its thread."""
        self = cls.__new__(cls)
        self.function = function
        self.nogil = False
        self.start_timeout_ms = None
        self.key = ready.key
        self._start_fresh(ready.init_fuel)
        self.vals = (capi.ValRaw * 2)()
        self.instance = ready.instance
        self.memory = ready.memory
        self.has_memory = True
        self.alloc = ready.alloc
        self.handle = ready.handle
        self.start = None
        self.store = ready.store
        self.ctx = ready.ctx
        self.call = self.native = None
        self.before_delete = None
        native = calls.get()
        if native is not None:
            self._bind(native)
        hostcalls.SLOTS[self.key] = self
        return self

    def _start_timeout(self) -> int:
        """The start-up's wall-clock bound: the function's timeout (on the loop at most
        INLINE_TIMEOUT_MS), or the shorter `start_timeout_ms` given."""
        limits = self.function.config.limits
        timeout = limits.timeout_ms if self.nogil else min(limits.timeout_ms, INLINE_TIMEOUT_MS)
        return timeout if self.start_timeout_ms is None else min(timeout, self.start_timeout_ms)

    def start_is_timed(self) -> bool:
        """Whether making this instance needs the epoch ticker running (engine.enter): its
        start function and `_initialize` run with the function's whole fuel off the event loop
        (or without fuel metering), where only the wall-clock limit ends one that spins, and the
        ticker advances the clock only while something timed runs. On the loop the small
        INLINE_INIT_FUEL ends it first, at no ticker cost per request."""
        settings = self.function.engine.settings
        return settings.epochs and (self.nogil or not settings.fuel)

    def _start_fresh(self, init_fuel: int) -> None:
        """The per-instance state of a new (or renewed) instance: no uses, no logs or output.
        New lists: the last outcome keeps the old ones."""
        self.uses = 0
        self.init_fuel = init_fuel  # fuel the start function and _initialize used
        self.logs: list[LogLine] = []
        self.log_bytes = 0
        self.logs_truncated = False
        self.stdout: list[bytes] = []
        self.stdout_bytes = 0
        self.stdout_overflow = False
        self._partial: dict[str, bytes] = {}

    def _bind(self, native: "calls.Calls") -> "calls.Call":
        """This slot's struct for the native steps: the addresses of its own structs."""
        settings = self.function.engine.settings
        if self.alloc is None:
            self.alloc, self.handle = capi.Func(), capi.Func()
        call = self.call = calls.Call()
        call.store, call.ctx = self.store, getattr(self, "ctx", None)
        call.instance, call.memory = addressof(self.instance), addressof(self.memory)
        call.alloc, call.handle, call.vals = addressof(self.alloc), addressof(self.handle), addressof(self.vals)
        call.flags = (calls.METERED if settings.fuel else 0) | (calls.TIMED if settings.epochs else 0)
        self.native = native
        return call

    # -- setup ---------------------------------------------------------------------

    def _instantiate(self) -> None:
        fn = self.function
        compiled = fn.compiled
        if compiled.style == "reactor" and not compiled.uses_wasi:
            native = calls.get()
            if native is not None:
                self._instantiate_natively(native)
                return
        limits = fn.config.limits
        self.ctx = ctx = capi.store_context(self.store)
        capi.store_limiter(self.store, limits.memory_bytes, -1, -1, -1, -1)
        init_fuel = limits.fuel if self.nogil else min(limits.fuel, INLINE_INIT_FUEL)
        self._arm(init_fuel, self._start_timeout())
        compiled = fn.compiled
        if compiled.uses_wasi and compiled.style == "reactor":
            self._set_wasi(b"")
        trap = c_void_p()
        instantiate = capi.instance_pre_instantiate if self.nogil else capi.instance_pre_instantiate_quick
        err = instantiate(fn.pre_ptr, ctx, byref(self.instance), byref(trap))
        if err or trap.value:
            kind, message, code = self._classify(err, trap.value)
            if kind is ErrorKind.TRAP and "memory" in message and "limit" in message:
                kind = ErrorKind.MEMORY_LIMIT
            over = not self.nogil and init_fuel < limits.fuel and kind in (ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT)
            raise InstantiationError(kind, f"instantiation failed: {message}", code, over)
        ext = capi.Extern()
        if compiled.style == "reactor":
            self.memory = self._export(b"memory", capi.EXTERN_MEMORY, ext).of.memory
            self.has_memory = True
            self.alloc = self._export(b"edge_alloc", capi.EXTERN_FUNC, ext).of.func
            self.handle = self._export(b"edge_handle", capi.EXTERN_FUNC, ext).of.func
            if compiled.has_initialize:
                init = self._export(b"_initialize", capi.EXTERN_FUNC, ext).of.func
                err, trap_ptr = self._call(init, 0, self.nogil)
                if err or trap_ptr:
                    kind, message, code = self._classify(err, trap_ptr)
                    over = not self.nogil and init_fuel < limits.fuel and kind in (
                        ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT
                    )
                    raise InstantiationError(kind, f"_initialize failed: {message}", code, over)
            if fn.engine.settings.fuel:
                left = c_uint64(0)
                err = capi.context_get_fuel(ctx, byref(left))
                if err:
                    capi.take_error(err)
                else:
                    self.init_fuel = init_fuel - left.value
            native = calls.get()
            if native is not None:  # WASI reactors: invocations take the native step too
                self._bind(native)
        else:
            if capi.instance_export_get(ctx, byref(self.instance), b"memory", 6, byref(ext)):
                if ext.kind == capi.EXTERN_MEMORY:
                    self.memory = capi.Memory.from_buffer_copy(ext.of.memory)
                    self.has_memory = True
            self.start = self._export(b"_start", capi.EXTERN_FUNC, ext).of.func

    def _instantiate_natively(self, native: "calls.Calls", renew: bool = False) -> None:
        """The same steps as `_instantiate` for a reactor without WASI, in one call (calls.c);
        `renew`: in a new store that replaces this slot's used one, in the same call."""
        fn = self.function
        limits = fn.config.limits
        call = self.call if renew and self.call is not None else self._bind(native)
        init_fuel = limits.fuel if self.nogil else min(limits.fuel, INLINE_INIT_FUEL)
        call.fuel = init_fuel
        if call.flags & calls.TIMED:
            call.ticks = fn.engine.ticks_for(self._start_timeout())
        if fn.compiled.has_initialize:
            call.flags |= calls.INITIALIZE
        if renew:
            stage = native.renew_quick(call, fn.engine.ptr, self.key, fn.pre_ptr, limits.memory_bytes)
            self.store = call.store
            if stage == calls.STORE_FAILED:
                call.flags &= ~calls.INITIALIZE
                raise InstantiationError(ErrorKind.INSTANTIATION, "could not create a store")
        else:
            step = native.instantiate_nogil if self.nogil else native.instantiate_quick
            stage = step(call, fn.pre_ptr, limits.memory_bytes)  # host calls check call.memory_ready meanwhile
        call.flags &= ~calls.INITIALIZE
        self.ctx = call.ctx
        if stage == calls.DONE:
            self.has_memory = True
            if call.flags & calls.METERED:
                if call.fuel_err:
                    capi.take_error(call.fuel_err)
                else:
                    self.init_fuel = init_fuel - call.fuel_left
            return
        if stage in (calls.EXPORT_MISSING, calls.EXPORT_KIND):
            name = calls.EXPORTS.get(call.missing, "?")
            problem = "missing" if stage == calls.EXPORT_MISSING else "has the wrong kind"
            raise InstantiationError(ErrorKind.INSTANTIATION, f"export {name} {problem}")
        kind, message, code = self._classify(call.err, call.trap)
        what = "_initialize failed" if stage == calls.INIT_FAILED else "instantiation failed"
        if stage != calls.INIT_FAILED and kind is ErrorKind.TRAP and "memory" in message and "limit" in message:
            kind = ErrorKind.MEMORY_LIMIT
        over = not self.nogil and init_fuel < limits.fuel and kind in (ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT)
        raise InstantiationError(kind, f"{what}: {message}", code, over)

    def _export(self, name: bytes, kind: int, ext: "capi.Extern") -> "capi.Extern":
        if not capi.instance_export_get(self.ctx, byref(self.instance), name, len(name), byref(ext)):
            raise InstantiationError(ErrorKind.INSTANTIATION, f"export {name.decode()} missing")
        if ext.kind != kind:
            raise InstantiationError(ErrorKind.INSTANTIATION, f"export {name.decode()} has the wrong kind")
        return capi.Extern.from_buffer_copy(ext)

    def _set_wasi(self, stdin: bytes) -> None:
        fn = self.function
        cfg = capi.wasi_config_new()
        args = fn.config.wasi_argv
        argv = (c_char_p * len(args))(*[a.encode() for a in args])
        capi.wasi_config_set_argv(cfg, len(args), argv)
        env = fn.config.env
        if env:
            names = (c_char_p * len(env))(*[k.encode() for k, _ in env])
            values = (c_char_p * len(env))(*[v.encode() for _, v in env])
            capi.wasi_config_set_env(cfg, len(env), names, values)
        if stdin:
            vec = capi.bytes_vec(stdin)
            capi.wasi_config_set_stdin_bytes(cfg, byref(vec))
        stdout = hostcalls.on_stdout if fn.compiled.style == "command" else hostcalls.on_stdout_log
        native = calls.get()
        for set_stream, callback in ((capi.wasi_config_set_stdout_custom, stdout),
                                     (capi.wasi_config_set_stderr_custom, hostcalls.on_stderr)):
            route = native.output_route(ctypes.cast(callback, c_void_p), self.key) if native is not None else None
            if route:  # through calls.c: the callback runs at the thread's own priority
                set_stream(cfg, native.output_entry, route, native.free)  # type: ignore[union-attr]
            else:
                set_stream(cfg, callback, c_void_p(self.key), None)
        err = capi.context_set_wasi(self.ctx, cfg)
        if err:
            message, _ = capi.take_error(err)
            raise InstantiationError(ErrorKind.INSTANTIATION, f"WASI setup failed: {message}")

    def _arm(self, fuel: int, timeout_ms: int) -> None:
        engine = self.function.engine
        if engine.settings.fuel:
            capi.context_set_fuel(self.ctx, fuel)
        if engine.settings.epochs:
            capi.context_set_epoch_deadline(self.ctx, engine.ticks_for(timeout_ms))

    def _call(self, func: "capi.Func", nvals: int, nogil: bool = True) -> tuple[int | None, int | None]:
        """Call into the guest; `nogil=False` keeps the GIL (budgeted runs on the event loop)."""
        trap = c_void_p()
        if nogil:
            native = calls.get()
            call = native.guest if native is not None else capi.func_call_unchecked
        else:
            call = capi.func_call_unchecked_quick
        err = call(self.ctx, byref(func), self.vals, nvals, byref(trap))
        return err, trap.value

    # -- logs ----------------------------------------------------------------------

    def add_log(self, level: str, data: bytes) -> None:
        cap = self.function.config.limits.max_log_bytes
        room = cap - self.log_bytes
        if room <= 0:
            self.logs_truncated = True
            return
        if len(data) > room:
            data = data[:room]
            self.logs_truncated = True
        self.log_bytes += len(data)
        self.logs.append(LogLine(level, data.decode("utf-8", "replace"), time.time()))

    def add_stream(self, level: str, data: bytes) -> None:
        """Stream output (stderr) arrives in arbitrary chunks: log whole lines."""
        buf = self._partial.get(level, b"") + data
        *lines, rest = buf.split(b"\n")
        for line in lines:
            self.add_log(level, line.rstrip(b"\r"))
        self._partial[level] = rest
        if len(rest) > 8192:  # a very long line without newline: flush it
            self.add_log(level, rest)
            self._partial[level] = b""

    def _flush_streams(self) -> None:
        for level, rest in self._partial.items():
            if rest:
                self.add_log(level, rest)
        self._partial.clear()

    def _reset_invocation_state(self) -> None:
        if self.uses:  # logs from _initialize stay with the first invocation
            # a new list, never .clear(): the last outcome's list may still be queued for the
            # log writer thread (control/sharedlogs.py)
            self.logs = []
            self.log_bytes = 0
            self.logs_truncated = False

    # -- invocation ----------------------------------------------------------------

    def invoke(self, event: bytes, budget: int | None = None) -> Outcome:
        """Run the handler once. Never raises for guest misbehaviour: the outcome says what happened.

        With a `budget` (fuel), the run stops early once it spends more than that; the outcome
        is then marked `over_budget` and the caller retries elsewhere with the full limits.
        """
        fn = self.function
        limits = fn.config.limits
        started = time.perf_counter()
        self._reset_invocation_state()
        self.uses += 1
        fuel, timeout_ms = limits.fuel, limits.timeout_ms
        if budget is not None and budget < fuel:
            fuel, timeout_ms = budget, min(timeout_ms, INLINE_TIMEOUT_MS)
        timed = budget is None and fn.engine.settings.epochs
        if timed:
            fn.engine.enter()
        try:
            if self.native is not None:
                outcome = self._invoke_natively(event, fuel, timeout_ms, budget is None)
            elif fn.compiled.style == "command":
                outcome = self._invoke_command(event)
            else:
                self._arm(fuel, timeout_ms)
                outcome = self._invoke_reactor(event, budget is None)
        finally:
            if timed:
                fn.engine.leave()
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        if (budget is not None and fuel < limits.fuel and outcome.error in (ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT)
                and not outcome.guest_timeout):
            outcome.over_budget = True
        call = self.call
        if call is not None:
            if call.fuel_err:
                capi.take_error(call.fuel_err)
            elif call.flags & calls.METERED:
                outcome.fuel_used = fuel - call.fuel_left
            outcome.peak_memory = call.size or self.memory_size()
        else:
            if fn.engine.settings.fuel:
                left = c_uint64(0)
                err = capi.context_get_fuel(self.ctx, byref(left))
                if err:
                    capi.take_error(err)
                else:
                    outcome.fuel_used = fuel - left.value
            outcome.peak_memory = self.memory_size()
        if outcome.error in MEMORY_CAUSED and not outcome.over_budget and self._at_memory_cap():
            # Memory only grows, so a failure that leaves it at the cap came after the cap was
            # reached: a guest whose allocations are refused traps, reports an error, or spins
            # (retrying, or writing through a null pointer) until its fuel or time runs out.
            # The cap is the cause hit first; the message keeps the second.
            outcome.message = (
                f"memory limit of {limits.memory_bytes // (1024 * 1024)} MiB reached ({outcome.message})"
            )
            outcome.error = ErrorKind.MEMORY_LIMIT
        self._flush_streams()
        outcome.logs = self.logs
        outcome.logs_truncated = self.logs_truncated
        outcome.instance_reused = self.uses > 1
        return outcome

    def memory_size(self) -> int:
        if not self.has_memory:
            return 0
        return capi.memory_data_size(self.ctx, byref(self.memory))

    def _at_memory_cap(self) -> bool:
        """wasmtime reports a refused memory.grow to the guest as -1, not to us; a failure
        with memory within 1/8 of the cap is reported as the memory limit (docs/runtime.md)."""
        cap = self.function.config.limits.memory_bytes
        return self.memory_size() + max(PAGE, cap // 8) > cap

    def _invoke_reactor(self, event: bytes, nogil: bool = True) -> Outcome:
        vals = self.vals
        n = len(event)
        vals[0].i32 = n
        err, trap = self._call(self.alloc, 1, nogil)
        if err or trap:
            return self._failure(err, trap)
        ptr = vals[0].i32 & U32
        base = capi.memory_data(self.ctx, byref(self.memory))
        size = capi.memory_data_size(self.ctx, byref(self.memory))
        if ptr == 0 or ptr + n > size:
            kind = ErrorKind.MEMORY_LIMIT if self._at_memory_cap() else ErrorKind.HANDLER_ERROR
            return Outcome(error=kind, message=f"edge_alloc({n}) returned an unusable pointer {ptr}")
        capi.copy_in(base + ptr, event, n)
        vals[0].i32 = ptr
        vals[1].i32 = n
        err, trap = self._call(self.handle, 2, nogil)
        if err or trap:
            return self._failure(err, trap)
        packed = vals[0].i64
        if packed < 0:
            return self._handler_failed(packed)
        rptr, rlen = (packed >> 32) & U32, packed & U32
        if rlen > self.function.config.limits.max_result_bytes:
            return Outcome(
                error=ErrorKind.OUTPUT_TOO_LARGE,
                message=f"result of {rlen} bytes exceeds the {self.function.config.limits.max_result_bytes}-byte cap",
            )
        base = capi.memory_data(self.ctx, byref(self.memory))
        size = capi.memory_data_size(self.ctx, byref(self.memory))
        if rptr + rlen > size:
            return Outcome(error=ErrorKind.HANDLER_ERROR, message="result pointer is outside linear memory")
        return failures.parse_result(capi.bytes_at(base + rptr, rlen))

    def _invoke_natively(self, event: bytes, fuel: int, timeout_ms: int, nogil: bool) -> Outcome:
        """`_arm` and `_invoke_reactor` in one call (calls.c); the checks are the same."""
        call = self.call
        call.fuel = fuel
        if call.flags & calls.TIMED:
            call.ticks = self.function.engine.ticks_for(timeout_ms)
        n = len(event)
        stage = (self.native.reactor_nogil if nogil else self.native.reactor_quick)(call, event, n)  # type: ignore[union-attr]
        if stage == calls.DONE:
            packed = call.packed
            if packed < 0:
                return self._handler_failed(packed)
            rptr, rlen = (packed >> 32) & U32, packed & U32
            cap = self.function.config.limits.max_result_bytes
            if rlen > cap:
                return Outcome(error=ErrorKind.OUTPUT_TOO_LARGE, message=f"result of {rlen} bytes exceeds the {cap}-byte cap")
            if rptr + rlen > call.size:
                return Outcome(error=ErrorKind.HANDLER_ERROR, message="result pointer is outside linear memory")
            return failures.parse_result(capi.bytes_at(call.base + rptr, rlen))
        if stage == calls.ALLOC_UNUSABLE:
            kind = ErrorKind.MEMORY_LIMIT if self._at_memory_cap() else ErrorKind.HANDLER_ERROR
            return Outcome(error=kind, message=f"edge_alloc({n}) returned an unusable pointer {call.ptr}")
        return self._failure(call.err, call.trap)

    def _handler_failed(self, packed: int) -> Outcome:
        """A negative `edge_handle` return: the handler's own failure, or the one reserved code
        saying it reached its timeout by its own clock (reported as a timeout, docs/abi.md)."""
        code = packed & U32
        code = code - (1 << 32) if code >= 1 << 31 else code
        if code == GUEST_TIMED_OUT:
            reason = next((line.message for line in reversed(self.logs) if line.level == "ERROR"), None)
            message = reason or f"timed out after {self.function.config.limits.timeout_ms} ms"
            return Outcome(error=ErrorKind.TIMEOUT, message=message, guest_timeout=True)
        return Outcome(error=ErrorKind.HANDLER_ERROR, message=self._failure_message(code))

    def _failure_message(self, code: int) -> str:
        """A reactor's own failure: its last ERROR line says why (docs/abi.md), the code follows,
        unless it is the reserved GUEST_FAILED_AS_LOGGED (the JavaScript runtime's): the line is
        then the whole reason, as Lambda's Node.js runtime logs it."""
        reason = next((line.message for line in reversed(self.logs) if line.level == "ERROR"), None)
        if code == GUEST_FAILED_AS_LOGGED:
            return reason or "handler failed without logging why"
        return f"{reason} (error code {code})" if reason else f"handler returned error code {code}"

    def _invoke_command(self, event: bytes) -> Outcome:
        limits = self.function.config.limits
        try:
            self._set_wasi(event)
        except InstantiationError as exc:
            return Outcome(error=exc.kind, message=str(exc))
        self._arm(limits.fuel, limits.timeout_ms)
        err, trap = self._call(self.start, 0)
        if err or trap:
            kind, message, code = self._classify(err, trap)
            if kind is not ErrorKind.NONZERO_EXIT or code != "0":
                outcome = Outcome(error=kind, message=message, trap_code=code if kind is ErrorKind.TRAP else None)
                if kind is ErrorKind.NONZERO_EXIT:
                    outcome.exit_code = int(code or 1)
                    outcome.trap_code = None
                return outcome
        if self.stdout_overflow:
            return Outcome(
                error=ErrorKind.OUTPUT_TOO_LARGE,
                message=f"stdout exceeds the {limits.max_result_bytes}-byte result cap",
            )
        return failures.parse_result(b"".join(self.stdout))

    def _failure(self, err: int | None, trap: int | None) -> Outcome:
        fn = self.function
        return failures.failure(err, trap, fn.config.limits, javascript=fn.compiled.javascript)

    def _classify(self, err: int | None, trap: int | None) -> tuple[ErrorKind, str, str | None]:
        fn = self.function
        return failures.classify(err, trap, fn.config.limits, javascript=fn.compiled.javascript)

    # -- renewal -------------------------------------------------------------------

    @property
    def renewable(self) -> bool:
        """A native reactor without WASI whose instances are made here, not by the preparer."""
        fn = self.function
        return (self.native is not None and self.call is not None and bool(self.store) and not fn.uses_preparer
                and fn.compiled.style == "reactor" and not fn.compiled.uses_wasi)

    def renew(self) -> bool:
        """Make this used slot a fresh instance again, on the event loop: its store torn down
        and a new one instantiated into the same structs in one native call (calls.c), instead
        of deleting the slot and building another (finding 32 in bench/README.md). The guest
        gets exactly what a new slot gives it: a new store and instance from the same
        pre-instantiated module. False when this slot cannot be renewed (not a native reactor
        without WASI, or its instances belong to the native preparer); a failed
        instantiation deletes it and also answers False."""
        if not self.renewable:
            return False
        fn = self.function
        native = self.native
        assert native is not None
        hook, self.before_delete = self.before_delete, None
        if hook is not None:
            try:
                hook(self)
            except Exception:  # a look before teardown must never keep the instance alive
                log.exception("before tearing down an instance of %s", fn.config.qualified)
        self.nogil = False
        self._start_fresh(0)
        timed = self.start_is_timed()
        if timed:
            fn.engine.enter()
        try:
            self._instantiate_natively(native, renew=True)
        except InstantiationError as exc:
            if exc.over_budget:
                fn.heavy = True  # its start-up is too costly for the event loop
            self.delete()
            return False
        finally:
            if timed:
                fn.engine.leave()
        return True

    # -- teardown ------------------------------------------------------------------

    def delete(self) -> None:
        """Tear down: on the native preparer's thread when this version uses one (off the
        GIL); a version that prepares its instances in-process deletes them here too, since
        another core's unmaps cost this one more than the teardown (bench/README.md, finding 16)."""
        hook, self.before_delete = self.before_delete, None
        if hook is not None and self.store:
            try:
                hook(self)
            except Exception:  # a look before teardown must never keep the instance alive
                log.exception("before tearing down an instance of %s", self.function.config.qualified)
        hostcalls.SLOTS.pop(self.key, None)
        store, self.store = self.store, None
        if store:
            helper = preparer.current() if self.function.uses_preparer else None
            if helper is None or not helper.discard(store):
                capi.store_delete(store)
