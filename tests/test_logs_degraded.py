"""`edge logs NAME` on a fleet node cut off from its database: the node's own records are
there (logs stay per node), but the command first asked the store whether NAME exists and
stopped at its 503 — the moment an operator most wants them. It now says the name is not
checked and shows them; an unknown name on a node with its database is still a 404."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import TOKEN, ControlServer, generated, manifest_text
from .fleet_helpers import CutProxy, wait_for

pytestmark = pytest.mark.timeout(120)


def test_logs_of_a_node_without_its_database(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with CutProxy() as proxy:
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=proxy.url(pg_url), node_name="pop").start()
        try:
            env = {"EDGE_SERVER": node.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
            node.deploy("hello", generated("hi"))
            node.associate("/fn/*", "hello")
            request_id = node.edge.get("/fn/x").headers["x-amz-cf-id"]
            unknown = CliRunner().invoke(cli, ["logs", "ghost"], env=env)
            assert unknown.exit_code == 1 and "404" in unknown.output, unknown.output

            proxy.cut()
            # /readyz says degraded as soon as the node sees its connections reset (its listener);
            # an API request sent before that waited the pool's whole checkout timeout (5 s)
            wait_for(lambda: node.admin.get("/readyz").json()["status"] == "degraded", what="the node to be degraded")
            wait_for(lambda: node.admin.get("/v1/functions").status_code == 503, what="its API to answer 503")
            assert node.edge.get("/fn/x").text == "hi"  # still served
            result = CliRunner().invoke(cli, ["logs", "hello"], env=env)
            assert result.exit_code == 0, result.output
            assert "the store cannot be reached, so whether hello exists is not checked" in result.output
            assert request_id in result.output and "REPORT" in result.output
            nodes = CliRunner().invoke(cli, ["nodes"], env=env)  # needs the database: says where else to ask
            assert nodes.exit_code == 1 and "503" in nodes.output, nodes.output
            assert "another node may answer: --server" in nodes.output
        finally:
            node.stop()
