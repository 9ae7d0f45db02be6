"""Leftover collection (issue 12, item 9), on both stores: what interrupted deploys leave
(temporary files, unreferenced blobs) is collected at the next start, deleted versions'
blobs and artifacts after the delete, and nothing a version or a deploy in progress uses."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from edge.runtime.module import sha256, to_wasm

from .control_helpers import ControlServer, generated, manifest_text, serving
from .polling import eventually
from .fleet_helpers import wait_for


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """(store option for the server, local blob directory)."""
    if request.param == "sqlite":
        return None, tmp_path / "state" / "store" / "modules"
    return request.getfixturevalue("pg_url"), tmp_path / "state" / "cache" / "modules"


def _digest(module: str) -> str:
    return sha256(to_wasm(module))


def _artifacts(state: Path, digest: str) -> list[Path]:
    return list((state / "artifacts").glob(f"{digest}.*.cwasm"))


def _shared_blobs(url: str | None) -> set[str] | None:
    if url is None:
        return None
    with psycopg.connect(url, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT sha256 FROM blobs")}


def _start(tmp_path: Path, url: str | None) -> ControlServer:
    (tmp_path / "m.toml").write_text(manifest_text())
    return ControlServer(tmp_path / "m.toml", tmp_path / "state", store=url, tiering=False).start()


def test_deleted_versions_blobs_and_artifacts_are_collected_unless_still_referenced(store, tmp_path):
    url, blobs = store
    a, b, c = generated("a"), generated("b"), generated("c")
    server = _start(tmp_path, url)
    try:
        server.deploy("fn", a)                                           # 1: a
        server.deploy("fn", b)                                           # 2: b
        server.deploy("fn", a, settings='{"limits": {"timeout_ms": 900}}')  # 3: a again, other settings
        server.deploy("fn", generated("latest"))                         # 4
        server.deploy("other", c)
        state = tmp_path / "state"
        for module in (a, b, c):
            assert (blobs / f"{_digest(module)}.wasm").exists() and _artifacts(state, _digest(module))

        def gone(module: bytes) -> bool:  # a delete collects at once, or the watcher retries shortly
            return eventually(lambda: not (blobs / f"{_digest(module)}.wasm").exists()
                              and not _artifacts(state, _digest(module)), timeout=10)

        assert server.admin.delete("/v1/functions/fn/versions/2").status_code == 200
        assert gone(b)
        assert server.admin.delete("/v1/functions/fn/versions/1").status_code == 200
        assert (blobs / f"{_digest(a)}.wasm").exists() and _artifacts(state, _digest(a))  # version 3 has them
        assert server.admin.delete("/v1/functions/other").status_code == 200
        assert gone(c)
        if url is not None:
            expected = {_digest(a), _digest(generated("latest"))}
            assert eventually(lambda: _shared_blobs(url) == expected, timeout=10), _shared_blobs(url)
        assert server.edge.get("/").status_code == 200
        r = server.admin.post("/v1/functions/fn/invoke", params={"qualifier": "3"}, content=b"{}")
        assert r.status_code == 200 and r.json()["result"]["body"] == "a"  # version 3 still runs
    finally:
        server.stop()


def test_collection_waits_for_a_deploy_in_progress(store, tmp_path):
    url, blobs = store
    server = _start(tmp_path, url)
    try:
        server.deploy("fn", generated("keep"))
        plane = server.state.plane
        pending = blobs / f"{'e' * 64}.wasm"  # bytes an in-progress deploy wrote, not committed yet
        with plane.store.blobs.deploying():
            pending.write_bytes(b"in progress")
            assert plane.collect_leftovers().skipped
            assert pending.exists() and plane.collect_pending
        # then it is (the flag clears right after the files go: wait for both)
        wait_for(lambda: not pending.exists() and not plane.collect_pending, what="collection retried by the watcher")
        assert (blobs / f"{_digest(generated('keep'))}.wasm").exists()
    finally:
        server.stop()


def _plant_temporary(directory: Path, name: str) -> Path:
    """What an atomic write killed before its rename leaves (write_atomic's naming)."""
    path = directory / f".{name}.x1y2z3.tmp"
    path.write_bytes(b"partial")
    return path


def _holding_the_writer(url: str | None, state: Path):  # type: ignore[no-untyped-def]
    if url is None:
        lock = sqlite3.connect(state / "store" / "control.db", isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        return lock
    holder = psycopg.connect(url)
    holder.execute("SELECT value FROM edge_revision WHERE id = 1 FOR UPDATE")
    return holder


def test_kill_9_during_deploys_leaves_leftovers_collected_at_the_next_start(store, tmp_path):
    url, blobs = store
    manifest, state = tmp_path / "m.toml", tmp_path / "state"
    manifest.write_text(manifest_text())
    extra = ("--store", url) if url else ()
    kept = generated("kept")
    orphans = []
    with serving(tmp_path, manifest, state, *extra) as server, server.wait_ready().admin() as admin:
        assert admin.post("/v1/functions/fn/versions", content=kept).status_code == 201
        for round_ in range(2):  # deploys killed while waiting to commit: their blobs stay behind
            module = generated(f"killed {round_}")
            orphans.append(blobs / f"{_digest(module)}.wasm")
            holder = _holding_the_writer(url, state)
            outcome: list[object] = []
            thread = threading.Thread(target=lambda m=module: outcome.append(_post(admin, m)))
            thread.start()
            try:
                wait_for(lambda: orphans[-1].exists(), what="the killed deploy's blob")
                time.sleep(0.05)
                if round_ == 1:
                    server.kill9()
            finally:
                holder.rollback()
                holder.close()
                thread.join(30)
            if round_ == 0:
                assert outcome and getattr(outcome[0], "status_code", 0) == 201  # this one committed after all
                orphans.pop()
    temporaries = [_plant_temporary(blobs, f"{'f' * 64}.wasm"),
                   _plant_temporary(state / "artifacts", f"{'f' * 64}.abc.cwasm")]
    assert orphans[0].exists() and all(p.exists() for p in temporaries)
    with serving(tmp_path, manifest, state, *extra) as server, server.wait_ready().admin() as admin:
        assert not orphans[0].exists()
        assert not any(p.exists() for p in temporaries)
        assert (blobs / f"{_digest(kept)}.wasm").exists() and _artifacts(state, _digest(kept))
        versions = [v["version"] for v in admin.get("/v1/functions/fn/versions").json()["versions"]]
        assert versions == [1, 2]
    assert not [p for p in blobs.iterdir() if p.name.endswith(".tmp")]


def _post(admin: httpx.Client, module: str) -> object:
    try:
        return admin.post("/v1/functions/fn/versions", content=module)
    except httpx.HTTPError as exc:
        return exc
