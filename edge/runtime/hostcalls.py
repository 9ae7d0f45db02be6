"""Host functions a guest may call, and the output streams WASI hands to the host.

wasmtime calls these through ctypes callbacks with the store's data word, which holds the
calling slot's key: `SLOTS` maps keys to the live slots (instance.py registers and drops
them), so a callback finds its invocation's logs and memory without any other state.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref
from typing import TYPE_CHECKING

from . import capi

if TYPE_CHECKING:
    from .instance import Slot

U32 = 0xFFFFFFFF
LOG_LEVELS = {0: "DEBUG", 1: "INFO", 2: "WARN", 3: "ERROR"}

SLOTS: dict[int, "Slot"] = {}


@capi.HostCallback
def host_log(env, caller, args, nargs):  # type: ignore[no-untyped-def]
    """edge.log(level, ptr, len): append a log line for the calling instance's invocation."""
    try:
        ctx = capi.caller_context(caller)
        slot = SLOTS.get(capi.context_get_data(ctx) or 0)
        if slot is None or not (slot.has_memory or (slot.call is not None and slot.call.memory_ready)):
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
            slot = SLOTS.get(data or 0)
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


on_stdout = _stream(None)  # command modules: stdout is the result
on_stdout_log = _stream("INFO")  # reactors: stray stdout is logged
on_stderr = _stream("ERROR")
