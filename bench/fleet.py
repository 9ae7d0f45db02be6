"""Scenario 11, fleet: three `edge serve` nodes on loopback sharing one PostgreSQL store.

Measured:
- deploy-to-serve-everywhere: from the start of a deploy's upload to one node (a new ~100 KB
  module, alias `live` moved in the same change) until every node answers requests through
  the alias with the new module's response; deploys go through each node in turn. Every node
  loads the version from the shared bytes and compiles it itself (baseline code at once).
- requests/s through one node's function route, with and without a concurrent deploy stream
  (DEPLOYS_PER_SECOND deploys through another node, each loaded by every node), interleaved;
- how many changes per second the shared store takes (alias moves from all three nodes at
  once, each a transaction plus the node's own sync) and the connections the fleet holds.

PostgreSQL: `EDGE_BENCH_PG` (default postgresql://postgres@127.0.0.1:5432/postgres); the run
creates its own database and drops it at the end. Without a reachable server the scenario
is reported as skipped.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from typing import Any

from . import functions, procs
from .http1 import Connection
from .scenarios import TARGETS, Bench, Outcome, Row, Target, summarize

PG_ENV = "EDGE_BENCH_PG"
NODES = 3
DEPLOYS_PER_SECOND = 2.0
TARGETS["fleet"] = ("deploy-to-serve on every one of 3 nodes (p99, ms)", "<=", 1000.0)

BEHAVIORS: list[dict[str, Any]] = [
    {"path": "/fleet", "origin": "bench", "cache": "disabled", "viewer_request": "fleet:live"},
    {"path": "*", "origin": "bench", "cache": "disabled"},
]


def _admin_url() -> str:
    return os.environ.get(PG_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")


class Database:
    """A database of its own for the run (created, then dropped with everything in it)."""

    def __init__(self) -> None:
        import psycopg

        self.admin = _admin_url()
        self.name = f"edge_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = f"{self.admin.rpartition('/')[0]}/{self.name}"

    def connections(self) -> int:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.name,)).fetchone()
        return int(row[0]) - 1 if row else 0  # not counting this one

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def s11_fleet(b: Bench, out: Outcome) -> None:
    b.stop_main()  # this scenario runs its own servers: give them the machine
    try:
        db = Database()
    except Exception as exc:
        out.notes.append(f"skipped: PostgreSQL is not reachable at {_admin_url()} ({str(exc).strip()[:200]})")
        b.say(f"    skipped: no PostgreSQL ({str(exc).strip()[:120]})")
        return
    nodes: list[procs.Server] = []
    try:
        for i in range(NODES):
            extra = ["--store", db.url, "--node-name", f"node{i + 1}"]
            nodes.append(procs.start_server(b.manifest, b.workdir / f"fleet-{i + 1}", b.log_dir,
                                            server=b.settings.server, loop=b.settings.loop, extra=extra))
        b.say(f"  {NODES} nodes on one PostgreSQL database ({db.name})")
        nonce = uuid.uuid4().hex[:8]
        with nodes[0].admin_client() as admin:
            admin.post("/v1/functions/fleet/versions", content=functions.tagged_100kb(f"{nonce}-0"),
                       params={"alias": "live"}).raise_for_status()
            admin.put("/v1/behaviors", json={"behaviors": BEHAVIORS}).raise_for_status()
        _everywhere(nodes, f"{nonce}-0", 30.0)
        _propagation(b, out, nodes, nonce)
        _throughput(b, out, nodes, nonce)
        _capacity(b, out, nodes, db)
    finally:
        for node in nodes:
            node.stop()
        db.drop()


def _everywhere(nodes: list[procs.Server], tag: str, timeout: float,
                conns: list[Connection] | None = None) -> list[float]:
    """Poll every node until it answers `tag`; the perf_counter time each one first did."""
    own = conns is None
    conns = conns or [Connection(node.edge) for node in nodes]
    seen: list[float | None] = [None] * len(nodes)
    deadline = time.perf_counter() + timeout
    try:
        while None in seen:
            for i, conn in enumerate(conns):
                if seen[i] is None:
                    try:
                        _, _, body, _ = conn.get("/fleet")
                    except (OSError, ValueError):
                        continue
                    if body == tag.encode():
                        seen[i] = time.perf_counter()
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{tag} not served by every node within {timeout} s: {seen}")
    finally:
        if own:
            for conn in conns:
                conn.close()
    return seen  # type: ignore[return-value]


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _propagation(b: Bench, out: Outcome, nodes: list[procs.Server], nonce: str) -> None:
    count = max(6, 3 * b.settings.deploy_n)
    everywhere, other = [], []
    conns = [Connection(node.edge) for node in nodes]
    admins = [node.admin_client() for node in nodes]
    try:
        for i in range(1, count + 1):
            tag = f"{nonce}-{i}"
            via = i % len(nodes)
            wasm = functions.tagged_100kb(tag)
            started = time.perf_counter()
            admins[via].post("/v1/functions/fleet/versions", content=wasm, params={"alias": "live"}).raise_for_status()
            answered = time.perf_counter()
            seen = _everywhere(nodes, tag, 15.0, conns)
            everywhere.append((max(seen) - started) * 1000)
            other.extend((t - answered) * 1000 for j, t in enumerate(seen) if j != via)
    finally:
        for conn in conns:
            conn.close()
        for admin in admins:
            admin.close()
    ordered, after = sorted(everywhere), sorted(other)
    p99 = _percentile(ordered, 99)
    out.rows.append(Row(f"deploy-to-serve on all {len(nodes)} nodes, 100 KB", p50_ms=statistics.median(ordered),
                        p99_ms=p99, requests=len(ordered), note=f"max {ordered[-1]:.1f} ms",
                        extra={"samples_ms": [round(x, 2) for x in everywhere]}))
    out.rows.append(Row("… other nodes, after the deploy's answer", p50_ms=statistics.median(after),
                        p99_ms=_percentile(after, 99), requests=len(after), note=f"max {after[-1]:.1f} ms"))
    out.targets.append(Target("fleet", p99, f"{len(ordered)} deploys, through each node in turn"))
    b.say(f"    deploy-to-serve everywhere: p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms "
          f"(target <= 1000 ms); other nodes after the answer: p50 {statistics.median(after):.1f} ms, "
          f"p99 {_percentile(after, 99):.1f} ms")


def _throughput(b: Bench, out: Outcome, nodes: list[procs.Server], nonce: str) -> None:
    base = nodes[0].edge
    b.warm(base, "/fleet")
    quiet, busy, deploys = [], [], [0]
    for i in range(b.settings.rounds):
        quiet.append(b.load(base, "/fleet"))
        stop = threading.Event()
        stream = threading.Thread(target=_deploy_stream, args=(nodes[1], f"{nonce}-s{i}", stop, deploys))
        stream.start()
        try:
            busy.append(b.load(base, "/fleet"))
        finally:
            stop.set()
            stream.join(30)
    rows = [summarize("requests, no deploys", quiet),
            summarize(f"requests, {DEPLOYS_PER_SECOND:g} deploys/s through another node", busy)]
    rows[1].note = f"{rows[1].rps / rows[0].rps:.2f} x quiet; {deploys[0]} deploys"
    for row in rows:
        out.rows.append(row)
        b.report_row(row, row.note)


def _deploy_stream(node: procs.Server, prefix: str, stop: threading.Event, count: list[int]) -> None:
    with node.admin_client() as admin:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            admin.post("/v1/functions/fleet/versions", content=functions.tagged_100kb(f"{prefix}-{n}"),
                       params={"alias": "live"}).raise_for_status()
            n += 1
            count[0] += 1
            stop.wait(max(0.0, 1 / DEPLOYS_PER_SECOND - (time.perf_counter() - started)))


def _capacity(b: Bench, out: Outcome, nodes: list[procs.Server], db: Database) -> None:
    seconds = min(5.0, max(1.0, b.settings.duration))
    with nodes[0].admin_client() as admin:
        versions = [v["version"] for v in admin.get("/v1/functions/fleet/versions").json()["versions"]][-2:]
    moves = [0] * len(nodes)
    deadline = time.perf_counter() + seconds

    def move(i: int) -> None:
        with nodes[i].admin_client() as admin:
            while time.perf_counter() < deadline:
                admin.put(f"/v1/functions/fleet/aliases/n{i}", json={"version": versions[moves[i] % 2]}).raise_for_status()
                moves[i] += 1

    threads = [threading.Thread(target=move, args=(i,)) for i in range(len(nodes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    rate = sum(moves) / seconds
    connections = db.connections()
    out.rows.append(Row(f"changes/s, alias moves from {len(nodes)} nodes at once", rps=rate, requests=sum(moves),
                        note=f"{connections} database connections held by the fleet"))
    b.say(f"    changes: {rate:.0f}/s (alias moves from {len(nodes)} nodes at once); "
          f"{connections} database connections held by {len(nodes)} nodes")
