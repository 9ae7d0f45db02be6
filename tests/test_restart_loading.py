"""Restarts with JavaScript functions deployed: `edge serve` on loopback with a real store and
real modules built from JavaScript by the admin API (beside small WAT ones). A restart loads from the artifacts only the
versions the behaviors route to; the others load when asked for and serve correctly; a damaged
artifact on disk is rebuilt, not a crash; baseline code a stop left behind is mapped, not compiled."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from .control_helpers import generated, manifest_text, serving
from .polling import eventually

pytestmark = pytest.mark.timeout(240)

EVENT = (Path(__file__).parents[1] / "samples/events/viewer-request.json").read_text()


def handler(text: str) -> str:
    """A Lambda@Edge viewer-request handler whose generated response says `text`."""
    return ("exports.handler = async () => ({status: '200', statusDescription: 'OK', headers: {'content-type': "
            f"[{{key: 'Content-Type', value: 'text/plain'}}]}}, body: {json.dumps(text)}}});\n")


def deploy(admin: httpx.Client, name: str, text: str, alias: str | None = None, *, js: bool = True) -> dict:
    """A version answering `text`: built from JavaScript by the server, or (`js=False`) a small WAT
    module, where what is checked is the same for any module (each JavaScript one costs its build
    and, in the background, ~2-3 s of Cranelift on the engine's code)."""
    params = {"alias": alias} if alias else {}
    if js:
        params["filename"] = "index.js"
    r = admin.post(f"/v1/functions/{name}/versions", content=handler(text) if js else generated(text),
                   params=params)
    assert r.status_code == 201, r.text
    return r.json()


def route(admin: httpx.Client, routes: dict[str, str]) -> None:
    behaviors = [{"path": path, "origin": "site", "viewer_request": target, "cache": "disabled"}
                 for path, target in routes.items()]
    r = admin.put("/v1/behaviors", json={"behaviors": [*behaviors, {"path": "*", "origin": "site"}]})
    assert r.status_code == 200, r.text


def optimized(admin: httpx.Client) -> bool:
    return admin.get("/v1/status").json()["optimizing"] == []


def loaded(admin: httpx.Client) -> list[str]:
    return admin.get("/v1/status").json()["loaded"]


def invoke(admin: httpx.Client, name: str, qualifier: str | None = None) -> str:
    out = admin.post(f"/v1/functions/{name}/invoke", content=EVENT,
                     params={"qualifier": qualifier} if qualifier else {}).json()
    assert out["ok"], out
    return out["result"]["body"]


def test_a_restart_loads_what_the_behaviors_route_to_and_the_rest_when_asked(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text())
    state = tmp_path / "state"
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        # JavaScript: a:1 (routed: loaded at the restart) and b:1 (loaded when asked); the rest WAT
        deploy(admin, "a", "a one", alias="live")
        deploy(admin, "a", "a two", js=False)  # staged: the alias stays on version 1
        deploy(admin, "b", "b one")  # no behavior names b
        deploy(admin, "c", "c one", js=False)
        deploy(admin, "d", "d one", alias="beta", js=False)  # an alias no behavior uses
        route(admin, {"/a": "a:live", "/c": "c"})
        assert eventually(lambda: optimized(admin), 120)  # every optimized artifact stored

    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        assert loaded(admin) == ["a:1", "c:1"]  # a:2, b:1 and d:1 were not loaded for the start
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/a").text == "a one" and edge.get("/c").text == "c one"
        described = admin.get("/v1/functions/a/versions/1").json()["loaded"]
        assert described["from_artifact"] is True and described["optimized"] is True
        assert admin.get("/v1/functions/a/versions/2").json()["loaded"] is None

        # asked for, each serves correctly: a test invoke, a behavior, an alias move
        assert invoke(admin, "b") == "b one" and invoke(admin, "a", "2") == "a two"
        assert invoke(admin, "d", "beta") == "d one"
        route(admin, {"/a": "a:live", "/c": "c", "/b": "b"})
        assert admin.put("/v1/functions/a/aliases/live", json={"version": 2}).status_code == 200
        with httpx.Client(base_url=server.url) as edge:  # loaded before the change applied: no 503
            assert edge.get("/b").text == "b one" and edge.get("/a").text == "a two"
        assert {"a:2", "b:1", "c:1"} <= set(loaded(admin))
        assert admin.get("/v1/functions/b/versions/1").json()["loaded"]["from_artifact"] is True


def test_a_damaged_artifact_is_rebuilt_at_restart_not_a_crash(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text())
    state = tmp_path / "state"
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        a = deploy(admin, "a", "a one", alias="live")  # JavaScript
        b = deploy(admin, "b", "b one", alias="live", js=False)
        route(admin, {"/a": "a:live", "/b": "b:live"})
        assert eventually(lambda: optimized(admin), 120)
    artifacts = state / "artifacts"
    [of_a] = artifacts.glob(f"{a['sha256']}.*.cwasm")
    [of_b] = artifacts.glob(f"{b['sha256']}.*.cwasm")
    whole = of_a.read_bytes()
    sizes = {of_a: len(whole), of_b: of_b.stat().st_size}
    for path, damaged in ((of_a, whole[: len(whole) // 3]), (of_b, b"\x7fELF" + bytes(4096))):
        path.unlink()  # (a file is replaced, never written in place: running workers map them)
        path.write_bytes(damaged)  # a torn copy of an artifact, and garbage

    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        pid = admin.get("/v1/status").json()["pid"]
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/a").text == "a one" and edge.get("/b").text == "b one"
        assert eventually(lambda: optimized(admin), 120)  # recompiled, optimized code stored again
        assert admin.get("/v1/status").json()["pid"] == pid  # the same worker: nothing crashed
        assert of_a.stat().st_size > 1024 * 1024  # the JavaScript function's whole optimized code
        for path in (of_a, of_b):  # rewritten whole (an artifact of the same module and engine), read-only
            assert path.stat().st_size == sizes[path] and path.stat().st_mode & 0o222 == 0
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/a").text == "a one" and edge.get("/b").text == "b one"
        described = admin.get("/v1/functions/a/versions/1").json()["loaded"]
        assert described["from_artifact"] is True and described["optimized"] is True  # the rebuilt one


def test_a_stop_before_the_optimized_compile_leaves_baseline_code_that_a_restart_maps(tmp_path):
    """A restart (a second control plane on the same state) while the first one's optimized
    compile has not finished: the version is mapped from its baseline artifact, not compiled
    again, serves, and is optimized in the background."""
    from .test_tiering import _join_upgrades, _plane

    first = _plane(tmp_path)
    if first.runtime.baseline() is None:
        pytest.skip("this wasmtime has no baseline compiler")
    gate = threading.Event()
    optimize = first.runtime.optimize
    first.runtime.optimize = lambda source: (gate.wait(60), optimize(source))[1]  # type: ignore[method-assign]
    deployed = first.deploy("f", generated("hi").encode(), alias="live")
    assert deployed.optimizing
    baseline_artifact = first.runtime.baseline().artifacts.path(deployed.row.sha256,
                                                                first.runtime.baseline().engine.fingerprint)
    assert eventually(baseline_artifact.exists, 30)  # written after the deploy answered, before optimizing
    first.replace_routing({"origins": {"site": {"root": "."}},
                           "behaviors": [{"path": "/f", "origin": "site", "viewer_request": "f:live"},
                                         {"path": "*", "origin": "site"}]})
    restarted = _plane(tmp_path)  # syncs: loads what the behaviors route to
    published = restarted.registry.loaded("f", 1)
    baseline = restarted.runtime.baseline()
    assert published is not None and baseline is not None
    assert published.compiled.fingerprint == baseline.engine.fingerprint and published.compiled.from_artifact
    assert restarted.catalog.describe_version("f", 1)["loaded"]["from_artifact"] is True
    out = published.function_for("viewer-request").invoke(EVENT.encode())
    assert out.value["body"] == "hi"
    assert eventually(lambda: restarted.registry.loaded("f", 1).compiled.fingerprint
                      == restarted.runtime.engine.fingerprint, 60)
    assert not baseline_artifact.exists()  # the optimized artifact replaces it
    gate.set()
    _join_upgrades()
    for plane in (first, restarted):
        plane.registry.close()


def test_an_unchanged_manifest_function_is_not_compiled_again_at_a_restart(tmp_path):
    """The manifest published it before: a restart compiles nothing for the manifest's sake (it
    is loaded from its artifact, as any stored version, when a behavior routes to it)."""
    from edge.control import routing
    from edge.control.plane import ControlPlane
    from edge.control.registry import Registry
    from edge.control.store import Store
    from edge.runtime import Runtime

    (tmp_path / "f.wat").write_text(generated("from the manifest"))
    (tmp_path / "m.toml").write_text(manifest_text(
        extra_behaviors='[[behaviors]]\npath = "/f"\norigin = "site"\nviewer_request = "f"\n',
        functions='[functions.f]\nsource = "f.wat"\n'))

    def start() -> ControlPlane:
        runtime = Runtime(artifact_dir=tmp_path / "artifacts")
        manifest = routing.load_manifest(str(tmp_path / "m.toml"), set())
        plane = ControlPlane(Store(tmp_path / "store"), runtime, Registry(runtime), manifest)
        plane.seed(manifest, {"f": (tmp_path / "f.wat").read_bytes()})
        plane.sync()
        return plane

    from .test_tiering import _join_upgrades

    first = start()
    assert first.registry.loaded("f", 1) is not None
    _join_upgrades()  # its artifacts written
    first.registry.close()
    compiled: list[bytes] = []
    from edge.control import compiling

    prepare = compiling.Compiler.prepare

    def counting(self, source, **kw):  # type: ignore[no-untyped-def]
        compiled.append(source)
        return prepare(self, source, **kw)

    compiling.Compiler.prepare = counting  # type: ignore[method-assign]
    try:
        again = start()
    finally:
        compiling.Compiler.prepare = prepare  # type: ignore[method-assign]
    assert compiled == []  # nothing prepared: its bytes and settings are what the manifest published
    published = again.registry.loaded("f", 1)
    assert published is not None and published.compiled.from_artifact
    with again.store.read() as tx:
        assert [row.version for row in tx.versions("f")] == [1]
    again.registry.close()
