"""While the database cannot be reached, a node's log says so once (and once when it answers
again), as docs/fleet.md promises: the connection pool's own warning for every failed
reconnection ("error connecting in 'edge-store': ...", 67 lines over a 10-minute outage on one
node, plus "reconnection attempt ... failed after 300 sec") is kept for debug logging only."""

from __future__ import annotations

import logging
import time

import pytest

from edge.control.rows import StoreUnavailable
from edge.control.store import open_store

from .fleet_helpers import CutProxy

pytestmark = pytest.mark.timeout(60)


def test_the_pools_reconnection_warnings_are_not_logged(pg_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with CutProxy() as proxy:
        store = open_store(proxy.url(pg_url), cache_dir=tmp_path / "cache" / "modules")
        try:
            assert store.revision() == 0
            proxy.cut()
            failures = 0
            deadline = time.monotonic() + 4  # the pool retries with back-off from ~1 s
            while time.monotonic() < deadline:
                try:
                    store.revision()
                except StoreUnavailable:
                    failures += 1
                time.sleep(0.2)
            assert failures and not store.health.up
            noisy = [r.getMessage() for r in caplog.records if r.name == "psycopg.pool" and r.levelno >= logging.WARNING]
            assert noisy == []
            with caplog.at_level(logging.DEBUG, logger="psycopg.pool"):  # still there for debugging
                deadline = time.monotonic() + 4
                while time.monotonic() < deadline and not any(
                        "error connecting in" in r.getMessage() for r in caplog.records if r.name == "psycopg.pool"):
                    try:
                        store.revision()
                    except StoreUnavailable:
                        pass
                    time.sleep(0.2)
                assert any("error connecting in" in r.getMessage() for r in caplog.records if r.name == "psycopg.pool")
        finally:
            store.close()
