"""A full disk is the operator's to fix, not a server bug: an admin write that runs out of
space answers `507 insufficient_storage` saying what to do, changes nothing, and the edge
keeps serving; once there is space again the same call succeeds. The state directory is on a
real, small tmpfs (mounting one needs root: skipped otherwise)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .control_helpers import ControlServer, generated, manifest_text, padded
from .polling import eventually


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of the disk."""
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    try:
        with open(filler, "ab") as f:  # the last partial block
            while True:
                f.write(b"\0")
                f.flush()
    except OSError:
        pass
    return filler


def refused_for_space(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 507, response.text
    error = response.json()["error"]
    assert error["code"] == "insufficient_storage" and "nothing was changed" in error["message"]
    assert "--state-dir" in error["message"]
    return error["message"]


def test_a_deploy_that_runs_out_of_disk_is_507_and_changes_nothing(tmp_path, small_disk, caplog):
    caplog.set_level(logging.INFO, logger="edge.control")
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", small_disk / "state").start()
    try:
        message = refused_for_space(server.admin.post("/v1/functions/big/versions",
                                                      content=padded(generated("big"), 6_000_000)))
        assert "No space left on device" in message
        assert server.admin.get("/v1/functions").json() == {"functions": []}
        assert server.edge.get("/index.html").status_code == 200  # still serving
        server.deploy("small", generated("small"), alias="live")  # room for this one

        filler = fill(small_disk)
        # the store's write alone: SQLite finds its database full (and has rolled back itself)
        message = refused_for_space(server.admin.put("/v1/functions/small/aliases/beta", json={"version": 1}))
        assert "the store's database" in message
        refused_for_space(server.admin.post("/v1/functions/other/versions", content=padded(generated("o"), 200_000)))
        assert [f["name"] for f in server.admin.get("/v1/functions").json()["functions"]] == ["small"]
        assert [a["name"] for a in server.admin.get("/v1/functions/small/aliases").json()["aliases"]] == ["live"]
        assert server.edge.get("/index.html").status_code == 200
        time.sleep(0.5)  # five of the store watcher's ticks, each failing to write the heartbeat
        watcher = [r for r in caplog.records if r.getMessage().startswith("store watcher")]
        assert len(watcher) == 1 and "full" in str(watcher[0].exc_info[1]), [r.getMessage() for r in watcher]
        filler.unlink()
        assert eventually(lambda: any("works again" in r.getMessage() for r in caplog.records))
        # the same calls, with space again
        assert server.admin.put("/v1/functions/small/aliases/beta", json={"version": 1}).status_code == 200
        server.deploy("other", padded(generated("o"), 200_000))
    finally:
        server.stop()
