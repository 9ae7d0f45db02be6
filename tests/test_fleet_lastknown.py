"""A fleet node starts while PostgreSQL cannot be reached, from the state it saved on its own
disk the last time it applied a revision (edge/fleet/lastknown.py): it serves that, says it
is degraded, refuses changes, and catches up by itself once the database answers. A node
with nothing saved, and a database that answers but refuses the node, still fail start-up.

The outage is one node's: its path to the database goes through a loopback proxy that is cut
(connections reset, the port refusing); PostgreSQL keeps running for the other node."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.rows import StoreError, StoreUnavailable
from edge.control.store import open_store
from edge.fleet import dsn
from edge.fleet.lastknown import FILE_NAME, LastKnown, decode, encode
from edge.fleet.pgstore import unreachable
from edge.runtime.module import sha256, to_wasm

from .conftest import free_port
from .control_helpers import ControlServer, ServeProcess, generated, manifest_text
from .fleet_helpers import CutProxy, fresh_schema, get_json, wait_for, wait_served

pytestmark = pytest.mark.timeout(240)


def _saved(state_dir: Path) -> dict:
    return json.loads((state_dir / "cache" / FILE_NAME).read_text())


def _edge(node: ServeProcess, path: str) -> tuple[int, str]:
    r = httpx.get(node.url + path, timeout=10)
    return r.status_code, r.text


def test_a_restarted_node_serves_its_last_known_state_until_the_database_answers(pg_database, tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text())
    pop_state = tmp_path / "pop"
    with fresh_schema(pg_database) as url, CutProxy() as proxy:
        args = ("--store", proxy.url(url), "--node-name", "pop")
        other = ControlServer(manifest, tmp_path / "other", store=url, node_name="other").start()
        pop = ServeProcess(tmp_path, manifest, pop_state, *args)
        try:
            # 1. The node serves revision N (and saves it) while the database answers.
            pop.wait_ready()
            other.deploy("fn", generated("v1"), alias="live")
            extra = other.deploy("extra", generated("extra"))
            other.associate("/fn", "fn:live")
            other.associate("/extra", "extra")
            wait_for(lambda: _edge(pop, "/fn") == (200, "v1") and _edge(pop, "/extra") == (200, "extra"),
                     what="pop serving v1")
            with pop.admin() as admin:
                served = get_json(admin, "/v1/status")["revision"]
            wait_for(lambda: (pop_state / "cache" / FILE_NAME).exists()
                     and _saved(pop_state)["state"]["revision"] == served, what="the state saved")
            saved = _saved(pop_state)
            assert "password" not in json.dumps(saved) and saved["store"] == dsn.mask(proxy.url(url))

            # 2. It restarts with its path to the database cut; one module's bytes lost from its cache,
            # and its compiled code (with its artifact, the version would serve without the bytes).
            pop.stop()
            proxy.cut()
            (pop_state / "cache" / "modules" / f"{extra['sha256']}.wasm").unlink()
            for artifact in (pop_state / "artifacts").glob(f"{extra['sha256']}.*.cwasm"):
                artifact.unlink()
            pop = ServeProcess(tmp_path, manifest, pop_state, *args)
            pop.wait_ready()
            assert _edge(pop, "/fn") == (200, "v1")  # a real request through the restarted server
            assert _edge(pop, "/extra")[0] == 503  # its bytes are not here: that version only
            with pop.admin() as admin:
                ready = admin.get("/readyz")
                assert ready.status_code == 200, ready.text
                body = ready.json()
                assert body["status"] == "degraded" and body["revision"] == served
                assert body["store"]["up"] is False and "refused" in body["store"]["error"].lower()
                assert body["store"]["last_known"]["revision"] == served
                assert time.time() - body["store"]["last_known"]["saved_at"] < 120
                status = get_json(admin, "/v1/status")
                assert status["revision"] == served and status["store_health"]["last_known"]["revision"] == served
                started = time.monotonic()
                r = admin.post("/v1/functions/fn/versions", content=generated("refused"))
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "store_unavailable" and r.headers["retry-after"] == "5"
                assert time.monotonic() - started < 8
                assert admin.get("/v1/functions").status_code == 503  # as while running without the store
            log = pop.output()
            warnings = [line for line in log.splitlines() if "serving the last known state, revision" in line]
            assert len(warnings) == 1, log
            assert f"{dsn.mask(proxy.url(url))} cannot be reached" in warnings[0]
            assert f"revision {served}, saved " in warnings[0] and " ago " in warnings[0]
            assert "cannot load extra:1: the module bytes are not in this node's cache" in log
            assert "the store is unavailable" not in log  # the watcher does not report the outage again

            # 3. A deploy elsewhere while this node is cut off; then its path to the database returns.
            assert other.deploy("fn", generated("v2"), alias="live")["version"] == 2
            time.sleep(1.5)
            assert _edge(pop, "/fn") == (200, "v1")
            proxy.start()
            wait_for(lambda: _edge(pop, "/fn") == (200, "v2"), timeout=30, what="pop catching up")
            wait_for(lambda: _edge(pop, "/extra") == (200, "extra"), timeout=15, what="the missing module fetched")
            with pop.admin() as admin:
                wait_for(lambda: admin.get("/readyz").json()["status"] == "ready", what="ready again")
                assert get_json(admin, "/v1/status")["store_health"]["last_known"] is None
                # 4. Changes through it work again, and reach every node.
                r = admin.post("/v1/functions/fn/versions", content=generated("v3").encode(), params={"alias": "live"})
                assert r.status_code == 201, r.text
                assert r.json()["version"] == 3
                revision = get_json(admin, "/v1/status")["revision"]
            wait_served([other], "/fn", "v3")
            assert _edge(pop, "/fn") == (200, "v3")
            wait_for(lambda: _saved(pop_state)["state"]["revision"] == revision, what="the new state saved")
            assert "answers again" in pop.output()
        finally:
            pop.stop()
            other.stop()


def test_a_new_node_without_a_saved_state_cannot_start_without_the_database(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/edge"  # nothing listens there
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--store", url])
    assert result.exit_code == 1, result.output
    assert f"cannot open the store {url}: connection failed" in result.output
    assert "Connection refused" in result.output
    assert "this node has no saved state to serve" in result.output
    assert str(tmp_path / "s" / "cache" / FILE_NAME) in result.output
    assert "Start it when the database answers" in result.output


def _save_a_state(url: str, state_dir: Path) -> int:
    """A node's saved state for `url`, written by the real store (as a node does after a sync)."""
    wasm = to_wasm(generated("saved"))
    store = open_store(url, cache_dir=state_dir / "cache" / "modules")
    try:
        with store.write({sha256(wasm): wasm}) as tx:
            tx.insert_version("fn", sha256(wasm), len(wasm), "x", "{}", "", "api")
        snap = store.snapshot()
        store.remember(snap, 0)
        return snap.revision
    finally:
        store.close()


