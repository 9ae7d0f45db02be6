"""The CLI finds its manifest and its server by itself (edge.toml, [tool.edge], the running
`edge serve`, EDGE_SERVER), and its messages say what to do."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_port, free_ports
from .control_helpers import SITE, TOKEN, ControlServer, generated, manifest_text
from .serve_output import serve_output

STATIC = f"""
[origins.site]
root = "{SITE}"

[[behaviors]]
path = "*"
origin = "site"
"""
NO_SERVER = {"EDGE_SERVER": None, "EDGE_ADMIN_TOKEN": TOKEN}


def edge(*args: str, code: int = 0, env: dict | None = None, **kw):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args), env=NO_SERVER if env is None else env, catch_exceptions=False, **kw)
    assert result.exit_code == code, result.output
    return result


def _serve_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "EDGE_SERVER"}
    env["EDGE_ADMIN_TOKEN"] = TOKEN
    return env


def test_edge_toml_gives_serve_its_manifest_and_ports_and_the_commands_their_server(tmp_path, monkeypatch):
    port, admin_port = free_ports(2)
    (tmp_path / "m.toml").write_text(STATIC)
    (tmp_path / "edge.toml").write_text(f'manifest = "m.toml"\nport = {port}\nadmin_port = {admin_port}\n')
    (tmp_path / "fn.wat").write_text(generated("from the project"))
    sub = tmp_path / "src" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    # `edge serve` with no flags at all, from a subdirectory: the project's manifest, ports and state directory
    with serve_output(sub, env=_serve_env()) as server:
        line = server.until("edge: serving")
        assert f"m.toml on http://127.0.0.1:{port}" in line
        assert f"127.0.0.1:{admin_port}" in server.until("admin API")
        assert (tmp_path / ".edge" / "serve.json").is_file() and not (sub / ".edge").exists()
        # the other commands, no --server and no EDGE_SERVER: the project's admin port
        out = edge("deploy", str(tmp_path / "fn.wat"), "--name", "fn", "--alias", "live").output
        assert "deployed fn version 1" in out
        assert "fn" in edge("functions").output
        assert "store revision" in edge("nodes").output  # a group's own --server too (it went to :8081)
        # the environment beats the project file, a flag beats the environment
        wrong = f"http://127.0.0.1:{free_port()}"
        assert "cannot reach the admin API" in edge("functions", env={"EDGE_SERVER": wrong, "EDGE_ADMIN_TOKEN": TOKEN}, code=1).output
        edge("functions", "--server", f"http://127.0.0.1:{admin_port}", env={"EDGE_SERVER": wrong, "EDGE_ADMIN_TOKEN": TOKEN})
    assert not (tmp_path / ".edge" / "serve.json").exists()  # gone with the server


def test_commands_find_the_running_serve_of_their_project(tmp_path, monkeypatch):
    """No ports in the project file: `edge serve --port N` records where it listens, and the
    commands run from the project use that."""
    (tmp_path / "edge.toml").write_text(STATIC)  # edge.toml may be the manifest itself
    admin_port = free_port()
    monkeypatch.chdir(tmp_path)
    with serve_output(tmp_path, "--port", str(free_port()), "--admin-port", str(admin_port),
                      env=_serve_env()) as server:
        assert "edge.toml on" in server.until("edge: serving")
        record = json.loads((tmp_path / ".edge" / "serve.json").read_text())
        assert record["admin"] == f"http://127.0.0.1:{admin_port}" and record["pid"] == server.proc.pid
        assert edge("functions").output.startswith("NAME")


def test_pyproject_tool_edge_server(tmp_path, monkeypatch):
    (tmp_path / "m.toml").write_text(manifest_text())
    control = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n[tool.edge]\nserver = "{control.admin_url}"\n')
        monkeypatch.chdir(tmp_path)
        assert edge("functions").output.startswith("NAME")
    finally:
        control.stop()


def test_a_bad_project_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "edge.toml").write_text('prot = 8080\n')
    monkeypatch.chdir(tmp_path)
    result = edge("functions", code=2)
    assert "edge.toml: unknown setting 'prot'" in result.output and "port" in result.output
    (tmp_path / "edge.toml").write_text('port = "8080"\n')
    assert "port must be a number" in edge("functions", code=2).output


# ---- messages that say what to do ------------------------------------------------------------------------------


@pytest.fixture
def control(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    yield server
    server.stop()


def test_messages_name_the_fix(control, tmp_path):
    env = {"EDGE_SERVER": control.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
    missing = edge("functions", env={"EDGE_SERVER": control.admin_url, "EDGE_ADMIN_TOKEN": None}, code=1).output
    assert missing.count("\n") == 1 and "401" in missing and "--token" in missing and "EDGE_ADMIN_TOKEN" in missing
    wrong = edge("functions", env={"EDGE_SERVER": control.admin_url, "EDGE_ADMIN_TOKEN": "nope"}, code=1).output
    assert "401" in wrong and "EDGE_ADMIN_TOKEN" in wrong
    # pointed at the edge listener: one line saying so, not a CloudFront error page
    edge_port = edge("functions", "--server", control.url, env=env, code=1).output
    assert edge_port.count("\n") == 1 and "<html" not in edge_port.lower()
    assert "edge (viewer) listener, not the admin API" in edge_port and f":{control.port + 1}" in edge_port
    # an unknown function's logs: an error, not silence
    assert "no function named 'nosuch'" in edge("logs", "nosuch", env=env, code=1).output
    (tmp_path / "quiet.wat").write_text(generated("x"))
    edge("deploy", str(tmp_path / "quiet.wat"), "--name", "quiet", env=env)
    result = edge("logs", "quiet", env=env)
    assert result.stdout == "" and "no log records for quiet yet" in result.stderr
    # a request id nothing was logged for: said as such (it read "no log records for None and that request id")
    unknown = edge("logs", "--request-id", "NoSuchRequest", env=env)
    assert unknown.stdout == "" and "None" not in unknown.stderr, unknown.stderr
    assert unknown.stderr.startswith("no log records for request id NoSuchRequest: ") and "check the id" in unknown.stderr
    both = edge("logs", "quiet", "--request-id", "NoSuchRequest", env=env)
    assert both.stderr.startswith("no log records of quiet for request id NoSuchRequest: ") and "leave out quiet" in both.stderr


def test_deploy_of_a_file_that_is_no_module_says_what_to_do_in_cli_terms(control, tmp_path):
    """Text that is neither WAT nor JavaScript the server recognizes: the admin API's advice
    (?filename=name.js) is its own; the CLI says what edge deploy takes."""
    env = {"EDGE_SERVER": control.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
    junk = tmp_path / "junk.wasm"
    junk.write_text("this is not a module\n")
    result = edge("deploy", str(junk), "--name", "junk", env=env, code=1)
    assert "?filename=" not in result.output and result.output.count("\n") == 1, result.output
    assert f"{junk} is not a WebAssembly module" in result.output and "neither WAT" in result.output
    assert "if junk.wasm is JavaScript, give it one of those names" in result.output and ".js, .mjs or .cjs" in result.output


def test_invoke_builds_a_directory_and_deploy_reports_a_build_error_in_one_line(control, tmp_path):
    env = {"EDGE_SERVER": control.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
    source = tmp_path / "hello"
    edge("new", str(source), "--lang", "c", env=env)
    event = tmp_path / "event.json"
    edge("generate-event", "viewer-request", "--uri", "/hello", "--out", str(event), env=env)
    result = edge("invoke", str(source), "--event", str(event), env=env)  # built first, like `edge deploy DIR`
    assert json.loads(result.stdout)["body"] == "Hello from hello!\n"
    assert (source / "build" / "hello.wasm").is_file()

    (source / "main.c").write_text('#include "edge.h"\nint edge_main(edge_event *ev) { return nope; }\n')
    for args in (("deploy", str(source), "--name", "hello"), ("invoke", str(source), "--event", str(event))):
        failed = CliRunner().invoke(cli, list(args), env=env)
        assert failed.exit_code == 1, failed.output
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "main.c:2:" in lines[0] and "nope" in lines[0]


def test_shell_completion_as_documented(tmp_path):
    """docs/cli.md: `_EDGE_COMPLETE=bash_source edge` prints the script; completing uses it."""
    import subprocess
    import sys

    docs = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    assert "_EDGE_COMPLETE=bash_source edge" in docs and "_EDGE_COMPLETE=zsh_source edge" in docs
    edge_cmd = [sys.executable, "-m", "edge.cli.main"]
    script = subprocess.run(edge_cmd, env=dict(os.environ, _EDGE_COMPLETE="bash_source"), capture_output=True,
                            text=True, timeout=60)
    assert script.returncode == 0 and "_edge_completion" in script.stdout and "complete " in script.stdout

    def complete(words: str) -> list[str]:
        env = dict(os.environ, _EDGE_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1
                                                                                              + words.endswith(" ")))
        out = subprocess.run(edge_cmd, env=env, capture_output=True, text=True, timeout=60).stdout
        return [line.split(",", 1)[1] for line in out.splitlines()]

    assert "generate-event" in complete("edge gen")
    assert complete("edge generate-event origin-") == ["origin-request", "origin-response"]
    assert "--lang" in complete("edge new fn --")


def test_serve_takes_the_manifest_as_its_argument_and_dev_says_where_a_manifest_goes(tmp_path, monkeypatch):
    """`edge serve manifest.toml`, as a porter types it: the argument is the manifest (over the
    project file's); with a different -m too it is a usage error. `edge dev manifest.toml` (whose
    arguments are source directories) says to use -m."""
    (tmp_path / "m.toml").write_text(STATIC)
    (tmp_path / "edge.toml").write_text('manifest = "m.toml"\n')
    (tmp_path / "other.toml").write_text('[[behaviors]]\npath = "*"\norigin = "ghost"\n')
    monkeypatch.chdir(tmp_path)
    refused = edge("serve", "other.toml", "--port", str(free_port()), code=1)
    assert "other.toml: [origins] must declare at least one origin" in refused.output
    both = edge("serve", "other.toml", "-m", "m.toml", code=2)
    assert "two manifests: other.toml and -m m.toml; give one" in both.output
    dev = edge("dev", "m.toml", code=2)
    assert "m.toml is a file (the manifest goes with -m: edge dev -m m.toml)" in dev.output


def test_commands_find_the_running_serve_from_a_subdirectory_without_a_project_file(tmp_path, monkeypatch):
    """No edge.toml: `edge serve manifest.toml --port N` records itself in ./.edge, and a
    command run from a subdirectory (a function's) finds it there, as edge.toml is found in
    a parent; a record left by a server that is gone (in a nearer .edge) is passed over."""
    import subprocess
    import sys

    (tmp_path / "manifest.toml").write_text(STATIC)
    sub = tmp_path / "fns" / "cpu"
    sub.mkdir(parents=True)
    (sub / "fn.wat").write_text(generated("from a subdirectory"))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    (sub / ".edge").mkdir()
    (sub / ".edge" / "serve.json").write_text(json.dumps({"pid": int(gone.stdout), "edge": "http://127.0.0.1:1",
                                                          "admin": "http://127.0.0.1:1"}))
    admin_port = free_port()
    with serve_output(tmp_path, "manifest.toml", "--port", str(free_port()), "--admin-port", str(admin_port),
                      env=_serve_env()) as server:
        server.until("edge: serving")
        monkeypatch.chdir(sub)
        out = edge("deploy", "fn.wat", "--name", "cpu").output
        assert "deployed cpu version 1" in out
        assert "cpu" in edge("functions").output
    # the server is gone: the default address, and a message saying how it was chosen (unless
    # something else on this machine listens there)
    with socket.socket() as probe:
        default_taken = probe.connect_ex(("127.0.0.1", 8081)) == 0
    if not default_taken:
        result = edge("functions", code=1)
        assert "cannot reach the admin API at http://127.0.0.1:8081" in result.output
        assert "no running `edge serve` recorded itself in .edge/serve.json of this directory or a parent" in result.output
        # an address given is not explained as the default
        named = edge("functions", "--server", f"http://127.0.0.1:{admin_port}", code=1).output
        assert "cannot reach" in named and "is the default" not in named


def test_a_serve_record_someone_else_could_have_written_is_not_followed(tmp_path, monkeypatch):
    """Walking up from the current directory, only a record this user wrote, in a directory only
    this user can write to, of a live process of this user's, names the server: anyone can make
    /tmp/.edge/serve.json, and following it would send the admin token and deployed code there."""
    from edge.cli.project import find

    state = tmp_path / ".edge"
    state.mkdir()
    record = state / "serve.json"
    record.write_text(json.dumps({"pid": os.getpid(), "edge": "http://127.0.0.1:1", "admin": "http://127.0.0.1:9"}))
    sub = tmp_path / "proj" / "fn"
    sub.mkdir(parents=True)
    monkeypatch.delenv("EDGE_SERVER", raising=False)
    monkeypatch.chdir(sub)
    state.chmod(0o755)
    record.chmod(0o644)
    assert find().running_serve()["admin"] == "http://127.0.0.1:9"  # the control: one's own
    state.chmod(0o777)  # a directory anyone may write to
    assert find().running_serve() is None
    state.chmod(0o755)
    record.chmod(0o666)  # a record anyone may rewrite
    assert find().running_serve() is None
    record.chmod(0o644)
    if os.geteuid() == 0:  # root can hand the file to another user
        os.chown(record, 65534, 65534)
        assert find().running_serve() is None
