"""The store's answers at their edges (edge/fleet/answers.py, pgstore.py): a connection that
ends while a change's COMMIT is on its way, a heartbeat's COMMIT unanswered, the answer
timeout an operator sets in the store URL, and `edge serve`'s start notes on a database that
stops answering once connected. (The watchdog and reused descriptor numbers:
test_fleet_deadlines.py.)

The faults are real: an in-process loopback relay to the test PostgreSQL reads the client's
side of the protocol (plaintext: the URLs here set sslmode=disable) and, on the COMMIT of a
write transaction that sent a given statement, forwards the COMMIT and then either closes both
connections (a pooler or relay that crashed: PostgreSQL commits what it received) or stops
forwarding (a stall)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Self

import pytest

from edge.control.rows import (
    NodeInfo,
    StoreError,
    StoreOutcomeUnknown,
    StoreUnavailable,
)
from edge.fleet import answers

from .control_helpers import ControlServer, generated, manifest_text
from .fleet_helpers import wait_for

pytestmark = pytest.mark.timeout(60)

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # psycopg's commit: a simple query


@dataclass
class _Link:
    client: socket.socket
    upstream: socket.socket
    writing: bool = False  # inside a READ WRITE transaction
    marked: bool = False  # ... that sent the marker
    cut: bool = False  # nothing more reaches the client
    stalled: bool = False  # nothing more reaches the server

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class Relay:
    """A loopback relay to the test PostgreSQL, in threads. `at_commit(marker, action)`: the next
    COMMIT of a read-write transaction whose statements contained `marker` is forwarded, then
    "kill" closes both connections, "stall" forwards nothing more either way. `stall_queries`:
    every connection's first query (and all after) is held: connected, then silent."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: list[_Link] = []
        self.marker: bytes | None = None
        self.action = ""
        self.fired = threading.Event()
        self.stall_queries = False
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def url(self, url: str) -> str:
        assert ":5432/" in url
        return url.replace(":5432/", f":{self.port}/") + ("&" if "?" in url else "?") + "sslmode=disable"

    def at_commit(self, marker: bytes, action: str) -> None:
        with self._lock:
            self.marker, self.action = marker, action
            self.fired.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", 5432), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            link = _Link(client, upstream)
            with self._lock:
                self.links.append(link)
            threading.Thread(target=self._to_server, args=(link,), daemon=True).start()
            threading.Thread(target=self._to_client, args=(link,), daemon=True).start()

    def _to_server(self, link: _Link) -> None:
        try:
            while data := link.client.recv(65536):
                if link.stalled:
                    continue
                if self.stall_queries and data[:1] in (b"Q", b"P"):
                    link.stalled = True
                    continue
                if data.startswith(b"Q") and b"BEGIN" in data:
                    link.writing, link.marked = b"READ WRITE" in data, False
                action = None
                with self._lock:
                    if self.marker is not None and self.marker in data:
                        link.marked = True
                    if COMMIT in data and link.writing and link.marked and self.marker is not None:
                        action, self.marker = self.action, None
                        link.cut = True  # the database's answer to this COMMIT never reaches the node
                link.upstream.sendall(data)
                if action == "kill":
                    self.fired.set()  # before the close: the node's answer to its request follows the close at once
                    link.close()
                    return
                if action == "stall":
                    link.stalled = True
                    self.fired.set()
        except OSError:
            pass
        link.close()

    def _to_client(self, link: _Link) -> None:
        try:
            while data := link.upstream.recv(65536):
                if not link.cut:
                    link.client.sendall(data)
        except OSError:
            pass
        if not link.stalled:
            link.close()

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        with self._lock:
            links = list(self.links)
        for link in links:
            link.close()


# -- 1. a connection that ends during a change's COMMIT ------------------------------------------


