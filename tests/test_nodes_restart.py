"""A fleet node killed (`kill -9`, a crash) and started again reads `ok` in `edge nodes` as
soon as its new worker serves the latest revision: the dead worker's row, superseded by a
process of the same node started after its last heartbeat, no longer keeps it `behind` (and
listed with two workers) until that row ages past 15 s."""

from __future__ import annotations

import os
import signal
import time

import pytest

from .conftest import free_ports
from .control_helpers import TOKEN, ControlServer, generated, manifest_text
from .fleet_helpers import get_json
from .serve_output import serve_output

pytestmark = pytest.mark.timeout(120)


def test_a_node_restarted_after_kill_9_reads_ok_at_once(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    other = ControlServer(tmp_path / "m.toml", tmp_path / "ams1", store=pg_url, node_name="ams1").start()
    try:
        port, admin_port = free_ports(2)
        args = ("-m", str(tmp_path / "m.toml"), "--store", pg_url, "--node-name", "fra1", "--state-dir",
                str(tmp_path / "fra1"), "--port", str(port), "--admin-port", str(admin_port))
        env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
        with serve_output(tmp_path, *args, env=env) as first:
            first.until("edge: serving")
            first.stop(signal.SIGKILL)  # the whole node, workers too: nothing says goodbye
        other.deploy("hello", generated("after the crash"))  # the dead worker's revision is now behind
        with serve_output(tmp_path, *args, env=env) as second:
            second.until("edge: serving")
            deadline = time.monotonic() + 5  # well inside the 15 s a dead row used to count as live
            while True:
                fra1 = next(n for n in get_json(other.admin, "/v1/nodes")["nodes"] if n["name"] == "fra1")
                if fra1["health"] == "ok" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert fra1["health"] == "ok", fra1
            assert len(fra1["workers"]) == 1, fra1
    finally:
        other.stop()
