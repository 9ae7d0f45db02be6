"""The native preparer (edge/runtime/preparer.c): fresh instances made, and used ones
deleted, on a thread that never needs the GIL. Real modules, real wasmtime, real thread."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from edge.runtime.engine import KEEP_RESIDENT
from edge.runtime import EngineSettings, ErrorKind, FunctionConfig, Limits, Runtime, preparer

from . import modules as M
from .polling import eventually

EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()

# Writes one line to stderr from edge_handle (WASI reactor): invocation output is logged.
STDERR_REACTOR = M.reactor(
    """(i32.store (i32.const 16) (i32.const 300))
    (i32.store (i32.const 20) (i32.const 6))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $pack (i32.const 64) (i32.const 2))""",
    imports='(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))',
    extra='(data (i32.const 64) "{}") (data (i32.const 300) "oops!\\n")',
)


def _with_initialize(body: str, imports: str) -> str:
    """The COUNTER-like reactor with an `_initialize` export running `body`."""
    return M.reactor(
        "(call $pack (i32.const 64) (i32.const 2))",
        imports=imports,
        extra=f'(data (i32.const 64) "{{}}") (data (i32.const 300) "init!\\n") (func (export "_initialize") {body})',
    )


INIT_LOGS = _with_initialize(
    "(call $log (i32.const 1) (i32.const 300) (i32.const 5))",
    '(import "edge" "log" (func $log (param i32 i32 i32)))',
)
INIT_WRITES = _with_initialize(
    """(i32.store (i32.const 16) (i32.const 300))
    (i32.store (i32.const 20) (i32.const 6))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))""",
    '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))',
)
INIT_SPINS = _with_initialize(
    """(local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000))))""",
    "",
)


@pytest.fixture(autouse=True)
def always(request, monkeypatch):
    """Most tests here exercise the helper itself: every per-request version gets it from
    the start (`EDGE_NATIVE_PREPARER=1`); tests marked `auto` see the default policy."""
    if "auto" not in request.keywords:
        monkeypatch.setenv(preparer.ENV_SWITCH, "1")


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    if preparer.get() is None:
        pytest.fail("the native preparer should build on this machine (cc or zig cc from the build extra)")
    return Runtime()


def fn(runtime: Runtime, source: str, **config) -> object:
    return runtime.function(source, FunctionConfig(name="t", **config))


def test_per_request_instances_come_from_the_helper_and_carry_no_state(runtime):
    counter = fn(runtime, M.COUNTER, isolation="per-request")
    factory = counter._factory
    assert factory is not None
    counts = []
    for _ in range(50):
        assert eventually(lambda: factory.count() > 0)
        out = counter.invoke(EVENT)
        assert out.ok, out.message
        counts.append(out.value["count"])
    assert counts == [1] * 50
    prepared, taken = factory.stats()
    assert taken >= 50 and prepared >= taken


def test_reuse_and_unprepared_versions_have_no_factory(runtime):
    assert fn(runtime, M.COUNTER, isolation="reuse")._factory is None
    assert fn(runtime, M.COUNTER, prewarm=0)._factory is None
    assert fn(runtime, M.COMMAND_ECHO)._factory is None  # commands run _start once per instance


def test_no_factory_without_fuel_metering():
    """The helper bounds a spinning _initialize by fuel; without fuel it is not used."""
    rt = Runtime(EngineSettings(fuel=False))
    try:
        f = rt.function(M.COUNTER, FunctionConfig(name="t"))
        assert f._factory is None
        assert f.invoke(EVENT).value == {"count": 1}
    finally:
        rt.close()


def test_wasi_reactor_env_and_invocation_output_through_prepared_instances(runtime):
    env = fn(runtime, M.ENV_COUNT, env=(("A", "1"), ("B", "2"), ("C", "3")))
    assert env._factory is not None
    assert eventually(lambda: env._factory.count() > 0)
    out = env.invoke(EVENT)
    assert out.ok and out.value == {"env": 3}
    assert env._factory.stats()[1] >= 1

    noisy = fn(runtime, STDERR_REACTOR)
    assert eventually(lambda: noisy._factory.count() > 0)
    out = noisy.invoke(EVENT)
    assert out.ok, out.message
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", "oops!")]
    assert noisy._factory.stats()[1] >= 1


@pytest.mark.parametrize("source, level", [(INIT_LOGS, "INFO"), (INIT_WRITES, "ERROR")])
def test_initialize_that_logs_or_writes_is_prepared_in_process_with_its_output_kept(runtime, source, level):
    f = fn(runtime, source)
    # the helper gives up on it (the host function finds no instance, or output would be
    # lost); the runtime then prepares this version's instances itself
    assert eventually(lambda: f._factory is None or f._factory.failure() != "")
    for _ in range(3):
        out = f.invoke(EVENT)
        assert out.ok, out.message
        assert [(line.level, line.message) for line in out.logs] == [(level, "init!")]
    assert f._factory is None


def test_initialize_over_the_inline_budget_falls_back_and_still_runs(runtime):
    f = fn(runtime, INIT_SPINS)
    assert f.heavy  # found at load: its start-up is too costly for the event loop
    assert f._factory is None
    assert f.invoke(EVENT).ok


def test_traps_and_limits_are_classified_on_prepared_instances(runtime):
    bomb = fn(runtime, M.MEMORY_BOMB, limits=Limits(memory_bytes=16 * 1024 * 1024))
    trap = fn(runtime, M.UNREACHABLE)
    loop = fn(runtime, M.INFINITE_LOOP, limits=Limits(fuel=1_000_000))
    for f in (bomb, trap, loop):
        assert eventually(lambda: f._factory.count() > 0)
    assert bomb.invoke(EVENT).error is ErrorKind.MEMORY_LIMIT
    assert trap.invoke(EVENT).trap_code == "unreachable"
    assert loop.invoke(EVENT).error is ErrorKind.OUT_OF_FUEL
    assert all(f._factory.stats()[1] >= 1 for f in (bomb, trap, loop))


def test_many_invocations_do_not_exhaust_the_instance_pool():
    """Used instances go back through the helper; 3,000 fresh instances from a pool of 200."""
    rt = Runtime(EngineSettings(pool_instances=200))
    try:
        echo = rt.function(M.ECHO, FunctionConfig(name="t"))
        for _ in range(3000):
            out = echo.invoke(EVENT)
            assert out.ok, out.message
    finally:
        rt.close()


def test_concurrent_invocations_from_threads(runtime):
    counter = fn(runtime, M.COUNTER)
    errors: list[str] = []

    def hammer() -> None:
        for _ in range(300):
            out = counter.invoke(EVENT)
            if not out.ok or out.value != {"count": 1}:
                errors.append(out.message or str(out.value))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    # the helper hands instances over (on a loaded machine the threads may have taken every one
    # before it got ahead: a few calls with a pause between them give it the chance it needs)
    for _ in range(100):
        if counter._factory.stats()[1] > 0:
            break
        threading.Event().wait(0.02)
        assert counter.invoke(EVENT).value == {"count": 1}
    assert counter._factory.stats()[1] > 0


def test_versions_dropped_or_closed_while_the_helper_works(runtime):
    """Closing (or just dropping) versions while the helper prepares for them: no crash,
    no use of a freed InstancePre, and the pool's slots come back."""
    for i in range(60):
        f = fn(runtime, M.ECHO, prewarm=8)
        if i % 2:
            f.close()
        del f
        if i % 10 == 0:
            gc.collect()
    gc.collect()
    echo = fn(runtime, M.ECHO)
    assert echo.invoke(EVENT).ok


