"""The async invoker: inline-first execution, worker threads, admission control."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Invoker, Limits, Runtime
from edge.runtime.invoker import Gate

from . import modules as M

EVENT = b'{"hello": "world"}'


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


async def test_fast_function_runs_inline_and_stays_light(runtime):
    invoker = Invoker()
    fn = runtime.function(M.ECHO, FunctionConfig(name="echo"))
    for _ in range(5):
        out = await invoker.invoke(fn, EVENT)
        assert out.ok and out.result == EVENT
    assert not fn.heavy
    invoker.close()


async def test_function_over_the_inline_budget_is_rerun_on_a_thread(runtime):
    invoker = Invoker(inline_fuel=10_000)
    logging_spin = M.reactor(
        """(local $i i32)
    (call $log (i32.const 1) (i32.const 64) (i32.const 5))
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
    (call $pack (local.get $p) (local.get $n))""",
        imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
        extra='(data (i32.const 64) "start")',
    )
    fn = runtime.function(logging_spin, FunctionConfig(name="spin"))
    out = await invoker.invoke(fn, EVENT)
    assert out.ok, out.message
    assert out.result == EVENT
    assert out.fuel_used > 10_000
    assert [line.message for line in out.logs] == ["start"]  # the aborted attempt's logs are dropped
    assert fn.heavy  # from now on straight to a thread
    assert (await invoker.invoke(fn, EVENT)).ok
    invoker.close()


async def test_inline_time_strikes_count_only_in_a_row(runtime):
    """A loop held up for a moment (past the inline time cap with fuel to spare) must not
    add up, over hours, to moving a healthy function to the threads for good."""
    invoker = Invoker()
    fn = runtime.function(M.ECHO, FunctionConfig(name="echo-strikes"))
    fn.inline_timeouts = 2  # two stalls in a row so far; the next good run forgives them
    assert (await invoker.invoke(fn, EVENT)).ok
    assert fn.inline_timeouts == 0 and not fn.heavy
    invoker.close()


async def test_reuse_state_is_consistent_inline(runtime):
    invoker = Invoker()
    fn = runtime.function(M.COUNTER, FunctionConfig(name="counter", isolation="reuse", max_reuse=9))
    counts = [(await invoker.invoke(fn, EVENT)).value["count"] for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    invoker.close()


@pytest.mark.parametrize(
    "limits,kind",
    [(Limits(timeout_ms=100, fuel=10**15), ErrorKind.TIMEOUT), (Limits(fuel=5_000_000), ErrorKind.OUT_OF_FUEL)],
)
async def test_infinite_loop_is_stopped_on_a_thread_with_full_limits(runtime, limits, kind):
    invoker = Invoker()
    fn = runtime.function(M.INFINITE_LOOP, FunctionConfig(name="loop", limits=limits))
    loop = asyncio.get_running_loop()
    started = loop.time()
    out = await invoker.invoke(fn, EVENT)
    assert out.error is kind
    assert fn.heavy
    assert loop.time() - started < 5
    invoker.close()


async def test_expensive_initialize_keeps_a_function_off_the_event_loop(runtime):
    source = M.reactor(
        "(call $pack (local.get $p) (local.get $n))",
        extra="""(func (export "_initialize") (local $i i32)
      (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000)))))""",
    )
    fn = runtime.function(source, FunctionConfig(name="init"))
    assert fn.heavy


async def test_concurrency_limit_gives_limit_exceeded_quickly(runtime):
    invoker = Invoker(threads=2, per_function=1, queue_wait_ms=20)
    # a generous timeout: guest threads run at nice 19, and under a busy machine (the parallel
    # suite) the one invocation that runs may take seconds; what is tested is the others' refusal
    slow = runtime.function(M.spin(300_000_000), FunctionConfig(name="slow", limits=Limits(fuel=10**12, timeout_ms=30_000)))
    slow.heavy = True
    outcomes = await asyncio.gather(*(invoker.invoke(slow, EVENT) for _ in range(4)))
    kinds = [o.error for o in outcomes]
    assert kinds.count(ErrorKind.LIMIT_EXCEEDED) >= 2
    assert any(o.ok for o in outcomes)
    limited = next(o for o in outcomes if o.error is ErrorKind.LIMIT_EXCEEDED)
    assert "concurrency limit" in limited.message
    invoker.close()


async def test_healthy_function_is_served_while_another_loops(runtime):
    invoker = Invoker(threads=4, per_function=2)
    looping = runtime.function(M.INFINITE_LOOP, FunctionConfig(name="loop", limits=Limits(timeout_ms=500, fuel=10**15)))
    healthy = runtime.function(M.ECHO, FunctionConfig(name="ok"))
    stuck = [asyncio.ensure_future(invoker.invoke(looping, EVENT)) for _ in range(4)]
    await asyncio.sleep(0.05)
    for _ in range(20):
        assert (await invoker.invoke(healthy, EVENT)).ok
    results = await asyncio.gather(*stuck)
    assert {r.error for r in results} <= {ErrorKind.TIMEOUT, ErrorKind.LIMIT_EXCEEDED}
    invoker.close()


async def test_gate_bounds_waiters_and_hands_over_slots():
    gate = Gate(capacity=1, max_waiters=1)
    assert await gate.acquire(0.1)
    waiter = asyncio.ensure_future(gate.acquire(1.0))
    await asyncio.sleep(0)
    assert not await gate.acquire(1.0)  # queue full: refused at once
    gate.release()
    assert await waiter  # the slot went straight to the waiter
    assert gate.in_use == 1
    assert not await gate.acquire(0.01)  # times out
    gate.release()
    assert gate.in_use == 0


def test_invoke_event_json_survives_threads(runtime):
    """The synchronous path (CLI, tests) still works without an invoker."""
    fn = runtime.function(M.ECHO, FunctionConfig(name="sync"))
    assert json.loads(fn.invoke(EVENT).result) == {"hello": "world"}


async def test_costly_start_up_never_runs_on_the_event_loop(runtime):
    """Even when a version looked cheap at load time, an instance whose `_initialize` outgrows
    the inline budget is abandoned on the loop and the invocation moves to a thread."""
    source = M.reactor(
        "(call $pack (local.get $p) (local.get $n))",
        extra="""(func (export "_initialize") (local $i i32)
      (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 300000000)))))""",
    )
    fn = runtime.function(source, FunctionConfig(name="slowstart", prewarm=0, limits=Limits(fuel=10**10)))
    fn.heavy = False  # as if the load-time probe had been fooled
    invoker = Invoker()
    loop = asyncio.get_running_loop()
    lag = 0.0

    async def watch() -> None:
        nonlocal lag
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lag = max(lag, loop.time() - before - 0.01)

    watcher = asyncio.ensure_future(watch())
    out = await invoker.invoke(fn, EVENT)
    watcher.cancel()
    assert out.ok and out.result == EVENT
    assert fn.heavy
    assert lag < 0.2  # the 300M-iteration start-up ran on a worker thread
    invoker.close()


async def test_cancelled_caller_keeps_capacity_until_the_worker_is_done(runtime):
    invoker = Invoker(threads=2, per_function=1, queue_wait_ms=10)
    slow = runtime.function(M.spin(200_000_000), FunctionConfig(name="slow2", limits=Limits(fuel=10**12)))
    slow.heavy = True
    task = asyncio.ensure_future(invoker.invoke(slow, EVENT))
    await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.sleep(0)
    # the thread is still running the cancelled invocation: no second one may start
    second = await invoker.invoke(slow, EVENT)
    assert second.error is ErrorKind.LIMIT_EXCEEDED
    invoker.close()


# Counts in linear memory and in a global, and grows its memory on the first call: a renewed
# instance that kept any of its predecessor's state would answer 2, or with more pages.
MEMORY_AND_GLOBAL = M.reactor(
    """(i32.store8 (i32.const 74) (i32.add (i32.load8_u (i32.const 74)) (i32.const 1)))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store8 (i32.const 85) (i32.add (i32.const 48) (global.get $count)))
    (i32.store8 (i32.const 95) (i32.add (i32.const 48) (memory.size)))
    (drop (memory.grow (i32.const 1)))
    (call $log (i32.const 1) (i32.const 120) (i32.const 4))
    (call $pack (i32.const 64) (i32.const 33))""",
    imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
    extra=('(global $count (mut i32) (i32.const 0)) '
           '(data (i32.const 64) "{\\"memory\\":0,\\"global\\":0,\\"pages\\":0}") (data (i32.const 120) "call")'
           ' (func (export "_initialize") (call $log (i32.const 1) (i32.const 124) (i32.const 4)))'
           ' (data (i32.const 124) "init")'),
)


async def test_a_used_per_request_instance_is_renewed_fresh_for_the_next_request(runtime):
    """After a response, the used instance's slot becomes the next ready one (one native
    call: a new store, instantiated again) and nothing of the old instance survives: not its
    memory, its globals, its grown pages or its logs; host calls reach the renewed slot."""
    invoker = Invoker()
    fn = runtime.function(MEMORY_AND_GLOBAL, FunctionConfig(name="renewed", prewarm=1))
    ready = fn._ready[0]
    for _ in range(4):
        out = await invoker.invoke(fn, EVENT)
        assert out.ok, out.message
        assert out.value == {"memory": 1, "global": 1, "pages": 2}
        assert [line.message for line in out.logs] == ["init", "call"]  # _initialize's line goes with its first call
        assert not out.instance_reused
        await asyncio.sleep(0)  # the loop's next turn: the used instance is renewed
        assert list(fn._ready) == [ready] and ready.store and ready.uses == 0
    invoker.close()


async def test_an_unloaded_versions_used_instance_is_torn_down_not_renewed(runtime):
    invoker = Invoker()
    fn = runtime.function(MEMORY_AND_GLOBAL, FunctionConfig(name="unloaded", prewarm=1))
    used = fn._ready[0]
    assert (await invoker.invoke(fn, EVENT)).ok
    fn.close()
    await asyncio.sleep(0)
    assert not fn._ready and used.store is None
    invoker.close()


async def test_a_renewal_that_fails_deletes_the_slot_and_the_next_request_reports_it(runtime):
    """An instance whose start-up runs out of the event loop's budget on renewal is torn
    down; the version then runs on threads, where the next request makes its own."""
    invoker = Invoker()
    fn = runtime.function(MEMORY_AND_GLOBAL, FunctionConfig(name="renewal-fails", prewarm=1))
    used = fn._ready[0]
    assert (await invoker.invoke(fn, EVENT)).ok
    fn.config = dataclasses.replace(fn.config, limits=Limits(memory_bytes=64 * 1024))  # below its 2 pages
    await asyncio.sleep(0)
    assert used.store is None and not fn._ready
    out = await invoker.invoke(fn, EVENT)
    assert out.error is ErrorKind.MEMORY_LIMIT or out.error is ErrorKind.INSTANTIATION, out
    invoker.close()


async def test_requests_in_one_turn_of_the_loop_renew_the_used_instance_instead_of_building_slots(runtime):
    """Under load many requests run before the loop's next turn: one that finds no instance
    ready renews the last used one (one native call) rather than building a new slot."""
    invoker = Invoker()
    fn = runtime.function(MEMORY_AND_GLOBAL, FunctionConfig(name="one-turn", prewarm=1))
    first = fn._ready[0]
    for _ in range(5):  # no await that yields in between: the loop never turns
        out = await invoker.invoke(fn, EVENT)
        assert out.value == {"memory": 1, "global": 1, "pages": 2}
        assert [line.message for line in out.logs] == ["init", "call"]
        assert not fn._ready and list(fn._used) == [first]
    await asyncio.sleep(0)
    assert list(fn._ready) == [first] and not fn._used
    invoker.close()
