"""What docs/operations.md says of `kill -9` to `edge serve` alone: its workers are not told
their parent died, so they keep serving and holding the ports, and a new `edge serve` on them
says the port is in use; killing the process group stops them all and frees the ports. (If
workers learn to leave with their parent, this test and that paragraph change together.)"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import manifest_text
from .serve_output import serve_output

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker processes from /proc")]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_kill_9_of_edge_serve_alone_leaves_its_workers_serving(tmp_path, server):
    from .conftest import free_ports

    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)
    args = ("-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--port", str(port),
            "--admin-port", str(admin_port), "--workers", "2", "--server", server)
    with serve_output(tmp_path, *args, env=dict(os.environ)) as main:
        main.until("edge: serving")
        children = [int(c) for c in Path(f"/proc/{main.proc.pid}/task/{main.proc.pid}/children").read_text().split()]
        workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert len(workers) == 2, children
        os.kill(main.proc.pid, signal.SIGKILL)  # the main process alone
        main.proc.wait(10)
        time.sleep(1)
        assert all(_alive(w) for w in workers)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200  # still served
        again = CliRunner().invoke(cli, ["serve", *args])
        assert again.exit_code == 2 and f"port {port} (edge traffic" in again.output and "already in use" in again.output
        os.killpg(main.proc.pid, signal.SIGKILL)  # the process group: what the page says to do
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
