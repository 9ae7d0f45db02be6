"""What an operator sees when the machine, not the code, is at fault (an operator trial): a
store that cannot be opened at start is one line naming the cause and the next step (a full
disk, permissions, a schema of another release), never a traceback per worker; a full disk
while serving is one line per condition, and reads keep working. Real parts: `edge serve`
processes, a real small tmpfs (mounting it needs root: skipped otherwise), real SQLite files."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.control.logs import LogRecord
from edge.control.sharedlogs import SharedLogs
from edge.control.sqlite_store import SqliteStore
from edge.control.store import StoreError
from edge.fleet.pgstore import unreachable

from .conftest import free_ports, plain_http_tls
from .control_helpers import TOKEN, generated, manifest_text, serving
from .pgfixtures import ADMIN_URL, _connect, server_in_use, with_database
from .polling import eventually
from .test_hardening_disk import fill, small_disk  # noqa: F401 (a fixture)


def serve_once(cwd: Path, state: Path, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """`edge serve` that is expected to stop by itself at start."""
    (cwd / "m.toml").write_text(manifest_text())
    port, admin = free_ports(2)
    return subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "m.toml", "--state-dir", str(state),
                           "--port", str(port), "--admin-port", str(admin), *extra],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout, start_new_session=True,
                          check=False)


def one_error_line(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    """The start failed with exit status `code` and said why in one `Error:` line, no traceback."""
    assert proc.returncode == code and "Traceback" not in proc.stderr, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert "died" not in proc.stderr, proc.stderr  # the main process said it, before any worker started
    return line


# -- a store that cannot be opened at start ---------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_new_store_on_a_full_disk_is_one_line_saying_the_disk_is_full(tmp_path, small_disk, workers):  # noqa: F811
    fill(small_disk)
    line = one_error_line(serve_once(tmp_path, small_disk / "fresh", "--workers", workers))
    assert f"cannot open the store {small_disk}/fresh/store/control.db" in line, line
    assert "the disk is full: free space on it" in line and "--state-dir" in line, line


def test_an_existing_store_on_a_full_disk_says_the_disk_is_full(tmp_path, small_disk):  # noqa: F811
    """SQLite says only `disk I/O error` when it cannot extend an existing database's files."""
    SqliteStore(small_disk / "state" / "store").close()
    fill(small_disk)
    line = one_error_line(serve_once(tmp_path, small_disk / "state"))
    assert "cannot open the store" in line and "the disk is full: free space on it" in line, line


def _store_with_schema(state: Path, value: str) -> None:
    SqliteStore(state / "store").close()
    db = sqlite3.connect(state / "store" / "control.db")
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (value,))
    db.close()


def test_a_store_of_a_later_release_says_what_to_do(tmp_path):
    _store_with_schema(tmp_path / "state", "2")
    line = one_error_line(serve_once(tmp_path, tmp_path / "state"))
    assert "has schema version 2, newer than this server's 1: a later release of edge wrote it" in line, line
    assert "Run that release (or a later one)" in line and "restore a backup" in line, line
    assert "docs/deploy.md, Backups of the store" in line, line


