"""`edge nodes` entries that tell the truth about stops and shared names.

A fleet trial met two wrong answers: nodes shut down cleanly read `down`, not `stopped`, once any
worker of theirs had ever died without saying so (that old row, kept a day, counted), and a
2-worker node listed WORKERS 1; and with two nodes started under one `--node-name`, the first
killed with `kill -9` stayed hidden behind the second's heartbeats (`ok`). Here the registry's
rows are written as real workers write them (the PostgreSQL store's heartbeats, their ages set in
the database), then real `edge serve` processes do the same."""

from __future__ import annotations

import os
import signal

import pytest

from edge.control import nodes
from edge.control.store import NodeInfo
from edge.fleet.pgstore import PgStore

from .control_helpers import ControlServer, ServeProcess, manifest_text
from .fleet_helpers import get_json, wait_for
from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(120)


def beat(store: PgStore, name: str, pid: int, main: int, *, host: str = "h", address: str = "",
         stopped: bool = False) -> None:
    store.heartbeat(NodeInfo(name, host, pid, address or f"{name}:80", main_pid=main), 0, stopped=stopped)


def age(pg_url: str, pid: int, *, heartbeat_ago: float, started_ago: float) -> None:
    with _connect(pg_url) as conn:
        conn.execute("UPDATE nodes SET heartbeat = extract(epoch from now()) - %s,"
                     " started = extract(epoch from now()) - %s WHERE pid = %s", (heartbeat_ago, started_ago, pid))


def listed(store: PgStore, name: str) -> list[dict]:
    return [n for n in nodes.describe(store)["nodes"] if n["name"] == name]


@pytest.fixture
def store(pg_url, tmp_path):
    store = PgStore(pg_url, tmp_path / "cache")
    yield store
    store.close()


def test_a_clean_stop_reads_stopped_with_every_worker_though_a_worker_once_crashed(store, pg_url):
    beat(store, "ams1", 101, 100)  # an earlier run: its worker died without saying so
    age(pg_url, 101, heartbeat_ago=3000, started_ago=7000)
    beat(store, "ams1", 201, 200)  # the next run, 2 workers, both said goodbye
    beat(store, "ams1", 202, 200)
    beat(store, "ams1", 201, 200, stopped=True)
    beat(store, "ams1", 202, 200, stopped=True)
    age(pg_url, 201, heartbeat_ago=20, started_ago=2000)
    age(pg_url, 202, heartbeat_ago=20, started_ago=2000)
    (entry,) = listed(store, "ams1")
    assert entry["health"] == "stopped" and sorted(w["pid"] for w in entry["workers"]) == [201, 202], entry
    assert entry["reason"] is None and entry["same_name"] == 1

    beat(store, "ams1", 203, 200)  # a worker respawned in that run that died without goodbye: down
    age(pg_url, 203, heartbeat_ago=20, started_ago=1000)
    (entry,) = listed(store, "ams1")
    assert entry["health"] == "down" and sorted(w["pid"] for w in entry["workers"]) == [201, 202, 203], entry


def test_a_running_node_lists_its_live_workers(store, pg_url):
    beat(store, "ams1", 201, 200)
    beat(store, "ams1", 202, 200)
    (entry,) = listed(store, "ams1")
    assert entry["health"] == "ok" and len(entry["workers"]) == 2


def test_a_name_two_node_processes_use_lists_both_and_a_dead_one_stays_visible(store, pg_url):
    beat(store, "fra1", 301, 300, address="127.0.0.1:48080")  # the first fra1
    beat(store, "fra1", 401, 400, address="127.0.0.1:48200")  # a second, started while the first ran
    first, second = listed(store, "fra1")
    assert (first["address"], second["address"]) == ("127.0.0.1:48080", "127.0.0.1:48200")
    assert first["health"] == second["health"] == "ok" and first["same_name"] == second["same_name"] == 2
    assert "the name 'fra1' is also used by the node process at 127.0.0.1:48200 (host h, ok)" in first["reason"]
    assert "give each node its own --node-name" in first["reason"]
    assert "127.0.0.1:48080 (host h, ok)" in second["reason"]

    age(pg_url, 301, heartbeat_ago=18, started_ago=600)  # the first killed (-9) 18 s ago: no goodbye
    age(pg_url, 401, heartbeat_ago=0.5, started_ago=300)  # the second started before that
    first, second = listed(store, "fra1")
    assert (first["health"], second["health"]) == ("down", "ok"), (first, second)
    assert "127.0.0.1:48080 (host h, down)" in second["reason"]

    beat(store, "fra1", 302, 300, address="127.0.0.1:48080")  # another host's fra1 too: three
    with _connect(pg_url) as conn:
        conn.execute("UPDATE nodes SET host = 'h2' WHERE pid = 302")
    assert [n["same_name"] for n in listed(store, "fra1")] == [3, 3, 3]


