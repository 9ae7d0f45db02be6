"""A real PostgreSQL for the fleet tests: 127.0.0.1:5432, trust auth, user postgres.

Each test session creates its own database and drops it at the end; each test gets its own
schema in it (a schema holds one fleet's tables, channel and locks), so tests never see
each other's state. Without a reachable server the tests that need it are skipped with the
reason shown (`-rs`); CI has one, so there they run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("EDGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def with_database(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


def with_schema(url: str, schema: str) -> str:
    return f"{url}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a database created for this test session (dropped at its end)."""
    try:
        conn = _connect(ADMIN_URL)
    except Exception:
        wait_for_fault_tests()
        ensure_running()  # a local cluster an earlier run left stopped
        try:
            conn = _connect(ADMIN_URL)
        except Exception as exc:
                pytest.skip(f"PostgreSQL is not reachable at {ADMIN_URL} ({str(exc).strip().splitlines()[0]}): "
                        "the fleet tests need a real server")
    name = f"edge_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(ADMIN_URL, name)
    finally:
        ensure_running()
        with contextlib.suppress(Exception), _connect(ADMIN_URL) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session's database, as a store URL."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with server_in_use():
        with _connect(pg_database) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        yield with_schema(pg_database, schema)
        with contextlib.suppress(Exception), _connect(pg_database) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- stopping and starting the server (fault tests) ---------------------------------------------


def _cluster() -> list[str]:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions:
        pytest.skip("no local PostgreSQL cluster to stop and start (/etc/postgresql is empty)")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def pg_ctl(action: str) -> None:
    subprocess.run([*_cluster(), action], check=True, timeout=60, capture_output=True)


def ensure_running() -> None:
    """Start the cluster if a fault test left it stopped (never raises)."""
    with contextlib.suppress(Exception):
        _connect(ADMIN_URL).close()
        return
    with contextlib.suppress(Exception):
        pg_ctl("start")


FAULT_LOCK = Path("/tmp/edge-tests-postgres-stopped.lock")  # held while a fault test has the server down
FAULTS_ENV = "EDGE_TEST_PG_FAULTS"  # "0": skip the tests that stop the machine's PostgreSQL


@contextlib.contextmanager
def _fault_lock(kind: int) -> Iterator[None]:
    fd = os.open(FAULT_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, kind)
        yield
    finally:
        os.close(fd)


_in_use: list[int] = []  # this process's shared FAULT_LOCK descriptors, one per test using the server


@contextlib.contextmanager
def server_in_use() -> Iterator[None]:
    """Held while a test uses the server: a fault test stopping it waits until no test in
    another process (a pytest-xdist worker, another run on the machine) is using it, and those
    wait while it is stopped."""
    fd = os.open(FAULT_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        _in_use.append(fd)
        yield
    finally:
        if fd in _in_use:
            _in_use.remove(fd)
        os.close(fd)


@contextlib.contextmanager
def _stopping_lock() -> Iterator[None]:
    """The exclusive lock for stopping the server. A test that holds the shared one (its own
    `pg_url`) converts that descriptor: a second descriptor's exclusive lock would wait for this
    very process's shared one for ever. flock converts by dropping the shared lock first, so two
    processes converting at once do not deadlock."""
    if not _in_use:
        with _fault_lock(fcntl.LOCK_EX):
            yield
        return
    fd = _in_use[-1]
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_SH)


def wait_for_fault_tests() -> None:
    """If another test run has stopped the server on purpose, wait until it started it again."""
    with _fault_lock(fcntl.LOCK_SH):
        pass


@contextlib.contextmanager
def database_stopped() -> Iterator[None]:
    """PostgreSQL stopped inside the block, and always started again after it. Other test runs
    on the machine (sharing the server) wait for it instead of starting it themselves."""
    if os.environ.get(FAULTS_ENV) == "0":
        pytest.skip(f"{FAULTS_ENV}=0: not stopping this machine's PostgreSQL")
    cluster = _cluster()
    with _stopping_lock():
        try:
            subprocess.run([*cluster, "stop"], check=True, timeout=60, capture_output=True)
            yield
        finally:
            subprocess.run([*cluster, "start"], check=False, timeout=60, capture_output=True)
            ensure_running()
