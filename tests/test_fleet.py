"""A fleet: three nodes on loopback sharing one real PostgreSQL. A change through any node's
admin API is served by every node; the registry shows them all."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import TOKEN, generated
from .fleet_helpers import fleet, fresh_schema, get_json, wait_for, wait_served


@pytest.fixture(scope="module")
def nodes(pg_database, tmp_path_factory):
    with fresh_schema(pg_database) as url, fleet(tmp_path_factory.mktemp("fleet"), url) as servers:
        yield servers


def test_changes_through_any_node_are_served_by_every_node(nodes):
    fra, ams, nyc = nodes
    fra.deploy("hello", generated("v1"), alias="live")
    ams.associate("/hello", "hello:live")  # behaviors through another node
    wait_served(nodes, "/hello", "v1")
    v2 = nyc.deploy("hello", generated("v2"))["version"]
    assert v2 == 2
    r = ams.admin.put("/v1/functions/hello/aliases/live", json={"version": v2})  # an alias move
    assert r.status_code == 200, r.text
    wait_served(nodes, "/hello", "v2")
    r = fra.admin.post("/v1/functions/hello/aliases/live/rollback")
    assert r.status_code == 200 and r.json()["version"] == 1
    wait_served(nodes, "/hello", "v1")
    for node in nodes:  # the same state everywhere, each compiled locally from the shared bytes
        assert [v["version"] for v in get_json(node.admin, "/v1/functions/hello/versions")["versions"]] == [1, 2]


def test_an_invalidation_purges_every_nodes_cache(nodes):
    for node in nodes:
        node.edge.get("/robots.txt")
        assert node.edge.get("/robots.txt").headers["x-cache"] == "Hit from edge"
    r = nodes[1].admin.post("/v1/invalidations", json={"paths": ["/robots.txt"]})
    assert r.status_code == 201, r.text
    for node in nodes:
        wait_for(lambda node=node: node.edge.get("/robots.txt").headers["x-cache"] == "Miss from edge",
                 what=f"purge on {node.port}")


def test_two_nodes_deploying_one_function_at_the_same_moment_both_succeed(nodes):
    fra, ams, _ = nodes
    barrier = threading.Barrier(2)
    answers: dict[str, dict] = {}

    def deploy(node, body: str) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        answers[body] = node.deploy("race", generated(body), expect=201)

    threads = [threading.Thread(target=deploy, args=(fra, "from fra")),
               threading.Thread(target=deploy, args=(ams, "from ams"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(a["version"] for a in answers.values()) == [1, 2]
    stored = get_json(nodes[2].admin, "/v1/functions/race/versions")["versions"]
    assert {v["sha256"] for v in stored} == {a["sha256"] for a in answers.values()}


def test_the_registry_lists_every_node_with_its_revision_and_health(nodes):
    def all_ok():  # type: ignore[no-untyped-def]
        listing = get_json(nodes[2].admin, "/v1/nodes")
        return listing if [n["health"] for n in listing["nodes"]] == ["ok"] * 3 else None

    listing = wait_for(all_ok, what="three healthy nodes")
    assert listing["store"] == "postgresql"
    assert [n["name"] for n in listing["nodes"]] == ["ams1", "fra1", "nyc1"]
    for entry in listing["nodes"]:
        assert entry["applied_revision"] == listing["revision"]
        assert entry["heartbeat_age"] < 15 and entry["address"] and entry["admin_address"]
    result = CliRunner().invoke(cli, ["nodes", "--server", nodes[0].admin_url, "--token", TOKEN])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "ADDRESS", "RELEASE", "REVISION", "HEARTBEAT", "HEALTH", "WORKERS"]
    assert [line.split()[0] for line in lines[1:4]] == ["ams1", "fra1", "nyc1"]
    assert all(" ok " in line for line in lines[1:4])


def test_status_shows_the_store_without_its_password(pg_database, tmp_path):
    secret = "pw-Hn4s3cret-Qx"
    with fresh_schema(pg_database) as url:
        with_password = url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
        with fleet(tmp_path, with_password, ("solo",)) as (node,):
            status = get_json(node.admin, "/v1/status")
            assert status["store"].startswith("postgresql://postgres@127.0.0.1:5432/")
            for path in ("/v1/status", "/v1/nodes", "/v1/functions", "/readyz", "/metrics"):
                assert secret not in node.admin.get(path).text


def test_serve_refuses_an_unreachable_store_without_showing_its_password(tmp_path):
    from .control_helpers import manifest_text

    secret = "pw-Serve9s3cret"
    (tmp_path / "m.toml").write_text(manifest_text())
    url = f"postgresql://postgres:{secret}@127.0.0.1:1/edge"
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--store", url])
    assert result.exit_code == 1
    assert "cannot open the store postgresql://postgres@127.0.0.1:1/edge" in result.output
    assert secret not in result.output


def test_the_manifest_can_name_the_store(tmp_path, pg_url):
    from edge.control.store import manifest_store

    from .control_helpers import manifest_text

    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[store]\nurl = "{pg_url}"\n' + manifest_text())
    assert manifest_store(manifest) == pg_url
    manifest.write_text('[store]\nurl = "state/db"\n' + manifest_text())
    assert manifest_store(manifest) == str(tmp_path / "state" / "db")
    manifest.write_text('[store]\nlocation = 3\n' + manifest_text())
    result = CliRunner().invoke(cli, ["serve", "-m", str(manifest), "--state-dir", str(tmp_path / "s")])
    assert result.exit_code == 1 and "[store] takes one key" in result.output


def test_one_machine_on_sqlite_lists_itself_as_a_node(tmp_path):
    import socket

    from .control_helpers import ControlServer, manifest_text

    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        listing = wait_for(lambda: (lambda d: d if d["nodes"] else None)(get_json(server.admin, "/v1/nodes")),
                           what="the node's first heartbeat")
        (node,) = listing["nodes"]
        assert listing["store"] == "sqlite" and node["name"] == socket.gethostname()
        assert node["health"] == "ok" and node["applied_revision"] == listing["revision"]
    finally:
        server.stop()