def test_closed_version_hands_out_nothing(runtime):
    f = fn(runtime, M.ECHO)
    factory = f._factory
    assert eventually(lambda: factory.count() > 0)
    f.close()
    assert factory.take() is None and factory.count() == 0
    assert f.invoke(EVENT).error is ErrorKind.INSTANTIATION  # unloaded


def test_switched_off_by_environment():
    code = (
        "from edge.runtime import FunctionConfig, Runtime, preparer\n"
        "from tests import modules as M\n"
        "f = Runtime().function(M.COUNTER, FunctionConfig(name='t'))\n"
        "assert preparer.get() is None and f._factory is None\n"
        "assert f.invoke(b'{}').value == {'count': 1}\n"
        "print('ok')\n"
    )
    env = dict(os.environ, EDGE_NATIVE_PREPARER="0")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_closed_version_gives_its_pool_slots_back_at_once():
    rt = Runtime(EngineSettings(pool_instances=40))
    closed = [rt.function(M.ECHO, FunctionConfig(name="a", prewarm=8)) for _ in range(2)]
    assert eventually(lambda: all(f.ready_count == 8 for f in closed))
    for f in closed:
        f.close()  # still referenced: their ready instances must go now, not at GC
    fresh = rt.function(M.ECHO, FunctionConfig(name="b"))
    assert fresh.invoke(EVENT).ok