def test_a_schema_version_that_is_not_a_number_is_one_line_not_a_value_error(tmp_path):
    _store_with_schema(tmp_path / "state", "1; drop")
    line = one_error_line(serve_once(tmp_path, tmp_path / "state"))
    assert "schema version is '1; drop', not a number" in line and "restore the state directory" in line, line
    with pytest.raises(StoreError, match="not a number"):  # the library's error too: a StoreError
        SqliteStore(tmp_path / "state" / "store")


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is under a root-only one)."""
    path = Path(tempfile.mkdtemp(prefix="edge-opfaults-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_an_unreadable_store_says_permission_denied(open_dir):
    """A control.db of mode 000, opened by a user that is not root (a forked child that gives
    up root: root itself may open any file)."""
    if os.geteuid() != 0:
        pytest.skip("giving the opening process another user needs root")
    store = open_dir / "state" / "store"
    SqliteStore(store).close()
    for path in (open_dir / "state", store, store / "modules", *store.iterdir()):
        os.chown(path, 65534, 65534)
    (store / "control.db").chmod(0)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nobody, opening the store
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                SqliteStore(store).close()
                said = "opened"
            except StoreError as exc:
                said = str(exc)
            os.write(write, said.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    assert "unable to open database file; permission denied: this user (uid 65534)" in said, said
    assert "chown" in said, said


# -- a full disk while serving ------------------------------------------------------------------


def test_reading_function_logs_on_a_full_disk_answers_from_the_file(small_disk, caplog):  # noqa: F811
    """`edge logs` (GET /v1/logs) flushes this worker's queued lines before it reads: a flush that
    cannot write made the read a 507. The read answers; the lost lines are said once."""
    caplog.set_level(logging.INFO, logger="edge.control")
    logs = SharedLogs(small_disk / "logs.db", interval=3600)  # only the reads flush here
    try:
        def line(text: str) -> LogRecord:
            return LogRecord(time.time(), "fn", "1", "req", "viewer-request", "INFO", text)

        logs.add(line("written"))
        logs.flush()
        filler = fill(small_disk)
        for i in range(3):
            logs.add(line(f"queued {i} " + "x" * 50_000))
            assert [r.message for _, r in logs.query("fn", None, 10)] == ["written"]
            assert logs.last_id() == 1
        failures = [r for r in caplog.records if "cannot write function logs" in r.getMessage()]
        assert len(failures) == 1 and "full" in failures[0].getMessage(), [r.getMessage() for r in caplog.records]
        filler.unlink()
        logs.add(line("after"))
        assert [r.message for _, r in logs.query("fn", None, 10)] == ["written", "after"]
        assert any("function logs are written to" in r.getMessage() for r in caplog.records)
    finally:
        logs.close()


# -- a fleet node restarting while its database refuses new connections -------------------------


@pytest.fixture
def closed_database() -> Iterator[str]:
    """A database of its own (ALLOW_CONNECTIONS is the whole database's), dropped at the end."""
    try:
        admin = _connect(ADMIN_URL)
    except Exception as exc:
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_URL}: {str(exc).strip().splitlines()[0]}")
    name = f"edge_opfaults_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with server_in_use(), admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_node_restarts_on_its_saved_state_while_the_database_refuses_new_connections(tmp_path, closed_database):
    url = with_database(ADMIN_URL, closed_database)
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text())
    state = tmp_path / "node"
    with serving(tmp_path, manifest, state, "--store", url, "--node-name", "pop") as node:  # saves its state
        node.wait_ready()
        with node.admin() as admin:
            r = admin.post("/v1/functions/fn/versions", content=generated("saved").encode())
            assert r.status_code == 201, r.text
            behaviors = [{"path": "/fn", "origin": "site", "cache": "disabled", "viewer_request": "fn"},
                         *admin.get("/v1/behaviors").json()["behaviors"]]
            assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200
        assert eventually(lambda: httpx.get(node.url + "/fn", timeout=5, verify=plain_http_tls()).text == "saved", timeout=30)
        assert eventually(lambda: (state / "cache" / "last-known.json").exists())
    with _connect(ADMIN_URL) as admin:
        admin.execute(f'ALTER DATABASE "{closed_database}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      (closed_database,))
    with serving(tmp_path, manifest, state, "--store", url, "--node-name", "pop") as node:
        node.wait_ready()
        assert httpx.get(node.url + "/fn", timeout=5).text == "saved"
        with node.admin() as admin:
            assert admin.get("/readyz").json()["status"] == "degraded"
        assert "is not currently accepting connections" in node.output(), node.output()


@pytest.mark.parametrize("said", [
    'connection failed: FATAL:  database "edge" is not currently accepting connections',
    "connection failed: FATAL:  the database system is not accepting connections DETAIL: Hot standby mode is disabled.",
    "connection failed: FATAL:  the database system is shutting down",
    "connection failed: FATAL:  sorry, too many clients already",
    'connection failed: FATAL:  too many connections for role "edge"',
    'connection failed: FATAL:  too many connections for database "edge"',
    "connection failed: FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute",
])
def test_a_database_that_cannot_take_a_connection_now_is_unavailable_not_refusing(said):
    """PostgreSQL's own FATAL texts (src/backend): each passes; the operator's mistakes do not."""
    assert unreachable(said)
    assert not unreachable('connection failed: FATAL:  database "edgee" does not exist')
    assert not unreachable('connection failed: FATAL:  no pg_hba.conf entry for host "10.0.0.5"')


# -- the admin API's client: a request cut off after it was sent -------------------------------


def _connected_to(port: int) -> bool:
    """Whether a loopback TCP connection to `port` is established (Linux's /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
            return True
    return False


def test_a_deploy_cut_off_by_a_server_killed_mid_request_says_the_outcome_is_unknown(tmp_path):
    """The server is reached and then killed (-9) before it answers: not "cannot reach"."""
    (tmp_path / "m.toml").write_text(manifest_text())
    (tmp_path / "fn.wat").write_text(generated("v1"))
    command = [sys.executable, "-m", "edge.cli.main", "deploy", "fn.wat", "--name", "fn", "--reset-settings"]
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state") as node:
        node.wait_ready()
        os.killpg(node.proc.pid, signal.SIGSTOP)  # the kernel still accepts connections; nobody answers
        deploy = subprocess.Popen([*command, "--server", node.admin_url], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert eventually(lambda: _connected_to(node.admin_port), timeout=30)
            time.sleep(0.5)  # the request written into the connection
        finally:
            node.kill9()
        _, err = deploy.communicate(timeout=60)
    assert deploy.returncode == 1, err
    assert err.startswith(f"Error: the connection to the admin API at {node.admin_url} was lost during the request ("), err
    assert err.rstrip().endswith("the deploy may or may not have been made: check `edge versions fn`"), err
    assert "cannot reach" not in err
    # nothing listens any more: that is "cannot reach", as before
    refused = subprocess.run([*command, "--server", node.admin_url], cwd=tmp_path, env=env, capture_output=True, check=False,
                             text=True, timeout=60)
    assert refused.returncode == 1 and "cannot reach the admin API" in refused.stderr, refused.stderr
    assert "is `edge serve` running?" in refused.stderr


# -- one edge serve per state directory ----------------------------------------------------------


def test_a_second_edge_serve_on_a_state_directory_in_use_is_refused(tmp_path):
    """It would overwrite serve.json (and its clean stop delete it under the first), and share
    metrics/ and logs.db. The guard is an flock: a first server killed with -9 leaves nothing stale."""
    (tmp_path / "m.toml").write_text(manifest_text())
    state = tmp_path / "state"
    with serving(tmp_path, tmp_path / "m.toml", state, "--workers", "2") as first:
        first.wait_ready()
        assert eventually(lambda: (state / "serve.json").exists(), timeout=30)  # written once it is ready
        record = (state / "serve.json").read_text()
        second = serve_once(tmp_path, state)
        assert second.returncode == 2 and "Traceback" not in second.stderr, second.stderr
        [line] = second.stderr.splitlines()
        assert line.startswith(f"Error: another edge serve (pid {first.proc.pid}, started 20"), line
        assert line.endswith(f"is using the state directory {state}: stop it, or give this one its own --state-dir")
        assert (state / "serve.json").read_text() == record  # the first one's, untouched
        with first.admin() as admin:
            assert admin.get("/v1/status").status_code == 200
        first.kill9()
    with serving(tmp_path, tmp_path / "m.toml", state) as again:  # kill -9 left no lock behind
        again.wait_ready()
