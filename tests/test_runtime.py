"""The sandboxed runtime against real modules: hostile ones are contained, healthy ones run."""

from __future__ import annotations

import json
import os
import threading

import pytest

from edge.runtime import EngineSettings, ErrorKind, FunctionConfig, Limits, ModuleError, Runtime, calls
from edge.runtime.module import ArtifactCache, load

from . import modules as M
from .polling import eventually

EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}, "x": "y" * 900}}]}).encode()


@pytest.fixture(autouse=True, params=["native", "python"])
def call_path(request, monkeypatch):
    """Every test twice: instances made and called in one native call each (calls.c), and
    by the slot's own C-API calls (no compiler, or EDGE_NATIVE_PREPARER=0): same outcomes."""
    if request.param == "python":
        monkeypatch.setattr(calls, "_calls", None)
        monkeypatch.setattr(calls, "_tried", True)
    elif calls.get() is None:  # a machine with a C compiler (or the `build` extra) always builds it
        if os.environ.get("EDGE_NATIVE_PREPARER", "").strip() in ("0", "off", "false", "no"):
            pytest.skip("EDGE_NATIVE_PREPARER=0: the native library is off")
        pytest.fail("the native library did not build on this machine")
    return request.param


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


def fn(runtime: Runtime, source: str, **config) -> object:
    return runtime.function(source, FunctionConfig(name="t", **config))


def test_echo_round_trips_the_event(runtime):
    out = fn(runtime, M.ECHO).invoke(EVENT)
    assert out.ok, out.message
    assert out.result == EVENT
    assert out.value == json.loads(EVENT)
    assert [(line.level, line.message) for line in out.logs] == [("INFO", "echo called")]
    assert out.fuel_used > 0 and out.peak_memory >= 2 * 65536 and out.duration_ms > 0


HOSTILE = [
    # name, module, limits, expected kind, expected trap code
    ("infinite loop (timeout)", M.INFINITE_LOOP, Limits(timeout_ms=100, fuel=10**15), ErrorKind.TIMEOUT, None),
    ("infinite loop (fuel)", M.INFINITE_LOOP, Limits(fuel=1_000_000), ErrorKind.OUT_OF_FUEL, None),
    ("memory bomb", M.MEMORY_BOMB, Limits(memory_bytes=16 * 1024 * 1024), ErrorKind.MEMORY_LIMIT, "unreachable"),
    ("unbounded recursion", M.RECURSION, Limits(), ErrorKind.TRAP, "stack_overflow"),
    ("unreachable", M.UNREACHABLE, Limits(), ErrorKind.TRAP, "unreachable"),
    ("out-of-bounds load", M.OUT_OF_BOUNDS, Limits(), ErrorKind.TRAP, "memory_out_of_bounds"),
    ("huge output", M.HUGE_OUTPUT, Limits(), ErrorKind.OUTPUT_TOO_LARGE, None),
    ("non-JSON output", M.NOT_JSON, Limits(), ErrorKind.INVALID_OUTPUT, None),
    ("result outside memory", M.RESULT_OUTSIDE_MEMORY, Limits(), ErrorKind.HANDLER_ERROR, None),
    ("handler error code", M.HANDLER_ERROR, Limits(), ErrorKind.HANDLER_ERROR, None),
    ("proc_exit(1)", M.COMMAND_EXIT_1, Limits(), ErrorKind.NONZERO_EXIT, None),
]


