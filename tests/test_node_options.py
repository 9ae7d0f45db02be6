"""`edge serve --node-name/--node-address` are checked before the start: an address without a
port (`--node-address foo`, which `edge nodes` then showed as the node's address) or a name
with a space or control character (which broke `edge nodes`' columns) is a usage error naming
the option, exit status 2; good values start a node that `edge nodes` lists with them."""

from __future__ import annotations

import os

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_ports
from .control_helpers import TOKEN, manifest_text
from .serve_output import serve_output


@pytest.mark.parametrize(("option", "value"), [
    ("--node-address", "fra1.example.net"), ("--node-address", "fra1:0"), ("--node-address", "fra1:http"),
    ("--node-address", "2001:db8::5:80"), ("--node-address", ":80"),
    ("--node-name", "fra 1"), ("--node-name", "fra1\n"), ("--node-name", "\x1b[2Jfra1"), ("--node-name", ""),
    ("--node-name", "eu/fra1"),  # DELETE /v1/nodes/{name} could not address it
])
def test_a_value_edge_nodes_could_not_show_is_a_usage_error(tmp_path, option, value):
    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)  # never bound: the start stops before
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--port", str(port), "--admin-port", str(admin_port), option, value])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert not (tmp_path / "s" / "store").exists()


def test_good_values_are_what_edge_nodes_shows(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)
    with serve_output(tmp_path, "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--store", pg_url,
                      "--port", str(port), "--admin-port", str(admin_port), "--node-name", "edge-eu-1.example.net",
                      "--node-address", "[2001:db8::5]:80", env=dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)) as server:
        server.until("edge: serving")
        nodes = httpx.get(f"http://127.0.0.1:{admin_port}/v1/nodes", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=10).json()["nodes"]
        assert [(n["name"], n["address"]) for n in nodes] == [("edge-eu-1.example.net", "[2001:db8::5]:80")]
