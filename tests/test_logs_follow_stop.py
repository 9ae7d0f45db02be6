"""A log follow (GET /v1/logs?follow=1, `edge logs NAME --follow`) at a server stop: the
stream has no end of its own and ends at the signal (docs/operations.md) as a whole response:
its final chunk is sent, so curl exits 0 (not 18, an incomplete chunked body) and the CLI says
the server is stopping and exits 0 (it printed "lost the admin API" and exited 1). Under every
--server, through a real `edge serve`."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from .control_helpers import SITE, TOKEN, serving
from .polling import eventually

SERVERS = ["hypercorn"] + [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None, reason=f"{name} is not installed"))
    for name in ("granian", "uvicorn")
]
STATIC = f"""
[origins.site]
root = "{SITE}"

[[behaviors]]
path = "*"
origin = "site"
"""


@pytest.mark.parametrize("server_name", SERVERS)
def test_a_follow_ends_whole_when_the_server_stops(tmp_path, server_name):
    (tmp_path / "edge.toml").write_text(STATIC)
    with serving(tmp_path, tmp_path / "edge.toml", tmp_path / "state", "--server", server_name) as server:
        server.wait_ready()
        env = dict(os.environ, EDGE_SERVER=server.admin_url, EDGE_ADMIN_TOKEN=TOKEN)
        cli = subprocess.Popen([sys.executable, "-m", "edge.cli.main", "logs", "--request-id", "abc", "--follow"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        followers = [cli]
        if shutil.which("curl"):
            for query in ("follow=1", "%66ollow=true"):  # the endpoint decodes the name: so does the stop
                followers.append(subprocess.Popen(
                    ["curl", "-sSN", "-H", f"Authorization: Bearer {TOKEN}", f"{server.admin_url}/v1/logs?{query}"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        deadline = time.monotonic() + 60  # each follower connected and waiting (a loaded machine starts them slowly)
        while _established(server.admin_port) < len(followers) and time.monotonic() < deadline:
            assert all(p.poll() is None for p in followers), [p.communicate() for p in followers if p.poll() is not None]
            time.sleep(0.1)
        # its request read and its stream running: each follower's connection has the head (a few
        # hundred bytes) sent on it, as `ss` shows; at most the 1 s this slept (all of it without ss)
        eventually(lambda: _streaming(server.admin_port) >= len(followers), timeout=1.0)
        assert all(p.poll() is None for p in followers)
        os.killpg(server.proc.pid, signal.SIGTERM)
        assert server.proc.wait(30) == 0, server.output()
        errors = []
        for follower in followers:
            _, err = follower.communicate(timeout=30)
            errors.append(err.decode())
            assert follower.returncode == 0, (follower.args, errors[-1])
    said = errors[0].strip().splitlines()
    assert said == ["edge logs: the server is stopping: the log stream ended"], errors[0]


def _streaming(port: int) -> int:
    """Connections to `port` on this machine whose request the server has read (nothing waits in
    its receive queue) and whose answer it has begun (bytes sent), from `ss`'s TCP info."""
    try:
        out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"], capture_output=True,
                             text=True, check=False, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    count, unread = 0, None
    for line in out.splitlines():
        if not line.startswith(("\t", " ")):  # a connection: Recv-Q Send-Q local peer
            unread = int(line.split()[0])
        elif unread == 0 and re.search(r"\bbytes_received:[1-9]", line) and re.search(r"\bbytes_sent:[1-9]", line):
            count += 1
    return count


def _established(port: int) -> int:
    """Connections to `port` on this machine that are open (the server's side of each, from
    /proc/net/tcp and tcp6: the followers' connections, whatever their processes are doing)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count
