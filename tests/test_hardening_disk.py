"""A full disk is the operator's to fix, not a server bug: an admin write that runs out of
space answers `507 insufficient_storage` saying what to do, changes nothing, and the edge
keeps serving; once there is space again the same call succeeds. The state directory is on a
real, small tmpfs (mounting one needs root: skipped otherwise)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.control.logs import LogRecord
from edge.control.sharedlogs import SharedLogs

from .conftest import free_port
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
    """Take every free byte of the disk (unbuffered: nothing is left to flush at close)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
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
        # the store watcher's next heartbeat fails, then again at every tick (10 a second): logged once
        def watcher() -> list[logging.LogRecord]:
            return [r for r in caplog.records if r.getMessage().startswith("store watcher")]

        assert eventually(watcher, timeout=15)
        time.sleep(0.5)
        assert len(watcher()) == 1, [r.getMessage() for r in watcher()]
        [failed] = watcher()  # an operating condition: one line saying what to do, no traceback
        assert "the disk is full (database or disk is full)" in failed.getMessage() and failed.exc_info is None
        assert "--state-dir" in failed.getMessage()
        filler.unlink()
        assert eventually(lambda: any("works again" in r.getMessage() for r in caplog.records))
        # the same calls, with space again
        assert server.admin.put("/v1/functions/small/aliases/beta", json={"version": 1}).status_code == 200
        server.deploy("other", padded(generated("o"), 200_000))
    finally:
        server.stop()


def warnings_saying(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def test_the_access_log_on_a_full_disk_drops_lines_says_so_once_and_resumes(tmp_path, small_disk, caplog):
    caplog.set_level(logging.INFO)
    (tmp_path / "m.toml").write_text(manifest_text())
    access = small_disk / "access.log"
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state", access_log=str(access)).start()
    try:
        assert server.edge.get("/index.html").status_code == 200
        assert eventually(lambda: access.exists() and access.stat().st_size > 0)
        filler = fill(small_disk)
        for _ in range(20):  # every request still served; their lines cannot be written
            assert server.edge.get("/index.html").status_code == 200
        assert eventually(lambda: warnings_saying(caplog, "access log: cannot write"))
        time.sleep(0.3)
        assert len(warnings_saying(caplog, "access log: cannot write")) == 1
        assert "No space left on device" in warnings_saying(caplog, "access log: cannot write")[0]
        filler.unlink()
        assert server.edge.get("/index.html?after").status_code == 200
        assert eventually(lambda: warnings_saying(caplog, "access log: writing to"))
        assert eventually(lambda: b"after" in access.read_bytes())
    finally:
        server.stop()


def test_function_logs_on_a_full_disk_are_dropped_said_once_and_written_again(small_disk, caplog):
    """The log database of a multi-worker server (edge/control/sharedlogs.py) on a real full disk."""
    caplog.set_level(logging.INFO, logger="edge.control")
    logs = SharedLogs(small_disk / "logs.db", interval=0.02)
    try:
        def line(text: str) -> LogRecord:
            return LogRecord(time.time(), "fn", "1", "req", "viewer-request", "INFO", text)

        logs.add(line("before"))
        logs.flush()
        filler = fill(small_disk)
        for i in range(200):
            logs.add(line(f"lost {i} " + "x" * 2000))
            time.sleep(0.001)
        assert eventually(lambda: warnings_saying(caplog, "cannot write function logs"))
        time.sleep(0.2)  # ten more writer passes, the last ones with nothing queued
        [warning] = warnings_saying(caplog, "cannot write function logs")
        assert "full" in warning and "rollback" not in warning
        assert not warnings_saying(caplog, "function logs are written to"), "an empty pass is not a recovery"
        filler.unlink()
        logs.add(line("after"))
        assert eventually(lambda: warnings_saying(caplog, "function logs are written to"))
        assert [r.message for _, r in logs.query("fn", None, 10)][-1] == "after"
    finally:
        logs.close()


def serve_once(tmp_path: Path, state: Path) -> subprocess.CompletedProcess:
    (tmp_path / "m.toml").write_text(manifest_text())
    return subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "m.toml", "--state-dir", str(state),
                           "--port", str(free_port()), "--admin-port", str(free_port())],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_damaged_store_stops_the_start_with_one_line_saying_what_to_do(tmp_path):
    store = tmp_path / "state" / "store"
    store.mkdir(parents=True)
    (store / "control.db").write_bytes(b"this is not a database" * 1000)
    proc = serve_once(tmp_path, tmp_path / "state")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if "control.db" in line]
    assert "cannot open the store" in line and "restore the state directory from a backup" in line
    assert "store/ directory aside" in line


def test_a_read_only_state_directory_stops_the_start_saying_so(tmp_path, small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    proc = serve_once(tmp_path, small_disk / "state")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if "state directory" in line]
    assert "cannot be written (Read-only file system)" in line and "--state-dir" in line, proc.stderr
