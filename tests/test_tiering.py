"""Tiered compilation: a deployed module serves from the baseline compiler's code at once,
and its optimized code replaces it in the background. A real server, real modules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, Runtime

from . import modules as M
from .control_helpers import ControlServer, generated, manifest_text
from .polling import eventually
from .test_control_api import server  # noqa: F401  (the fixture)

EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()


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
    status = server.admin.get("/v1/status").json()
    assert "hello:1" in status["loaded"] and "hello:1" not in status["optimizing"]
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


def _plane(tmp_path, **settings):
    from edge.control import routing
    from edge.control.plane import ControlPlane
    from edge.control.registry import Registry
    from edge.control.store import Store
    from edge.runtime import EngineSettings

    (tmp_path / "m.toml").write_text(manifest_text())
    runtime = Runtime(EngineSettings(**settings), tmp_path / "artifacts")
    plane = ControlPlane(Store(tmp_path / "store"), runtime, Registry(runtime),
                         routing.load_manifest(str(tmp_path / "m.toml"), set()))
    plane.sync()
    return plane


def _join_upgrades() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("edge-optimize"):
            thread.join(60)


def test_a_module_winch_cannot_compile_is_deployed_with_cranelift(tmp_path):
    plane = _plane(tmp_path)
    tail_call = M.reactor("(return_call $zero)", extra="(func $zero (result i64) (i64.const 0))")
    deployed = plane.deploy("t", tail_call.encode())
    assert deployed.row.version == 1 and deployed.optimizing is False
    plane.registry.close()


def test_an_upgrade_never_swaps_into_a_version_that_was_replaced_meanwhile(tmp_path):
    """Deleting a function (and deploying it anew) while its old module is being optimized:
    the old optimized code must not end up serving under the new version."""
    import threading

    plane = _plane(tmp_path)
    if plane.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    gate = threading.Event()
    optimize = plane.runtime.optimize
    plane.runtime.optimize = lambda source: (gate.wait(30), optimize(source))[1]  # type: ignore[method-assign]
    old = plane.deploy("f", generated("OLD").encode())
    plane.delete_function("f")
    new = plane.deploy("f", generated("NEW").encode())
    gate.set()
    _join_upgrades()
    published = plane.registry.loaded("f", new.row.version)
    assert published.compiled.sha256 == new.row.sha256 != old.row.sha256
    out = published.function_for("viewer-request").invoke(
        (Path(__file__).resolve().parents[1] / "samples" / "events" / "viewer-request.json").read_bytes()
    )
    assert out.value["body"] == "NEW"
    plane.registry.close()


def test_many_deploys_in_a_row_do_not_exhaust_the_baseline_pool(tmp_path):
    plane = _plane(tmp_path)
    for i in range(60):  # superseded versions keep no ready instances while they wait to close
        deployed = plane.deploy(f"f{i % 3}", generated(f"v{i}").encode())
        assert deployed.row.sha256
    _join_upgrades()
    plane.registry.close()


def test_another_worker_serves_a_new_version_at_once_and_optimizes_it_too(tmp_path):
    """Worker B loads a version worker A deployed before A's optimized artifact exists."""
    import threading

    a = _plane(tmp_path)
    if a.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    b = _plane(tmp_path)  # same store and artifact directory: a second worker
    gate = threading.Event()
    optimize = a.runtime.optimize
    a.runtime.optimize = lambda source: (gate.wait(30), optimize(source))[1]  # type: ignore[method-assign]
    deployed = a.deploy("f", generated("hi").encode())
    assert deployed.optimizing
    a.replace_routing({"origins": {"site": {"root": "."}},  # routed, so loaded
                       "behaviors": [{"path": "/f", "origin": "site", "viewer_request": "f"}, {"path": "*", "origin": "site"}]})
    b.sync()
    loaded = b.registry.loaded("f", deployed.row.version)
    assert loaded is not None and loaded.compiled.fingerprint == b.runtime.baseline().engine.fingerprint
    assert eventually(lambda: b.registry.loaded("f", 1).compiled.fingerprint == b.runtime.engine.fingerprint, 30)
    assert b.catalog.describe_version("f", 1)["loaded"]["optimized"] is True
    gate.set()
    _join_upgrades()
    for plane in (a, b):
        plane.registry.close()


def test_a_new_version_starts_with_the_validated_answers_of_the_one_before(server):
    """A generated response's validation depends only on its bytes, so a new version (and the
    optimized code swapped in) starts with the memo of the version before it: a redeploy
    that answers as before does not validate its first answer on the request path."""
    from .control_helpers import padded

    def memo(version: int) -> dict:
        return _published(server, "same", version).function_for("viewer-request").generated_memo

    server.deploy("same", generated("v1"), alias="live")
    server.associate("/fn/*", "same:live")
    assert server.edge.get("/fn/a").text == "v1"
    assert "viewer-request" in memo(1)
    if server.state.plane.runtime.baseline() is not None:
        assert eventually(lambda: _optimized(server, "same", 1), timeout=30)
        assert "viewer-request" in memo(1)  # the optimized code's version kept it
    server.deploy("same", padded(generated("v1"), 4096), alias="live")  # other bytes, same answer
    assert memo(2)["viewer-request"] == memo(1)["viewer-request"]
    assert server.edge.get("/fn/a").text == "v1"
    server.deploy("same", generated("v3"), alias="live")  # a different answer is validated anew
    assert server.edge.get("/fn/a").text == "v3"
    assert memo(3)["viewer-request"][0] != memo(2)["viewer-request"][0]


@pytest.mark.parametrize(("value", "nice"), [(None, 19), ("7", 7), ("0", 0), ("20", 19), ("-5", 19), ("low", 19)])
def test_the_background_compile_runs_at_nice_19_unless_told(monkeypatch, value, nice):
    """EDGE_OPTIMIZE_NICE: 0-19; anything else is the default, 19 (with a warning)."""
    import os
    import threading

    from edge.runtime import priority, runtime

    if value is None:
        monkeypatch.delenv(priority.OPTIMIZE_NICE_ENV, raising=False)
    else:
        monkeypatch.setenv(priority.OPTIMIZE_NICE_ENV, value)
    seen: list[int] = []

    def compile_thread() -> None:  # as Runtime.optimize's thread starts
        runtime._lowest_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=compile_thread)
    thread.start()
    thread.join()
    assert seen == [nice]



@pytest.mark.parametrize("workers", [1, 2])
def test_with_sibling_workers_a_deploy_writes_its_baseline_artifact_before_it_commits(tmp_path, workers):
    """With --workers 2+ the other workers load a new version as soon as they are told
    (nudges.py): its baseline code's artifact is on disk by then, so they map it instead of
    compiling the module again while the deploy's answer waits for them. Alone, the artifact
    is written off the deploy's path (by the optimizing thread, after the answer)."""
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", workers=workers).start()
    try:
        compiler = s.state.plane.compiler
        baseline = compiler.runtime.baseline()
        if baseline is None:
            pytest.skip("this wasmtime has no baseline compiler")
        assert compiler.share_baseline is (workers > 1)
        prepared = compiler.prepare(generated(f"fresh {workers}").encode(), tiered=True)
        assert compiler.is_baseline(prepared.compiled)
        written = baseline.artifacts.exists(prepared.compiled.sha256, baseline.engine.fingerprint)
        assert written is (workers > 1)
    finally:
        s.stop()
