"""Behaviors put through the admin API that can never serve a request (listed after one whose
path pattern matches every path theirs does) were applied without a word, while `edge serve`
warned of the same list in a manifest. Now the answer to PUT /v1/config and /v1/behaviors
carries them in `warnings` (the startup warning's words), the server logs each once at
WARNING, and `edge config put` shows the server's (once). Applied as given, as before."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from click.testing import CliRunner
from openapi_schema_validator import OAS31Validator

from edge.cli.main import cli

from .conftest import free_ports
from .control_helpers import TOKEN, ControlServer, manifest_text
from .serve_output import serve_output

WARNING = ("[[behaviors]] #2 (path '/a/b/*') never serves a request: #1 (path '/a/*') comes first and matches "
           "every path it does (behaviors are matched in order: the first that matches serves the request): "
           "move the more specific #2 ('/a/b/*') before #1 ('/a/*')")
SAME = ("[[behaviors]] #3 (path 'c/*') never serves a request: #2 (path '/c/*') comes first and matches the same "
        "paths (behaviors are matched in order: the first that matches serves the request): remove one of the two")


def _sites(root: Path) -> dict:
    """Two static origins holding the same file with different text."""
    for name in ("wide", "narrow"):
        (root / name / "a" / "b").mkdir(parents=True, exist_ok=True)
        (root / name / "a" / "b" / "x.txt").write_text(name)
    return {"wide": {"root": str(root / "wide")}, "narrow": {"root": str(root / "narrow")}}


def _behaviors(*rules: tuple[str, str]) -> list[dict]:
    return [{"path": pattern, "origin": origin, "cache": "disabled"} for pattern, origin in rules]


def _validate(server: ControlServer, answer: dict, method: str, path: str) -> None:
    """The answer matches the schema the served OpenAPI document gives it, which names `warnings`."""
    spec = server.admin.get("/v1/openapi.json").json()
    schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS31Validator(dict(schema, components=spec["components"])).validate(answer)
    named = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert "warnings" in named["required"] and named["properties"]["warnings"]["type"] == "array"


def test_the_api_answers_with_the_warnings_and_applies_as_given(tmp_path, caplog):
    caplog.set_level(logging.WARNING, "edge.admin")
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        origins = _sites(tmp_path)
        r = server.admin.put("/v1/config", json={"origins": origins, "behaviors": _behaviors(
            ("/a/*", "wide"), ("/a/b/*", "narrow"), ("*", "wide"))})
        assert r.status_code == 200, r.text
        assert r.json()["warnings"] == [WARNING]
        _validate(server, r.json(), "put", "/v1/config")
        assert server.edge.get("/a/b/x.txt").text == "wide"  # applied as written
        logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "edge.admin"]
        assert logged == [(logging.WARNING, f"PUT /v1/config: warning: {WARNING} (applied as given)")]
        # /v1/behaviors alone, two at once (the same paths written two ways)
        r = server.admin.put("/v1/behaviors", json={"behaviors": _behaviors(
            ("/a/b/*", "narrow"), ("/c/*", "wide"), ("c/*", "narrow"), ("*", "wide"))})
        assert r.status_code == 200, r.text
        assert r.json()["warnings"] == [SAME]
        _validate(server, r.json(), "put", "/v1/behaviors")
        assert server.edge.get("/a/b/x.txt").text == "narrow"
        # in order: nothing to say; origins alone write no behaviors: nothing to say either
        r = server.admin.put("/v1/behaviors", json={"behaviors": _behaviors(("/a/b/*", "narrow"), ("*", "wide"))})
        assert r.json()["warnings"] == []
        r = server.admin.put("/v1/origins", json={"origins": origins})
        assert r.status_code == 200 and r.json()["warnings"] == [], r.text
        _validate(server, r.json(), "put", "/v1/origins")
        # an answer put back as it came (`edge config put --json` output) is taken: warnings is read-only
        answer = server.admin.put("/v1/config", json={"origins": origins, "behaviors": _behaviors(
            ("/a/*", "wide"), ("/a/b/*", "narrow"), ("*", "wide"))}).json()
        r = server.admin.put("/v1/config", json=answer)
        assert r.status_code == 200 and r.json()["warnings"] == [WARNING], r.text
        # GET shows the configuration, not the warnings of the last change
        assert "warnings" not in server.admin.get("/v1/config").json()
    finally:
        server.stop()


def test_edge_serve_logs_each_warning_once_and_config_put_shows_the_servers(tmp_path):
    """A real `edge serve` with two workers: the worker that answers logs the warning (once,
    the other applies the change in silence); `edge config put` prints it once, with --json
    too, and its JSON output carries it."""
    (tmp_path / "edge.toml").write_text(manifest_text())
    origins = _sites(tmp_path)
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    cli_env = {"EDGE_SERVER": f"http://127.0.0.1:{admin_port}", "EDGE_ADMIN_TOKEN": TOKEN}
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(admin_port), "--workers", "2",
                      env=env) as server:
        server.until("edge: serving")
        routes = tmp_path / "routes.json"
        routes.write_text(json.dumps({"origins": origins, "behaviors": _behaviors(
            ("/a/*", "wide"), ("/a/b/*", "narrow"), ("*", "wide"))}))
        result = CliRunner().invoke(cli, ["config", "put", str(routes)], env=cli_env)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [f"warning: {WARNING}"]
        assert "applied 3 behaviors and 2 origins" in result.stdout
        logged = server.until("never serves a request")
        assert logged.endswith(f"PUT /v1/config: warning: {WARNING} (applied as given)"), logged
        # a second change with a warning of its own: once its line is in, the first change's lines
        # (each logged before its answer went out) are all in, and there was one
        routes.write_text(json.dumps({"behaviors": _behaviors(
            ("/a/b/*", "narrow"), ("/c/*", "wide"), ("c/*", "narrow"), ("*", "wide"))}))
        result = CliRunner().invoke(cli, ["config", "put", "--json", str(routes)], env=cli_env)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [f"warning: {SAME}"]
        assert json.loads(result.stdout)["warnings"] == [SAME]
        server.until("(path 'c/*') never serves a request")
        assert sum("never serves a request" in line for line in server.seen) == 2, server.seen
        # the --json answer put back as a file is taken as is
        routes.write_text(result.stdout)
        result = CliRunner().invoke(cli, ["config", "put", str(routes)], env=cli_env)
        assert result.exit_code == 0 and result.stderr.splitlines() == [f"warning: {SAME}"], result.output
