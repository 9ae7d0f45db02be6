"""`edge serve` with a function whose module file cannot be loaded (random bytes, a truncated
module, a WAT importing what the host does not provide, an HTML or TOML file named as the
source): one line naming the function, the file and the problem, exit status 1 as for any
other manifest error, before any worker starts (there was a traceback from each worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from edge.runtime.module import to_wasm

from .conftest import free_port
from .control_helpers import SITE, generated
from .modules import ECHO, reactor
from .serve_output import serve_output
from .test_cli_imports import loaded, run_edge

ACCEPTED = "a function's source is a .wasm module, a .wat file, a source directory (C, Zig or JavaScript)"


def manifest(source: str, *more: str) -> str:
    functions = "".join(f'[functions.{name}]\nsource = "{file}"\n\n' for name, file in [("f", source), *more])
    return f"""{functions}[origins.site]
root = "{SITE}"

[[behaviors]]
path = "*"
origin = "site"
viewer_request = "f"
"""


def serve_once(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "-m", "edge.toml", "--state-dir", "state",
                           "--port", str(free_port()), "--admin-port", str(free_port()), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_a_module_file_a_worker_could_not_load_is_one_line_naming_function_file_and_problem(tmp_path):
    wasm = to_wasm(ECHO)
    (tmp_path / "garbage.wasm").write_bytes(os.urandom(300).replace(b"\0asm", b"") + b"\xff")
    (tmp_path / "cut.wasm").write_bytes(wasm[:len(wasm) // 2])
    (tmp_path / "fetch.wat").write_text(reactor("(i64.const 0)", imports='(import "env" "fetch" (func (param i32)))'))
    (tmp_path / "page.html").write_text("<!doctype html>\n<html><body>hello</body></html>\n")
    (tmp_path / "conf.toml").write_text('[server]\nport = 8080\n')
    (tmp_path / "typo.wat").write_text("(module\n  (func (export \"x\") (result i32) (i64.const 1)))\n")
    (tmp_path / "empty.wasm").write_bytes(b"")
    cases = {
        "garbage.wasm": ["not a WebAssembly module", "neither the \\0asm magic bytes", ACCEPTED],
        "cut.wasm": ["invalid WebAssembly", "unexpected end-of-file", "cut short"],
        "fetch.wat": ["module imports what the host does not provide: env::fetch"],
        "page.html": ["not a WebAssembly module", "it is text, but not WAT", ACCEPTED],
        "conf.toml": ["not a WebAssembly module", "it is text, but not WAT", ACCEPTED],
        "typo.wat": ["invalid WebAssembly", "type mismatch"],
        "empty.wasm": ["the file is empty", ACCEPTED],
    }
    for source, expected in cases.items():
        (tmp_path / "edge.toml").write_text(manifest(source))
        proc = serve_once(tmp_path)
        assert proc.returncode == 1, (source, proc.stderr)
        assert "Traceback" not in proc.stderr and "worker" not in proc.stderr, (source, proc.stderr)
        [line] = proc.stderr.strip().splitlines()
        assert line.startswith(f"Error: [functions.f] ({source}): "), line
        assert all(part in line for part in expected), (source, line)
        if ACCEPTED not in expected:  # the kinds of source are listed for a file that is no module at all
            assert "source directory" not in line, line


def test_every_bad_module_file_is_counted_in_the_one_line(tmp_path):
    (tmp_path / "a.wasm").write_bytes(b"\x01\x02\x03")
    (tmp_path / "b.html").write_text("<html></html>")
    (tmp_path / "good.wat").write_text(ECHO)
    (tmp_path / "edge.toml").write_text(manifest("good.wat", ("a", "a.wasm"), ("b", "b.html")))
    proc = serve_once(tmp_path)
    assert proc.returncode == 1, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("Error: [functions.a] (a.wasm): not a WebAssembly module"), line
    assert line.endswith("(and 1 more function whose module cannot be loaded: b)"), line


def test_the_check_leaves_wasmtime_out_of_the_main_process(tmp_path):
    """The module files are checked by a child process: the main process still loads no runtime."""
    (tmp_path / "garbage.wasm").write_bytes(b"\x00\x01not wasm\xff")
    (tmp_path / "edge.toml").write_text(manifest("garbage.wasm"))
    done, modules = run_edge(tmp_path, "serve", "-m", "edge.toml", "--state-dir", "state", "--port",
                             str(free_port()), "--admin-port", str(free_port()))
    assert done.returncode == 1 and "[functions.f] (garbage.wasm): not a WebAssembly module" in done.stderr, done.stderr
    assert loaded(modules, ("wasmtime", "edge.runtime.module", "edge.runtime.engine", "edge.server.modulecheck")) == []


def test_good_module_files_still_serve(tmp_path):
    """A binary module, WAT text, and WAT text in a file named .wasm (the worker parses it as WAT)."""
    (tmp_path / "bin.wasm").write_bytes(to_wasm(generated("from a binary module")))
    (tmp_path / "text.wat").write_text(generated("from WAT"))
    (tmp_path / "text.wasm").write_text(";; WAT in a .wasm file\n" + generated("from WAT named .wasm"))
    routes = "".join(f'[[behaviors]]\npath = "/{name}"\norigin = "site"\nviewer_request = "{name}"\n\n'
                     for name in ("g", "h"))
    (tmp_path / "edge.toml").write_text(manifest("bin.wasm", ("g", "text.wat"), ("h", "text.wasm"))
                                        .replace("[[behaviors]]", routes + "[[behaviors]]", 1))
    port = free_port()
    with serve_output(tmp_path, "-m", "edge.toml", "--state-dir", "state", "--port", str(port), "--admin-port",
                      str(free_port())) as server:
        server.until("edge: serving")
        for path, text in (("/", "from a binary module"), ("/g", "from WAT"), ("/h", "from WAT named .wasm")):
            assert httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10).text == text, path
