"""`edge serve --log-level`: one of the levels all three servers take, in any case (a level
Granian does not know, `verbose`, was a KeyError from inside it once the server started)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from .conftest import free_port
from .serve_output import serve_output
from .test_serve_startup import SERVERS, STATIC


def test_an_unknown_level_is_a_usage_error_listing_the_levels(tmp_path):
    (tmp_path / "edge.toml").write_text(STATIC)
    proc = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir", "state",
                           "--port", str(free_port()), "--admin-port", str(free_port()), "--log-level", "verbose"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "'verbose' is not one of 'critical', 'error', 'warning', 'info', 'debug'" in proc.stderr, proc.stderr
    assert not (tmp_path / "state").exists()  # refused before anything started
    helped = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "--help"], capture_output=True, text=True,
                            timeout=60, check=True)
    assert "--log-level [critical|error|warning|info|debug]" in helped.stdout


@pytest.mark.parametrize("server_name", SERVERS)
def test_every_level_name_in_any_case_reaches_every_server(tmp_path, server_name):
    (tmp_path / "edge.toml").write_text(STATIC)
    port = free_port()
    with serve_output(tmp_path, "-m", "edge.toml", "--state-dir", "state", "--port", str(port), "--admin-port",
                      str(free_port()), "--server", server_name, "--log-level", "Info") as server:
        server.until("edge: serving")
        assert httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=10).status_code == 200
    assert not [line for line in server.seen if "Traceback" in line], server.seen
