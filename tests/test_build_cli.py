"""`edge new` and `edge build` (edge/cli/build.py): scaffold a function in C and in Zig for every
hook, build it, run it with `edge invoke` on AWS's sample events; compile errors are one clear line.

The scaffolds are built once per session, in parallel, by the real `edge build` command line
(tests/scaffolds.py; tests/test_starters.py serves the same ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .scaffolds import EVENTS, HOOKS, REPO, run  # noqa: F401  (the `scaffolds` fixture is in conftest)

LANGS = ("c", "zig")
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def invoke_sample(wasm: Path, hook: str, event: Path | None = None):
    result = cli_run("invoke", str(wasm), "--event", str(event or EVENTS / f"{hook}.json"))
    return result


def sample(hook: str) -> dict:
    return json.loads((EVENTS / f"{hook}.json").read_text())["Records"][0]["cf"]


# ---- edge new + edge build + edge invoke -------------------------------------------------------------------------


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("lang", LANGS)
def test_new_build_invoke(scaffolds, lang, hook):
    made = scaffolds[(lang, hook)]
    directory: Path = made["dir"]
    name = directory.name
    source = "main.zig" if lang == "zig" else "main.c"
    assert sorted(p.name for p in directory.iterdir()) == sorted([".gitignore", "README.md", "build", source])
    readme = (directory / "README.md").read_text()
    assert f"edge build {name}" in readme and f"edge generate-event {hook}" in readme and hook in readme
    assert f"next: edge build {directory}" in made["new_output"]

    proc = made["build"]
    assert proc.returncode == 0, proc.stderr
    wasm = directory / "build" / f"{name}.wasm"
    assert proc.stdout.strip() == str(wasm)
    assert wasm.read_bytes()[:4] == b"\0asm"

    result = invoke_sample(wasm, hook)
    assert result.exit_code == 0, result.output
    assert "REPORT" in result.stderr and "Status: ok" in result.stderr
    value = json.loads(result.stdout)
    cf = sample(hook)
    if hook == "viewer-request":
        expected = cf["request"]
        expected["headers"]["x-function-name"] = [{"key": "X-Function-Name", "value": name}]
        assert value == expected
        assert "INFO\tGET /" in result.stderr
    elif hook == "origin-request":
        assert value == dict(cf["request"], uri="/index.html")
        assert "INFO\t/ -> /index.html" in result.stderr
    else:
        expected = cf["response"]
        for key, v in SECURITY_HEADERS.items():
            original = {"referrer-policy": "Referrer-Policy"}.get(key)
            expected["headers"][key] = [{"key": original or _canonical(key), "value": v}]
        assert value == expected
        assert "INFO\t200 /" in result.stderr


def _canonical(name: str) -> str:
    return {"strict-transport-security": "Strict-Transport-Security", "x-content-type-options": "X-Content-Type-Options",
            "x-frame-options": "X-Frame-Options"}[name]


@pytest.mark.parametrize("hook", HOOKS)
def test_c_and_zig_scaffolds_agree(scaffolds, hook):
    outputs = []
    for lang in LANGS:
        made = scaffolds[(lang, hook)]
        value = json.loads(invoke_sample(made["dir"] / "build" / f"{made['dir'].name}.wasm", hook).stdout)
        if hook == "viewer-request":
            value["headers"].pop("x-function-name")
        outputs.append(value)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("lang", LANGS)
def test_viewer_request_scaffold_generates_a_response(scaffolds, lang, tmp_path):
    made = scaffolds[(lang, "viewer-request")]
    event = json.loads((EVENTS / "viewer-request.json").read_text())
    event["Records"][0]["cf"]["request"]["uri"] = "/hello"
    path = tmp_path / "hello.json"
    path.write_text(json.dumps(event))
    result = invoke_sample(made["dir"] / "build" / f"{made['dir'].name}.wasm", "viewer-request", path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "status": "200",
        "statusDescription": "OK",
        "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain; charset=utf-8"}]},
        "body": f"Hello from {made['dir'].name}!\n",
    }


def test_build_out_option(scaffolds, tmp_path):
    out = tmp_path / "elsewhere" / "fn.wasm"
    result = cli_run("build", str(scaffolds[("zig", "origin-request")]["dir"]), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert out.read_bytes()[:4] == b"\0asm"
    assert sorted(p.name for p in out.parent.iterdir()) == ["fn.wasm"]  # no temp files left


def test_build_single_zig_file(tmp_path):
    (tmp_path / "hello.zig").write_text(
        'const edge = @import("edge");\n'
        "pub fn handle(ev: *edge.Event) !void {\n"
        "    try ev.respond(200, null);\n"
        '    try ev.setBody("hi");\n'
        "}\n"
    )
    result = cli_run("build", str(tmp_path / "hello.zig"))
    assert result.exit_code == 0, result.output
    wasm = tmp_path / "build" / "hello.wasm"
    assert result.stdout.strip() == str(wasm)
    out = invoke_sample(wasm, "viewer-request")
    assert json.loads(out.stdout)["body"] == "hi"


# ---- errors ----------------------------------------------------------------------------------------------------


BROKEN = {
    "zig": ("main.zig", 'const edge = @import("edge");\npub fn handle(ev: *edge.Event) !void {\n    try ev.setUri(undefined_thing);\n}\n'),
    "c": ("main.c", '#define EDGE_IMPLEMENTATION\n#include "edge.h"\nint edge_main(edge_event *ev) {\n    return undefined_thing;\n}\n'),
}


@pytest.mark.parametrize("lang", LANGS)
def test_compile_error_is_one_clear_line(tmp_path, lang):
    filename, text = BROKEN[lang]
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / filename).write_text(text)
    proc = run("build", str(tmp_path / "broken"))
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error: ") and "compilation failed" in line
    assert f"{filename}:" in line and "undefined_thing" in line
    assert not (tmp_path / "broken" / "build" / "broken.wasm").exists()
    assert list((tmp_path / "broken" / "build").iterdir()) == []  # no temp file left behind


def test_compile_error_verbose_shows_the_compiler_output(tmp_path):
    filename, text = BROKEN["zig"]
    (tmp_path / filename).write_text(text)
    result = cli_run("build", str(tmp_path), "--verbose")
    assert result.exit_code == 1
    assert "^" in result.stderr  # zig's caret diagnostics
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_build_errors_without_sources(tmp_path):
    result = cli_run("build", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {tmp_path}: no C (*.c), Zig (build.zig, *.zig) or JavaScript "
                                     "(index.js, index.mjs) sources found")
    result = cli_run("build", str(tmp_path / "missing"))
    assert result.exit_code == 2  # click: the path does not exist
    (tmp_path / "build.zig").write_text("")
    result = cli_run("build", str(tmp_path))
    assert result.exit_code == 1 and "no main.zig" in result.stderr and "sdk/zig" in result.stderr


def test_new_refuses_to_overwrite_and_bad_names(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    result = cli_run("new", str(tmp_path / "taken"), "--lang", "zig")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["keep.txt"]
    result = cli_run("new", str(tmp_path / "bad name"), "--lang", "c")
    assert result.exit_code == 2 and "not a usable function name" in result.stderr
    # the rule edge deploy --name and [functions."my.fn"] apply (a '.' was accepted here, then refused there)
    for bad in ("my.fn", "x" * 65):
        result = cli_run("new", str(tmp_path / bad), "--lang", "js")
        assert result.exit_code == 2 and f"{bad!r} is not a usable function name" in result.stderr, result.stderr
        assert "letters, digits, '_' and '-' (1 to 64)" in result.stderr and not (tmp_path / bad).exists()
    refused = cli_run("deploy", str(tmp_path), "--name", "my.fn")  # the same rule
    assert refused.exit_code == 2 and "function name 'my.fn': use letters, digits" in refused.stderr, refused.stderr
    result = cli_run("new", str(tmp_path / "x"), "--lang", "rust")
    assert result.exit_code == 2
    (tmp_path / "empty").mkdir()
    assert cli_run("new", str(tmp_path / "empty"), "--lang", "c").exit_code == 0  # an empty directory is fine
    assert (tmp_path / "empty" / "main.c").exists()


def test_commands_are_registered():
    result = cli_run("--help")
    assert "build" in result.stdout and "new" in result.stdout
    assert "--lang" in cli_run("new", "--help").stdout
    assert "--out" in cli_run("build", "--help").stdout
