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
import time
from ctypes import POINTER, byref, c_char_p, c_uint64, c_void_p
from typing import TYPE_CHECKING

import orjson

from . import capi, preparer
from .outcome import ErrorKind, LogLine, Outcome

if TYPE_CHECKING:
    from .function import Function
    from .preparer import Ready

U32 = 0xFFFFFFFF
INLINE_TIMEOUT_MS = 50  # wall-clock cap of a budgeted (inline) attempt
PAGE = 65536
LOG_LEVELS = {0: "DEBUG", 1: "INFO", 2: "WARN", 3: "ERROR"}

_keys = itertools.count(1)
_SLOTS: dict[int, "Slot"] = {}


class InstantiationError(Exception):
    def __init__(
        self, kind: ErrorKind, message: str, trap_code: str | None = None, over_budget: bool = False
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.trap_code = trap_code
        self.over_budget = over_budget  # on the event loop, start-up code outgrew its budget


# Failures reported as `memory_limit` when they leave memory at the cap (Slot._at_memory_cap).
MEMORY_CAUSED = frozenset({ErrorKind.TRAP, ErrorKind.HANDLER_ERROR, ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT})


# Fuel for a start function and `_initialize` run on the event loop; past it the instance is
# abandoned and the version runs on worker threads (a costly start must not stall the loop).
INLINE_INIT_FUEL = 100_000


class Slot:
    """A store with one ready instance; reset per invocation (fuel, deadline, logs)."""

    __slots__ = (
        "function", "key", "store", "ctx", "instance", "memory", "alloc", "handle", "start", "nogil",
        "vals", "uses", "has_memory", "init_fuel", "logs", "log_bytes", "logs_truncated", "stdout", "stdout_overflow", "stdout_bytes",
        "_partial",
    )

    def __init__(self, function: "Function", nogil: bool = True) -> None:
        """`nogil=False` on the event loop: instantiate and `_initialize` keep the GIL."""
        self.function = function
        self.nogil = nogil
        self.key = next(_keys)
        self.uses = 0
        self.init_fuel = 0  # fuel the start function and _initialize used
        self.logs: list[LogLine] = []
        self.log_bytes = 0
        self.logs_truncated = False
        self.stdout: list[bytes] = []
        self.stdout_bytes = 0
        self.stdout_overflow = False
        self._partial: dict[str, bytes] = {}
        self.vals = (capi.ValRaw * 2)()
        self.instance = capi.Instance()
        self.memory = capi.Memory()
        self.has_memory = False
        self.alloc = self.handle = self.start = None
        self.store = capi.store_new(function.engine.ptr, self.key, None)
        if not self.store:
            raise InstantiationError(ErrorKind.INSTANTIATION, "could not create a store")
        _SLOTS[self.key] = self
        try:
            self._instantiate()
        except BaseException:
            self.delete()
            raise

    @classmethod
    def adopt(cls, function: "Function", ready: "Ready") -> "Slot":
        """A slot around an instance the native preparer made (preparer.py): instantiated,
        exports looked up and `_initialize` run, on its thread."""
        self = cls.__new__(cls)
        self.function = function
        self.nogil = False
        self.key = ready.key
        self.uses = 0
        self.init_fuel = ready.init_fuel
        self.logs = []
        self.log_bytes = 0
        self.logs_truncated = False
        self.stdout = []
        self.stdout_bytes = 0
        self.stdout_overflow = False
        self._partial = {}
        self.vals = (capi.ValRaw * 2)()
        self.instance = ready.instance
        self.memory = ready.memory
        self.has_memory = True
        self.alloc = ready.alloc
        self.handle = ready.handle
        self.start = None
        self.store = ready.store
        self.ctx = ready.ctx
        _SLOTS[self.key] = self
        return self

    # -- setup ---------------------------------------------------------------------

    def _instantiate(self) -> None:
        fn = self.function
        limits = fn.config.limits
        self.ctx = ctx = capi.store_context(self.store)
        capi.store_limiter(self.store, limits.memory_bytes, -1, -1, -1, -1)
        init_fuel = limits.fuel if self.nogil else min(limits.fuel, INLINE_INIT_FUEL)
        self._arm(init_fuel, limits.timeout_ms if self.nogil else min(limits.timeout_ms, INLINE_TIMEOUT_MS))
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
        else:
            if capi.instance_export_get(ctx, byref(self.instance), b"memory", 6, byref(ext)):
                if ext.kind == capi.EXTERN_MEMORY:
                    self.memory = capi.Memory.from_buffer_copy(ext.of.memory)
                    self.has_memory = True
            self.start = self._export(b"_start", capi.EXTERN_FUNC, ext).of.func

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
        key = c_void_p(self.key)
        stdout = _on_stdout if fn.compiled.style == "command" else _on_stdout_log
        capi.wasi_config_set_stdout_custom(cfg, stdout, key, None)
        capi.wasi_config_set_stderr_custom(cfg, _on_stderr, key, None)
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
        call = capi.func_call_unchecked if nogil else capi.func_call_unchecked_quick
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
        self.logs.append(LogLine(level, data.decode("utf-8", "replace")))

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
            if fn.compiled.style == "command":
                outcome = self._invoke_command(event)
            else:
                self._arm(fuel, timeout_ms)
                outcome = self._invoke_reactor(event, budget is None)
        finally:
            if timed:
                fn.engine.leave()
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        if budget is not None and fuel < limits.fuel and outcome.error in (ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT):
            outcome.over_budget = True
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
            return Outcome(error=ErrorKind.HANDLER_ERROR, message=self._failure_message(packed))
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
        return _parse_result(capi.bytes_at(base + rptr, rlen))

    def _failure_message(self, packed: int) -> str:
        """A reactor's own failure: its last ERROR line says why (docs/abi.md), the code follows."""
        code = packed & U32
        code = code - (1 << 32) if code >= 1 << 31 else code
        reason = next((line.message for line in reversed(self.logs) if line.level == "ERROR"), None)
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
        return _parse_result(b"".join(self.stdout))

    def _failure(self, err: int | None, trap: int | None) -> Outcome:
        kind, message, code = self._classify(err, trap)
        outcome = Outcome(error=kind, message=message, trap_code=code if kind is ErrorKind.TRAP else None)
        if kind is ErrorKind.NONZERO_EXIT:
            outcome.exit_code = int(code or 1)
        return outcome

    def _classify(self, err: int | None, trap: int | None) -> tuple[ErrorKind, str, str | None]:
        """Turn an owned error or trap pointer into (kind, message, trap name or exit code)."""
        limits = self.function.config.limits
        if err:
            message, status = capi.take_error(err)
            if status is not None:
                if status == 0:
                    return ErrorKind.NONZERO_EXIT, "exit(0)", "0"
                return ErrorKind.NONZERO_EXIT, f"exited with status {status}", str(status)
            return ErrorKind.TRAP, _short(message), None
        message, code = capi.take_trap(trap)  # type: ignore[arg-type]
        if code == capi.TRAP_OUT_OF_FUEL:
            return ErrorKind.OUT_OF_FUEL, f"ran out of fuel ({limits.fuel} units)", None
        if code == capi.TRAP_INTERRUPT:
            return ErrorKind.TIMEOUT, f"timed out after {limits.timeout_ms} ms", None
        name = capi.TRAP_NAMES.get(code, f"code_{code}") if code is not None else None
        return ErrorKind.TRAP, _short(message), name

    # -- teardown ------------------------------------------------------------------

    def delete(self) -> None:
        """Tear down: on the native preparer's thread when this version uses one (off the
        GIL); a version that prepares its instances in-process deletes them here too, since
        another core's unmaps cost this one more than the teardown (bench/README.md, finding 16)."""
        _SLOTS.pop(self.key, None)
        store, self.store = self.store, None
        if store:
            helper = preparer.current() if self.function.uses_preparer else None
            if helper is None or not helper.discard(store):
                capi.store_delete(store)


def _short(message: str) -> str:
    """One readable line from a wasmtime error: the causes, plus the innermost frame."""
    message = message.replace("\x00", "").strip()
    head, _, causes = message.partition("Caused by:")
    lines = [line.strip() for line in (causes or head).splitlines() if line.strip()]
    cleaned = [line.split(": ", 1)[1] if line.split(": ", 1)[0].isdigit() else line for line in lines]
    if not causes:
        return cleaned[0] if cleaned else "unknown error"
    summary = cleaned[-1]
    if len(cleaned) > 1:
        summary += " (" + "; ".join(cleaned[:-1]) + ")"
    frame = next((ln.strip() for ln in head.splitlines() if ln.strip().startswith("0:")), "")
    if "!" in frame:
        summary += f" in {frame.rsplit('!', 1)[1]}"
    return summary


def _parse_result(data: bytes) -> Outcome:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Outcome(error=ErrorKind.INVALID_OUTPUT, message=f"result is not valid UTF-8 JSON: {exc}", result=data)
    return Outcome(result=data, value=value)


# -- host callbacks (C ABI) -------------------------------------------------------


@capi.HostCallback
def host_log(env, caller, args, nargs):  # type: ignore[no-untyped-def]
    """edge.log(level, ptr, len): append a log line for the calling instance's invocation."""
    try:
        ctx = capi.caller_context(caller)
        slot = _SLOTS.get(capi.context_get_data(ctx) or 0)
        if slot is None or not slot.has_memory:
            msg = b"edge.log: the instance exports no memory"
            return capi.trap_new(msg, len(msg))
        raw = ctypes.cast(args, POINTER(capi.ValRaw))
        level, ptr, n = raw[0].i32, raw[1].i32 & U32, raw[2].i32 & U32
        base = capi.memory_data(ctx, byref(slot.memory))
        size = capi.memory_data_size(ctx, byref(slot.memory))
        if ptr + n > size:
            msg = b"edge.log: message is outside linear memory"
            return capi.trap_new(msg, len(msg))
        room = max(0, slot.function.config.limits.max_log_bytes - slot.log_bytes)
        slot.add_log(LOG_LEVELS.get(level, "INFO"), capi.bytes_at(base + ptr, min(n, room + 1)))
        return None
    except Exception as exc:  # never let a Python error escape into wasmtime
        msg = f"edge.log failed: {exc}".encode()
        return capi.trap_new(msg, len(msg))


ENOTSUP = 58  # WASI errno


@capi.HostCallback
def host_poll_oneoff(env, caller, args, nargs):  # type: ignore[no-untyped-def]
    """WASI poll_oneoff: refused (ENOTSUP). Sleeping is not available to edge functions:
    the guest would wait inside the host, where neither fuel nor epochs can stop it."""
    raw = ctypes.cast(args, POINTER(capi.ValRaw))
    raw[0].i32 = ENOTSUP
    return None


def _stream(level: str | None):
    @capi.OutputCallback
    def on_output(data, buf, n):  # type: ignore[no-untyped-def]
        try:
            slot = _SLOTS.get(data or 0)
            if slot is None:
                return n
            chunk = capi.bytes_at(buf, n)
            if level is None:
                cap = slot.function.config.limits.max_result_bytes
                if slot.stdout_bytes + n > cap:
                    slot.stdout_overflow = True
                    return -5  # EIO
                slot.stdout.append(chunk)
                slot.stdout_bytes += n
            else:
                slot.add_stream(level, chunk)
            return n
        except Exception:
            return -5

    return on_output


_on_stdout = _stream(None)  # command modules: stdout is the result
_on_stdout_log = _stream("INFO")  # reactors: stray stdout is logged
_on_stderr = _stream("ERROR")
