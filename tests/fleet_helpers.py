"""Helpers for the fleet tests: several real nodes (the app under Hypercorn on loopback
ports) sharing one PostgreSQL store, each with its own state directory."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx

from .conftest import free_port
from .control_helpers import ControlServer, manifest_text
from .pgfixtures import _connect, server_in_use, with_schema


@contextlib.contextmanager
def fresh_schema(pg_database: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with server_in_use():  # a fault test in another process stops the server only between tests
        with _connect(pg_database) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield with_schema(pg_database, schema)
        finally:
            with contextlib.suppress(Exception), _connect(pg_database) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def fleet(root: Path, url: str, names: tuple[str, ...] = ("fra1", "ams1", "nyc1")) -> Iterator[list[ControlServer]]:
    """One node per name, all on `url`; stopped (every one) at the end."""
    (root / "m.toml").write_text(manifest_text())
    nodes: list[ControlServer] = []
    try:
        for name in names:
            nodes.append(ControlServer(root / "m.toml", root / name, store=url, node_name=name).start())
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def served(node: ControlServer, path: str) -> str:
    r = node.edge.get(path)
    return r.text if r.status_code == 200 else f"status {r.status_code}"


def wait_served(nodes: list[ControlServer], path: str, expected: str, timeout: float = 10.0) -> None:
    """Until every node answers `path` with `expected` (bounded; not a timing assertion)."""
    deadline = time.monotonic() + timeout
    seen: dict[int, str] = {}
    while time.monotonic() < deadline:
        seen = {node.port: served(node, path) for node in nodes}
        if set(seen.values()) == {expected}:
            return
        time.sleep(0.02)
    raise AssertionError(f"not every node serves {expected!r} at {path} within {timeout} s: {seen}")


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.05)


def metric(node: ControlServer, name: str) -> float | None:
    for line in node.admin.get("/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def get_json(client: httpx.Client, path: str) -> dict:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.json()


class CutProxy:
    """A loopback TCP proxy to the test PostgreSQL that can be cut — its connections reset and
    its port refusing new ones, as when a node loses its network path to the database — and
    restored on the same port. The database itself keeps running for the other nodes."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def url(self, url: str) -> str:
        """`url` (a store URL on the test server) through this proxy."""
        assert f":{self.target[1]}/" in url
        return url.replace(f":{self.target[1]}/", f":{self.port}/")

    def start(self) -> CutProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown first: a close alone leaves the socket listening while the accept thread
            # sits in accept() on it, so a connection could still be taken (and then dropped)
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
