"""A version deleted (or no longer routed to) while its optimized code is compiled in the
background: the late optimization neither restocks its ready instances nor loads it again,
and a deleted version leaves the registry at once (docs/control-plane.md, Tiered compilation)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from .control_helpers import ControlServer, generated, manifest_text
from .polling import eventually
from .test_tiering import _join_upgrades, _plane

EVENT = (Path(__file__).resolve().parents[1] / "samples" / "events" / "viewer-request.json").read_bytes()
JS_FUNCTION = b"exports.handler = async () => ({ status: '200', body: 'x9 answers' });\n"


def _late_optimizations(runtime, *, before_compile: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """Make the runtime's background compiles wait: before they start (`before_compile`), or after
    they compiled, until the returned gate opens. Returns (gate, started, compiled): `started` is
    set once a compile has read its bytes (it was still wanted), `compiled` lists what finished."""
    gate, started, compiled = threading.Event(), threading.Event(), []
    optimize = runtime.optimize

    def late(source):  # type: ignore[no-untyped-def]
        if before_compile is not None:
            before_compile.wait(60)

        def read() -> bytes:
            data = source()  # raises if the version is no longer wanted
            started.set()
            return data

        result = optimize(read)
        compiled.append(result)
        gate.wait(60)  # the compile is done; handing it over waits
        return result

    runtime.optimize = late
    return gate, started, compiled


def _pool_gauge(server: ControlServer, name: str) -> float:
    text = server.admin.get("/metrics").text
    line = next((x for x in text.splitlines() if x.startswith(f'edge_instance_pool_ready{{function="{name}"}}')), None)
    return 0.0 if line is None else float(line.rsplit(" ", 1)[1])


def test_a_deleted_javascript_function_gets_nothing_back_from_its_late_optimization(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        plane = s.state.plane
        if plane.runtime.baseline() is None:
            pytest.skip("this wasmtime has no baseline compiler")
        gate, started, compiled = _late_optimizations(plane.runtime)
        deployed = s.deploy("x9", JS_FUNCTION)  # nothing routes to it: its instances go back at the sync
        assert deployed["optimizing"] is True
        assert started.wait(60)  # its optimized compile is under way ...
        r = s.admin.delete("/v1/functions/x9")  # ... when it is deleted
        assert r.status_code == 200, r.text
        assert "x9:1" not in s.admin.get("/v1/status").json()["loaded"]  # gone at once
        assert plane.registry.loaded("x9", 1) is None and _pool_gauge(s, "x9") == 0
        gate.set()
        _join_upgrades()
        assert compiled, "the optimized compile finished after the delete"
        status = s.admin.get("/v1/status").json()
        assert "x9:1" not in status["loaded"] and "x9:1" not in status["optimizing"]
        assert "x9" not in plane.registry.versions and _pool_gauge(s, "x9") == 0
        assert ("x9", 1) not in plane.load_info
        # the name deployed anew (numbers start at 1 again) runs the new code, optimized in turn
        again = s.deploy("x9", generated("new x9"))
        assert again["version"] == 1
        out = s.admin.post("/v1/functions/x9/invoke", content=EVENT).json()
        assert out["ok"] and out["result"]["body"] == "new x9"
    finally:
        s.stop()


def test_a_compile_still_waiting_for_its_turn_is_skipped_for_a_deleted_version(tmp_path):
    plane = _plane(tmp_path)
    if plane.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    turn = threading.Event()
    gate, started, compiled = _late_optimizations(plane.runtime, before_compile=turn)
    gate.set()
    plane.deploy("f", generated("f").encode())
    plane.delete_function("f")
    assert plane.registry.loaded("f", 1) is None
    turn.set()
    _join_upgrades()
    assert not started.is_set() and not compiled  # the bytes were never read, nothing compiled
    plane.registry.close()


def test_a_version_no_longer_routed_to_gets_its_optimized_code_without_ready_instances(tmp_path):
    """An alias moved away while its old version was being optimized: the optimized code is
    swapped in but restocks nothing; a rollback brings its ready instances back."""
    plane = _plane(tmp_path)
    if plane.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    gate, started, compiled = _late_optimizations(plane.runtime)
    plane.deploy("f", generated("one").encode(), alias="live")
    plane.replace_routing({"behaviors": [{"path": "/f", "origin": "site", "viewer_request": "f:live"},
                                         {"path": "*", "origin": "site"}],
                           "origins": {"site": {"root": "."}}})
    one = plane.registry.loaded("f", 1)
    assert one is not None and eventually(lambda: one.functions["viewer"].ready_count >= 1)
    plane.deploy("f", generated("two").encode(), alias="live")
    assert sum(fn.ready_count for fn in one.functions.values()) == 0  # shed at once, as before
    gate.set()
    _join_upgrades()
    assert len(compiled) == 2
    optimized = plane.registry.loaded("f", 1)
    assert optimized is not one and not plane.compiler.is_baseline(optimized.compiled)
    assert plane.load_info[("f", 1)].optimized is True
    ready = lambda version: sum(fn.ready_count for fn in version.functions.values())  # noqa: E731
    two = plane.registry.loaded("f", 2)
    assert two is not None and not plane.compiler.is_baseline(two.compiled)  # the routed one, as before
    assert eventually(lambda: ready(two) >= 1)  # (a preparer thread would have filled f:1's by now too)
    assert ready(optimized) == 0 and ready(one) == 0  # nothing restocked, no pool slot held
    assert all(fn.config.prewarm == 0 for fn in optimized.functions.values())
    plane.rollback("f", "live")
    back = plane.registry.loaded("f", 1)
    assert back is optimized
    assert eventually(lambda: back.functions["viewer"].ready_count >= 1)
    assert back.function_for("viewer-request").invoke(EVENT).value["body"] == "one"
    plane.registry.close()