def test_a_connection_lost_during_a_changes_commit_is_outcome_unknown_not_nothing_changed(pg_url, tmp_path):
    """A pooler or relay that crashes as the COMMIT passes: PostgreSQL received it and commits,
    the node sees a closed connection. Before, that was "nothing was changed, try again" (and a
    retry published a duplicate or moved an alias twice)."""
    (tmp_path / "m.toml").write_text(manifest_text())
    with Relay() as relay:
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=relay.url(pg_url), node_name="pop").start()
        try:
            node.deploy("fn", generated("v1"), alias="live")
            node.deploy("fn", generated("v2"))
            relay.at_commit(b"INTO aliases", "kill")
            r = node.admin.put("/v1/functions/fn/aliases/live", json={"version": 2})
            assert relay.fired.is_set()
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            assert error["code"] == "store_unavailable", r.text
            assert "may or may not be applied" in error["message"] and "`edge versions NAME`" in error["message"], r.text
            assert "nothing was changed" not in r.text, r.text
            # and indeed it was applied: PostgreSQL received the COMMIT
            def live() -> int | None:
                got = node.admin.get("/v1/functions/fn/aliases")
                return got.json()["aliases"][0]["version"] if got.status_code == 200 else None

            assert wait_for(lambda: live() == 2, timeout=8, what="the alias moved")
        finally:
            node.stop()


def test_a_heartbeat_whose_commit_goes_unanswered_gives_no_advice_to_check_changes(pg_url, tmp_path, caplog):
    """The check-the-state warning is for changes an operator made; a heartbeat's commit lost
    is an ordinary outage (the watcher logs it once), repeated by itself."""
    from edge.fleet.pgstore import PgStore

    with Relay() as relay:
        store = PgStore(relay.url(pg_url) + "&answer_timeout=0.5", tmp_path / "cache")
        try:
            node = NodeInfo("pop", "host", os.getpid(), "127.0.0.1:1")
            assert store.heartbeat(node, 0)
            relay.at_commit(b"INTO nodes", "stall")
            caplog.set_level(logging.WARNING, logger="edge.fleet")
            start = time.monotonic()
            with pytest.raises(StoreUnavailable) as caught:
                store.heartbeat(node, 0)
            assert relay.fired.is_set()
            assert time.monotonic() - start < 3
            assert not isinstance(caught.value, StoreOutcomeUnknown), caught.value
            assert "did not answer within 0.5 s" in str(caught.value)
            assert not [r for r in caplog.records if "check the state" in r.getMessage()], caplog.text
        finally:
            store.close()


# -- 4. the answer timeout the operator sets -------------------------------------------------------


def test_the_answer_timeout_is_set_in_the_store_url(pg_url, tmp_path):
    """`?answer_timeout=SECONDS` (taken out before libpq sees the URL) bounds every answer,
    COMMIT's included; a change whose COMMIT goes unanswered says so within it."""
    from edge.fleet.pgstore import LOCK_TIMEOUT_MS, PgStore

    with pytest.raises(StoreError, match="answer_timeout='soon' is not a number of seconds"):
        PgStore(pg_url + "&answer_timeout=soon", tmp_path / "bad")
    with Relay() as relay:
        store = PgStore(relay.url(pg_url) + "&answer_timeout=0.7", tmp_path / "cache")
        try:
            assert (store.answer_timeout, store.write_answer) == (0.7, LOCK_TIMEOUT_MS / 1000 + 0.7)
            assert "answer_timeout" not in store._conninfo and "answer_timeout" not in store.describe()
            assert store.revision() == 0
            relay.at_commit(b"UPDATE edge_revision", "stall")
            start = time.monotonic()
            with pytest.raises(StoreOutcomeUnknown) as caught, store.write():
                pass
            took = time.monotonic() - start
            assert 0.6 < took < 2.0, took
            assert "did not answer within 0.7 s" in str(caught.value) and "`edge versions NAME`" in str(caught.value)
        finally:
            store.close()


# -- 5. edge serve's start notes -------------------------------------------------------------------


def test_start_notes_skip_a_database_that_stops_answering_once_connected(pg_url, caplog):
    from edge.server import startup_notes

    with Relay() as relay:
        relay.stall_queries = True
        url = relay.url(pg_url)  # the default bound, 2 s
        notes: list[list[str]] = []
        caplog.set_level(logging.WARNING, logger="edge.server")
        thread = threading.Thread(target=lambda: notes.append(
            startup_notes._shared_store_notes(url, None, None)), daemon=True)  # type: ignore[arg-type]
        start = time.monotonic()
        thread.start()
        thread.join(8)
        assert not thread.is_alive(), "the start waited on a database that does not answer"
        assert notes == [[]]
        assert time.monotonic() - start < answers.ANSWER_TIMEOUT + 2
        assert f"did not answer within {answers.ANSWER_TIMEOUT:g} s" in caplog.text, caplog.text