@pytest.mark.parametrize("refusal", ["unknown role", "unknown database"])
def test_a_database_that_refuses_the_node_fails_start_up_even_with_a_saved_state(pg_url, tmp_path, refusal):
    state_dir = tmp_path / "s"
    _save_a_state(pg_url, state_dir)
    if refusal == "unknown role":  # an authentication failure: the same store, so its saved state would apply
        bad = pg_url.replace("postgresql://postgres@", "postgresql://nobody_edge_role@")
        assert dsn.identity(bad) == dsn.identity(pg_url)
        expected = 'role "nobody_edge_role" does not exist'
    else:
        base, _, rest = pg_url.rpartition("/")
        bad = f"{base}/edge_no_such_db?{rest.partition('?')[2]}"
        expected = 'database "edge_no_such_db" does not exist'
    (tmp_path / "m.toml").write_text(manifest_text())
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(state_dir),
                                      "--store", bad])
    assert result.exit_code == 1, result.output
    assert f"cannot open the store {dsn.mask(bad)}" in result.output and expected in result.output
    assert "saved state" not in result.output and "last known" not in result.output


def test_the_saved_state_is_the_snapshot_applied_and_only_for_its_store(pg_url, tmp_path):
    state_dir = tmp_path / "s"
    store = open_store(pg_url, cache_dir=state_dir / "cache" / "modules")
    try:
        wasm = [to_wasm(generated(f"v{i}")) for i in range(3)]
        with store.write({sha256(w): w for w in wasm}) as tx:
            for w in wasm:
                tx.insert_version("fn", sha256(w), len(w), "x", '{"memory_mb":128}', "a version", "api")
            tx.insert_version("other", sha256(wasm[0]), len(wasm[0]), "x", "{}", "", "manifest")
            tx.set_alias("fn", "live", 2, (3, 0.25))
            tx.set_routing({"behaviors": [{"path": "*", "origin": "site"}], "origins": {}}, "api", None)
        with store.write() as tx:
            tx.add_invalidation(["/a/*"])
            tx.ensure_function("empty")
        snap = store.snapshot()
        assert decode(json.loads(json.dumps(encode(snap, 7)))) == (snap, 7)  # every row, through JSON
        store.remember(snap, 7)
        store.remember(snap, 7)  # unchanged: not written again
        saved = store.last_known.load()
        assert saved.snapshot == snap and saved.invalidated_through == 7 and saved.age < 60
        assert [p.name for p in (state_dir / "cache").iterdir() if p.name.startswith(".")] == []  # no temp file
    finally:
        store.close()
    other_store = LastKnown(state_dir / "cache", "postgresql://x@elsewhere/db", dsn.identity(
        pg_url.replace("127.0.0.1", "localhost")))
    with pytest.raises(StoreError, match="is of another store"):
        other_store.load()
    (state_dir / "cache" / FILE_NAME).write_text('{"format": 1, "identity": "x"')
    with pytest.raises(StoreError, match="cannot be read"):
        store.last_known.load()


