"""Issue 12, item 10: the cause hit first is the one reported. A function that grows its
memory to the cap and then spends its fuel or time (touching pages, retrying refused
allocations) is `memory_limit`, not `out_of_fuel` / `timeout`."""

from __future__ import annotations

import json
import time

import pytest

from . import modules as M
from .control_helpers import ControlServer, manifest_text

# Grows one page at a time and writes every 8 bytes of each new page (~40,000 fuel a page);
# a refused grow (-1) changes nothing: it keeps trying, as a C loop around a failing malloc does.
GROW_AND_TOUCH = M.reactor(
    """(local $page i32) (local $at i32) (local $end i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.ne (local.get $page) (i32.const -1))
        (then
          (local.set $at (i32.mul (local.get $page) (i32.const 65536)))
          (local.set $end (i32.add (local.get $at) (i32.const 65536)))
          (loop $touch
            (i64.store (local.get $at) (i64.const 1))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))
            (br_if $touch (i32.lt_u (local.get $at) (local.get $end))))))
      (br $grow))
    (i64.const 0)"""
)

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state").start()
    yield s
    s.stop()


def invoke(server, name: str, limits: dict) -> dict:  # type: ignore[no-untyped-def]
    server.deploy(name, GROW_AND_TOUCH, settings=json.dumps({"limits": limits}))
    r = server.admin.post(f"/v1/functions/{name}/invoke", content=b"{}")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("name, limits, kind, second", [
    ("fuel-after-cap", {"memory_bytes": 4 * MiB, "fuel": 20_000_000}, "memory_limit", "ran out of fuel"),
    ("time-after-cap", {"memory_bytes": 4 * MiB, "fuel": 10**15, "timeout_ms": 300}, "memory_limit", "timed out"),
    ("fuel-before-cap", {"memory_bytes": 128 * MiB, "fuel": 10_000_000}, "out_of_fuel", None),
])
def test_the_cause_hit_first_is_reported(server, name, limits, kind, second):
    answer = invoke(server, name, limits)
    assert answer["ok"] is False
    assert answer["error"]["kind"] == kind, answer["error"]
    if second:  # the other cause stays in the message
        assert "memory limit of 4 MiB reached" in answer["error"]["message"]
        assert second in answer["error"]["message"]
        assert answer["report"]["peak_memory"] > 4 * MiB * 7 // 8
    else:
        assert answer["report"]["peak_memory"] < 64 * MiB


# -- item 5: a looping function beside healthy ones ------------------------------------------

_ANSWER = json.dumps({"status": "200", "statusDescription": "OK", "body": "healthy"}).encode()
HEAVY = M.reactor(  # ~600,000 fuel per call: over the inline budget, so it runs on worker threads
    f"""(local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 150000))))
    (call $pack (i32.const 64) (i32.const {len(_ANSWER)}))""",
    extra='(data (i32.const 64) "' + "".join(f"\\{b:02x}" for b in _ANSWER) + '")',
)


def test_a_looping_function_cannot_take_the_threads_healthy_ones_need(tmp_path):
    """Two worker threads; the looping function asks for both (`concurrency` 2) and keeps
    being called. It holds at most one, runs in the low lane once it hits its limit, and a
    threaded healthy function beside it never gets 503."""
    import threading

    import httpx

    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", threads=2).start()
    try:
        s.deploy("loop", M.INFINITE_LOOP, settings=json.dumps(
            {"concurrency": 2, "limits": {"timeout_ms": 300, "fuel": 10**15}}))
        s.deploy("heavy", HEAVY)
        s.associate("/loop", "loop")
        s.associate("/heavy", "heavy")
        stop = threading.Event()
        looped: list[int] = []

        def hammer() -> None:
            with httpx.Client(base_url=s.url, timeout=10) as client:
                while not stop.is_set():
                    looped.append(client.get("/loop").status_code)

        hammers = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in hammers:
            thread.start()
        try:
            deadline = time.monotonic() + 10
            while sum(1 for code in looped if code == 503) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)  # the loop has run into its limits (or was throttled) a few times
            healthy: list[int] = []
            with httpx.Client(base_url=s.url, timeout=10) as client:
                started = time.monotonic()
                while time.monotonic() - started < 2.0:
                    healthy.append(client.get("/heavy").status_code)
        finally:
            stop.set()
            for thread in hammers:
                thread.join(10)
        assert healthy and set(healthy) == {200}, sorted(set(healthy))
        assert 503 in looped  # the loop itself is stopped by its time limit or throttled
        invoker = s.state.invoker
        loop_gate = next(g for fn, g in invoker._gates.items() if fn.config.name == "loop")
        assert loop_gate.limit == 1 and loop_gate.spinning  # never both threads; in the low lane
    finally:
        s.stop()


@pytest.mark.parametrize("native", [True, False])
def test_the_time_limit_follows_the_wall_clock_when_the_ticker_is_held_up(monkeypatch, native):
    """The GIL held for 1 s (as a busy event loop or a starved process can) while an
    invocation with a 300 ms limit runs: it ends at about 1 s, not 300 ms after the ticker
    could tick again (the Python ticker makes up missed ticks; the native one never misses)."""
    import ctypes
    import threading

    from edge.runtime import FunctionConfig, Limits, Runtime
    from edge.runtime import ticker as ticker_module

    if not native:
        monkeypatch.setattr(ticker_module.native, "build_library", lambda: None)
    runtime = Runtime()
    fn = runtime.function(runtime.load(M.INFINITE_LOOP.encode()),
                          FunctionConfig(limits=Limits(timeout_ms=300, fuel=10**15)))
    assert type(runtime.engine._ticker).__name__ == ("NativeTicker" if native else "PythonTicker")
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(fn.invoke(b"{}")))
    started = time.monotonic()
    worker.start()
    time.sleep(0.05)
    libc = ctypes.PyDLL(None)  # a call that keeps the GIL: no Python thread runs meanwhile
    libc.usleep(1_000_000)
    worker.join(10)
    elapsed = time.monotonic() - started
    assert outcome and outcome[0].error.value == "timeout"
    assert elapsed < 1.25, elapsed  # without making up missed ticks: ~1.3 s
    fn.close()
    runtime.close()
