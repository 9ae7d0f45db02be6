"""A restart says, one line each, when it keeps what was set through the admin API over the
manifest, and when it publishes a changed source directory as a new version."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_ports
from .control_helpers import SITE, TOKEN
from .serve_output import serve_output

MANIFEST = f"""
[origins.site]
root = "{SITE}"

[functions.greet]
source = "greet"

[[behaviors]]
path = "/hello"
origin = "site"
viewer_request = "greet"

[[behaviors]]
path = "*"
origin = "site"
"""


@pytest.fixture(scope="module")
def greet_wasm(tmp_path_factory) -> Path:
    """`edge new greet --lang c`, built once for the module: each test's starter is the same
    source in another directory, whose build (zig's cache is keyed by the source's path) cost
    ~2 s at every test's first start. The build is deterministic (the same bytes from any
    directory), so a test's greet/build/greet.wasm is this one."""
    root = tmp_path_factory.mktemp("greet-built")
    assert CliRunner().invoke(cli, ["new", str(root / "greet"), "--lang", "c"]).exit_code == 0
    assert CliRunner().invoke(cli, ["build", str(root / "greet")]).exit_code == 0
    return root / "greet" / "build" / "greet.wasm"


def new_greet(tmp_path: Path, greet_wasm: Path) -> None:
    """`edge new greet --lang c` in tmp_path, with its build output already there (newer than
    its sources: `edge serve` and `edge deploy` build it again only once main.c changes)."""
    assert CliRunner().invoke(cli, ["new", str(tmp_path / "greet"), "--lang", "c"]).exit_code == 0
    (tmp_path / "greet" / "build").mkdir()
    shutil.copy(greet_wasm, tmp_path / "greet" / "build" / "greet.wasm")


def test_restart_notes(tmp_path, greet_wasm):
    new_greet(tmp_path, greet_wasm)
    (tmp_path / "edge.toml").write_text(MANIFEST)
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    args = ("--port", str(port), "--admin-port", str(admin_port))
    admin = httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=30)

    def start(*extra: str):  # type: ignore[no-untyped-def]
        return serve_output(tmp_path, *args, *extra, env=env)

    with start() as server:  # first start: nothing to say
        server.until("edge: serving")
        assert not [line for line in server.seen if "note:" in line]
        # through the API: a new version of greet, and new behaviors
        wasm = tmp_path / "greet" / "build" / "greet.wasm"
        r = admin.post("/v1/functions/greet/versions", content=wasm.read_bytes(), params={"description": "api"},
                       headers={"X-Edge-Settings": '{"limits": {"timeout_ms": 900}}'})
        assert r.status_code == 201 and r.json()["version"] == 2, r.text
        behaviors = admin.get("/v1/behaviors").json()["behaviors"]
        behaviors.insert(0, {"path": "/api-added", "origin": "site"})
        assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200

    with start() as server:  # restart, manifest unchanged: the API's choices stay, and it says so
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 2, server.seen
        assert "serving the behaviors and origins set through the admin API" in notes[0]
        assert "greet: version 2, deployed through the admin API" in notes[1] and "stays the latest" in notes[1]

    # the source changes, and so do the manifest's behaviors
    source = tmp_path / "greet" / "main.c"
    source.write_text(source.read_text().replace("Hello from", "Hi from"))
    (tmp_path / "edge.toml").write_text(MANIFEST.replace('path = "/hello"', 'path = "/hello*"'))
    with start() as server:
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 2, notes
        assert "the manifest's behaviors and origins changed: they replace those set through the admin API" in notes[0]
        assert "greet: the manifest's source changed since version 1: publishing it as version 3" in notes[1]
        assert admin.get("/v1/functions/greet").json()["latest"] == 3
        assert admin.get("/v1/config").json()["source"] == "manifest"
        assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).text == "Hi from greet!\n"
    admin.close()


def test_an_association_to_an_alias_or_version_that_does_not_exist_is_noted(tmp_path, greet_wasm):
    """The manifest publishes versions, never aliases: `greet:live` before any `edge alias` or
    `deploy --alias` would answer 503, so the start says so (and how to fix it); once the alias
    exists, nothing is said."""
    new_greet(tmp_path, greet_wasm)
    (tmp_path / "edge.toml").write_text(MANIFEST.replace('viewer_request = "greet"', 'viewer_request = "greet:live"')
                                        .replace('path = "*"', 'path = "/v9"\norigin = "site"\nviewer_request = "greet:9"'
                                                 '\n\n[[behaviors]]\npath = "*"'))
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(admin_port), env=env) as server:
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 2, server.seen
        assert "behavior '/hello' viewer-request uses greet:live, and greet has no alias 'live'" in notes[0]
        assert "503" in notes[0] and "edge alias greet live VERSION" in notes[0]
        assert "behavior '/v9' viewer-request uses greet:9, and greet has no version 9" in notes[1]
        assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).status_code == 503
        admin = httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert admin.put("/v1/functions/greet/aliases/live", json={"version": 1}).status_code == 200
        admin.close()
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(admin_port), env=env) as server:
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 1 and "greet:9" in notes[0], notes
        assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).text == "Hello from greet!\n"


