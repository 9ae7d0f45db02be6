"""Small promises the command line keeps alike across commands: every listener option has a
description, `edge serve` and `edge dev` take the same ports, the admin commands' --server
help says how the default is found, `edge bench` without its harness (an installed wheel)
still has --help and says what it needs, the state directory's refusals say what is wrong and
exit 2 like the other refusals of bad input, and `edge invoke` says so when an event is not a
Lambda@Edge event."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_port
from .modules import UNREACHABLE
from .test_serve_startup import STATIC


def edge(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge.cli.main", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def option_help(command: str, option: str) -> str:
    """The help text click shows for `option` of `edge COMMAND` (its lines joined)."""
    text = CliRunner().invoke(cli, [command, "--help"], terminal_width=200).output
    line = next(line for line in text.splitlines() if line.strip().startswith(option))
    return line.split(option, 1)[1].strip()


def test_serve_and_dev_describe_their_listener_and_state_options():
    for command in ("serve", "dev"):
        for option in ("--host TEXT", "-p, --port INTEGER RANGE", "--state-dir TEXT"):
            described = option_help(command, option)
            assert not described.startswith("["), (command, option, described)  # more than the default
    assert "localhost" in option_help("serve", "--host TEXT")
    assert "created if missing" in option_help("serve", "--state-dir TEXT")


def test_serve_and_dev_take_the_same_ports(tmp_path):
    (tmp_path / "edge.toml").write_text(STATIC)
    for command in ("serve", "dev"):
        assert "1<=x<=65535" in option_help(command, "-p, --port INTEGER RANGE"), command
        refused = edge(command, "-m", "edge.toml", "--state-dir", "state", "--port", "0", cwd=tmp_path)
        assert refused.returncode == 2 and "0 is not in the range 1<=x<=65535" in refused.stderr, refused.stderr
        refused = edge(command, "-m", "edge.toml", "--state-dir", "state", "--port", "65535", cwd=tmp_path)
        assert refused.returncode == 2 and "with --port 65535, give --admin-port" in refused.stderr, refused.stderr
    assert not (tmp_path / "state").exists()


def test_the_admin_commands_server_help_says_how_the_default_is_found():
    for command in ("versions", "deploy", "nodes", "invoke"):
        text = " ".join(CliRunner().invoke(cli, [command, "--help"], terminal_width=400).output.split())
        assert ".edge/serve.json" in text and "edge.toml" in text and "else http://127.0.0.1:8081" in text, command
        assert "[default: http://127.0.0.1:8081]" not in text, command


WITHOUT_HARNESS = ("import pathlib, sys; import edge.cli.bench as bench; bench.REPO = pathlib.Path(sys.argv.pop(1)); "
                   "from edge.cli.main import main; main()")


def test_bench_without_its_harness_has_help_and_says_it_needs_a_checkout(tmp_path):
    """As from an installed wheel, which has no bench/ (tests/test_wheel.py runs the real one)."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", WITHOUT_HARNESS, str(tmp_path), "bench", *args],
                              capture_output=True, text=True, timeout=60, check=False)

    for flag in ("--help", "-h"):
        helped = run(flag)
        assert helped.returncode == 0 and helped.stdout.startswith("Usage: edge bench"), helped.stderr
        assert "source tree" in helped.stdout and "checkout" in helped.stdout and not helped.stderr
    ran = run("--quick")
    assert ran.returncode == 2 and not ran.stdout, ran.stderr
    [line] = ran.stderr.strip().splitlines()
    assert line.startswith("Error: the benchmark needs a source checkout") and "python -m bench" in line


def test_a_state_dir_that_is_a_file_says_so_and_exits_2(tmp_path):
    (tmp_path / "edge.toml").write_text(STATIC)
    (tmp_path / "afile").write_text("")
    for state, expected in (("afile", f"the state directory {tmp_path / 'afile'} is a file, not a directory"),
                            ("afile/sub", f"the state directory {tmp_path / 'afile' / 'sub'} cannot be created: "
                                          f"{tmp_path / 'afile'} is a file, not a directory")):
        proc = edge("serve", "-m", "edge.toml", "--state-dir", state, "--port", str(free_port()), "--admin-port",
                    str(free_port()), cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        [line] = proc.stderr.strip().splitlines()
        assert line.startswith(f"Error: {expected}: ") and "give --state-dir a directory" in line, line
        assert "File exists" not in line
    assert (tmp_path / "afile").is_file()


def test_invoke_says_before_running_that_an_event_is_not_a_lambda_edge_event(tmp_path):
    """Run as given (a WASI command may take any JSON), with a note showing what an event is;
    a function that fails on it says the event was not one."""
    module = tmp_path / "trap.wat"
    module.write_text(UNREACHABLE)
    (tmp_path / "other.json").write_text('{"not": "an event"}')
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(tmp_path / "other.json")])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("note: the event is not a Lambda@Edge event") and '{"Records": [{"cf"' in lines[0]
    assert "edge generate-event viewer-request" in lines[0]
    assert lines[-1].startswith("error: ") and lines[-1].endswith("the event was not a Lambda@Edge event "
                                                                  "(see the note above)"), lines
    assert sum("Lambda@Edge event" in line for line in lines) == 2  # not said again after the run
