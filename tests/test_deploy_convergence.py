"""A change made through the admin API is answered once every live worker of the node serves
it (edge/control/convergence.py): with `edge serve --workers 2`, every request after a deploy,
an alias move, a rollback or a behavior change gets the new state, whichever worker answers. A
worker that does not catch up (stopped, stuck) delays the answer by 2 s at most, and the
answer (and the CLI) names it. One worker waits for nobody."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from edge.control.rows import NodeInfo

from .conftest import plain_http_tls
from .control_helpers import TOKEN, ControlServer, generated, manifest_text, serving

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="stops a worker with SIGSTOP")

ROUNDS = 5
REQUESTS = 40


def _bodies(port: int, path: str) -> list[str]:
    """REQUESTS answers, each over a new connection (so both workers answer)."""
    out = []
    for _ in range(REQUESTS):
        with httpx.Client(verify=plain_http_tls(), timeout=10) as client:
            out.append(client.get(f"http://127.0.0.1:{port}{path}").text)
    return out


def _behaviors(*associations: tuple[str, str]) -> dict:
    behaviors = [{"path": path, "origin": "site", "cache": "disabled", "viewer_request": function}
                 for path, function in associations]
    return {"behaviors": [*behaviors, {"path": "*", "origin": "site"}]}


def _both_workers(proc, node: str | None = None) -> set[int]:  # type: ignore[no-untyped-def]
    """The two workers' pids, once both have reported in (a worker still starting is not waited
    for: it serves the store's state once it has synced)."""
    deadline = time.monotonic() + 30
    while len(pids := _worker_pids(proc, node)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pids) == 2, pids
    return pids


def _converged(answer: dict, workers: int = 2) -> None:
    progress = answer["workers"]
    assert progress["converged"] is True and progress["live"] == workers == progress["applied"], progress
    assert progress["behind"] == [] and progress["waited_ms"] < 2000


