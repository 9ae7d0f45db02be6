"""The `edge` commands that drive the admin API, against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from . import modules as M
from .control_helpers import TOKEN, ControlServer, generated, manifest_text

EVENT = Path(__file__).resolve().parents[1] / "samples" / "events" / "viewer-request.json"


@pytest.fixture
def server(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    yield s
    s.stop()


@pytest.fixture
def edge(server):
    runner = CliRunner()
    env = {"EDGE_SERVER": server.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}

    def run(*args: str, code: int = 0, **kw):  # type: ignore[no-untyped-def]
        result = runner.invoke(cli, list(args), env=kw.pop("env", env), catch_exceptions=False, **kw)
        assert result.exit_code == code, result.output
        return result

    return run


def test_deploy_alias_rollback_round_trip(edge, server, tmp_path):
    (tmp_path / "v1.wat").write_text(generated("one"))
    (tmp_path / "v2.wat").write_text(generated("two"))
    out = edge("deploy", str(tmp_path / "v1.wat"), "--name", "site-fn", "--alias", "live",
               "--timeout", "1000", "--env", "MODE=prod").output
    assert "deployed site-fn version 1" in out and "alias site-fn:live -> 1" in out
    server.associate("/fn", "site-fn:live")
    data = json.loads(edge("deploy", str(tmp_path / "v2.wat"), "--name", "site-fn", "--alias", "live", "--json").output)
    # new code keeps the latest version's settings, as a Lambda function's configuration (they were dropped)
    assert data["version"] == 2 and data["settings"]["limits"] == {"timeout_ms": 1000}
    assert data["settings"]["env"] == {"MODE": "prod"}
    assert server.edge.get("/fn").text == "two"
    listing = edge("versions", "site-fn").output.splitlines()
    assert listing[0].split()[:2] == ["VERSION", "SHA256"]
    assert [line.split()[0] for line in listing[1:]] == ["1", "2"] and "live" in listing[2]
    assert "site-fn:live -> 1" in edge("rollback", "site-fn").output
    assert server.edge.get("/fn").text == "one"
    assert "site-fn:live -> 2" in edge("alias", "site-fn", "live", "2").output
    out = edge("alias", "site-fn", "live", "1", "--canary", "2:0.1").output
    assert "alias site-fn:live -> 1 (90%), 2 (10%)" in out
    # the split shows wherever the alias does
    functions = edge("functions").output.splitlines()
    assert functions[0].split() == ["NAME", "LATEST", "VERSIONS", "ALIASES", "BEHAVIORS"]
    assert "live -> 1 (90%), 2 (10%)" in next(line for line in functions if line.startswith("site-fn"))
    rows = {line.split()[0]: line for line in edge("versions", "site-fn").output.splitlines()[1:]}
    assert "live (90%)" in rows["1"] and "live (10%, canary)" in rows["2"]
    edge("alias", "site-fn", "live", "2")
    assert "live -> 2" in edge("functions").output and "%" not in edge("functions").output
    described = json.loads(edge("versions", "site-fn", "--json").output)
    assert described["versions"][0]["settings"]["env"] == {"MODE": "prod"}
    assert described["versions"][0]["settings"]["limits"] == {"timeout_ms": 1000}


def test_remote_invoke_and_logs(edge, server, tmp_path):
    (tmp_path / "echo.wat").write_text(M.ECHO)
    edge("deploy", str(tmp_path / "echo.wat"), "--name", "echo")
    # the echo returns the whole event: it ran, but the server would refuse that as a request
    result = edge("invoke", "--remote", "echo", "--event", str(EVENT), code=1)
    assert json.loads(result.stdout) == json.loads(EVENT.read_text())
    assert "echo called" in result.stderr and "REPORT Duration" in result.stderr
    assert "error: LambdaValidationError [rule: uri]" in result.stderr
    data = json.loads(edge("invoke", "--remote", "echo", "--event", str(EVENT), "--json", code=1).stdout)
    logs = edge("logs", "echo", "--request-id", data["request_id"]).output.splitlines()
    assert [line.split("\t")[3] for line in logs] == ["START", "INFO", "END", "REPORT"]
    (tmp_path / "bad.wat").write_text(M.HANDLER_ERROR)
    edge("deploy", str(tmp_path / "bad.wat"), "--name", "bad")
    failed = edge("invoke", "--remote", "bad", "--event", str(EVENT), code=1)
    assert "handler_error" in failed.stderr


def test_local_invoke_still_works(edge):
    result = edge("invoke", str(Path(__file__).parent / "wasm" / "echo.wat"), "--event", str(EVENT), code=1)
    assert json.loads(result.stdout) == json.loads(EVENT.read_text())
    assert "[rule: uri]" in result.stderr
    edge("invoke", "--event", str(EVENT), code=2)  # neither a file nor --remote


def test_errors_are_one_line_and_a_nonzero_exit(edge, server, tmp_path):
    (tmp_path / "bad.wat").write_text(M.UNKNOWN_IMPORT)
    result = edge("deploy", str(tmp_path / "bad.wat"), "--name", "bad", code=1)
    assert result.output.count("\n") == 1 and "422" in result.output and "env::fetch" in result.output
    (tmp_path / "junk.wat").write_text('(module (func (export "x")) junk)')  # WAT the CLI cannot parse: no traceback
    junk = edge("deploy", str(tmp_path / "junk.wat"), "--name", "junk", code=1).output
    assert junk.count("\n") == 1 and junk.startswith(f"Error: {tmp_path / 'junk.wat'}: not a WebAssembly module"), junk
    assert "no function named 'ghost'" in edge("versions", "ghost", code=1).output
    wrong = edge("functions", env={"EDGE_SERVER": server.admin_url, "EDGE_ADMIN_TOKEN": "nope"}, code=1)
    assert "401" in wrong.output
    flag = edge("functions", "--token", TOKEN, "--server", server.admin_url, env={})
    assert "NAME" in flag.output
    down = edge("functions", "--server", "http://127.0.0.1:9", code=1)
    assert "cannot reach the admin API" in down.output
    (tmp_path / "fn.wat").write_text(generated("x"))
    edge("deploy", str(tmp_path / "fn.wat"), "--name", "fn", "--alias", "live")
    assert "no earlier target" in edge("rollback", "fn", code=1).output
    assert "--canary" in edge("alias", "fn", "live", "1", "--canary", "half", code=2).output


def test_config_put_from_toml(edge, server, tmp_path):
    (tmp_path / "fn.wat").write_text(generated("hi"))
    edge("deploy", str(tmp_path / "fn.wat"), "--name", "fn", "--alias", "live")
    config = json.loads(edge("config", "get").output)
    (tmp_path / "routes.toml").write_text(
        f'[origins.site]\nroot = "{config["origins"]["site"]["root"]}"\n\n'
        '[[behaviors]]\npath = "/hi"\norigin = "site"\nviewer_request = "fn:live"\n\n'
        '[[behaviors]]\npath = "*"\norigin = "site"\n'
    )
    assert "applied 2 behaviors" in edge("config", "put", str(tmp_path / "routes.toml")).output
    assert server.edge.get("/hi").text == "hi"
    (tmp_path / "bad.json").write_text(json.dumps({"behaviors": [{"path": "*", "origin": "site",
                                                                  "viewer_request": "ghost"}]}))
    assert "ghost" in edge("config", "put", str(tmp_path / "bad.json"), code=1).output
    assert "deleted function fn, alias live" not in edge("delete", "fn", "--alias", "live", code=1).output


def test_logs_follow_streams_until_interrupted(edge, server, tmp_path):
    import os
    import queue
    import subprocess
    import sys
    import threading

    (tmp_path / "echo.wat").write_text(M.ECHO)
    edge("deploy", str(tmp_path / "echo.wat"), "--name", "echo")
    server.admin.post("/v1/functions/echo/invoke", content=EVENT.read_bytes())
    env = dict(os.environ, EDGE_SERVER=server.admin_url, EDGE_ADMIN_TOKEN=TOKEN)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli.main", "logs", "echo", "--follow", "--limit", "4"],
                            stdout=subprocess.PIPE, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.decode()) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        first = [lines.get(timeout=20).split("\t")[3] for _ in range(4)]  # the backlog
        server.admin.post("/v1/functions/echo/invoke", content=EVENT.read_bytes())
        second = [lines.get(timeout=20).split("\t")[3] for _ in range(4)]  # streamed live
        assert first == second == ["START", "INFO", "END", "REPORT"]
    finally:
        proc.kill()
        proc.wait(10)


def test_deploy_a_source_directory(edge, server):
    sample = Path(__file__).resolve().parents[1] / "samples" / "redirect"
    out = edge("deploy", str(sample), "--name", "redirect", "--alias", "live").output
    assert "deployed redirect version 1" in out and "wasi-command" in out
    server.associate("/go", "redirect:live")
    r = server.edge.get("/go")
    assert r.status_code == 302 and "lambda-edge" in r.headers["location"]


def test_logs_by_request_id_alone_find_an_error_pages_detail(edge, server, tmp_path):
    (tmp_path / "bad.wat").write_text(M.HANDLER_ERROR)
    edge("deploy", str(tmp_path / "bad.wat"), "--name", "bad")
    server.associate("/broken", "bad")
    page = server.edge.get("/broken")
    rid = page.headers["x-amz-cf-id"]
    assert page.status_code == 503 and rid in page.text
    lines = edge("logs", "--request-id", rid).output
    assert "bad input: 42" in lines and "handler_error" in lines
    assert "give a function NAME" in edge("logs", code=2).output


def test_a_deploy_keeps_the_latest_versions_settings_unless_told(edge, server, tmp_path):
    """`edge deploy DIR --name NAME` of new code left a version without the env and limits the
    function had (a sample's credentials fell back to its defaults): each option given replaces
    its setting (--env the whole environment), --reset-settings starts from the defaults."""
    for n in range(1, 5):
        (tmp_path / f"v{n}.wat").write_text(generated(f"v{n}"))
    edge("deploy", str(tmp_path / "v1.wat"), "--name", "auth", "--env", "USER=alice", "--timeout", "700",
         "--isolation", "reuse")
    out = edge("deploy", str(tmp_path / "v2.wat"), "--name", "auth").output
    assert "settings of version 1 (--reset-settings: the defaults)" in out, out
    out = edge("deploy", str(tmp_path / "v3.wat"), "--name", "auth", "--env", "USER=bob", "--fuel", "5000000").output
    assert "settings of version 2, with env, limits.fuel as given" in out, out
    edge("deploy", str(tmp_path / "v4.wat"), "--name", "auth", "--reset-settings")
    settings = {v["version"]: v["settings"] for v in json.loads(edge("versions", "auth", "--json").output)["versions"]}
    assert settings[2] == settings[1]
    assert settings[2]["env"] == {"USER": "alice"} and settings[2]["isolation"] == "reuse"
    assert settings[3]["env"] == {"USER": "bob"} and settings[3]["limits"] == {"timeout_ms": 700, "fuel": 5000000}
    assert settings[4]["env"] == {} and settings[4]["limits"] == {} and settings[4]["isolation"] == "per-request"
