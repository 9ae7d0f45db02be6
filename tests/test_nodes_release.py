"""`edge nodes` and `GET /v1/nodes` show which release each node runs (what `edge --version`
says there), so an operator can follow a rolling upgrade. The column is added without a new
schema version: a node of the earlier release (which never names it) keeps starting and
sending heartbeats on a database a newer node has opened, and shows as `-`."""

from __future__ import annotations

import sqlite3
from importlib import metadata

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.sqlite_store import SqliteStore
from edge.control.store import NodeInfo
from edge.fleet.migrate import migrations
from edge.release import release

from .control_helpers import TOKEN, ControlServer, manifest_text
from .fleet_helpers import get_json, wait_for
from .pgfixtures import _connect
from .test_openapi import check

pytestmark = pytest.mark.timeout(120)

# what a node of the earlier release does on the database (edge/fleet/pgstore.py before the column)
OLD_HEARTBEAT = (
    "INSERT INTO nodes (name, host, pid, address, admin_address, applied_revision, started, heartbeat,"
    " stopped) VALUES (%s, %s, %s, %s, %s, %s, extract(epoch from now()), extract(epoch from now()), %s)"
    " ON CONFLICT (name, host, pid) DO UPDATE SET address = excluded.address,"
    " admin_address = excluded.admin_address, applied_revision = excluded.applied_revision,"
    " heartbeat = excluded.heartbeat, stopped = excluded.stopped"
)


def test_edge_nodes_shows_each_nodes_release_beside_an_earlier_release(pg_url, tmp_path):
    assert release() == metadata.version("edge-wasm")  # what `edge --version` prints
    with _connect(pg_url) as conn:  # the schema as the earlier release left it, and one of its nodes
        first = migrations()[0]
        conn.execute("CREATE TABLE edge_schema (version integer PRIMARY KEY, name text NOT NULL,"
                     " applied timestamptz NOT NULL DEFAULT now())")
        conn.execute(first.sql.encode())
        conn.execute("INSERT INTO edge_schema (version, name) VALUES (1, %s)", (first.name,))
        conn.execute(OLD_HEARTBEAT, ("old1", "h", 1, "old1:80", None, 0, False))
    (tmp_path / "m.toml").write_text(manifest_text())
    node = ControlServer(tmp_path / "m.toml", tmp_path / "fra1", store=pg_url, node_name="fra1").start()
    try:
        with _connect(pg_url) as conn:
            # no new schema version: the earlier release still starts here (it refuses a newer one)
            assert conn.execute("SELECT max(version) FROM edge_schema").fetchone()[0] == len(migrations()) == 1
            conn.execute(OLD_HEARTBEAT, ("old1", "h", 1, "old1:80", None, 0, False))  # and still beats
            assert conn.execute("SELECT * FROM nodes WHERE name = 'old1'").fetchone() is not None
        wait_for(lambda: {n["name"] for n in get_json(node.admin, "/v1/nodes")["nodes"]} == {"fra1", "old1"},
                 what="both nodes listed")
        answer = check(_spec(node), node.admin.get("/v1/nodes")).json()
        by_name = {n["name"]: n for n in answer["nodes"]}
        assert by_name["fra1"]["release"] == release()
        assert [w["release"] for w in by_name["fra1"]["workers"]] == [release()]
        assert by_name["old1"]["release"] is None

        result = CliRunner().invoke(cli, ["nodes"], env={"EDGE_SERVER": node.admin_url, "EDGE_ADMIN_TOKEN": TOKEN})
        assert result.exit_code == 0, result.output
        header, *lines = result.output.splitlines()
        assert header.split() == ["NAME", "ADDRESS", "RELEASE", "REVISION", "HEARTBEAT", "HEALTH", "WORKERS"]
        rows = {line.split()[0]: line.split() for line in lines if not line.startswith("store revision")}
        assert rows["fra1"][2] == release() and rows["old1"][2] == "-"
    finally:
        node.stop()


def _spec(node: ControlServer) -> dict:
    return node.admin.get("/v1/openapi.json").json()


def test_a_sqlite_store_of_the_earlier_release_gets_the_column(tmp_path):
    """One machine's store, made before the column existed, is opened and records it."""
    directory = tmp_path / "store"
    directory.mkdir()
    with sqlite3.connect(directory / "control.db") as db:  # the earlier release's nodes table
        db.execute("CREATE TABLE nodes (name TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
                   " address TEXT NOT NULL, admin_address TEXT, applied_revision INTEGER NOT NULL,"
                   " started REAL NOT NULL, heartbeat REAL NOT NULL, stopped INTEGER NOT NULL DEFAULT 0,"
                   " PRIMARY KEY (name, host, pid))")
        db.execute("INSERT INTO nodes VALUES ('old1', 'h', 1, 'old1:80', NULL, 0, 0, 1e12, 0)")
    store = SqliteStore(directory)
    try:
        assert store.heartbeat(NodeInfo("box", "h", 2, "box:80"), 0)
        rows = {row["name"]: row for row in store.nodes()}
        assert rows["box"]["release"] == release() and rows["old1"]["release"] is None
    finally:
        store.close()
