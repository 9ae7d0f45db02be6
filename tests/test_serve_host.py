"""`edge serve --host`: a host name is listened on at its address (Granian takes only an IP
address: `--host localhost` was `ValueError: invalid IP address syntax` from inside it), and
an address that is not this machine's, or a name that does not resolve, is one line naming
--host (it named --port), exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import free_port
from .serve_output import serve_output
from .test_serve_startup import SERVERS, STATIC


def serve_once(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir", "state",
                           "--port", str(free_port()), *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("server_name", SERVERS)
def test_localhost_is_served_at_its_address_under_every_server(tmp_path, server_name):
    (tmp_path / "edge.toml").write_text(STATIC)
    port = free_port()
    with serve_output(tmp_path, "-m", "edge.toml", "--state-dir", "state", "--host", "localhost", "--port", str(port),
                      "--admin-port", str(free_port()), "--server", server_name) as server:
        line = server.until("edge: serving")
        assert f"on http://127.0.0.1:{port} (--host localhost; ready in" in line, line
        assert httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=10).status_code == 200
    assert not [line for line in server.seen if "Traceback" in line or "Error" in line], server.seen


def test_a_host_that_is_no_address_is_one_line_naming_host(tmp_path):
    (tmp_path / "edge.toml").write_text(STATIC)
    cases = {
        ("--host", "999.1.1.1"): ["--host '999.1.1.1' is neither an IP address nor a host name", "give an IP address"],
        ("--host", "no such host"): ["--host 'no such host'", "no spaces"],
        # TEST-NET-1: an address, but never one of this machine's
        ("--host", "192.0.2.1"): ["cannot listen on 192.0.2.1:", "is not an address of this machine; check --host"],
        ("--admin-host", "999.1.1.1", "--admin-token", "a-token-for-the-test"):
            ["999.1.1.1 is not an address this machine resolves", "check --admin-host"],
    }
    for args, expected in cases.items():
        proc = serve_once(tmp_path, "--admin-port", str(free_port()), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        [line] = proc.stderr.strip().splitlines()
        assert all(part in line for part in expected) and "--port" not in line.partition("check")[2], (args, line)
