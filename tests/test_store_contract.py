"""What the control plane relies on from a store, checked on both: SQLite (a directory) and
PostgreSQL (a URL, a fresh schema of a real server per test)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from edge.control.rows import NodeInfo, NothingToWrite
from edge.control.store import StoreError, open_store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "store")
    return request.getfixturevalue("pg_url")


def _open(location, tmp_path, cache="cache"):
    return open_store(location, cache_dir=tmp_path / cache)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_transaction_that_raises_changes_nothing(location, tmp_path):
    store = _open(location, tmp_path)
    try:
        with store.write({_digest(b"one"): b"one"}) as tx:
            tx.insert_version("fn", _digest(b"one"), 3, "x", "{}", "", "api")
        revision = store.revision()
        with pytest.raises(RuntimeError):
            with store.write({_digest(b"two"): b"two"}) as tx:
                tx.insert_version("fn", _digest(b"two"), 3, "x", "{}", "", "api")
                tx.set_alias("fn", "live", 2, None)
                raise RuntimeError("boom")
        snap = store.snapshot()
        assert list(snap.versions["fn"]) == [1] and snap.aliases["fn"] == {}
        assert snap.revision == revision == 1
    finally:
        store.close()


def test_a_write_that_finds_its_work_done_ends_quietly_without_a_revision(location, tmp_path):
    """`NothingToWrite` (another node did it first): rolled back, no revision for other nodes
    to sync to, and no error for the caller."""
    store = _open(location, tmp_path)
    try:
        with store.write({_digest(b"one"): b"one"}) as tx:
            tx.insert_version("fn", _digest(b"one"), 3, "x", "{}", "", "api")
        with store.write() as tx:
            tx.set_alias("fn", "live", 1, None)
            raise NothingToWrite()
        assert store.revision() == 1 and store.snapshot().aliases["fn"] == {}
    finally:
        store.close()


def test_writers_on_several_connections_get_consecutive_numbers(location, tmp_path):
    stores = [_open(location, tmp_path, f"cache{i}") for i in range(4)]  # four nodes (or processes)
    data = b"\0asm\1\0\0\0"

    def publish(i: int) -> tuple[int, int]:
        store = stores[i % 4]
        with store.write({_digest(data): data}) as tx:
            number = tx.insert_version("fn", _digest(data), len(data), "x", "{}", "", "api").version
        return number, store.revision()

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(publish, range(40)))
        assert sorted(n for n, _ in results) == list(range(1, 41))
        snap = stores[3].snapshot()
        assert sorted(snap.versions["fn"]) == list(range(1, 41)) and snap.revision == 40
    finally:
        for store in stores:
            store.close()


def test_module_bytes_reach_another_node_through_the_store(location, tmp_path):
    data = b"module bytes"
    a, b = _open(location, tmp_path, "a"), _open(location, tmp_path, "b")
    try:
        with a.write({_digest(data): data}) as tx:
            tx.insert_version("fn", _digest(data), len(data), "x", "{}", "", "api")
        assert b.blobs.get(_digest(data)) == data
        assert b.blobs.path(_digest(data)).read_bytes() == data  # cached on that node
        assert b.referenced_blobs() == {_digest(data)}
    finally:
        a.close()
        b.close()


def test_a_version_an_alias_refers_to_cannot_be_deleted_even_by_mistake(location, tmp_path):
    store = _open(location, tmp_path)
    try:
        with store.write({_digest(b"m"): b"m"}) as tx:
            tx.insert_version("fn", _digest(b"m"), 1, "x", "{}", "", "api")
            tx.set_alias("fn", "live", 1, None)
        with pytest.raises(Exception):  # the schema's foreign keys back up the API's checks
            with store.write() as tx:
                tx.delete_version("fn", 1)
        assert 1 in store.snapshot().versions["fn"]
    finally:
        store.close()


def test_invalidations_and_routing_round_trip(location, tmp_path):
    store = _open(location, tmp_path)
    try:
        with store.write() as tx:
            first = tx.add_invalidation(["/a/*"])
            tx.set_routing({"behaviors": []}, "api", None)
        with store.write() as tx:
            second = tx.add_invalidation(["/b"])
        with store.read() as tx:
            assert tx.invalidations_after(0) == [(first, ["/a/*"]), (second, ["/b"])]
            assert tx.invalidations_after(first) == [(second, ["/b"])]
            assert tx.last_invalidation() == second
            assert tx.routing().document == {"behaviors": []}
    finally:
        store.close()


def test_heartbeats_make_the_node_registry(location, tmp_path):
    from edge.control.nodes import summarize

    store = _open(location, tmp_path)
    try:
        store.heartbeat(NodeInfo("fra1", "h1", 10, "fra1:80", "127.0.0.1:81"), 0)
        store.heartbeat(NodeInfo("fra1", "h1", 11, "fra1:80", "127.0.0.1:81"), 0)
        store.heartbeat(NodeInfo("ams1", "h2", 12, "ams1:80"), 0)
        store.heartbeat(NodeInfo("old", "h3", 13, "old:80"), 0, stopped=True)
        with store.write() as tx:
            tx.add_invalidation(["/x"])
        nodes = {n["name"]: n for n in summarize(store.nodes(), store.revision())}
        assert nodes["fra1"]["health"] == "behind" and len(nodes["fra1"]["workers"]) == 2
        assert nodes["old"]["health"] == "stopped"
        store.heartbeat(NodeInfo("fra1", "h1", 10, "fra1:80"), 1)
        store.heartbeat(NodeInfo("fra1", "h1", 11, "fra1:80"), 1)
        nodes = {n["name"]: n for n in summarize(store.nodes(), store.revision())}
        assert nodes["fra1"]["health"] == "ok" and nodes["fra1"]["applied_revision"] == 1
        assert nodes["ams1"]["health"] == "behind" and nodes["ams1"]["address"] == "ams1:80"
    finally:
        store.close()


def test_kill_9_inside_a_transaction_leaves_nothing_and_frees_the_writer(location, tmp_path):
    _open(location, tmp_path).close()
    child = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from edge.control.store import open_store
        store = open_store({location!r}, cache_dir=Path({str(tmp_path / 'child')!r}))
        with store.write() as tx:
            tx.ensure_function("fn")
            print("inside", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == b"inside"  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    store = _open(location, tmp_path)
    try:
        assert store.snapshot().functions == {} and store.revision() == 0
        with store.write({_digest(b"d"): b"d"}) as tx:  # the writer lock died with the process
            assert tx.insert_version("fn", _digest(b"d"), 1, "x", "{}", "", "api").version == 1
    finally:
        store.close()


def test_a_newer_schema_is_refused_naming_the_versions(pg_url, tmp_path):
    import psycopg

    _open(pg_url, tmp_path).close()
    _open(pg_url, tmp_path).close()  # migrations are applied once
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM edge_schema")] == [1]
        conn.execute("INSERT INTO edge_schema (version, name) VALUES (99, 'future')")
    with pytest.raises(StoreError, match="schema version 99, newer than this server's 1"):
        _open(pg_url, tmp_path)


def test_the_password_never_shows_in_errors_or_descriptions(pg_url, tmp_path, caplog):
    secret = "pw-Zq8xV3s3cret"
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    store = _open(url, tmp_path)  # trust auth: the password is sent, and ignored
    try:
        assert secret not in store.describe() and store.describe().startswith("postgresql://postgres@127.0.0.1")
    finally:
        store.close()
    unreachable = url.replace(":5432/", ":1/")
    with pytest.raises(StoreError) as failure:
        _open(unreachable, tmp_path)
    assert secret not in str(failure.value) and "127.0.0.1:1" in str(failure.value)
    assert secret not in caplog.text