def test_ready_instances_across_functions_stay_within_half_the_pool(caplog):
    """A function asking for many ready instances must not take the pool from the others."""
    rt = Runtime(EngineSettings(pool_instances=20))
    greedy = rt.function(M.ECHO, FunctionConfig(name="greedy", prewarm=8))
    capped = rt.function(M.ECHO, FunctionConfig(name="capped", prewarm=8))
    assert (greedy.config.prewarm, capped.config.prewarm) == (8, 2)
    assert "keeps 2 instances ready, not 8" in caplog.text
    assert eventually(lambda: greedy.ready_count == 8 and capped.ready_count == 2)
    assert all(capped.invoke(EVENT).ok for _ in range(5))  # it still serves, making instances as needed
    greedy.close()
    capped.shed()
    assert capped.config.prewarm == 0 and capped.ready_count == 0
    capped.rewarm()  # routed to again (a rollback): it asks for its 8 once more and gets them now
    assert capped.config.prewarm == 8 and eventually(lambda: capped.ready_count == 8)
    capped.shed()
    again = rt.function(M.ECHO, FunctionConfig(name="again", prewarm=8))
    assert again.config.prewarm == 8 and eventually(lambda: again.ready_count == 8)
    dropped = rt.function(M.ECHO, FunctionConfig(name="dropped", prewarm=2))
    assert dropped.config.prewarm == 2
    del dropped  # never closed: its share comes back when it is collected
    import gc

    gc.collect()
    assert rt.function(M.ECHO, FunctionConfig(name="last", prewarm=2)).config.prewarm == 2
    rt.close()


# _initialize calls a host function (the helper then runs Python, and the GC may run there).
POLLING_INIT = M.reactor(
    "(call $pack (i32.const 64) (i32.const 2))",
    imports='(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))',
    extra="""(data (i32.const 64) "{}")
    (func (export "_initialize") (local $i i32)
      (loop $l
        (drop (call $poll (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 300)))))""",
)


