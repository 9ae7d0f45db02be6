"""A database that stops answering WITHOUT dropping the connection: a hung PostgreSQL, a stalled
VM or pooler. TCP cannot tell (the kernel at the other end still accepts and acknowledges), so
keepalives and tcp_user_timeout never fire; only the store's own deadlines on every answer
(edge/fleet/answers.py) notice. Before them a node behind such a database reported itself
ready for minutes, its admin writes hung (and committed when the database resumed), its pool's
connections stayed stuck (503 store_busy ever after), and a stop took 16 s.

The stall is real: a TCP relay to the test PostgreSQL in a child process, paused with SIGSTOP
(connections stay open, new ones are accepted by the kernel, nothing answers) and resumed with
SIGCONT. PostgreSQL keeps running for the other node, which goes on changing things."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Self

import httpx
import pytest

from edge.control.rows import StoreBusy, StoreError, StoreUnavailable
from edge.fleet.answers import ANSWER_TIMEOUT

from .control_helpers import ControlServer, generated, manifest_text
from .fleet_helpers import fresh_schema, metric, wait_for, wait_served

pytestmark = pytest.mark.timeout(60)

RELAY = r"""
import socket, sys, threading
target = ("127.0.0.1", int(sys.argv[1]))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)

def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

while True:
    client, _ = listener.accept()
    try:
        upstream = socket.create_connection(target, timeout=5)
    except OSError:
        client.close()
        continue
    upstream.settimeout(None)
    for pair in ((client, upstream), (upstream, client)):
        threading.Thread(target=pump, args=pair, daemon=True).start()
"""


class StallingRelay:
    """A loopback TCP relay to the test PostgreSQL, in a child process that can be paused
    (SIGSTOP: what a hung database looks like from a node) and resumed (SIGCONT)."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port = target_port
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        self.proc = subprocess.Popen([sys.executable, "-c", RELAY, str(self.target_port)], stdout=subprocess.PIPE,
                                     text=True)
        self.port = int(self.proc.stdout.readline())  # type: ignore[union-attr]
        return self

    def url(self, url: str) -> str:
        assert f":{self.target_port}/" in url
        return url.replace(f":{self.target_port}/", f":{self.port}/")

    def stall(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)  # type: ignore[union-attr]

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.kill()  # a stopped process is killed all the same
            self.proc.wait(5)
            self.proc.stdout.close()  # type: ignore[union-attr]


