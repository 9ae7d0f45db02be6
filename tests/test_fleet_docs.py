"""docs/fleet.md's "Running three nodes" is run, not just read: its `edge new`, `edge deploy`
and `edge nodes` lines, with the ports swapped for those of real nodes on a per-test
PostgreSQL schema, from a directory that is not a checkout (as after installing the wheel:
the block named `samples/static-content`, which only a checkout has)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import TOKEN
from .fleet_helpers import fleet, wait_for

pytestmark = pytest.mark.timeout(180)

DOC = (Path(__file__).resolve().parents[1] / "docs" / "fleet.md").read_text()


def _block() -> list[list[str]]:
    block = DOC.split("## Running three nodes", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line.split("#")[0]) for line in block.splitlines() if line.startswith("edge ")]


def test_the_three_node_walkthrough_runs_from_any_directory(pg_url, tmp_path, monkeypatch):
    commands = _block()
    serve = [c for c in commands if c[1] == "serve"]
    assert [c[c.index("--node-name") + 1] for c in serve] == ["fra1", "ams1", "nyc1"]
    admin_ports = {c[c.index("--admin-port") + 1] for c in serve}
    with fleet(tmp_path, pg_url) as nodes:  # the three nodes, with ports of their own
        ports = {doc: str(node.admin_port) for doc, node in zip(sorted(admin_ports), sorted(nodes, key=lambda n: n.port))}
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        output = ""
        for command in (c for c in commands if c[1] != "serve"):
            argv = [re.sub(r":(\d+)$", lambda m: ":" + ports[m.group(1)], arg) for arg in command[1:]]
            result = CliRunner().invoke(cli, argv, env={"EDGE_ADMIN_TOKEN": TOKEN})
            assert result.exit_code == 0, (argv, result.output)
            output = result.output
        last = argv

        def listed() -> str:
            """The last command's listing (`edge nodes`) once no node is behind: a node catches up
            with the deploy just made within about a second (a loaded CI once saw one 'behind')."""
            shown = CliRunner().invoke(cli, last, env={"EDGE_ADMIN_TOKEN": TOKEN}).output
            rows = [line.split() for line in shown.splitlines()[1:-1]]
            return shown if rows and all(row[-2] == "ok" for row in rows) else ""

        output = wait_for(listed, what="every node caught up (edge nodes: ok)")
        rows = [line.split() for line in output.splitlines()[1:-1]]
        assert [row[0] for row in rows] == ["ams1", "fra1", "nyc1"] and all(row[-2] == "ok" for row in rows), output
        assert output.splitlines()[-1].endswith("(postgresql)")
        for node in nodes:
            node.associate("/hello", "hello:live")
            wait_for(lambda node=node: httpx.get(node.url + "/hello", timeout=10).text == "Hello from hello!\n",
                     what="the deployed function on every node")
