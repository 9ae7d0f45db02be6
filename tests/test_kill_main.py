"""`kill -9` to `edge serve` alone (the OOM killer, an operator's mistake): its workers learn
their main process is gone (edge/server/parent_watch.py), drain and stop within a few
seconds, freeing the ports, so a new `edge serve` on them starts and serves. Before, the
orphans kept serving and holding the ports and the next start said the port was in use."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from .control_helpers import manifest_text
from .serve_output import serve_output

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker processes from /proc")]


def _until_listening(port: int, sockets: int, timeout: float = 30) -> None:
    """Until `sockets` sockets listen on `port` (Granian workers each open their own admin one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
        if sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A") >= sockets:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {sockets} sockets listen on {port} after {timeout} s")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_workers_of_a_killed_edge_serve_stop_and_a_new_start_serves(tmp_path, server):
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
        if server == "granian":  # "serving" comes with the first worker: kill once both serve (each has its
            _until_listening(admin_port, 2)  # own admin listener); workers killed mid-boot: test_worker_lifecycle.py
        os.kill(main.proc.pid, signal.SIGKILL)  # the main process alone
        main.proc.wait(10)
        main.until(f"the main process (pid {main.proc.pid}) is gone", timeout=30)  # each worker says so
        deadline = time.monotonic() + 30  # a check a second, then the drain of nothing in flight
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), [Path(f"/proc/{w}/cmdline").read_bytes() for w in workers if _alive(w)]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
    with serve_output(tmp_path, *args, env=dict(os.environ)) as again:  # the ports are free again
        again.until("edge: serving")
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200


def test_a_killed_workers_requests_in_flight_leave_the_live_gauge(tmp_path, monkeypatch):
    """A worker killed with requests in flight never says it is gone (`process_exited`): the
    main process marks it dead (`metrics.worker_died`, called where a worker is replaced), so
    `edge_in_flight_requests` stops counting its requests."""
    import subprocess
    import sys

    from prometheus_client import CollectorRegistry, multiprocess

    from edge.ops import metrics

    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    worker = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from edge.ops import metrics\n"
        "metrics.IN_FLIGHT.set(3)\n"
        "print('set', flush=True)\n"
        "time.sleep(60)\n")], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "set"  # type: ignore[union-attr]

        def in_flight() -> float:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
            return registry.get_sample_value("edge_in_flight_requests") or 0.0

        assert in_flight() == 3
        worker.kill()
        worker.wait(10)
        assert in_flight() == 3  # a dead process's file still counts...
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # as in edge serve's main process
        metrics.worker_died(worker.pid)
        assert in_flight() == 0  # ...until the main process marks it dead
    finally:
        worker.kill()