def test_after_a_change_answers_every_worker_serves_it(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--workers", "2") as proc:
        proc.wait_ready()
        _both_workers(proc)
        with proc.admin() as admin:
            r = admin.post("/v1/functions/fn/versions", content=generated("v1").encode(), params={"alias": "live"})
            assert r.status_code == 201, r.text
            r = admin.put("/v1/behaviors", json=_behaviors(("/fn/*", "fn"), ("/live/*", "fn:live")))
            assert r.status_code == 200, r.text
            _converged(r.json())
            for n in range(2, ROUNDS + 2):  # unqualified: the latest version, live at once everywhere
                r = admin.post("/v1/functions/fn/versions", content=generated(f"v{n}").encode())
                assert r.status_code == 201 and r.json()["version"] == n, r.text
                _converged(r.json())
                assert r.json()["workers"]["revision"] >= 1
                assert _bodies(proc.port, "/fn/x") == [f"v{n}"] * REQUESTS, n
            r = admin.put("/v1/functions/fn/aliases/live", json={"version": 3})
            assert r.status_code == 200, r.text
            _converged(r.json())
            assert _bodies(proc.port, "/live/x") == ["v3"] * REQUESTS
            r = admin.post("/v1/functions/fn/aliases/live/rollback")
            assert r.status_code == 200 and r.json()["version"] == 1, r.text
            _converged(r.json())
            assert _bodies(proc.port, "/live/x") == ["v1"] * REQUESTS
            r = admin.put("/v1/config", json=_behaviors(("/fn/*", "fn:2")) | {"origins": admin.get(
                "/v1/origins").json()["origins"]})
            assert r.status_code == 200, r.text
            _converged(r.json())
            assert _bodies(proc.port, "/fn/x") == ["v2"] * REQUESTS
            status = admin.get("/v1/nodes").json()
            assert [len(node["workers"]) for node in status["nodes"]] == [2]


def test_one_worker_waits_for_nobody(tmp_path):
    """Nothing is read from the node registry: the answer says so (no wait at all), not a timing."""
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        store = server.state.store

        def unread() -> list:
            raise AssertionError("a single worker read the node registry")

        store.nodes = unread
        deployed = server.deploy("fn", generated("v1"), alias="live")
        assert deployed["workers"] == {"revision": deployed["workers"]["revision"], "live": 1, "applied": 1,
                                       "converged": True, "behind": [], "waited_ms": 0.0}
        assert deployed["workers"]["revision"] == server.admin.get("/v1/status").json()["revision"]
        r = server.admin.put("/v1/functions/fn/aliases/beta", json={"version": 1})
        assert r.status_code == 200 and r.json()["workers"]["waited_ms"] == 0.0
        r = server.admin.post("/v1/invalidations", json={"paths": ["/x"]})
        assert r.status_code == 201 and r.json()["workers"]["converged"] is True
        # a change's answer put back as it came (its "workers" is read-only, as GET's "source")
        answer = server.admin.put("/v1/behaviors", json=server.admin.get("/v1/behaviors").json()).json()
        assert answer["workers"]["live"] == 1
        r = server.admin.put("/v1/behaviors", json=answer)
        assert r.status_code == 200, r.text
        # deletes do not wait: nothing routes to what they remove
        assert server.admin.delete("/v1/functions/fn/aliases/beta").json() == {
            "deleted": {"function": "fn", "alias": "beta"}}
    finally:
        server.stop()


def _worker_pids(proc, node: str | None = None) -> set[int]:  # type: ignore[no-untyped-def]
    """The live workers' pids of the server's node (the only one, or `node`)."""
    with proc.admin() as admin:
        nodes = admin.get("/v1/nodes").json()["nodes"]
    return {worker["pid"] for entry in nodes if node in (None, entry["name"]) for worker in entry["workers"]
            if not worker["stopped"]}


def _client_of(proc, pid: int) -> httpx.Client:  # type: ignore[no-untyped-def]
    """A kept-alive admin connection that the worker `pid` answers (new connections go to either)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        client = proc.admin()
        try:
            if client.get("/v1/status", timeout=0.5).json()["pid"] == pid:
                return client
        except httpx.TimeoutException:  # the stopped worker took the connection
            pass
        client.close()
    raise AssertionError(f"no connection reached worker {pid}")


def test_a_stopped_worker_makes_the_answer_wait_two_seconds_at_most_and_is_named(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--workers", "2") as proc:
        proc.wait_ready()
        pids = _both_workers(proc)
        stopped, answering = sorted(pids)
        os.kill(stopped, signal.SIGSTOP)
        admin = None
        try:
            admin = _client_of(proc, answering)
            started = time.monotonic()
            r = admin.post("/v1/functions/fn/versions", content=generated("v1").encode())
            took = time.monotonic() - started
            assert r.status_code == 201, r.text
            progress = r.json()["workers"]
            assert progress["converged"] is False and progress["live"] == 2 and progress["applied"] == 1
            assert [w["pid"] for w in progress["behind"]] == [stopped]
            assert progress["behind"][0]["applied_revision"] < progress["revision"]
            assert 2.0 <= progress["waited_ms"] / 1000 < 4 and took < 8, (progress, took)  # loose: a loaded 2-core CI
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert admin is not None
        try:  # caught up: the next change waits for it as usual
            r = admin.post("/v1/functions/fn/versions", content=generated("v2").encode())
            assert r.status_code == 201, r.text
            _converged(r.json())
        finally:
            admin.close()
        assert _worker_pids(proc) == pids


def test_the_cli_says_which_workers_had_not_caught_up(tmp_path):
    """A sibling that never applies the change (its registry row stays behind): the deploy answers
    after 2 s, and `edge deploy` says so on stderr (exit 0: the deploy was made)."""
    from edge.cli.main import cli

    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state", workers=2).start()
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        node = server.state.watcher.node
        assert node is not None
        stuck = NodeInfo(node.name, node.host, sibling.pid, node.address, node.admin_address, main_pid=node.main_pid)
        assert server.state.store.heartbeat(stuck, 0)  # a worker of this node that applied nothing yet
        module = tmp_path / "fn.wat"
        module.write_text(generated("v1"))
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["deploy", str(module), "--name", "fn", "--server", server.admin_url,
                                          "--token", TOKEN])
        assert result.exit_code == 0, result.output
        assert 2.0 <= time.monotonic() - started < 10
        assert "deployed fn version 1" in result.stdout
        assert ("warning: 1 of 2 workers had not applied it (revision" in result.stderr
                and f"pid {sibling.pid} at revision 0" in result.stderr), result.stderr
        result = CliRunner().invoke(cli, ["invalidate", "/x/*", "--server", server.admin_url, "--token", TOKEN])
        assert result.exit_code == 0 and "warning: 1 of 2 workers had not applied it" in result.stderr, result.output
        gone = NodeInfo(node.name, node.host, _unused_pid(), node.address, node.admin_address, main_pid=node.main_pid)
        assert server.state.store.heartbeat(gone, 0)  # a pid that no longer exists is not waited for
        sibling.kill()
        sibling.wait()
        result = CliRunner().invoke(cli, ["alias", "fn", "live", "1", "--server", server.admin_url, "--token", TOKEN])
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    finally:
        sibling.kill()
        sibling.wait()
        server.stop()


def _unused_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid



def test_a_fleet_node_with_two_workers_answers_once_both_serve_the_change(pg_database, tmp_path):
    """On PostgreSQL the node that took the change waits for its own workers; the fleet's other
    nodes follow on the change's notification, as before (not waited for)."""
    from .fleet_helpers import fleet, fresh_schema, wait_served

    with fresh_schema(pg_database) as url, fleet(tmp_path, url, ("ams1",)) as (other,):
        args = ("--store", url, "--node-name", "fra1", "--workers", "2")
        with serving(tmp_path, tmp_path / "m.toml", tmp_path / "fra1", *args) as fra, fra.wait_ready().admin() as admin:
            _both_workers(fra, "fra1")
            r = admin.post("/v1/functions/fn/versions", content=generated("v1").encode())
            assert r.status_code == 201, r.text
            r = admin.put("/v1/behaviors", json=_behaviors(("/fn/*", "fn")))
            assert r.status_code == 200, r.text
            _converged(r.json())
            for n in (2, 3):
                r = admin.post("/v1/functions/fn/versions", content=generated(f"v{n}").encode())
                assert r.status_code == 201, r.text
                _converged(r.json())  # this node's two workers, not ams1
                assert _bodies(fra.port, "/fn/x") == [f"v{n}"] * REQUESTS
                wait_served([other], "/fn/x", f"v{n}")
