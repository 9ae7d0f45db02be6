"""The durable store on its own (real SQLite files), and manifest seeding through a real server."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from edge.control.store import Store, StoreError

from .control_helpers import ControlServer, generated, manifest_text


def test_a_transaction_that_raises_changes_nothing(tmp_path):
    store = Store(tmp_path)
    with store.write() as tx:
        tx.insert_version("fn", "a" * 64, 10, "edge-reactor/v1", "{}", "", "api")
    revision = store.revision()
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.insert_version("fn", "b" * 64, 10, "edge-reactor/v1", "{}", "", "api")
            tx.set_alias("fn", "live", 2, None)
            raise RuntimeError("boom")
    snap = store.snapshot()
    assert list(snap.versions["fn"]) == [1] and snap.aliases["fn"] == {}
    assert snap.revision == revision
    store.close()


def test_versions_are_numbered_consecutively_across_connections(tmp_path):
    stores = [Store(tmp_path) for _ in range(4)]  # four "processes" sharing one file

    def publish(i: int) -> int:
        with stores[i % 4].write() as tx:
            return tx.insert_version("fn", f"{i:064x}", 1, "x", "{}", "", "api").version

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(publish, range(40)))
    assert sorted(numbers) == list(range(1, 41))
    assert sorted(stores[0].snapshot().versions["fn"]) == list(range(1, 41))
    for store in stores:
        store.close()


def test_a_version_referenced_by_an_alias_cannot_be_deleted_even_by_mistake(tmp_path):
    store = Store(tmp_path)
    with store.write() as tx:
        tx.insert_version("fn", "a" * 64, 1, "x", "{}", "", "api")
        tx.set_alias("fn", "live", 1, None)
    with pytest.raises(sqlite3.IntegrityError):  # the schema's foreign keys back up the API's check
        with store.write() as tx:
            tx.db.execute("DELETE FROM versions WHERE function = 'fn' AND version = 1")
    assert 1 in store.snapshot().versions["fn"]
    store.close()


def test_a_newer_schema_is_refused_with_a_message(tmp_path):
    Store(tmp_path).close()
    db = sqlite3.connect(tmp_path / "control.db")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(tmp_path)


def test_blobs_are_content_addressed_and_written_once(tmp_path):
    store = Store(tmp_path)
    assert store.blobs.put("ab" * 32, b"first") is True
    assert store.blobs.put("ab" * 32, b"other") is False  # immutable: never rewritten
    assert store.blobs.get("ab" * 32) == b"first"
    assert not [p for p in store.blobs.directory.iterdir() if p.name.endswith(".tmp")]
    store.close()


def test_kill_9_inside_a_transaction_leaves_nothing(tmp_path):
    """A process killed between INSERT and COMMIT: the next reader sees the state before it."""
    Store(tmp_path).close()
    child = textwrap.dedent(f"""
        import sys, time
        from edge.control.store import Store
        store = Store({str(tmp_path)!r})
        with store.write() as tx:
            tx.insert_version("fn", "c" * 64, 1, "x", "{{}}", "", "api")
            tx.set_alias("fn", "live", 1, None)
            print("inside", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"inside"  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    store = Store(tmp_path)
    snap = store.snapshot()
    assert snap.versions == {} and snap.aliases == {}
    with store.write() as tx:  # the lock died with the process
        assert tx.insert_version("fn", "d" * 64, 1, "x", "{}", "", "api").version == 1
    store.close()


# -- the manifest seeds the store ------------------------------------------------------------


def _server(tmp_path: Path, function_body: str, behaviors: str) -> ControlServer:
    (tmp_path / "fn.wat").write_text(generated(function_body))
    functions = '[functions.fn]\nsource = "fn.wat"\n'
    (tmp_path / "m.toml").write_text(manifest_text(behaviors, functions))
    return ControlServer(tmp_path / "m.toml", tmp_path / "state").start()


FN_BEHAVIOR = '[[behaviors]]\npath = "/fn"\norigin = "site"\nviewer_request = "fn"\n'


def test_a_manifest_function_the_store_cannot_take_releases_what_was_built(tmp_path, monkeypatch):
    """Seeding builds a version (instances and all) inside the store's write; when that write
    fails, the version is closed, not left holding pool slots (a node that publishes its
    manifest once the database answers may retry many times)."""
    from edge.config.manifest import load_manifest
    from edge.control.publishing import Publisher
    from edge.control.rows import StoreError
    from edge.control.sqltx import SqlTx
    from edge.runtime import ModuleError

    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        built = []
        publish = Publisher.publish

        def capture(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            row, published = publish(self, *args, **kwargs)
            built.append(published)
            return row, published

        def refuse(self, name, digest):  # type: ignore[no-untyped-def]
            raise StoreError("the disk is full")

        monkeypatch.setattr(Publisher, "publish", capture)
        monkeypatch.setattr(SqlTx, "set_manifest_digest", refuse)
        (tmp_path / "fn.wat").write_text(generated("edited"))
        manifest = load_manifest(tmp_path / "m.toml")
        with pytest.raises((StoreError, ModuleError)):
            s.state.plane.seed(manifest, {"fn": (tmp_path / "fn.wat").read_bytes()})
        assert built and built[0] is not None
        assert all(fn._closed for fn in built[0].functions.values())
        assert s.edge.get("/fn").text == "one"  # what was served stays
    finally:
        s.stop()


def test_manifest_functions_publish_a_version_only_when_they_change(tmp_path):
    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        assert s.edge.get("/fn").text == "one"
        (version,) = s.admin.get("/v1/functions/fn/versions").json()["versions"]
        assert version["origin"] == "manifest" and version["version"] == 1
    finally:
        s.stop()
    s = _server(tmp_path, "one", FN_BEHAVIOR)  # unchanged manifest: nothing new
    try:
        assert [v["version"] for v in s.admin.get("/v1/functions/fn/versions").json()["versions"]] == [1]
        s.deploy("fn", generated("api"))  # version 2, through the API
        assert s.edge.get("/fn").text == "api"
    finally:
        s.stop()
    s = _server(tmp_path, "one", FN_BEHAVIOR)  # the API's version stays the latest
    try:
        assert s.edge.get("/fn").text == "api"
    finally:
        s.stop()
    s = _server(tmp_path, "edited", FN_BEHAVIOR)  # the manifest's module changed: version 3
    try:
        assert [v["version"] for v in s.admin.get("/v1/functions/fn/versions").json()["versions"]] == [1, 2, 3]
        assert s.edge.get("/fn").text == "edited"
    finally:
        s.stop()


def test_a_node_that_finds_the_manifest_published_meanwhile_adds_no_revision(tmp_path, monkeypatch):
    """Nodes starting together each read that a manifest function is not published yet; the
    first to write publishes it, the others find it done inside their write and leave the
    revision alone (three nodes starting on the samples took it from 21 to 51, and every extra
    revision sends every node to sync)."""
    from edge.config.manifest import load_manifest
    from edge.control.sqltx import SqlTx

    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        store = s.state.plane.store
        revision = store.revision()
        stale_function, stale_routing = SqlTx.function, SqlTx.routing
        in_write = threading.local()
        write = type(store).write

        def writing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            in_write.on = True
            return write(self, *args, **kwargs)

        # what another node read before this one published: nothing yet (outside a write)
        monkeypatch.setattr(type(store), "write", writing)
        monkeypatch.setattr(SqlTx, "function", lambda tx, name: stale_function(tx, name) if getattr(in_write, "on", False) else None)
        monkeypatch.setattr(SqlTx, "routing", lambda tx: stale_routing(tx) if getattr(in_write, "on", False) else None)
        s.state.plane.seed(load_manifest(tmp_path / "m.toml"), {"fn": (tmp_path / "fn.wat").read_bytes()})
        monkeypatch.undo()
        assert in_write.on  # it did go as far as the write
        assert store.revision() == revision
        assert [v["version"] for v in s.admin.get("/v1/functions/fn/versions").json()["versions"]] == [1]
    finally:
        s.stop()


def test_api_behaviors_survive_a_restart_until_the_manifest_changes(tmp_path):
    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        s.associate("/other", "fn")
        assert s.edge.get("/other").text == "one"
    finally:
        s.stop()
    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        assert s.admin.get("/v1/config").json()["source"] == "api"
        assert s.edge.get("/other").text == "one"
    finally:
        s.stop()
    s = _server(tmp_path, "one", FN_BEHAVIOR.replace("/fn", "/renamed"))
    try:
        assert s.admin.get("/v1/config").json()["source"] == "manifest"
        assert s.edge.get("/renamed").text == "one"
        assert s.edge.get("/other").status_code == 404
    finally:
        s.stop()


def test_manifest_behaviors_may_name_functions_deployed_through_the_api(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        s.deploy("api_fn", generated("from the api"), alias="live")
    finally:
        s.stop()
    behavior = '[[behaviors]]\npath = "/x"\norigin = "site"\nviewer_request = "api_fn:live"\n'
    (tmp_path / "m.toml").write_text(manifest_text(behavior))
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        assert s.edge.get("/x").text == "from the api"
    finally:
        s.stop()


# -- logs shared by worker processes ---------------------------------------------------------


async def test_shared_logs_show_every_workers_lines(tmp_path):
    from edge.control.logs import LogStore
    from edge.control.sharedlogs import SharedLogs
    from edge.runtime import LogLine, Outcome

    a = LogStore(shared=SharedLogs(tmp_path / "logs.db", interval=0.01))
    b = LogStore(shared=SharedLogs(tmp_path / "logs.db", interval=0.01))
    try:
        a.record_invocation("fn", "1", "req-a", "viewer-request", Outcome(logs=[LogLine("INFO", "from a")]))
        a.shared.flush()
        b.record_invocation("fn", "2", "req-b", "viewer-request", Outcome(logs=[LogLine("INFO", "from b")]))
        b.shared.flush()
        seen = a.query(function="fn")
        assert {(r.request_id, r.level) for r in seen} >= {("req-a", "START"), ("req-b", "REPORT")}
        assert [r.message for r in a.query(request_id="req-b") if r.level == "INFO"] == ["from b"]
        assert a.query(function="other") == []

        follow = a.follow("fn", None, backlog=1, keepalive=5)
        assert (await anext(follow)).request_id == "req-b"  # the newest record of the backlog
        b.record_invocation("fn", "2", "req-c", "viewer-request", Outcome())
        got = [await anext(follow) for _ in range(3)]
        assert [(r.request_id, r.level) for r in got] == [("req-c", "START"), ("req-c", "END"), ("req-c", "REPORT")]
        await follow.aclose()
    finally:
        a.shared.close()
        b.shared.close()


def test_a_shared_log_query_waits_for_a_write_in_progress(tmp_path, monkeypatch):
    """The writer thread takes the queue, renders and writes it as one step: a query made
    meanwhile (the admin API's invoke, right after its invocation) waits and sees its lines."""
    from edge.control import logs as logs_module
    from edge.control.logs import LogStore
    from edge.control.sharedlogs import SharedLogs
    from edge.runtime import Outcome

    records = logs_module.Invocation.records
    started = threading.Event()

    def slow_records(self):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(0.3)
        return records(self)

    monkeypatch.setattr(logs_module.Invocation, "records", slow_records)
    store = LogStore(shared=SharedLogs(tmp_path / "logs.db", interval=3600))
    try:
        store.record_invocation("fn", "1", "req-1", "viewer-request", Outcome())
        writer = threading.Thread(target=store.shared.flush)
        writer.start()
        assert started.wait(5)
        assert [r.level for r in store.query(request_id="req-1")] == ["START", "END", "REPORT"]
        writer.join(5)
    finally:
        store.shared.close()


def test_shared_logs_queue_is_bounded_by_bytes(tmp_path, monkeypatch):
    from edge.control import sharedlogs
    from edge.control.logs import LogStore
    from edge.runtime import LogLine, Outcome

    monkeypatch.setattr(sharedlogs, "MAX_PENDING_BYTES", 20_000)
    store = LogStore(shared=sharedlogs.SharedLogs(tmp_path / "logs.db", interval=3600))
    try:
        for i in range(100):  # ~1 KB each: most are dropped, not queued
            store.record_invocation("fn", "1", f"req-{i}", "viewer-request", Outcome(logs=[LogLine("INFO", "x" * 1000)]))
        assert store.shared._pending_bytes <= 20_000 and 0 < len(store.shared._pending) < 100
    finally:
        store.shared.close()


def test_a_function_the_unapplied_manifest_behaviors_name_can_be_deleted(tmp_path):
    """Behaviors replaced through the API win; deleting a function only the manifest's
    (superseded) behaviors name must not keep the server from starting again."""
    s = _server(tmp_path, "one", FN_BEHAVIOR)
    try:
        s.deploy("other", generated("other"))
        s.admin.put("/v1/behaviors", json={"behaviors": [
            {"path": "/other", "origin": "site", "viewer_request": "other"}, {"path": "*", "origin": "site"}]})
        s.deploy("extra", generated("x"))
    finally:
        s.stop()
    behavior = FN_BEHAVIOR + '[[behaviors]]\npath = "/extra"\norigin = "site"\nviewer_request = "extra"\n'
    (tmp_path / "m.toml").write_text(manifest_text(behavior, '[functions.fn]\nsource = "fn.wat"\n'))
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()  # the manifest changed: applied
    try:
        assert s.edge.get("/extra").text == "x"
        s.admin.put("/v1/behaviors", json={"behaviors": [{"path": "*", "origin": "site"}]})
        assert s.admin.delete("/v1/functions/extra").status_code == 200
    finally:
        s.stop()
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()  # unchanged manifest names 'extra'
    try:
        assert s.admin.get("/v1/config").json()["source"] == "api"
        assert s.admin.get("/v1/functions/extra").status_code == 404
    finally:
        s.stop()


def test_several_processes_creating_a_new_store_at_once_all_open_it(tmp_path):
    """Workers starting together on a fresh state directory: switching the new database to
    WAL must wait for the others, not fail with 'database is locked'."""
    import time

    code = (
        "import sys, time\n"
        "from edge.control.store import Store\n"
        "at = float(sys.argv[2])\n"
        "while time.time() < at: pass\n"
        "Store(sys.argv[1]).close()\n"
    )
    root = Path(__file__).resolve().parent.parent
    for attempt in range(3):
        directory = tmp_path / f"store{attempt}"
        at = str(time.time() + 1.5)  # every process starts its open at this moment
        procs = [subprocess.Popen([sys.executable, "-c", code, str(directory), at], cwd=root,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