def test_only_no_answer_counts_as_unreachable(pg_url):
    import psycopg

    def reason(url: str) -> str:
        with pytest.raises(psycopg.OperationalError) as failure:
            psycopg.connect(url, connect_timeout=3).close()
        return str(failure.value)

    assert unreachable(reason(f"postgresql://postgres@127.0.0.1:{free_port()}/edge"))
    assert not unreachable(reason(pg_url.replace("postgresql://postgres@", "postgresql://nobody_edge_role@")))
    assert not unreachable(reason(pg_url.rpartition("/")[0] + "/edge_no_such_db"))
    assert unreachable("connection failed: FATAL:  the database system is starting up")
    assert not unreachable('connection failed: FATAL:  password authentication failed for user "edge"')


FN_BEHAVIOR = '[[behaviors]]\npath = "/fn"\norigin = "site"\nviewer_request = "fn"\n'


def test_a_manifest_edited_while_the_database_was_unreachable_is_published_once_it_answers(pg_url, tmp_path):
    with CutProxy() as proxy:
        def start(body: str) -> ControlServer:
            (tmp_path / "fn.wat").write_text(generated(body))
            (tmp_path / "m.toml").write_text(manifest_text(FN_BEHAVIOR, '[functions.fn]\nsource = "fn.wat"\n'))
            return ControlServer(tmp_path / "m.toml", tmp_path / "state", store=proxy.url(pg_url),
                                 node_name="pop").start()

        node = start("one")
        try:
            assert node.edge.get("/fn").text == "one"
        finally:
            node.stop()
        proxy.cut()
        node = start("edited")  # a deploy of the node (its manifest) while the database is away
        try:
            assert node.edge.get("/fn").text == "one"  # what the store held: the edit is not published yet
            assert node.admin.get("/readyz").json()["status"] == "degraded"
            proxy.start()
            wait_for(lambda: node.edge.get("/fn").text == "edited", timeout=30, what="the edit published")
            wait_for(lambda: node.state.store.listening, what="listening for changes once attached")
            versions = get_json(node.admin, "/v1/functions/fn/versions")["versions"]
            assert [(v["version"], v["origin"]) for v in versions] == [(1, "manifest"), (2, "manifest")]
        finally:
            node.stop()


def test_a_database_that_answers_but_refuses_a_node_serving_its_saved_state_is_logged_once(pg_url, tmp_path, caplog):
    with CutProxy() as proxy:
        cache = tmp_path / "s" / "cache" / "modules"
        revision = _save_a_state(proxy.url(pg_url), tmp_path / "s")
        proxy.cut()
        refused = proxy.url(pg_url).replace("postgresql://postgres@", "postgresql://nobody_edge_role@")
        store = open_store(refused, cache_dir=cache)  # the same store: its saved state applies
        try:
            assert store.offline_start is not None and store.offline_start.snapshot.revision == revision
            assert store.health.up is False and store.health.last_known == {
                "revision": revision, "saved_at": store.offline_start.saved_at}
            with pytest.raises(StoreUnavailable):
                store.revision()  # at once: the last attempt is under a second old
            proxy.start()  # the database answers again, but not to this role (say, a rotated password)
            for _ in range(3):
                time.sleep(1.1)
                with pytest.raises(StoreUnavailable, match='role "nobody_edge_role" does not exist'):
                    store.revision()
            assert 'role "nobody_edge_role" does not exist' in store.health.error
            refusals = [r for r in caplog.records if "answers but refuses this node" in r.getMessage()]
            assert len(refusals) == 1
        finally:
            store.close()