@pytest.mark.parametrize("name,source,limits,kind,trap", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_module_is_contained_and_next_invocation_succeeds(runtime, name, source, limits, kind, trap):
    for isolation in ("per-request", "reuse"):
        bad = fn(runtime, source, limits=limits, isolation=isolation)
        out = bad.invoke(EVENT)
        assert out.error is kind, (out.error, out.message)
        assert out.trap_code == trap
        assert out.message
        assert not out.ok and out.value is None
        # The process and the engine are fine: the same function fails the same way again,
        # and a healthy function in the same process succeeds.
        assert bad.invoke(EVENT).error is kind
        assert fn(runtime, M.ECHO).invoke(EVENT).ok


def test_handler_error_keeps_the_log_line(runtime):
    out = fn(runtime, M.HANDLER_ERROR).invoke(EVENT)
    assert out.message == "bad input: 42 (error code -7)"  # the last ERROR line says why
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", "bad input: 42")]


def test_nonzero_exit_reports_the_status(runtime):
    out = fn(runtime, M.COMMAND_EXIT_1).invoke(EVENT)
    assert out.exit_code == 1 and "status 1" in out.message


@pytest.mark.parametrize(
    "source,needle",
    [
        (M.UNKNOWN_IMPORT, "env::fetch, edge::http_get"),
        (M.WRONG_ABI, "ABI version 99"),
        (M.BIG_INITIAL_MEMORY, "initial memory"),
        (M.NOT_EDGE, "neither an edge reactor"),
        (b"\0asm\x01\0\0\0\xff", "invalid WebAssembly"),
        (b"hello", "not a WebAssembly module"),
        (b"\xff\xfe", "not a WebAssembly module"),
    ],
)
def test_unrunnable_modules_are_rejected_at_load_with_a_named_reason(runtime, source, needle):
    with pytest.raises(ModuleError, match=needle):
        fn(runtime, source)


def test_unknown_wasi_function_is_rejected_at_load(runtime):
    source = M.reactor(
        "(call $nope) (i64.const 0)",
        imports='(import "wasi_snapshot_preview1" "no_such_call" (func $nope))',
    )
    with pytest.raises(ModuleError, match="no_such_call"):
        fn(runtime, source)


def test_wrong_signature_for_edge_log_is_rejected(runtime):
    source = M.reactor("(i64.const 0)", imports='(import "edge" "log" (func $log (param i32)))')
    with pytest.raises(ModuleError, match="edge::log"):
        fn(runtime, source)


def test_per_request_isolation_carries_no_state(runtime):
    counter = fn(runtime, M.COUNTER, isolation="per-request")
    assert [counter.invoke(EVENT).value["count"] for _ in range(5)] == [1, 1, 1, 1, 1]


def test_reuse_isolation_carries_state_and_recycles_after_max_reuse(runtime):
    counter = fn(runtime, M.COUNTER, isolation="reuse", max_reuse=3)
    counts = [counter.invoke(EVENT).value["count"] for _ in range(7)]
    assert counts == [1, 2, 3, 1, 2, 3, 1]


def test_reuse_instance_is_discarded_after_a_failure(runtime):
    counter = fn(runtime, M.COUNTER, isolation="reuse", limits=Limits(max_result_bytes=5))
    assert counter.invoke(EVENT).error is ErrorKind.OUTPUT_TOO_LARGE
    assert counter.invoke(EVENT).error is ErrorKind.OUTPUT_TOO_LARGE  # fresh instance: same failure


def test_per_request_instances_are_prepared_ahead(runtime):
    echo = fn(runtime, M.ECHO, prewarm=2)
    assert eventually(lambda: echo.ready_count == 2)  # by the native preparer, or at load time
    assert echo.invoke(EVENT).ok
    assert eventually(lambda: echo.ready_count >= 1)
    echo.replenish()
    assert eventually(lambda: echo.ready_count == 2)


def test_logs_are_capped_per_invocation(runtime):
    flood = fn(runtime, M.LOG_FLOOD, limits=Limits(max_log_bytes=4096))
    out = flood.invoke(EVENT)
    assert out.ok
    assert out.logs_truncated
    assert sum(len(line.message) for line in out.logs) <= 4096


def test_command_module_reads_stdin_writes_stdout_logs_stderr(runtime):
    command = fn(runtime, M.COMMAND_ECHO)
    out = command.invoke(EVENT)
    assert out.ok, out.message
    assert out.value == json.loads(EVENT)
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", "echo command")]
    assert command.invoke(b'{"second": true}').value == {"second": True}


def test_command_stdout_over_the_cap_is_output_too_large(runtime):
    command = fn(runtime, M.COMMAND_ECHO, limits=Limits(max_result_bytes=100))
    assert command.invoke(EVENT).error is ErrorKind.OUTPUT_TOO_LARGE


def test_only_configured_environment_reaches_the_guest(runtime):
    assert fn(runtime, M.ENV_COUNT).invoke(EVENT).value == {"env": 0}
    configured = fn(runtime, M.ENV_COUNT, env=(("A", "1"), ("B", "2")))
    assert configured.invoke(EVENT).value == {"env": 2}


def test_no_filesystem_access(runtime):
    assert fn(runtime, M.OPEN_FILE).invoke(EVENT).value == {"fail": 1}


def test_threads_share_functions_without_interference(runtime):
    """Many threads invoke the same functions at once; every result is its own."""
    echo = fn(runtime, M.ECHO, isolation="per-request", prewarm=2)
    counter = fn(runtime, M.COUNTER, isolation="reuse", max_reuse=9)  # the module counts to 9
    looping = fn(runtime, M.INFINITE_LOOP, limits=Limits(fuel=200_000))
    errors: list[str] = []

    def worker(i: int) -> None:
        for j in range(200):
            event = json.dumps({"i": i, "j": j}).encode()
            out = echo.invoke(event)
            if out.result != event:
                errors.append(f"echo {i}/{j}: {out.error} {out.message}")
            if not 1 <= counter.invoke(event).value["count"] <= 9:
                errors.append("counter out of range")
            if j % 20 == 0 and looping.invoke(event).error is not ErrorKind.OUT_OF_FUEL:
                errors.append("loop not stopped")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]


