"""docs/deploy.md's setup commands for the systemd unit, run with the paths swapped for
temporary ones: the env file is created (its directory first: `install` does not create
/etc/edge, and the documented line failed on a fresh machine), mode 0600, and the token it
holds opens a real server's admin API. The service user's home is the unit's WorkingDirectory
and is created (a system user gets none by default, and the unit failed with 200/CHDIR)."""

from __future__ import annotations

import getpass
import os
import re
import stat
import subprocess
from pathlib import Path

import httpx

from .conftest import free_ports
from .control_helpers import manifest_text
from .serve_output import serve_output

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "deploy.md").read_text()
UNIT = (REPO / "deploy" / "edge.service").read_text()


def _setup_lines() -> list[str]:
    block = DOC.split("Save the unit as", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_service_user_gets_the_units_working_directory_as_home():
    workdir = re.search(r"^WorkingDirectory=(\S+)$", UNIT, re.M).group(1)  # type: ignore[union-attr]
    useradd = next(line for line in _setup_lines() if "useradd" in line)
    assert "--create-home" in useradd and f"--home-dir {workdir}" in useradd, useradd
    assert re.search(r"^User=edge$", UNIT, re.M) and useradd.split("#")[0].split()[-1] == "edge"


def test_the_env_file_line_works_on_a_machine_without_etc_edge(tmp_path):
    env_dir = tmp_path / "etc" / "edge"  # does not exist, as /etc/edge on a fresh machine
    line = next(line for line in _setup_lines() if "edge.env" in line)
    assert "EnvironmentFile=/etc/edge/edge.env" in UNIT
    command = (line.replace("sudo ", "").replace("/etc/edge", str(env_dir))
               .replace("-o root", f"-o {getpass.getuser()}"))
    subprocess.run(["bash", "-euo", "pipefail", "-c", command], check=True, timeout=30)
    env_file = env_dir / "edge.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    name, _, token = env_file.read_text().strip().partition("=")
    assert name == "EDGE_ADMIN_TOKEN" and re.fullmatch(r"[0-9a-f]{64}", token)

    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=token)  # as systemd passes EnvironmentFile
    with serve_output(tmp_path, "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                      "--port", str(port), "--admin-port", str(admin_port), env=env) as server:
        assert "bearer token required" in server.until("edge: admin API on")
        admin = f"http://127.0.0.1:{admin_port}/v1/functions"
        assert httpx.get(admin, timeout=10).status_code == 401
        assert httpx.get(admin, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