def _readyz(node: ControlServer) -> dict:
    r = node.admin.get("/readyz", timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def _timed(call):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    value = call()
    return value, time.monotonic() - start


def test_a_stalled_database_is_noticed_and_changes_are_refused_in_bounded_time(pg_database, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with fresh_schema(pg_database) as url, StallingRelay() as relay:
        other = ControlServer(tmp_path / "m.toml", tmp_path / "other", store=url, node_name="other").start()
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=relay.url(url), node_name="pop").start()
        try:
            other.deploy("fn", generated("v1"), alias="live")
            other.deploy("fn", generated("v2"))
            other.associate("/fn", "fn:live")
            wait_served([node, other], "/fn", "v1")
            assert _readyz(node)["status"] == "ready"

            relay.stall()
            stalled = time.monotonic()
            # 1. The node notices by itself (its watcher's next read is not answered): degraded, with the cause.
            health = wait_for(lambda: (h := _readyz(node))["status"] == "degraded" and h, timeout=ANSWER_TIMEOUT + 4,
                              what="a degraded /readyz")
            noticed = time.monotonic() - stalled
            assert f"did not answer within {ANSWER_TIMEOUT:g} s" in health["store"]["error"], health
            assert health["store"]["up"] is False
            # (both nodes share this process's metrics registry: `other` samples its own, up, each second)
            wait_for(lambda: metric(node, "edge_store_up") == 0, timeout=5, what="edge_store_up 0")
            assert node.edge.get("/fn").text == "v1"  # still serving what it has

            # 2. A change through it is refused as the documented 503, within its bound, nothing changed.
            r, took = _timed(lambda: node.admin.put("/v1/functions/fn/aliases/live", json={"version": 2}))
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "store_unavailable", r.text
            assert r.headers["Retry-After"] == "5"
            assert took < ANSWER_TIMEOUT + 2.5, took
            # a read that needs the database too
            r, took_read = _timed(lambda: node.admin.get("/v1/functions"))
            assert r.status_code == 503 and r.json()["error"]["code"] == "store_unavailable", r.text
            assert took_read < ANSWER_TIMEOUT + 2.5, took_read

            # 3. Meanwhile another node changes something; the stalled one resumes and catches up.
            other.deploy("fn", generated("v3"))
            r = other.admin.put("/v1/functions/fn/aliases/live", json={"version": 3})
            assert r.status_code == 200, r.text
            relay.resume()
            wait_for(lambda: _readyz(node)["status"] == "ready", timeout=6, what="ready again")
            wait_served([node, other], "/fn", "v3", timeout=5)
            wait_for(lambda: metric(node, "edge_store_up") == 1, timeout=5, what="edge_store_up 1")
            # the refused move did not apply when the database resumed (its COMMIT was never sent)
            time.sleep(0.3)
            aliases = other.admin.get("/v1/functions/fn/aliases").json()["aliases"]
            assert [(a["name"], a["version"]) for a in aliases] == [("live", 3)], aliases
            print(f"\nnoticed after {noticed:.2f} s; write refused in {took:.2f} s, read in {took_read:.2f} s")
        finally:
            node.stop()
            other.stop()


def test_concurrent_calls_on_a_stalled_database_are_unavailable_not_busy(pg_url, tmp_path):
    """Every pooled connection stuck on the stalled peer: the calls end within their bound as
    unavailable (not busy), and once the database is cut for good the stuck connections are gone
    (no store_busy from a pool full of them)."""
    from edge.fleet.pgstore import PgStore

    with StallingRelay() as relay:
        store = PgStore(relay.url(pg_url), tmp_path / "cache")
        try:
            assert store.revision() == 0
            relay.stall()
            outcomes: list[tuple[type, float]] = []

            def call() -> None:
                start = time.monotonic()
                try:
                    store.revision()
                    outcomes.append((type(None), time.monotonic() - start))
                except StoreError as exc:
                    outcomes.append((type(exc), time.monotonic() - start))

            threads = [threading.Thread(target=call) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(15)
            assert len(outcomes) == 6, outcomes
            print("\n", sorted((kind.__name__, round(took, 2)) for kind, took in outcomes))
            assert all(kind is StoreUnavailable for kind, _ in outcomes), outcomes
            assert not any(issubclass(kind, StoreBusy) for kind, _ in outcomes), outcomes
            # the first within the answer's bound; the others within the pool's checkout and one connection attempt
            assert min(took for _, took in outcomes) < ANSWER_TIMEOUT + 0.5, outcomes
            assert max(took for _, took in outcomes) < 5 + 3, outcomes
            assert store.health.up is False and "did not answer" in store.health.error
            stats = store.pool.get_stats()
            assert stats.get("pool_available", 0) == 0 or stats.get("pool_size", 0) < 4, stats
        finally:
            relay.__exit__()  # cut for good: the relay's connections are reset
            with pytest.raises(StoreUnavailable) as caught:
                store.revision()
            assert not isinstance(caught.value, StoreBusy), caught.value
            store.close()


def test_a_stop_while_the_database_is_stalled_is_prompt(pg_database, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with fresh_schema(pg_database) as url, StallingRelay() as relay:
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=relay.url(url), node_name="pop").start()
        stopped = False
        try:
            node.deploy("fn", generated("v1"))
            relay.stall()
            time.sleep(0.5)  # a watcher read and a heartbeat are in flight, unanswered
            # an admin write waiting on the stalled database when the stop comes
            pending = threading.Thread(target=lambda: httpx.put(
                f"{node.admin_url}/v1/functions/fn/aliases/live", json={"version": 1}, timeout=10,
                headers=dict(node.admin.headers)), daemon=True)
            pending.start()
            time.sleep(0.2)
            _, took = _timed(node.stop)
            stopped = True
            assert not node._thread.is_alive()
            assert took < 4.0, took
            print(f"\nstopped in {took:.2f} s")
        finally:
            if not stopped:
                node.stop()
            with contextlib.suppress(Exception):
                relay.resume()


def test_a_change_before_the_node_noticed_is_refused_within_the_answers_bound(pg_url, tmp_path):
    """The first call to meet the stall (here an admin write, before the watcher's next read)
    finds out itself: its connection check is not answered."""
    (tmp_path / "m.toml").write_text(manifest_text())
    with StallingRelay() as relay:
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=relay.url(pg_url), node_name="pop").start()
        try:
            node.deploy("fn", generated("v1"), alias="live")
            relay.stall()
            r, took = _timed(lambda: node.admin.put("/v1/functions/fn/aliases/live", json={"version": 1}))
            assert r.status_code == 503 and r.json()["error"]["code"] == "store_unavailable", r.text
            assert "did not answer within" in r.json()["error"]["message"] and "nothing was changed" in r.text
            assert took < ANSWER_TIMEOUT + 1, took
            assert _readyz(node)["status"] == "degraded"
        finally:
            node.stop()


def test_a_commit_that_goes_unanswered_says_the_change_may_be_applied(pg_url, tmp_path, monkeypatch):
    """The one case a refused change may still happen: the database stopped answering while
    the COMMIT was on its way. The error says to check the state (not "nothing was changed"),
    and indeed the change is applied when the database resumes."""
    from edge.control.errors import ControlError
    from edge.control.rows import StoreOutcomeUnknown
    from edge.fleet import pgstore

    finish = pgstore.PgStore._finish
    with StallingRelay() as relay:
        store = pgstore.PgStore(relay.url(pg_url), tmp_path / "cache")
        try:
            assert store.revision() == 0

            def stall_at_commit(self, conn, *, commit):  # type: ignore[no-untyped-def]
                if commit:
                    relay.stall()
                finish(self, conn, commit=commit)

            monkeypatch.setattr(pgstore.PgStore, "_finish", stall_at_commit)
            with pytest.raises(StoreOutcomeUnknown) as caught, store.write():
                pass  # the write raises the revision: that is the change
            monkeypatch.setattr(pgstore.PgStore, "_finish", finish)
            error = caught.value
            assert isinstance(error, StoreUnavailable) and isinstance(error, ControlError)
            assert (error.status, error.code, error.headers) == (503, "store_unavailable", {"Retry-After": "5"})
            assert "may or may not be applied" in error.message and "`edge versions NAME`" in error.message
            assert store.health.up is False

            relay.resume()  # the COMMIT it was holding reaches the database
            assert wait_for(lambda: _revision_or_none(store) == 1, timeout=8, what="the change applied")
        finally:
            store.close()


def _revision_or_none(store) -> int | None:  # type: ignore[no-untyped-def]
    try:
        return store.revision()
    except StoreUnavailable:
        return None