def test_a_version_collected_on_the_helper_thread_does_not_stop_it(runtime):
    """Garbage (a Function in a reference cycle) collected by a GC that runs inside a host
    callback on the helper thread: its close must not wait for the helper itself."""
    other = fn(runtime, M.ECHO)
    for _ in range(10):
        f = fn(runtime, POLLING_INIT, prewarm=16)
        f.cycle = f
        del f
        gc.set_threshold(1)
        try:
            time.sleep(0.05)  # the helper's callbacks trigger collections meanwhile
        finally:
            gc.set_threshold(700)
        while other._factory.take() is not None:  # the helper must still refill
            pass
        assert eventually(lambda: other._factory.count() > 0, timeout=3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_prepares_in_process_and_exits_cleanly(runtime):
    fns = [fn(runtime, M.COUNTER, prewarm=4) for _ in range(3)]
    compiled = runtime.load(M.COUNTER)  # a child cannot compile: wasmtime's compile threads stay behind
    for _ in range(20):
        pid = os.fork()
        if pid == 0:  # child: never runs pytest code past this block
            code = 1
            try:
                import signal

                signal.signal(signal.SIGALRM, signal.SIG_DFL)  # a hang kills the child
                signal.alarm(10)
                outs = [f.invoke(EVENT) for f in fns for _ in range(3)]
                if all(o.ok and o.value == {"count": 1} for o in outs):
                    fresh = runtime.function(compiled, FunctionConfig(name="t"))  # may start its own helper
                    code = 0 if fresh.invoke(EVENT).ok else 1
                for f in fns:
                    f.close()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert all(f.invoke(EVENT).ok for f in fns)  # the parent's helper is unaffected


# Writes one byte in each of 40 pages of its data image, after checking it still holds the
# image's value ('A'): {"ok":1} means the instance started from the image, not from another's writes.
PAGES = 40
WRITTEN_FROM = KEEP_RESIDENT  # the pool keeps what lies below present anyway: nothing to prepare there
PAGE_WRITER = M.reactor(
    f"""(local $i i32) (local $ok i32) (local $at i32)
    (local.set $ok (i32.const 1))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const {PAGES})))
      (local.set $at (i32.add (i32.const {WRITTEN_FROM}) (i32.mul (local.get $i) (i32.const 4096))))
      (if (i32.ne (i32.load8_u (local.get $at)) (i32.const 65)) (then (local.set $ok (i32.const 0))))
      (i32.store8 (local.get $at) (i32.const 66))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store8 (i32.const 70) (i32.add (i32.const 48) (local.get $ok)))
    (call $pack (i32.const 64) (i32.const 8))""",
    memory=str((WRITTEN_FROM + PAGES * 4096) // 65536 + 1),
    extra='(data (i32.const 64) "{\\"ok\\":0}") '
    + " ".join(f'(data (i32.const {WRITTEN_FROM + i * 4096}) "A")' for i in range(PAGES)),
)


def test_pages_a_first_call_writes_are_written_ahead_in_later_instances(runtime):
    """Warm pages (docs/runtime.md): after the first call the preparer populates the pages it
    wrote in each instance it prepares, with the image's contents (isolation is unchanged)."""
    from ctypes import byref

    from edge.runtime import capi
    from edge.runtime.instance import Slot

    writer = fn(runtime, PAGE_WRITER, isolation="per-request")
    factory = writer._factory
    assert writer.invoke(EVENT).value == {"ok": 1}
    assert writer._warm_learned
    for _ in range(3):  # instances prepared before the first call finished may predate the list
        assert eventually(lambda: factory.count() > 0)
        assert writer.invoke(EVENT).value == {"ok": 1}
    assert eventually(lambda: factory.count() > 0)
    slot = Slot.adopt(writer, factory.take())
    try:
        base = capi.memory_data(slot.ctx, byref(slot.memory))
        written = preparer.written_pages(base, slot.memory_size(), writer.compiled.initial_memory)
        pages = {start + i for start, count in written for i in range(count)}
        assert {WRITTEN_FROM // 4096 + i for i in range(PAGES)} <= pages  # written before the call
        assert slot.invoke(EVENT).value == {"ok": 1}  # ... with the image's bytes, not a used instance's
    finally:
        slot.delete()


@pytest.mark.auto
def test_auto_mode_prepares_small_instances_in_process(runtime):
    """By default a version whose first call writes few pages never hands off: preparing a
    small instance on the loop costs less than the hand-over (preparer.py)."""
    assert preparer.mode() == preparer.AUTO
    counter = fn(runtime, M.COUNTER, isolation="per-request")
    assert counter._factory is None
    for _ in range(5):
        assert counter.invoke(EVENT).value == {"count": 1}
    assert counter._warm_learned and counter._factory is None


@pytest.mark.auto
def test_auto_mode_starts_the_helper_for_instances_that_write_many_pages(runtime):
    """A first call that writes many pages (a JavaScript engine's heap) starts the helper,
    which then writes those pages ahead in each instance it prepares."""
    writer = fn(runtime, PAGE_WRITER, isolation="per-request")
    assert writer._factory is None
    assert writer.invoke(EVENT).value == {"ok": 1}
    factory = writer._factory
    assert factory is not None
    for _ in range(5):
        assert eventually(lambda: factory.count() > 0)
        assert writer.invoke(EVENT).value == {"ok": 1}
    prepared, taken = factory.stats()
    assert taken >= 5 and prepared >= taken
    writer.close()
    assert writer._factory is None and factory.closed


@pytest.mark.auto
def test_on_the_event_loop_pages_are_learned_when_the_instance_is_torn_down(runtime):
    """An inline (event loop) first call hands its used instance to `discard`, which tears it
    down after the response: the pages it wrote are looked at then, not on the request's path."""
    writer = fn(runtime, PAGE_WRITER, isolation="per-request")
    used = []
    assert writer.invoke(EVENT, 10**9, used.append).value == {"ok": 1}
    assert writer._warm_learned and writer._factory is None and len(used) == 1
    used[0].delete()  # what the invoker does on the next turn of the loop
    factory = writer._factory
    assert factory is not None
    assert eventually(lambda: factory.count() > 0)
    assert writer.invoke(EVENT).value == {"ok": 1}
    writer.close()


@pytest.mark.auto
def test_auto_mode_leaves_reuse_versions_alone(runtime):
    writer = fn(runtime, PAGE_WRITER, isolation="reuse")
    for _ in range(3):
        assert writer.invoke(EVENT).value["ok"] in (0, 1)
    assert writer._factory is None


@pytest.mark.auto
def test_auto_mode_after_a_shed_keeps_nothing_ready(runtime):
    """A version shed (a tiered swap) before its first call learns its pages never starts
    the helper: it was told to keep no instances ready."""
    writer = fn(runtime, PAGE_WRITER, isolation="per-request")
    writer.shed()
    assert writer.invoke(EVENT).value == {"ok": 1}
    assert writer._factory is None and not writer.uses_preparer


@pytest.mark.auto
def test_an_unknown_setting_is_auto_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv("EDGE_NATIVE_PREPARER", "enabled")
    assert preparer.mode() == preparer.AUTO
    assert "EDGE_NATIVE_PREPARER='enabled' is not one of auto, 1 (always), 0 (off)" in caplog.text


OUTPUT_PRIORITY_PROBE = """
import json, sys, threading, time
from edge.runtime import FunctionConfig, Runtime, calls
from edge.runtime.instance import Slot
from tests.test_preparer import EVENT, STDERR_REACTOR

native = calls.get()
fn = Runtime().function(STDERR_REACTOR, FunctionConfig(name="t"))
while not fn._factory.count():
    time.sleep(0.01)
seen = []
add_stream = Slot.add_stream

def probe(self, level, chunk):
    with open(f"/proc/self/task/{threading.get_native_id()}/stat") as f:
        seen.append(int(f.read().rsplit(")", 1)[1].split()[38]))
    return add_stream(self, level, chunk)

Slot.add_stream = probe
result = {}

def low_lane_thread():
    result["joined"] = native.guest_priority(calls.GUEST_IDLE)
    result["ok"] = fn.invoke(EVENT).ok

thread = threading.Thread(target=low_lane_thread)
thread.start()
thread.join(10)
print(json.dumps({**result, "taken": fn._factory.stats()[1], "policies": seen}))
"""


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no SCHED_IDLE on this platform")
def test_output_of_a_prepared_instance_reaches_python_at_the_loops_priority():
    """A prepared instance's WASI output reaches the runtime's Python callback through
    calls.c, on a thread of wasmtime's own; in a new process that thread is started by the
    first output, from guest code running in the idle class, and inherits that class. The
    callback (it takes the GIL) must still run at the loop's priority."""
    probe = subprocess.run(
        [sys.executable, "-c", OUTPUT_PRIORITY_PROBE], capture_output=True, text=True, timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        env={**os.environ, preparer.ENV_SWITCH: "1"},
    )
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    if not seen["joined"]:
        pytest.skip("the scheduler refuses the idle class and back here (needs CAP_SYS_NICE or RLIMIT_NICE)")
    assert seen["ok"] and seen["taken"] >= 1, seen
    assert seen["policies"] == [0], seen  # SCHED_OTHER, not SCHED_IDLE (5)
