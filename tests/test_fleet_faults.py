"""Faults in a fleet on a real PostgreSQL: the database stopped and started under load,
notifications lost, a node killed with SIGKILL in the middle of a deploy. The database is
always started again, whatever happens in a test; other test runs sharing the server wait
for it meanwhile. EDGE_TEST_PG_FAULTS=0 skips stopping it (a developer machine shared with
other work); CI runs it."""

from __future__ import annotations

import threading
import time

import httpx
import psycopg
import pytest

from edge.runtime.module import sha256, to_wasm

from .control_helpers import generated, serving
from .fleet_helpers import fleet, fresh_schema, get_json, metric, wait_for, wait_served
from .pgfixtures import database_stopped, ensure_running

pytestmark = pytest.mark.timeout(180)


class Load:
    """Requests to every node, one after another per node, until stopped; every answer kept."""

    def __init__(self, urls: list[str], path: str) -> None:
        self.urls, self.path = urls, path
        self.answers: list[tuple[float, str, int, str]] = []  # (time, url, status, body)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(url,), daemon=True) for url in urls]

    def _run(self, url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    r = client.get(self.path)
                    self.answers.append((time.monotonic(), url, r.status_code, r.text))
                    if r.status_code != 200:
                        self.failures.append(f"{url}: {r.status_code} {r.text[:100]}")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{url}: {exc!r}")
                time.sleep(0.005)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)

    def between(self, start: float, end: float) -> list[tuple[float, str, int, str]]:
        return [a for a in self.answers if start <= a[0] <= end]


def test_a_node_cut_off_from_the_database_keeps_serving_and_catches_up(pg_database, tmp_path):
    secret = "pw-Fault7s3cret"
    with fresh_schema(pg_database) as url:
        url = url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
        with fleet(tmp_path, url, ("fra1", "ams1")) as nodes:
            fra, ams = nodes
            fra.deploy("fn", generated("v1"), alias="live")
            fra.associate("/fn", "fn:live")
            wait_served(nodes, "/fn", "v1")
            with Load([n.url for n in nodes], "/fn") as load:
                time.sleep(0.3)
                try:
                    with database_stopped():
                        down_at = time.monotonic()
                        for node in nodes:  # degraded, still ready: it serves its last known state
                            ready = wait_for(lambda node=node: (lambda r: r if r.json()["status"] == "degraded" else None)(
                                node.admin.get("/readyz")), what="degraded /readyz")
                            assert ready.status_code == 200
                            assert ready.json()["store"]["up"] is False and secret not in ready.text
                            # (both nodes run in this process, which has one metrics registry: the
                            # other node's own sample may say 1 until it too has seen the database go)
                            wait_for(lambda node=node: metric(node, "edge_store_up") == 0.0, what="edge_store_up 0")
                        started = time.monotonic()
                        r = ams.admin.post("/v1/functions/fn/versions", content=generated("refused"))
                        assert r.status_code == 503, r.text
                        assert time.monotonic() - started < 8  # refused promptly, not after a long hang
                        assert r.json()["error"]["code"] == "store_unavailable"
                        assert r.headers["retry-after"] and secret not in r.text
                        assert ams.admin.put("/v1/functions/fn/aliases/live", json={"version": 1}).status_code == 503
                        time.sleep(1.0)  # serve a while on the last known state
                        up_at = time.monotonic()
                finally:
                    ensure_running()
                for node in nodes:  # catches up by itself
                    wait_for(lambda node=node: node.admin.get("/readyz").json()["status"] == "ready",
                             timeout=30, what="ready again")
                    wait_for(lambda node=node: metric(node, "edge_store_up") == 1.0, what="edge_store_up 1")
                assert fra.deploy("fn", generated("v2"), alias="live")["version"] == 2
                wait_served(nodes, "/fn", "v2")
            assert load.failures == [], load.failures[:5]
            during = load.between(down_at, up_at)
            assert len(during) > 20 and {a[3] for a in during} == {"v1"}  # served throughout, the last state
            assert {a[1] for a in during} == {n.url for n in nodes}


def test_without_notifications_the_catch_up_read_still_propagates(pg_database, tmp_path):
    with fresh_schema(pg_database) as url, fleet(tmp_path, url, ("fra1", "ams1")) as nodes:
        fra, ams = nodes
        fra.deploy("fn", generated("v1"), alias="live")
        fra.associate("/fn", "fn:live")
        wait_served(nodes, "/fn", "v1")
        ams.state.store._listener.stop()  # as if every notification to ams were lost
        assert not ams.state.store.listening
        fra.deploy("fn", generated("v2"), alias="live")
        wait_served([ams], "/fn", "v2", timeout=10)  # within about one catch-up interval


def _writer_waiting(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'edge'"
                           " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE edge_revision%'").fetchone()
    return bool(row and row[0])


def test_kill_9_of_a_node_during_a_deploy_loses_nothing_acknowledged(pg_database, tmp_path):
    with fresh_schema(pg_database) as url, fleet(tmp_path, url, ("watch",)) as (other,):
        manifest = tmp_path / "m.toml"
        args = ("--store", url, "--node-name", "victim")
        with serving(tmp_path, manifest, tmp_path / "victim", *args) as victim, victim.wait_ready().admin() as admin:
            acknowledged = []
            for body in ("one", "two"):
                r = admin.post("/v1/functions/fn/versions", content=generated(body), params={"alias": "live"})
                assert r.status_code == 201, r.text
                acknowledged.append(r.json()["version"])
            other.associate("/fn", "fn:live")
            # Hold the writers' lock: the victim's deploy gets as far as waiting to commit.
            holder = psycopg.connect(url)
            holder.execute("SELECT value FROM edge_revision WHERE id = 1 FOR UPDATE")
            outcome: list[object] = []

            def deploy() -> None:
                try:
                    outcome.append(admin.post("/v1/functions/fn/versions", content=generated("three"),
                                              params={"alias": "live"}))
                except httpx.HTTPError as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=deploy)
            thread.start()
            try:
                wait_for(lambda: _writer_waiting(url), what="the deploy waiting for the writer lock")
                victim.kill9()
            finally:
                holder.rollback()
                holder.close()
                thread.join(30)
            assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)
        versions = get_json(other.admin, "/v1/functions/fn/versions")["versions"]
        assert [v["version"] for v in versions] == acknowledged == [1, 2]
        cache = tmp_path / "victim" / "cache" / "modules"
        orphan = cache / f"{sha256(to_wasm(generated('three')))}.wasm"
        assert orphan.exists()  # cached before the transaction that never committed
        wait_served([other], "/fn", "two")
        with serving(tmp_path, manifest, tmp_path / "victim", *args) as victim, victim.wait_ready().admin() as admin:
            assert not orphan.exists()  # collected at start
            stored = {v["sha256"] for v in versions}
            assert {p.name.split(".")[0] for p in cache.glob("*.wasm")} <= stored  # its orphan was collected
            with httpx.Client(base_url=victim.url) as edge:
                assert edge.get("/fn").text == "two"
            r = admin.post("/v1/functions/fn/versions", content=generated("three"), params={"alias": "live"})
            assert r.status_code == 201 and r.json()["version"] == 3
        wait_served([other], "/fn", "three")
