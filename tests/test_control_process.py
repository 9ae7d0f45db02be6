"""The control plane across processes: `edge serve` restarted, killed with SIGKILL in the
middle of a deploy, and run with several workers. Every child is killed in `finally`."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from edge.runtime.module import sha256, to_wasm

from .conftest import plain_http_tls
from .control_helpers import generated, manifest_text, serving
from .polling import eventually

pytestmark = pytest.mark.timeout(120)


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text())
    return manifest, tmp_path / "state"


def _deploy(admin: httpx.Client, name: str, module: str, alias: str | None = None) -> dict:
    r = admin.post(f"/v1/functions/{name}/versions", content=module, params={"alias": alias} if alias else {})
    assert r.status_code in (200, 201), r.text
    return r.json()


def _associate(admin: httpx.Client, behaviors: list[dict]) -> None:
    r = admin.put("/v1/behaviors", json={"behaviors": [*behaviors, {"path": "*", "origin": "site"}]})
    assert r.status_code == 200, r.text


def test_restart_restores_everything_and_serves_without_recompiling(tmp_path):
    manifest, state = _setup(tmp_path)
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        _deploy(admin, "fn", generated("one"), alias="live")
        _deploy(admin, "fn", generated("two"))
        _deploy(admin, "fn", generated("three"))
        assert admin.put("/v1/functions/fn/aliases/live",
                         json={"version": 1, "canary": {"version": 2, "weight": 0.5}}).status_code == 200
        assert admin.put("/v1/functions/fn/aliases/beta", json={"version": 3}).status_code == 200
        _associate(admin, [
            {"path": "/live", "origin": "site", "viewer_request": "fn:live", "cache": "disabled"},
            {"path": "/beta", "origin": "site", "viewer_request": "fn:beta"},
            {"path": "/v2", "origin": "site", "viewer_request": "fn:2"},
        ])
        before = {path: admin.get(path).json() for path in ("/v1/functions", "/v1/functions/fn", "/v1/config")}
        # the optimized code compiles in the background after each deploy and is saved as the
        # artifact when done: a stop before that leaves only the baseline code to restart from
        assert eventually(lambda: admin.get("/v1/status").json()["optimizing"] == [], 60)
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        after = {path: admin.get(path).json() for path in ("/v1/functions", "/v1/functions/fn", "/v1/config")}
        for version in after["/v1/functions/fn"]["versions"]:
            version.pop("loaded")
        for version in before["/v1/functions/fn"]["versions"]:
            version.pop("loaded")
        assert after == before
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/beta").text == "three" and edge.get("/v2").text == "two"
            assert {edge.get("/live").text for _ in range(40)} == {"one", "two"}
        for number in (1, 2, 3):  # every active version came from its precompiled artifact
            loaded = admin.get(f"/v1/functions/fn/versions/{number}").json()["loaded"]
            assert loaded is not None and loaded["from_artifact"] is True, loaded


def test_kill_9_in_the_middle_of_a_deploy_leaves_the_previous_state(tmp_path):
    manifest, state = _setup(tmp_path)
    v2 = generated("two")
    blob = state / "store" / "modules" / f"{sha256(to_wasm(v2))}.wasm"
    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        _deploy(admin, "fn", generated("one"), alias="live")
        _associate(admin, [{"path": "/fn", "origin": "site", "viewer_request": "fn:live"}])
        # Hold the store's write lock: the deploy gets as far as its blob, then waits to commit.
        lock = sqlite3.connect(state / "store" / "control.db", isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        outcome: list[object] = []

        def deploy() -> None:
            try:
                outcome.append(admin.post("/v1/functions/fn/versions", content=v2, params={"alias": "live"}))
            except httpx.HTTPError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=deploy)
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while not blob.exists():
                assert time.monotonic() < deadline, "the deploy never wrote its blob"
                time.sleep(0.01)
            time.sleep(0.05)
            server.kill9()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
            thread.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)

    with serving(tmp_path, manifest, state) as server, server.wait_ready().admin() as admin:
        versions = admin.get("/v1/functions/fn/versions").json()["versions"]
        assert [v["version"] for v in versions] == [1]
        assert admin.get("/v1/functions/fn").json()["aliases"]["live"]["version"] == 1
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/fn").text == "one"
        again = _deploy(admin, "fn", v2, alias="live")  # the same deploy, retried: number 2, the stored blob
        assert again["version"] == 2 and again["created"] is True
        with httpx.Client(base_url=server.url) as edge:
            assert edge.get("/fn").text == "two"


def test_a_deploy_through_one_worker_is_served_by_all(tmp_path):
    manifest, state = _setup(tmp_path)
    with serving(tmp_path, manifest, state, "--workers", "2") as server, server.wait_ready().admin() as admin:
        _deploy(admin, "fn", generated("one"), alias="live")
        _associate(admin, [{"path": "/fn", "origin": "site", "viewer_request": "fn:live", "cache": "disabled"}])
        _wait_all_workers(server.url, "one")
        _deploy(admin, "fn", generated("two"), alias="live")
        _wait_all_workers(server.url, "two")
        r = admin.put("/v1/functions/fn/aliases/live", json={"version": 1})  # rollback propagates the same way
        assert r.status_code == 200
        _wait_all_workers(server.url, "one")
        # Logs: whichever worker answers the admin request shows every worker's invocations.
        ids = set()
        for _ in range(10):
            with httpx.Client(base_url=server.url) as client:
                ids.add(client.get("/fn", headers={"Connection": "close"}).headers["x-amz-cf-id"])
        deadline = time.monotonic() + 10  # each worker writes its lines to the shared file every 100 ms
        for request_id in ids:
            while True:
                params = {"function": "fn", "request_id": request_id}
                records = admin.get("/v1/logs", params=params).json()["records"]
                if records or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert [r["level"] for r in records] == ["START", "END", "REPORT"], records


def _wait_all_workers(url: str, expected: str, timeout: float = 10) -> None:
    """Until both worker processes (told apart by their Via node id) answer `expected`."""
    deadline = time.monotonic() + timeout
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        with httpx.Client(base_url=url, verify=plain_http_tls()) as client:  # a new connection: either worker may take it
            r = client.get("/fn", headers={"Connection": "close"})
        seen[r.headers["via"]] = r.text if r.status_code == 200 else f"status {r.status_code}"  # not there yet
        if len(seen) >= 2 and set(seen.values()) == {expected}:
            return
    raise AssertionError(f"workers did not all serve {expected!r} within {timeout} s: {seen}")
