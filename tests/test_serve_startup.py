"""What `edge serve` says while it starts: one line per function it builds, the "serving on"
line only once a request is answered, and one line (exit 2) when a port is taken, under
every --server."""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_port
from .control_helpers import SITE
from .serve_output import ServeOutput, serve_output

SERVERS = ["hypercorn"] + [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None,
                                                reason=f"{name} is not installed (pip install 'edge-wasm[bench]')"))
    for name in ("uvicorn", "granian")
]
STATIC = f"""
[origins.site]
root = "{SITE}"

[[behaviors]]
path = "*"
origin = "site"
"""


@contextlib.contextmanager
def serve(cwd: Path, *args: str) -> Iterator[ServeOutput]:
    with serve_output(cwd, "--state-dir", str(cwd / "state"), *args) as process:
        yield process


def test_first_start_shows_each_build_and_says_serving_only_when_it_answers(tmp_path):
    for name in ("alpha", "beta"):
        assert CliRunner().invoke(cli, ["new", str(tmp_path / name), "--lang", "c"]).exit_code == 0
    (tmp_path / "edge.toml").write_text(STATIC.replace("[[behaviors]]", """[functions.alpha]
source = "alpha"

[functions.beta]
source = "beta"

[[behaviors]]
path = "/hello"
origin = "site"
viewer_request = "alpha"

[[behaviors]]""", 1))
    port = free_port()
    with serve(tmp_path, "-m", "edge.toml", "--port", str(port), "--admin-port", str(free_port())) as server:
        assert "building 2 functions" in server.until("building")
        built = [server.until("built"), server.until("built")]
        assert sorted(line.split("] built ")[1].split()[0] for line in built) == ["alpha", "beta"]
        assert "[1/2]" in built[0] and "[2/2]" in built[1] and "(alpha)" in "".join(built)
        server.until("starting 1 worker")
        line = server.until("edge: serving")
        assert f"on http://127.0.0.1:{port}" in line
        # the line comes once the server answers: the first request after it, with no retry
        response = httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10)
        assert response.status_code == 200 and response.text == "Hello from alpha!\n"
        assert "admin API on" in server.until("admin API")
    assert (tmp_path / "alpha" / "build" / "alpha.wasm").is_file()


def test_a_function_that_does_not_build_is_one_line(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.c").write_text('#include "edge.h"\nint edge_main(edge_event *ev) { return nope; }\n')
    (tmp_path / "edge.toml").write_text(f'[functions.broken]\nsource = "broken"\n{STATIC}')
    proc = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--port",
                           str(free_port()), "--admin-port", str(free_port()), "--state-dir", "state"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert errors[0].startswith("error: [functions.broken]") and "main.c:2:" in errors[0] and "nope" in errors[0]


@pytest.mark.parametrize("server_name", SERVERS)
def test_port_in_use_is_one_line_and_exit_2(tmp_path, server_name):
    (tmp_path / "edge.toml").write_text(STATIC)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        for args, option in ((["--port", str(port), "--admin-port", str(free_port())], "--port"),
                             (["--port", str(free_port()), "--admin-port", str(port)], "--admin-port")):
            proc = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir",
                                   "state", "--server", server_name, *args], cwd=tmp_path, capture_output=True,
                                  text=True, timeout=60)
            assert proc.returncode == 2, proc.stderr
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1, proc.stderr
            assert f"port {port}" in lines[0] and "already in use" in lines[0] and option in lines[0]


@pytest.mark.parametrize("server_name", SERVERS)
def test_serving_line_under_every_server(tmp_path, server_name):
    (tmp_path / "edge.toml").write_text(STATIC)
    port = free_port()
    with serve(tmp_path, "-m", "edge.toml", "--port", str(port), "--admin-port", str(free_port()),
               "--server", server_name) as server:
        assert f"({server_name} on" in server.until("starting")
        server.until("edge: serving")
        assert httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=10).status_code == 200


def test_an_access_log_or_store_the_workers_cannot_open_is_one_line_and_exit_2(tmp_path):
    """Checked before any worker starts: a traceback per worker and a crash loop before."""
    (tmp_path / "edge.toml").write_text(STATIC)
    (tmp_path / "afile").write_text("")
    cases = [(["--access-log", str(tmp_path / "nonexistent" / "a.log")], ["--access-log", "nonexistent", "No such file"]),
             (["--access-log", str(tmp_path)], ["--access-log", "Is a directory"]),
             (["--store", "afile"], [str(tmp_path / "afile"), "is a file, not a directory", "--store"]),
             (["--store", "afile/sub"], [str(tmp_path / "afile" / "sub"), "is a file", "--store"])]
    for args, expected in cases:
        proc = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir",
                               "state", "--port", str(free_port()), "--admin-port", str(free_port()), *args],
                              check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert all(part in lines[0] for part in expected), lines[0]
    assert not (tmp_path / "afile").is_dir()