def test_a_node_restarted_after_a_crash_is_one_entry(store, pg_url):
    beat(store, "fra1", 301, 300)  # died without goodbye; its node started again after that
    age(pg_url, 301, heartbeat_ago=30, started_ago=600)
    beat(store, "fra1", 501, 500)
    age(pg_url, 501, heartbeat_ago=0.2, started_ago=10)
    (entry,) = listed(store, "fra1")
    assert entry["health"] == "ok" and [w["pid"] for w in entry["workers"]] == [501] and entry["reason"] is None


def serve(tmp_path, url: str, name: str, *extra: str) -> ServeProcess:
    return ServeProcess(tmp_path, tmp_path / "m.toml", tmp_path / f"state-{name}-{len(list(tmp_path.iterdir()))}",
                        "--store", url, "--node-name", name, *extra).wait_ready()


def test_real_nodes_a_stop_after_a_worker_crash_and_a_shared_name(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    observer = ControlServer(tmp_path / "m.toml", tmp_path / "obs1", store=pg_url, node_name="obs1").start()
    started: list[ServeProcess] = []
    try:
        def entries(name: str) -> list[dict]:
            return [n for n in get_json(observer.admin, "/v1/nodes")["nodes"] if n["name"] == name]

        ams1 = serve(tmp_path, pg_url, "ams1", "--workers", "2")
        started.append(ams1)
        (entry,) = wait_for(lambda: [e for e in entries("ams1") if len(e["workers"]) == 2 and e["health"] == "ok"],
                            what="ams1's two workers")
        crashed = entry["workers"][0]["pid"]
        os.kill(crashed, signal.SIGKILL)  # a worker dies without saying so; Granian starts another
        wait_for(lambda: [e for e in entries("ams1") if e["health"] == "ok" and len(e["workers"]) == 2
                          and crashed not in {w["pid"] for w in e["workers"]}], what="the respawned worker")
        ams1.stop()  # SIGTERM: every worker says goodbye
        (entry,) = wait_for(lambda: [e for e in entries("ams1") if e["health"] == "stopped"], what="ams1 stopped")
        assert len(entry["workers"]) == 2 and all(w["stopped"] for w in entry["workers"]), entry

        first = serve(tmp_path, pg_url, "fra1")
        second = serve(tmp_path, pg_url, "fra1")
        started += [first, second]
        def both_ok() -> list[dict] | None:
            listed = entries("fra1")
            return listed if len(listed) == 2 and {e["health"] for e in listed} == {"ok"} else None

        both = wait_for(both_ok, what="both fra1 listed")
        assert {e["address"] for e in both} == {f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"}, both
        def first_beat_since_second_started() -> bool:  # else its death would look like a restart
            rows = [r for r in observer.state.store.nodes() if r["name"] == "fra1"]
            by_port = {r["address"]: r for r in rows}
            return by_port[f"127.0.0.1:{first.port}"]["heartbeat"] > by_port[f"127.0.0.1:{second.port}"]["started"]

        wait_for(first_beat_since_second_started, what="a heartbeat of the first fra1 after the second started")
        first.kill9()
        down = wait_for(lambda: [e for e in entries("fra1") if e["health"] == "down"], timeout=40,
                        what="the killed fra1 down")
        assert [e["address"] for e in down] == [f"127.0.0.1:{first.port}"], down
        (alive,) = [e for e in entries("fra1") if e["health"] == "ok"]
        assert alive["address"] == f"127.0.0.1:{second.port}" and f"127.0.0.1:{first.port}" in alive["reason"]
    finally:
        for process in started:
            process.stop()
        observer.stop()
