"""docs/deploy.md is run, not just read: the systemd unit in it is deploy/edge.service, whose
ExecStart starts edge the way systemd would (READY=1 on NOTIFY_SOCKET, SIGHUP reload, SIGTERM
stop within TimeoutStopSec), the `edge serve` command lines in it serve, and its backup and
restore commands bring a store back. Paths and ports are swapped for temporary ones."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import trustme

from .conftest import free_ports, plain_http_tls
from .control_helpers import SITE, TOKEN, ControlServer, generated, manifest_text
from .polling import eventually
from .serve_output import ServeOutput

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "deploy.md").read_text()
UNIT = (REPO / "deploy" / "edge.service").read_text()
MANIFEST = f"""
[origins.site]
root = "{SITE}"

[[behaviors]]
path = "*"
origin = "site"
"""


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def service_settings() -> dict[str, str]:
    section = UNIT.split("[Service]", 1)[1].split("\n[", 1)[0]
    settings = {}
    for line in section.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


class Paths:
    """The documented production paths and ports, mapped to temporary ones."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        (tmp / "manifest.toml").write_text(MANIFEST)
        self.port, self.admin_port, self.tls_port = free_ports(3)
        self.map = {
            "/srv/edge/manifest.toml": str(tmp / "manifest.toml"),
            "/var/lib/edge": str(tmp / "state"),
            "/var/log/edge/access.log": str(tmp / "access.log"),
            "/backup/edge": str(tmp / "backup"),
            "10.0.0.5": "127.0.0.1",
        }
        ports = {"8080": self.port, "8081": self.admin_port, "443": self.tls_port}
        self.ports = {k: str(v) for k, v in ports.items()}

    def argv(self, command: str) -> list[str]:
        """An `edge ...` command line from the docs, runnable here."""
        args = shlex.split(command)
        assert args[0].endswith("edge"), command
        out = [sys.executable, "-m", "edge.cli.main"]
        for arg in args[1:]:
            out.append(self.ports.get(arg, self.map.get(arg, arg)))
        return out

    def shell(self, command: str) -> str:
        for old, new in sorted(self.map.items(), key=lambda kv: -len(kv[0])):
            command = command.replace(old, new)
        return command


def test_the_unit_in_the_docs_is_the_shipped_one():
    assert fenced("ini") == [UNIT]
    settings = service_settings()
    assert settings["Type"] == "notify" and settings["NotifyAccess"] == "main"
    graceful = float(shlex.split(settings["ExecStart"])[shlex.split(settings["ExecStart"]).index("--graceful-timeout") + 1])
    assert float(settings["TimeoutStopSec"]) > graceful
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID" and settings["KillSignal"] == "SIGTERM"


@pytest.mark.timeout(240)
def test_exec_start_as_systemd_runs_it(tmp_path):
    settings = service_settings()
    paths = Paths(tmp_path)
    argv = paths.argv(settings["ExecStart"])
    notify = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(notify))
        systemd.settimeout(120)
        env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN, NOTIFY_SOCKET=str(notify),
                   ZIG_GLOBAL_CACHE_DIR=os.environ.get("ZIG_GLOBAL_CACHE_DIR", ""))
        env = {k: v for k, v in env.items() if v}
        proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            assert systemd.recv(64) == b"READY=1"  # Type=notify: only once requests are answered
            url = f"http://127.0.0.1:{paths.port}"
            # behind the load balancer (--proxy-hops 1): the viewer's address comes from its X-Forwarded-For
            r = httpx.get(f"{url}/robots.txt", headers={"X-Forwarded-For": "198.51.100.9"}, timeout=10)
            assert r.status_code == 200
            log = tmp_path / "access.log"
            assert eventually(lambda: log.exists() and "198.51.100.9" in log.read_text(), 10)
            assert json.loads(log.read_text().splitlines()[-1])["client_ip"] == "198.51.100.9"
            probe = httpx.get(f"http://127.0.0.1:{paths.admin_port}/readyz", timeout=10)  # no token for probes
            assert probe.status_code == 200

            os.kill(proc.pid, signal.SIGHUP)  # ExecReload
            time.sleep(1)
            assert proc.poll() is None
            assert eventually(lambda: _answers(f"{url}/robots.txt"), 60)

            if settings.get("KillMode") == "mixed":  # KillSignal to the main process, which stops its workers
                os.kill(proc.pid, signal.SIGTERM)
            else:  # KillSignal to every process of the unit
                os.killpg(proc.pid, signal.SIGTERM)
            assert systemd.recv(64) == b"STOPPING=1"  # the unit is "deactivating" while requests drain
            assert proc.wait(float(settings["TimeoutStopSec"])) == 0
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2, verify=plain_http_tls()).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(240)
def test_the_documented_serve_commands_serve(tmp_path):
    commands = [line for block in fenced("sh") for line in block.splitlines() if line.startswith("edge serve")]
    assert len(commands) == 2  # behind a load balancer, and directly on 443
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    tls = tmp_path / "tls"
    tls.mkdir()
    cert.private_key_pem.write_to_path(tls / "privkey.pem")
    cert.cert_chain_pems[0].write_to_path(tls / "fullchain.pem")
    for command in commands:
        paths = Paths(tmp_path)
        paths.map.update({"/etc/edge/tls/fullchain.pem": str(tls / "fullchain.pem"),
                          "/etc/edge/tls/privkey.pem": str(tls / "privkey.pem")})
        argv = paths.argv(command)
        server = ServeOutput(tmp_path, *argv[4:], env=dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN))
        try:
            line = server.until("edge: serving")
            if "--certfile" in argv:
                assert f"https://0.0.0.0:{paths.tls_port}" in line
                context = ssl.create_default_context()
                ca.configure_trust(context)
                with httpx.Client(verify=context, http2=True) as client:
                    r = client.get(f"https://localhost:{paths.tls_port}/robots.txt", timeout=10)
                assert r.status_code == 200 and r.http_version == "HTTP/2"
            else:
                assert httpx.get(f"http://127.0.0.1:{paths.port}/robots.txt", timeout=10).status_code == 200
        finally:
            assert server.stop() == 0, server.seen


