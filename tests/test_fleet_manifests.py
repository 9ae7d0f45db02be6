"""A fleet's nodes each start from their own manifest file; a node's start publishes what its
manifest changed since that node last started, not whatever differs from the store
(edge/control/manifest_memory.py). A fleet trial found a node started once with another
manifest replaced every node's behaviors, and a regular node's restart then replaced them
back, undoing what had been set through the admin API. Real nodes on a real PostgreSQL."""

from __future__ import annotations

import json

from edge.control.manifest_memory import FILE_NAME, Decision, decide

from .conftest import free_port
from .control_helpers import ControlServer, generated, manifest_text
from .fleet_helpers import wait_served
from .pgfixtures import pg_database, pg_url  # noqa: F401  (fixtures)
from .polling import eventually


def node(root, name: str, url: str, manifest: str) -> ControlServer:  # type: ignore[no-untyped-def]
    path = root / f"{name}.toml"
    path.write_text(manifest)
    return ControlServer(path, root / name, store=url, node_name=name).start()


def behaviors_of(server: ControlServer) -> list[str]:
    return [b["path"] for b in server.admin.get("/v1/behaviors").json()["behaviors"]]


def test_a_nodes_start_publishes_only_what_its_own_manifest_changed(tmp_path, pg_url):  # noqa: F811
    regular = manifest_text('[[behaviors]]\npath = "/a/*"\norigin = "site"\n')
    other = manifest_text('[[behaviors]]\npath = "/other/*"\norigin = "site"\n')
    fra = node(tmp_path, "fra1", pg_url, regular)
    ams = node(tmp_path, "ams1", pg_url, regular)
    try:
        assert behaviors_of(fra) == ["/a/*", "*"]
        memory = json.loads((tmp_path / "fra1" / "cache" / FILE_NAME).read_text())
        assert memory["routing"] and memory["functions"] == {}
        # a node joining with another manifest serves the fleet's behaviors (and says so), not its own
        odd = node(tmp_path, "odd1", pg_url, other)
        try:
            assert behaviors_of(odd) == behaviors_of(fra) == ["/a/*", "*"]
        finally:
            odd.stop()
        # a change through the admin API survives a regular node's restart (its manifest unchanged)
        put = [*fra.admin.get("/v1/behaviors").json()["behaviors"]]
        put.insert(0, {"path": "/api-set/*", "origin": "site"})
        assert fra.admin.put("/v1/behaviors", json={"behaviors": put}).status_code == 200
        ams.stop()
        ams = node(tmp_path, "ams1", pg_url, regular)
        assert behaviors_of(ams) == ["/api-set/*", "/a/*", "*"]
        # an edit of a node's own manifest is an intentional change: published to every node
        edited = manifest_text('[[behaviors]]\npath = "/b/*"\norigin = "site"\n')
        ams.stop()
        ams = node(tmp_path, "ams1", pg_url, edited)
        assert behaviors_of(ams) == ["/b/*", "*"]
        assert eventually(lambda: behaviors_of(fra) == ["/b/*", "*"], timeout=15)
    finally:
        fra.stop()
        ams.stop()


def test_a_function_another_node_or_the_api_changed_is_not_republished(tmp_path, pg_url):  # noqa: F811
    (tmp_path / "greet.wat").write_text(generated("from the manifest"))
    declared = manifest_text('[[behaviors]]\npath = "/g"\norigin = "site"\nviewer_request = "greet"\n',
                             functions=f'[functions.greet]\nsource = "{tmp_path / "greet.wat"}"\n')
    fra = node(tmp_path, "fra1", pg_url, declared)
    try:
        assert fra.edge.get("/g").text == "from the manifest"
        fra.deploy("greet", generated("through the api"))
        wait_served([fra], "/g", "through the api")
        fra.stop()
        fra = node(tmp_path, "fra1", pg_url, declared)  # unchanged manifest: the API's version stays
        assert fra.edge.get("/g").text == "through the api"
        versions = fra.admin.get("/v1/functions/greet/versions").json()["versions"]
        assert [v["version"] for v in versions] == [1, 2]
        # a node joining with another source for it leaves the fleet's latest in place
        (tmp_path / "other.wat").write_text(generated("another node's"))
        joining = declared.replace(str(tmp_path / "greet.wat"), str(tmp_path / "other.wat"))
        nyc = node(tmp_path, "nyc1", pg_url, joining)
        try:
            assert nyc.edge.get("/g").text == "through the api"
        finally:
            nyc.stop()
        assert [v["version"] for v in fra.admin.get("/v1/functions/greet/versions").json()["versions"]] == [1, 2]
    finally:
        fra.stop()


def test_the_decision_table():
    """What seeding and edge serve's start notes both decide from (stored, manifest, remembered)."""
    assert decide("d1", "d1", None, True) is Decision.UNCHANGED
    assert decide(None, "d1", None, True) is Decision.PUBLISH  # the store has none
    assert decide("d2", "d1", None, True) is Decision.JOINED  # a node without memory: the store's stay
    assert decide("d2", "d1", "d1", True) is Decision.KEEP_STORE  # unchanged here since its last start
    assert decide("d2", "d3", "d1", True) is Decision.PUBLISH  # edited here since
    assert decide("d2", "d1", None, False) is Decision.PUBLISH  # one machine: the store's record decides


def test_a_start_refusing_its_manifest_leaves_the_fleets_database_untouched(tmp_path, pg_url):  # noqa: F811
    """Opening a shared store migrates its schema: a start that refuses its manifest (a typo)
    says so first, so one node's bad edit cannot change the fleet's database (a future
    migration would then lock the older nodes out)."""
    import psycopg
    from click.testing import CliRunner

    from edge.cli.main import cli

    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text('[[behaviors]]\npath = "/a/*"\norigni = "site"\n'))
    result = CliRunner().invoke(cli, ["serve", "-m", str(manifest), "--state-dir", str(tmp_path / "s"),
                                      "--store", pg_url, "--port", str(free_port())])
    assert result.exit_code == 1, result.output
    assert "origni" in result.output and "did you mean" in result.output, result.output
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = current_schema()").fetchall()
    assert tables == [], tables
