"""The low lane (edge/runtime/calls.c): a thread on it runs guest code in the scheduler's
idle class and its Python at normal priority, so it never holds the GIL while starved."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, Runtime, calls

from . import modules as M

SCHED_OTHER, SCHED_IDLE = 0, 5
EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no SCHED_IDLE on this platform")


def policy(tid: int) -> int:
    """The scheduling policy of one of this process's threads, as the kernel reports it."""
    with open(f"/proc/self/task/{tid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[38])  # field 41 of stat; fields[0] is field 3


@pytest.mark.parametrize("source", [M.INFINITE_LOOP, M.COMMAND_LOOP], ids=["reactor", "command"])
def test_a_low_lane_thread_is_idle_class_only_while_guest_code_runs(source):
    native = calls.get()
    assert native is not None, "the native library did not build on this machine"
    fn = Runtime().function(source, FunctionConfig(name="spin", prewarm=0, limits=Limits(timeout_ms=400)))
    seen: dict[str, object] = {}
    started = threading.Event()

    def low_lane_thread() -> None:
        seen["tid"] = threading.get_native_id()
        seen["joined"] = native.join_low_lane()
        seen["before"] = policy(seen["tid"])
        started.set()
        seen["outcome"] = fn.invoke(EVENT)
        seen["after"] = policy(seen["tid"])

    thread = threading.Thread(target=low_lane_thread)
    thread.start()
    started.wait(10)
    during = set()
    while thread.is_alive():
        try:
            during.add(policy(seen["tid"]))  # type: ignore[arg-type]
        except OSError:
            break
        time.sleep(0.005)
    thread.join(10)
    assert seen["joined"] is True
    assert seen["before"] == SCHED_OTHER and seen["after"] == SCHED_OTHER, seen
    assert SCHED_IDLE in during, during  # the 400 ms of guest code ran idle-class
    assert seen["outcome"].error is ErrorKind.TIMEOUT, seen["outcome"]  # type: ignore[union-attr]


def test_other_threads_never_change_class():
    native = calls.get()
    assert native is not None
    fn = Runtime().function(M.ECHO, FunctionConfig(name="echo"))
    tid = threading.get_native_id()
    assert fn.invoke(EVENT).ok and policy(tid) == SCHED_OTHER
