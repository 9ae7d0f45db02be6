"""Guest priority (edge/runtime/calls.c): the invoker's threads run guest code below the
event loop's priority (worker threads at nice 19, the low lane in the idle class) and their
Python at the loop's own, so none of them holds the GIL while starved of CPU."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, Runtime, calls, capi

from . import modules as M

SCHED_OTHER, SCHED_IDLE = 0, 5
EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no SCHED_IDLE on this platform")


def sched(tid: int) -> tuple[int, int]:
    """(policy, nice) of one of this process's threads, as the kernel reports them."""
    with open(f"/proc/self/task/{tid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[38]), int(fields[16])  # fields 41 and 19 of stat; fields[0] is field 3


def policy(tid: int) -> int:
    return sched(tid)[0]


@pytest.mark.parametrize("mode", [calls.GUEST_IDLE, calls.GUEST_NICE], ids=["idle-class", "nice"])
@pytest.mark.parametrize("source", [M.INFINITE_LOOP, M.COMMAND_LOOP], ids=["reactor", "command"])
def test_a_thread_is_lowered_only_while_guest_code_runs(source, mode):
    native = calls.get()
    assert native is not None, "the native library did not build on this machine"
    fn = Runtime().function(source, FunctionConfig(name="spin", prewarm=0, limits=Limits(timeout_ms=400)))
    seen: dict[str, object] = {}
    started = threading.Event()

    def low_lane_thread() -> None:
        seen["tid"] = threading.get_native_id()
        seen["joined"] = native.guest_priority(mode, 19)
        seen["before"] = sched(seen["tid"])
        started.set()
        seen["outcome"] = fn.invoke(EVENT)
        seen["after"] = sched(seen["tid"])

    thread = threading.Thread(target=low_lane_thread)
    thread.start()
    started.wait(10)
    during = set()
    while thread.is_alive():
        try:
            during.add(sched(seen["tid"]))  # type: ignore[arg-type]
        except OSError:
            break
        time.sleep(0.005)
    thread.join(10)
    if not seen["joined"]:
        pytest.skip("the scheduler refuses the idle class and back here (needs CAP_SYS_NICE or RLIMIT_NICE)")
    assert seen["before"] == seen["after"] == (SCHED_OTHER, 0), seen
    lowered = (SCHED_IDLE, 0) if mode == calls.GUEST_IDLE else (SCHED_OTHER, 19)
    assert lowered in during, during  # the 400 ms of guest code ran lowered
    assert seen["outcome"].error is ErrorKind.TIMEOUT, seen["outcome"]  # type: ignore[union-attr]


def test_other_threads_never_change_class():
    native = calls.get()
    assert native is not None
    fn = Runtime().function(M.ECHO, FunctionConfig(name="echo"))
    tid = threading.get_native_id()
    assert fn.invoke(EVENT).ok and policy(tid) == SCHED_OTHER


def test_a_host_call_from_lowered_guest_code_runs_at_the_threads_own_priority():
    """Host functions are Python: they take the GIL, so they leave the idle class while they run."""
    native = calls.get()
    assert native is not None
    policies: list[int] = []

    @capi.HostCallback
    def probe(env, caller, args, nargs):  # type: ignore[no-untyped-def]
        policies.append(policy(threading.get_native_id()))
        return None

    runtime = Runtime()  # its edge.log replaced by the probe
    runtime.linker.allow_shadowing = True
    runtime._define(b"edge", b"log", runtime._types[0], probe)
    runtime.linker.allow_shadowing = False
    source = M.reactor("(call $log (i32.const 1) (i32.const 0) (i32.const 0)) (loop $l (br $l)) (i64.const 0)",
                       imports='(import "edge" "log" (func $log (param i32 i32 i32)))')
    fn = runtime.function(source, FunctionConfig(name="probe", prewarm=0, limits=Limits(timeout_ms=200)))
    result: dict[str, object] = {}

    def low_lane_thread() -> None:
        result["joined"] = native.guest_priority(calls.GUEST_IDLE)
        result["outcome"] = fn.invoke(EVENT)

    thread = threading.Thread(target=low_lane_thread)
    thread.start()
    thread.join(10)
    if not result["joined"]:
        pytest.skip("the scheduler refuses the idle class and back here")
    assert result["outcome"].error is ErrorKind.TIMEOUT  # type: ignore[union-attr]
    assert policies == [SCHED_OTHER], policies
