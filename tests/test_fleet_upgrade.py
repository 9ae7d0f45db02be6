"""A rolling upgrade of a fleet, as docs/fleet.md (*Upgrading the fleet*) describes it: once a
newer release has migrated the shared schema, a node of the earlier release that is running
keeps serving, and one that restarts cannot start — saved state or not — with a message that
names both schema versions and says to upgrade. The newer release is stood in for by a row of
its migration in `edge_schema` (what its first start leaves there)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.fleet.lastknown import FILE_NAME
from edge.fleet.migrate import migrations

from .conftest import free_ports
from .control_helpers import ControlServer, generated, manifest_text
from .fleet_helpers import wait_for
from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(120)


def test_after_a_newer_release_migrated_the_schema_an_older_node_serves_but_cannot_restart(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    state_dir = tmp_path / "fra1"
    node = ControlServer(tmp_path / "m.toml", state_dir, store=pg_url, node_name="fra1").start()
    try:
        node.deploy("hello", generated("before the upgrade"))
        node.associate("/fn/*", "hello")
        assert node.edge.get("/fn/x").text == "before the upgrade"
        wait_for(lambda: (state_dir / "cache" / FILE_NAME).exists(), what="the node's saved state")
        ours = len(migrations())
        with _connect(pg_url) as conn:  # the newer release's first start migrated the schema
            conn.execute("INSERT INTO edge_schema (version, name) VALUES (%s, 'from a newer release')", (ours + 1,))
        assert node.edge.get("/fn/x").text == "before the upgrade"  # the running node keeps serving
    finally:
        node.stop()

    assert json.loads((state_dir / "cache" / FILE_NAME).read_text())  # a saved state it could have served
    port, admin_port = free_ports(2)  # never bound: the start stops before
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(state_dir),
                                      "--store", pg_url, "--node-name", "fra1", "--port", str(port),
                                      "--admin-port", str(admin_port)])
    assert result.exit_code == 1, result.output
    assert f"the database has schema version {ours + 1}, newer than this server's {ours}: upgrade edge" in result.output
    assert "Traceback" not in result.output and "last known" not in result.output