def test_a_fleet_node_says_what_the_shared_store_holds(pg_url, tmp_path, greet_wasm):
    """With a PostgreSQL store (`--store postgresql://...`) the notes come from it, not from an
    empty `<state-dir>/store`: a node joining or restarting in a fleet where `greet:live` exists
    and the behaviors were set through the API was told the alias did not exist (503) and not
    that the API's behaviors stay."""
    new_greet(tmp_path, greet_wasm)
    (tmp_path / "edge.toml").write_text(MANIFEST.replace('viewer_request = "greet"', 'viewer_request = "greet:live"'))
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)

    def node(name: str):  # type: ignore[no-untyped-def]
        port, admin_port = free_ports(2)
        server = serve_output(tmp_path, "--store", pg_url, "--node-name", name, "--state-dir", str(tmp_path / name),
                              "--port", str(port), "--admin-port", str(admin_port), env=env)
        return server, port, admin_port

    first, _, admin_port = node("fra1")
    with first as server:  # the fleet's first start: the alias does not exist yet, and it says so
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 1 and "greet has no alias 'live'" in notes[0], server.seen
        with httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=30) as admin:
            assert admin.put("/v1/functions/greet/aliases/live", json={"version": 1}).status_code == 200
            behaviors = admin.get("/v1/behaviors").json()["behaviors"]
            behaviors.insert(0, {"path": "/api-added", "origin": "site"})
            assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200

    second, port, _ = node("ams1")  # another node (its own, empty state directory), same manifest
    with second as server:
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 1, server.seen
        assert "serving the behaviors and origins set through the admin API" in notes[0]
        assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).text == "Hello from greet!\n"

    # fra1 again without its --store (a unit's EnvironmentFile gone): it would serve the manifest alone, and says why
    port, admin_port = free_ports(2)
    with serve_output(tmp_path, "--state-dir", str(tmp_path / "fra1"), "--port", str(port), "--admin-port",
                      str(admin_port), env={k: v for k, v in env.items() if k != "EDGE_STORE"}) as server:
        server.until("edge: serving")
        [note] = [line for line in server.seen if "a fleet node's" in line]
        assert "the shared store postgresql://" in note and "last-known.json" in note, note
        assert "give --store or EDGE_STORE the fleet's URL" in note


def test_a_start_under_a_name_another_live_node_uses_is_noted(pg_url, tmp_path):
    """Two nodes under one --node-name (the default is the host name: cloned machines share
    it) are merged by the registry into one entry with one address; the second says so."""
    from .control_helpers import ControlServer, manifest_text
    from .fleet_helpers import get_json, wait_for

    (tmp_path / "m.toml").write_text(manifest_text())
    running = ControlServer(tmp_path / "m.toml", tmp_path / "a", store=pg_url, node_name="fra1").start()
    try:
        wait_for(lambda: get_json(running.admin, "/v1/nodes")["nodes"], what="the first node's heartbeat")
        env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
        for name, noted in (("fra1", True), ("ams1", False)):
            port, admin_port = free_ports(2)
            with serve_output(tmp_path, "-m", str(tmp_path / "m.toml"), "--store", pg_url, "--node-name", name,
                              "--state-dir", str(tmp_path / name / "s"), "--port", str(port),
                              "--admin-port", str(admin_port), env=env) as server:
                server.until("edge: serving")
                notes = [line for line in server.seen if "another node is running under the name" in line]
                assert bool(notes) == noted, server.seen
                if noted:
                    assert "'fra1'" in notes[0] and "give each node its own --node-name" in notes[0]
    finally:
        running.stop()


def test_a_changed_source_already_deployed_is_said_to_be_reused_not_published(tmp_path, greet_wasm):
    """Edit the source, `edge deploy` it (version 2), restart: the manifest's bytes and settings
    equal version 2, which the start reuses; the note said "publishing it as version 3"."""
    new_greet(tmp_path, greet_wasm)
    (tmp_path / "edge.toml").write_text(MANIFEST)
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    args = ("--port", str(port), "--admin-port", str(admin_port))
    admin = httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=30)
    source = tmp_path / "greet" / "main.c"
    with serve_output(tmp_path, *args, env=env) as server:
        server.until("edge: serving")
        source.write_text(source.read_text().replace("Hello from", "Hi from"))
        deployed = CliRunner().invoke(cli, ["deploy", str(tmp_path / "greet"), "--name", "greet", "--server",
                                            f"http://127.0.0.1:{admin_port}", "--token", TOKEN])
        assert deployed.exit_code == 0 and "version 2" in deployed.output, deployed.output
    with serve_output(tmp_path, *args, env=env) as server:
        server.until("edge: serving")
        notes = [line for line in server.seen if "note:" in line]
        assert len(notes) == 1, server.seen
        assert "greet: the manifest's source changed since version 1: its bytes and settings equal version 2 " \
               "(deployed through the admin API" in notes[0] and "stays the latest: no new version" in notes[0], notes
        assert admin.get("/v1/functions/greet").json()["latest"] == 2
        assert [v["version"] for v in admin.get("/v1/functions/greet/versions").json()["versions"]] == [1, 2]
        assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).text == "Hi from greet!\n"
    admin.close()