def test_backup_and_restore_as_documented(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    paths = Paths(tmp_path)
    state = Path(paths.map["/var/lib/edge"])
    backup_cmd = next(line for block in fenced("sh") for line in block.splitlines() if ".backup(" in line)
    restore_cmd = next(line for block in fenced("sh") for line in block.splitlines() if "systemctl stop edge" in line)
    server = ControlServer(tmp_path / "m.toml", state).start()
    try:
        server.deploy("keep", generated("kept"), alias="live")
        server.deploy("keep", generated("kept too"))
        # taken while the server runs
        subprocess.run(["bash", "-c", paths.shell(backup_cmd)], check=True, timeout=60)
        server.deploy("keep", generated("after the backup"))
    finally:
        server.stop()
    # lose the store, then restore it as documented (the server is stopped; systemctl is not ours to run)
    (state / "store" / "control.db").write_bytes(b"")
    restore = paths.shell(restore_cmd).replace("sudo systemctl stop edge && ", "").replace(" && sudo systemctl start edge", "")
    subprocess.run(["bash", "-c", restore], check=True, timeout=60)
    server = ControlServer(tmp_path / "m.toml", state).start()
    try:
        described = server.admin.get("/v1/functions/keep").json()
        assert [v["version"] for v in described["versions"]] == [1, 2]
        assert described["aliases"]["live"]["version"] == 1
        server.associate("/fn", "keep:live")
        assert server.edge.get("/fn").text == "kept"
    finally:
        server.stop()


ECHO_MANIFEST = """
[origins.echo]
type = "echo"

[[behaviors]]
path = "*"
origin = "echo"
cache = "disabled"
"""


def test_proxy_hops_take_the_viewer_from_the_trusted_entries(edge_factory):
    edge = edge_factory(ECHO_MANIFEST, proxy_hops=2)

    def seen(xff: str | list[str] | None) -> str:
        lines = [] if xff is None else [xff] if isinstance(xff, str) else xff
        echoed = edge.get("/x", headers=[("X-Forwarded-For", line) for line in lines]).json()["headers"]
        [value] = [v for k, v in echoed if k.lower() == "x-forwarded-for"]  # one line reaches the origin
        return value

    # two trusted proxies appended "viewer, proxy1": the viewer is the second to last; what came before stays
    assert seen("203.0.113.1, 198.51.100.7, 10.0.0.2") == "203.0.113.1, 198.51.100.7"
    assert seen("198.51.100.7, 10.0.0.2") == "198.51.100.7"
    # fewer entries than trusted hops: not through the proxies, the connection's peer is the client
    assert seen("6.6.6.6") == "6.6.6.6, 127.0.0.1"
    assert seen(None) == "127.0.0.1"
    # a proxy that adds a line of its own: every line counts, in order (the viewer's forged first line was taken)
    assert seen(["6.6.6.6", "198.51.100.7, 10.0.0.2"]) == "6.6.6.6, 198.51.100.7"
    assert seen(["6.6.6.6, 198.51.100.7", "10.0.0.2"]) == "6.6.6.6, 198.51.100.7"
    # what the trusted proxies' entry holds is an address, perhaps with a port (Azure's gateway adds one)
    assert seen("::ffff:198.51.100.7, 10.0.0.2") == "198.51.100.7"
    assert seen("203.0.113.7:51234, 10.0.0.2") == "203.0.113.7"
    assert seen("[2001:db8::1]:443, 10.0.0.2") == "2001:db8::1"
    # a viewer's Connection naming X-Forwarded-For (a proxy passing it on) does not remove the proxies' entry
    echoed = edge.get("/x", headers={"X-Forwarded-For": "198.51.100.7, 10.0.0.2",
                                     "Connection": "X-Forwarded-For"}).json()["headers"]
    assert [v for k, v in echoed if k.lower() == "x-forwarded-for"] == ["198.51.100.7"]
    # anything else refuses the request: the peer (an internal address every viewer would share) is never taken
    for entry in ("not-an-ip", "1.2.3.4/evil?x", "a" * 500):
        refused = edge.get("/x", headers={"X-Forwarded-For": f"{entry}, 10.0.0.2"})
        assert refused.status_code == 400 and "is not an IP address" in refused.text, refused.text
