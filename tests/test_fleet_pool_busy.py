"""A PoolTimeout while the database is overloaded does not make every failing request open a
connection of its own: a pool at its maximum with every connection checked out is reported
busy without any direct attempt, and otherwise one direct attempt at a time per process
answers for every timeout for a few seconds (edge/fleet/pool.py)."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from edge.control.rows import StoreBusy, StoreUnavailable
from edge.fleet import dsn, pgstore, pool
from edge.fleet.pgstore import POOL_MAX, PgStore

from .fleet_helpers import CutProxy

pytestmark = pytest.mark.timeout(60)


class Probes(list):
    most_at_once = 0


@pytest.fixture
def probes(monkeypatch) -> Probes:
    """The direct attempts made (each still made, against the real database, a little slower
    so that concurrent timeouts overlap it), and how many ran at once at most."""
    made = Probes()
    running = [0]
    lock = threading.Lock()
    real = pool.probe

    def counted(conninfo: str) -> str | None:
        with lock:
            made.append(conninfo)
            running[0] += 1
            made.most_at_once = max(made.most_at_once, running[0])
        try:
            time.sleep(0.3)
            return real(conninfo)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(pool, "probe", counted)
    return made


def _at_once(n: int, call) -> list:  # type: ignore[no-untyped-def]
    results: list = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_an_exhausted_pool_is_busy_without_a_direct_attempt(pg_url, tmp_path, monkeypatch, probes: Probes):
    monkeypatch.setattr(pgstore, "CHECKOUT_TIMEOUT", 0.3)
    store = PgStore(pg_url, tmp_path / "cache")
    try:
        with contextlib.ExitStack() as held:  # every connection the pool may hold, checked out
            for _ in range(POOL_MAX):
                held.enter_context(store.pool.connection())
            stats = store.pool.get_stats()
            assert stats["pool_size"] == stats["pool_max"] == POOL_MAX and stats["pool_available"] == 0
            failed = _at_once(8, store.revision)
        assert all(isinstance(r, StoreUnavailable) for r in failed), failed
        assert all(f"all {POOL_MAX} connections of this worker's pool stayed in use" in r.reason for r in failed)
        assert all(isinstance(r, StoreBusy) and "is busy, try again" in str(r) for r in failed)
        assert store.health.up  # busy is not down: /readyz and edge_store_up keep saying the database answers
        assert probes == []
        assert store.revision() == 0  # released: served again
    finally:
        store.close()


def test_one_direct_attempt_at_a_time_and_its_result_reused(pg_url, monkeypatch, probes: Probes):
    errors = pool.ConnectErrors()
    not_full = {"pool_size": 1, "pool_max": POOL_MAX, "pool_available": 0}
    reasons = _at_once(8, lambda: errors.timeout_reason(dsn.conninfo(pg_url), 5.0, not_full))
    assert len(probes) == 1  # the 7 others waited for it and took its answer
    assert all(r.startswith("no pooled connection within 5 s, although the database accepts") for r in reasons)
    errors.timeout_reason(dsn.conninfo(pg_url), 5.0, not_full)
    assert len(probes) == 1  # within PROBE_TTL: reused

    monkeypatch.setattr(pool, "PROBE_TTL", 0.0)  # expired: the next timeout tries again, one at a time
    with CutProxy() as proxy:
        proxy.cut()
        reasons = _at_once(6, lambda: errors.timeout_reason(dsn.conninfo(proxy.url(pg_url)), 1.0, not_full))
    assert len(probes) > 1 and probes.most_at_once == 1  # never two at once
    assert all("Connection refused" in r for r in reasons), reasons


def test_the_admin_api_answers_a_busy_store_as_busy_not_as_cut_off():
    """503 `store_busy` with Retry-After 1 (the database answers; `edge` does not tell the
    operator the node is cut off), where an unreachable store is `store_unavailable`."""
    import asyncio
    import json

    from starlette.requests import Request

    from edge.server.admin_http import _store_error

    request = Request({"type": "http", "method": "PUT", "path": "/v1/aliases", "headers": [], "query_string": b""})
    busy = asyncio.run(_store_error(request, StoreBusy("the store postgresql://h/db is busy, try again: all 4 in use")))
    down = asyncio.run(_store_error(request, StoreUnavailable("the store postgresql://h/db cannot be reached: refused")))
    assert (busy.status_code, json.loads(busy.body)["error"]["code"], busy.headers["retry-after"]) == (503, "store_busy", "1")
    assert (down.status_code, json.loads(down.body)["error"]["code"], down.headers["retry-after"]) == (
        503, "store_unavailable", "5")
