"""Helpers for the fleet tests: several real nodes (the app under Hypercorn on loopback
ports) sharing one PostgreSQL store, each with its own state directory."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from .control_helpers import ControlServer, manifest_text
from .pgfixtures import _connect, with_schema


@contextlib.contextmanager
def fresh_schema(pg_database: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
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
