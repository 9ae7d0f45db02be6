"""A worker a little late with its heartbeat stays live in `edge nodes` when Granian respawns a
sibling worker slot of the same node (a later process of the same main process): only a later
main process of the node (a restart after `kill -9`, tests/test_nodes_restart.py) drops it
after 1.5 missed intervals; a later sibling needs 3 (edge/control/nodes._superseded)."""

from __future__ import annotations

import pytest

from edge.control import nodes
from edge.control.store import NodeInfo
from edge.fleet.pgstore import PgStore

from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(60)


def _beat(store: PgStore, pid: int, main: int, revision: int) -> None:
    store.heartbeat(NodeInfo("fra1", "h", pid, "fra1:80", main_pid=main), revision)


def _age(pg_url: str, pid: int, *, heartbeat_ago: float, started_ago: float) -> None:
    with _connect(pg_url) as conn:
        conn.execute("UPDATE nodes SET heartbeat = extract(epoch from now()) - %s,"
                     " started = extract(epoch from now()) - %s WHERE pid = %s", (heartbeat_ago, started_ago, pid))


def _fra1(store: PgStore) -> dict:
    return next(n for n in nodes.describe(store)["nodes"] if n["name"] == "fra1")


def test_a_late_worker_beside_a_respawned_sibling_stays_live(pg_url, tmp_path):
    store = PgStore(pg_url, tmp_path / "cache")
    try:
        with store.write():  # revision 1: every live worker has to report it for `ok`
            pass
        _beat(store, 101, 100, 0)  # late and behind: 3.5 s since its heartbeat (1.75 intervals)
        _beat(store, 103, 100, 1)  # Granian respawned the sibling slot 1 s ago
        _age(pg_url, 101, heartbeat_ago=3.5, started_ago=60)
        _age(pg_url, 103, heartbeat_ago=0.1, started_ago=1)
        fra1 = _fra1(store)
        assert sorted(w["pid"] for w in fra1["workers"]) == [101, 103], fra1
        assert fra1["health"] == "behind" and fra1["applied_revision"] == 0  # the late worker counts

        _age(pg_url, 101, heartbeat_ago=6.5, started_ago=60)  # 3 intervals missed: a dead worker
        fra1 = _fra1(store)
        assert [w["pid"] for w in fra1["workers"]] == [103] and fra1["health"] == "ok", fra1

        # a later main process of the node (restarted after kill -9): 1.5 missed intervals suffice
        _beat(store, 201, 200, 1)
        _age(pg_url, 101, heartbeat_ago=3.5, started_ago=60)
        _age(pg_url, 103, heartbeat_ago=3.5, started_ago=10)
        _age(pg_url, 201, heartbeat_ago=0.1, started_ago=1)
        fra1 = _fra1(store)
        assert [w["pid"] for w in fra1["workers"]] == [201] and fra1["health"] == "ok", fra1
    finally:
        store.close()
