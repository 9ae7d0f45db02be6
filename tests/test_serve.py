"""`edge serve` as a real process: TLS with HTTP/2, several worker processes, bad manifests."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import trustme

from .conftest import free_port

SITE = Path(__file__).resolve().parents[1] / "samples" / "site"

MANIFEST = f"""
[origins.site]
root = "{SITE}"
index = "index.html"

[[behaviors]]
path = "*"
origin = "site"
"""


def spawn(args: list[str], tmp_path: Path) -> subprocess.Popen:
    if "--admin-port" not in args:  # its default, --port + 1, may be taken by another process
        args = [*args, "--admin-port", str(free_port())]
    return subprocess.Popen(
        [sys.executable, "-m", "edge.cli.main", "serve", "--state-dir", str(tmp_path / "state"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        start_new_session=True,
    )


def wait_ready(url: str, proc: subprocess.Popen, **client_kw) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode()}")  # type: ignore[union-attr]
        try:
            with httpx.Client(**client_kw) as c:
                if c.get(url + "/robots.txt", timeout=1).status_code == 200:
                    return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not become ready in 30 s")


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            return proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    return proc.returncode


def test_tls_and_http2(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    (tmp_path / "m.toml").write_text(MANIFEST)
    port = free_port()
    proc = spawn(["-m", "m.toml", "--port", str(port), "--certfile", "server.pem", "--keyfile", "server.pem"], tmp_path)
    try:
        url = f"https://127.0.0.1:{port}"
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        wait_ready(url, proc, verify=context)
        with httpx.Client(http2=True, verify=context) as client:
            r = client.get(url + "/")
        assert r.status_code == 200
        assert r.http_version == "HTTP/2"
        assert "Hello from the origin" in r.text
        assert r.headers["x-cache"] == "Miss from edge"
    finally:
        assert stop(proc) == 0


def test_several_worker_processes_serve(tmp_path):
    (tmp_path / "m.toml").write_text(MANIFEST)
    port = free_port()
    proc = spawn(["-m", "m.toml", "--port", str(port), "--workers", "2"], tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        deadline = time.monotonic() + 20
        children: list[str] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
            time.sleep(0.1)
        assert len(children) >= 2
        ids = set()
        for _ in range(20):
            with httpx.Client() as c:  # new connections, so both workers can take them
                r = c.get(url + "/index.html")
            assert r.status_code == 200
            ids.add(r.headers["x-amz-cf-id"])
        assert len(ids) == 20
    finally:
        stop(proc)


def test_bad_manifest_exits_with_a_message_naming_the_entry(tmp_path):
    (tmp_path / "m.toml").write_text(MANIFEST + '\n[[behaviors]]\npath = "/late"\norigin = "site"\n')
    proc = spawn(["-m", "m.toml", "--port", str(free_port())], tmp_path)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert b"default" in out and b"last" in out


def test_missing_manifest_is_a_clear_error(tmp_path):
    proc = spawn(["-m", "nope.toml", "--port", str(free_port())], tmp_path)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert b"nope.toml" in out
