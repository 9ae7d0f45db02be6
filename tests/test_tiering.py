"""Tiered compilation: a deployed module serves from the baseline compiler's code at once,
and its optimized code replaces it in the background. A real server, real modules."""

from __future__ import annotations

import json

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, Runtime

from . import modules as M
from .control_helpers import ControlServer, generated, manifest_text
from .polling import eventually

EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()


@pytest.fixture
def server(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    yield s
    s.stop()


def _published(server, name: str, version: int):
    return server.state.plane.registry.loaded(name, version)


def _optimized(server, name: str, version: int) -> bool:
    published = _published(server, name, version)
    plane = server.state.plane
    return published is not None and published.compiled.fingerprint == plane.runtime.engine.fingerprint


def test_a_deploy_serves_baseline_code_at_once_then_optimized_code(server, tmp_path):
    plane = server.state.plane
    if plane.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    deployed = server.deploy("hello", generated("v1"), alias="live")
    assert deployed["optimizing"] is True
    server.associate("/fn/*", "hello:live")
    assert server.edge.get("/fn/a").text == "v1"  # whichever code is loaded right now
    assert eventually(lambda: _optimized(server, "hello", 1), timeout=30)
    assert server.edge.get("/fn/a").text == "v1"
    described = server.admin.get("/v1/functions/hello/versions/1").json()
    assert described["loaded"]["optimized"] is True
    artifacts = list((tmp_path / "state" / "artifacts").glob("*.cwasm"))
    assert any(path.name.startswith(deployed["sha256"]) for path in artifacts)  # for restarts
    # the same bytes again (other settings): optimized code from memory, nothing compiled
    again = server.deploy("hello", generated("v1"), settings='{"limits": {"timeout_ms": 50}}')
    assert again["version"] == 2 and again["optimizing"] is False and again["from_artifact"] is True


def test_without_tiering_a_deploy_compiles_optimized_code(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", tiering=False).start()
    try:
        deployed = s.deploy("hello", generated("v1"))
        assert deployed["optimizing"] is False
        assert _optimized(s, "hello", deployed["version"])
    finally:
        s.stop()


def test_requests_during_the_swap_all_succeed(server):
    if server.state.plane.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    server.deploy("f", generated("ok"), alias="live")
    server.associate("/fn/*", "f:live")
    statuses = []
    while not _optimized(server, "f", 1) and len(statuses) < 5000:
        r = server.edge.get("/fn/x")
        statuses.append((r.status_code, r.text))
    assert _optimized(server, "f", 1)
    statuses.append((server.edge.get("/fn/x").status_code, "after"))
    assert all(code == 200 for code, _ in statuses)
    assert all(text in ("ok", "after") for _, text in statuses)


def test_baseline_code_keeps_every_limit():
    """Winch code is sandboxed like Cranelift code: fuel, wall-clock and memory limits hold."""
    baseline = Runtime().baseline()
    if baseline is None:
        pytest.skip("this wasmtime has no baseline compiler")
    assert baseline.engine.settings.strategy == "winch"
    assert baseline.engine.settings.fuel and baseline.engine.settings.epochs

    def run(source: str, **limits) -> object:
        return baseline.function(source, FunctionConfig(name="t", limits=Limits(**limits))).invoke(EVENT)

    assert run(M.INFINITE_LOOP, fuel=1_000_000).error is ErrorKind.OUT_OF_FUEL
    assert run(M.INFINITE_LOOP, fuel=10**15, timeout_ms=100).error is ErrorKind.TIMEOUT
    assert run(M.MEMORY_BOMB, memory_bytes=16 * 1024 * 1024).error is ErrorKind.MEMORY_LIMIT
    assert run(M.UNREACHABLE).trap_code == "unreachable"
    assert run(M.ECHO).result == EVENT
