"""`edge nodes forget NAME` / `DELETE /v1/nodes/{name}` remove a node that is not live from the
registry: a decommissioned node stayed listed (`stopped` or `down`) for a day. A live node is
refused (409: its next heartbeat would list it again), an unknown name is a 404, and the admin
token is required as for every other admin request."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.sqlite_store import SqliteStore
from edge.control.store import NodeInfo

from .control_helpers import TOKEN, ControlServer, manifest_text
from .fleet_helpers import get_json, wait_for
from .pgfixtures import _connect
from .test_openapi import check

pytestmark = pytest.mark.timeout(120)


def _names(node: ControlServer) -> set[str]:
    return {n["name"] for n in get_json(node.admin, "/v1/nodes")["nodes"]}


def test_forget_a_stopped_and_a_down_node_but_not_a_live_one(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    gone = ControlServer(tmp_path / "m.toml", tmp_path / "ams1", store=pg_url, node_name="ams1").start()
    gone.stop()  # a clean shutdown: `stopped`
    node = ControlServer(tmp_path / "m.toml", tmp_path / "fra1", store=pg_url, node_name="fra1").start()
    try:
        with _connect(pg_url) as conn:  # a node killed 30 s ago: `down`
            conn.execute("INSERT INTO nodes (name, host, pid, address, applied_revision, started, heartbeat, stopped)"
                         " VALUES ('nyc1', 'h', 7, 'nyc1:80', 0, extract(epoch from now()) - 60,"
                         " extract(epoch from now()) - 30, false)")
        wait_for(lambda: _names(node) == {"ams1", "fra1", "nyc1"}, what="three nodes listed")
        health = {n["name"]: n["health"] for n in get_json(node.admin, "/v1/nodes")["nodes"]}
        assert health == {"ams1": "stopped", "fra1": "ok", "nyc1": "down"}
        spec = node.admin.get("/v1/openapi.json").json()

        live = check(spec, node.admin.delete("/v1/nodes/fra1"))
        assert live.status_code == 409 and live.json()["error"]["code"] == "node_live", live.text
        assert "node 'fra1' is live (a heartbeat" in live.json()["error"]["message"]
        assert "Stop it first" in live.json()["error"]["message"]
        unknown = check(spec, node.admin.delete("/v1/nodes/ghost"))
        assert unknown.status_code == 404 and "no node named 'ghost'" in unknown.json()["error"]["message"]
        bad = check(spec, node.admin.delete("/v1/nodes/a%20b"))
        assert bad.status_code == 400 and "is not a node name" in bad.json()["error"]["message"]
        no_token = check(spec, httpx.delete(f"{node.admin_url}/v1/nodes/ams1", timeout=10))
        assert no_token.status_code == 401
        assert _names(node) == {"ams1", "fra1", "nyc1"}  # nothing was removed by a refusal

        forgotten = check(spec, node.admin.delete("/v1/nodes/ams1"))
        assert forgotten.json() == {"deleted": {"node": "ams1", "workers": 1}}
        assert _names(node) == {"fra1", "nyc1"}

        env = {"EDGE_ADMIN_TOKEN": TOKEN}
        result = CliRunner().invoke(cli, ["nodes", "--server", node.admin_url, "forget", "nyc1"], env=env)
        assert result.exit_code == 0, result.output
        assert "forgot node nyc1 (1 worker row(s) removed)" in result.output
        result = CliRunner().invoke(cli, ["nodes", "forget", "fra1", "--server", node.admin_url], env=env)
        assert result.exit_code == 1 and "409" in result.output and "is live" in result.output, result.output
        result = CliRunner().invoke(cli, ["nodes", "forget", "nyc1", "--server", node.admin_url], env=env)
        assert result.exit_code == 1 and "404" in result.output and "no node named 'nyc1'" in result.output
        listing = CliRunner().invoke(cli, ["nodes", "--server", node.admin_url], env=env)
        assert listing.exit_code == 0 and [line.split()[0] for line in listing.output.splitlines()[1:-1]] == ["fra1"]
    finally:
        node.stop()


def test_one_machines_store_forgets_the_same_way(tmp_path):
    store = SqliteStore(tmp_path / "store")
    try:
        assert store.heartbeat(NodeInfo("box", "h", 1, "box:80"), 0)
        assert store.heartbeat(NodeInfo("old", "h", 2, "old:80"), 0, stopped=True)
        assert store.forget_node("box", 15.0)[1] == 0  # live: kept
        rows, deleted = store.forget_node("old", 15.0)
        assert deleted == 1 and [r["pid"] for r in rows] == [2]
        assert {r["name"] for r in store.nodes()} == {"box"}
        assert store.forget_node("ghost", 15.0) == ([], 0)
    finally:
        store.close()