def test_artifacts_load_without_compiling_and_engine_changes_force_recompile(tmp_path):
    cache = ArtifactCache(tmp_path)
    first = Runtime(artifact_dir=tmp_path)
    compiled = first.load(M.ECHO)
    assert not compiled.from_artifact
    assert len(list(tmp_path.glob("*.cwasm"))) == 1

    again = Runtime(artifact_dir=tmp_path).load(M.ECHO)
    assert again.from_artifact and again.sha256 == compiled.sha256

    # Same wasm, different engine settings: a new artifact, never a load error.
    other = Runtime(EngineSettings(fuel=False), artifact_dir=tmp_path)
    recompiled = other.load(M.ECHO)
    assert not recompiled.from_artifact
    assert len(list(tmp_path.glob("*.cwasm"))) == 2
    assert other.function(recompiled).invoke(EVENT).ok

    # A damaged artifact is discarded and recompiled. (Replaced, not written in place: loaded
    # modules map their artifact's file, which is only ever replaced by a rename.)
    for path in tmp_path.glob("*.cwasm"):
        path.unlink()
        path.write_bytes(b"garbage")
    fixed = load(first.engine, M.ECHO, cache)
    assert not fixed.from_artifact
    assert first.function(fixed).invoke(EVENT).ok


def test_engine_without_pooling_still_works():
    plain = Runtime(EngineSettings(pooling=False))
    try:
        assert not plain.engine.pooling
        assert plain.function(M.ECHO).invoke(EVENT).ok
    finally:
        plain.close()


def test_a_pool_larger_than_the_address_space_falls_back_instead_of_aborting(caplog):
    """wasmtime aborts the process when a pooling engine's reservation fails; the engine
    checks the address space first (100,000 x 4 GiB is beyond any x86-64 process)."""
    huge = Runtime(EngineSettings(pool_instances=100_000))
    try:
        assert not huge.engine.pooling
        assert "pooling allocator unavailable" in caplog.text and "address space" in caplog.text
        assert huge.function(M.ECHO).invoke(EVENT).ok
    finally:
        huge.close()


def test_limits_validation():
    with pytest.raises(ValueError, match="unknown limit"):
        Limits().merged({"cpu": 1})
    with pytest.raises(ValueError, match="positive"):
        Limits().merged({"fuel": 0})
    with pytest.raises(ValueError, match="isolation"):
        FunctionConfig(isolation="shared")


def test_a_start_function_calling_the_host_before_memory_is_exported_fails_cleanly(runtime):
    """The start function runs inside instantiation, before the runtime has the memory export:
    its edge.log traps (the module is refused on load) and the process carries on."""
    source = M.reactor("(i64.const 0)", imports='(import "edge" "log" (func $log (param i32 i32 i32)))', extra="""
      (func $start (call $log (i32.const 1) (i32.const 0) (i32.const 4)))
      (start $start)""")
    with pytest.raises(ModuleError, match="exports no memory"):
        fn(runtime, source)
    assert fn(runtime, M.ECHO).invoke(EVENT).ok


def test_wasi_sleep_is_refused_so_limits_hold(runtime):
    """poll_oneoff with a 3 s clock subscription returns ENOTSUP at once instead of sleeping."""
    import time

    source = M.reactor(
        """;; subscription at 100: userdata 0, tag 0 (clock), clock id 1, timeout 3e9 ns, precision 0, flags 0
    (i64.store (i32.const 100) (i64.const 0))
    (i32.store8 (i32.const 108) (i32.const 0))
    (i32.store (i32.const 116) (i32.const 1))
    (i64.store (i32.const 124) (i64.const 3000000000))
    (i32.store8 (i32.const 72)
      (i32.add (i32.const 48) (i32.ne (i32.const 0)
        (call $poll (i32.const 100) (i32.const 200) (i32.const 1) (i32.const 300)))))
    (call $pack (i32.const 64) (i32.const 10))""",
        imports='(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))',
        extra='(data (i32.const 64) "{\\"fail\\":0}")',
    )
    started = time.perf_counter()
    out = fn(runtime, source).invoke(EVENT)
    assert out.ok and out.value == {"fail": 1}
    assert time.perf_counter() - started < 1.0
