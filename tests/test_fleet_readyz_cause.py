"""`/readyz` of a fleet node cut off from its database names why: the connection error
(`Connection refused` to the database's host and port), not the connection pool's own
`couldn't get a connection after 1.00 sec`, which is what a node reported once its catch-up
reads had waited on the pool — every time after the outage's first moment."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from .control_helpers import ControlServer, generated, manifest_text
from .fleet_helpers import CutProxy, fresh_schema, wait_for

pytestmark = pytest.mark.timeout(120)


def test_readyz_names_the_connection_error_while_the_database_is_away(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with CutProxy() as proxy:
        url = proxy.url(pg_url)
        node = ControlServer(tmp_path / "m.toml", tmp_path / "pop", store=url, node_name="pop").start()
        try:
            node.deploy("hello", generated("hi"))
            proxy.cut()
            wait_for(lambda: node.admin.get("/readyz").json()["status"] == "degraded", what="a degraded /readyz")
            seen = []
            deadline = time.monotonic() + 6  # past several catch-up reads and a pool checkout's wait
            while time.monotonic() < deadline:
                health = node.admin.get("/readyz").json()
                assert health["status"] == "degraded", health
                seen.append(health["store"]["error"])
                time.sleep(0.2)
            assert node.admin.get("/v1/functions").status_code == 503  # a read waits on the pool too
            last = node.admin.get("/readyz").json()["store"]["error"]
            for error in {*seen, last}:  # the connection in use when it was cut, then new ones refused
                assert "couldn't get a connection" not in error, seen
                assert "server closed the connection" in error or "Connection refused" in error, seen
                assert "\n" not in error, error
            assert "Connection refused" in last and f'"127.0.0.1", port {proxy.port} failed' in last, last
        finally:
            node.stop()


@pytest.fixture(scope="module", autouse=True)
def no_password(pg_database, tmp_path_factory) -> Iterator[Future]:
    """test_the_cause_has_no_password's scenario (below), run from the module's start beside the
    other tests: it mostly waits on the pool (a 5 s checkout, then 1 s ones), ~7 s that now pass
    while the first test waits on its own node. Its own schema and proxy, as pg_url would give."""
    with fresh_schema(pg_database) as url, ThreadPoolExecutor(1) as pool:
        yield pool.submit(_no_password_scenario, url, tmp_path_factory.mktemp("no-password"))


def test_the_cause_has_no_password(no_password):
    """The pool's connection error is masked as every other store message is."""
    no_password.result(timeout=60)


def _no_password_scenario(pg_url: str, tmp_path: Path) -> None:
    from edge.fleet import dsn
    from edge.fleet.pgstore import PgStore

    with CutProxy() as proxy:
        url = proxy.url(pg_url).replace("postgresql://postgres@", "postgresql://postgres:s3cretpw@")
        store = PgStore(url, tmp_path / "cache")
        try:
            assert store.revision() == 0
            proxy.cut()
            for _ in range(3):
                with pytest.raises(Exception) as caught:
                    store.revision()
                assert "s3cretpw" not in str(caught.value)
            assert "Connection refused" in store.health.error and "s3cretpw" not in store.health.error
            assert "couldn't get a connection" not in store.health.error
        finally:
            store.close()
            dsn._secrets.discard("s3cretpw")


def test_without_a_pool_error_a_direct_attempt_says_why(pg_url):
    """The pool may not have tried yet (or its attempt still runs): one short attempt names the
    cause, and a database that accepts it means the pool was only busy."""
    from edge.fleet import dsn
    from edge.fleet.pool import ConnectErrors

    with CutProxy() as proxy:
        proxy.cut()
        refused = ConnectErrors().timeout_reason(dsn.conninfo(proxy.url(pg_url)), 1.0)
    assert "Connection refused" in refused and f"port {proxy.port}" in refused and "\n" not in refused
    busy = ConnectErrors().timeout_reason(dsn.conninfo(pg_url), 5.0)
    assert busy.startswith("no pooled connection within 5 s, although the database accepts new connections")
