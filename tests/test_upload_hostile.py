"""Uploads against what a hostile tester did: a 60 KB .js file that took minutes of the worker's
CPU to tell CommonJS from an ES module (every slash of a line of `(/[` rescanned the rest of the
line), on the event loop's default threads the static origin shares; a build that went on after
its client left; 200,000 functions with the wrong exports compiled for 20 s before they were
refused; valid WebAssembly with a table larger than the instance pool allows called invalid.

Through a real server on loopback (its builds in their own processes), real wasmtime. No timing
is asserted (performance is measured in bench/): the scanner is checked to be single-pass by
counting how often it scans, and a stopped build by its process being gone."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pytest
import wasmtime

from edge.control.errors import ControlError
from edge.runtime import module as runtime_module
from edge.server import jsupload, modulecheck
from edge.server.jsupload import code_only, has_module_syntax, upload_kind
from edge.server.uploads import Uploads, UploadSettings

from .control_helpers import TOKEN, ControlServer, manifest_text
from .polling import eventually

MiB = 1024 * 1024
HANDLER = '\nexports.handler = async () => ({ status: "200" });\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload-hostile")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state", max_upload_bytes=8 * MiB).start()
    yield s
    s.stop()


def error(r) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    assert r.headers.get("content-type", "").startswith("application/json"), r.text
    body = r.json()["error"]
    return r.status_code, body["code"], body["message"]


# -- telling CommonJS from an ES module: one pass ----------------------------------------------------------


class Counting:
    """A compiled pattern that counts the characters its match() calls read (a spy: it matches):
    to the end of a match, or to the end of the line when none closes there."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0
        self.read = 0

    def match(self, source: str, pos: int = 0):  # type: ignore[no-untyped-def]
        found = self.pattern.match(source, pos)
        line_end = source.find("\n", pos)
        self.calls += 1
        self.read += (found.end() if found else (len(source) if line_end < 0 else line_end)) - pos
        return found


@pytest.mark.parametrize("line", ["x=(/[", "(/[", "a=[/", "=(/\\", "y=(/a[/", "x=/[/]/g,"])
def test_regular_expressions_are_read_once(monkeypatch, line):
    """Each slash used to try a regular expression to the end of its line (a line of 12,000
    `(/[` took 10 s, 4 MiB would take hours): now what regular expressions read adds up to at
    most the source, whatever its lines: a literal is consumed, and a line on which none closes
    is tried once."""
    regex = Counting(jsupload._REGEX)
    monkeypatch.setattr(jsupload, "_REGEX", regex)
    source = ((line * 20_000 + "\n") * 3) + "export const handler = 1;\n"
    assert has_module_syntax(source.encode()) is True
    assert regex.calls and regex.read <= len(source), (regex.calls, regex.read)  # was ~len(source) ** 2 / 2


def test_four_mebibytes_of_hostile_code_are_classified():
    """Completes (it took hours): the pathological inputs and their neighbours, 4 MiB each, the most
    a text upload may be read whole to detect it. Their times are in the commit's report, not here."""
    size = 4 * MiB
    for unit, module in [("x=(/[", True), ("{}", True), ("`${{", True), ("''", True), ("/*", False),
                         ("a++ / [", True), ("x=/a/,", True), (";import ", True)]:
        source = unit * (size // len(unit)) + HANDLER + "export {};\n"
        assert has_module_syntax(source.encode()) is module, unit


def test_blanking_keeps_what_it_did():
    assert code_only("a = 'export x'; b = /export [/]/g; c = `${d}export`") == "a = ''; b =  ; c = ``d "
    assert code_only("/* a\nb */ export {}") == "\n export {}"
    # a `/` that cannot start a literal closing on its line divides; so do the line's other slashes
    assert code_only("n-- / tbl[ /x/\nexport {}") == "n-- / tbl[ /x/\nexport {}"
    assert has_module_syntax(b"n-- / tbl[ /x/\nexport {}") is True
    assert has_module_syntax(b"x = 1 /* export {} */") is False and has_module_syntax(b"x.import.meta") is False
    assert has_module_syntax(b"  \t export default 1") is True and has_module_syntax(b"a;import'x'") is True


def test_detection_in_the_worker_leaves_a_scripts_module_syntax_to_its_build():
    body = b"export const handler = async () => ({ status: '200' });\n"
    assert upload_kind(body, "", "x.js", classify=False) == "script"
    assert upload_kind(body, "text/javascript", None, classify=False) == "script"
    assert upload_kind(body, "", None, classify=False) == "script"
    assert upload_kind(body, "", "x.mjs", classify=False) == "mjs" and upload_kind(body, "", None) == "mjs"


def test_upload_work_runs_on_threads_of_its_own():
    """Not the loop's default executor, which the static origin's reads share."""
    import asyncio

    pool = Uploads(UploadSettings())

    async def main() -> str:
        return await pool.run(lambda: threading.current_thread().name)

    assert asyncio.run(main()).startswith("edge-upload")


def test_a_pathological_javascript_upload_is_built_and_refused_as_javascript(server):
    """200 KB of `(/[` (172 s of the worker's CPU before): its build says what QuickJS says."""
    body = ("x=(/[" * 40_000 + HANDLER).encode()
    status, code, message = error(server.admin.post("/v1/functions/slashes/versions", content=body,
                                                    params={"filename": "index.js"}, timeout=120))
    assert (status, code) == (422, "build_failed") and "SyntaxError" in message, message
    ok = server.admin.post("/v1/functions/esm/versions", params={"filename": "index.js"},
                           content=b"x=(/[/;\nexport const handler = async () => ({ status: '200' });\n")
    assert ok.status_code == 422  # `x=(/[/;` does not parse, in a module or not
    ok = server.admin.post("/v1/functions/esm/versions", params={"filename": "index.js"},
                           content=b"const r = /[/]/;\nexport const handler = async () => ({ status: '200' });\n")
    assert ok.status_code == 201, ok.text  # its module syntax found in the build's process


# -- a build whose client went away -----------------------------------------------------------------------


def builders(marker: str) -> list[int]:
    """This process's build processes (python -m edge.server.jsupload) whose request names `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if "edge.server.jsupload" in cmdline and marker in cmdline:
            found.append(int(entry.name))
    return found


def test_a_build_is_stopped_when_its_client_goes_away(server, monkeypatch):
    monkeypatch.setattr(jsupload, "UPLOAD_TIMEOUT", 120)  # on its own the build would run 2 minutes
    body = b"while (true) {}\nexports.handler = async () => ({});\n"
    request = (f"POST /v1/functions/gone/versions?filename=gone.js&handler=gonefn.handler HTTP/1.1\r\n"
               f"Host: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    client = socket.create_connection(("127.0.0.1", server.admin_port))
    try:
        client.sendall(request + body)
        assert eventually(lambda: builders("gonefn.handler"), timeout=30)
    finally:
        client.close()
    assert eventually(lambda: not builders("gonefn.handler"), timeout=30)
    assert server.admin.get("/v1/functions/gone").status_code == 404
    # its build slot is free again
    r = server.admin.post("/v1/functions/after/versions", params={"filename": "index.js"},
                          content=b"exports.handler = async () => ({ status: '200' });\n")
    assert r.status_code == 201, r.text


# -- modules refused before they are compiled --------------------------------------------------------------


def many_functions(count: int, exports: str = "") -> bytes:
    funcs = "".join(f"(func $f{i} (result i32) i32.const {i})" for i in range(count))
    return runtime_module.to_wasm(f"(module (memory (export \"memory\") 1) {funcs} {exports})")


def full_path_refusal(wasm: bytes) -> str:
    """What compiling then inspecting the module says (the refusal the check must repeat)."""
    with pytest.raises(runtime_module.ModuleError) as refused:
        runtime_module.inspect(wasmtime.Module(wasmtime.Engine(), wasm), "")
    return str(refused.value)


def test_wrong_exports_are_refused_before_compiling_with_the_same_words(server, monkeypatch):
    compiled: list[bytes] = []
    real = runtime_module._compile

    def counted(engine, wasm):  # type: ignore[no-untyped-def]
        compiled.append(bytes(wasm))
        return real(engine, wasm)

    monkeypatch.setattr(runtime_module, "_compile", counted)
    wasm = many_functions(20_000)
    status, code, message = error(server.admin.post("/v1/functions/noexports/versions", content=wasm))
    assert (status, code) == (422, "invalid_module")
    assert message == full_path_refusal(wasm), message
    assert "(has memory; missing edge_alloc, edge_handle, edge_abi_version)" in message
    imports = runtime_module.to_wasm('(module (import "env" "f" (func)) (import "x" "t" (table 1 funcref)) '
                                     '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) '
                                     '(result i32))) (func (export "_start")))')
    status, code, message = error(server.admin.post("/v1/functions/noexports/versions", content=imports))
    assert (status, code, message) == (422, "invalid_module", full_path_refusal(imports))
    assert message == "module imports what the host does not provide: env::f, x::t"
    # only these two uploads count: the server may compile its own modules (the JS engine) meanwhile
    assert wasm not in compiled and imports not in compiled
    # invalid WebAssembly is still told as such (validated first), and a valid module compiles
    invalid = runtime_module.to_wasm("(module (func (result i32) i64.const 0))")  # no exports, and a type error
    status, code, _ = error(server.admin.post("/v1/functions/noexports/versions", content=invalid))
    assert (status, code) == (400, "not_wasm")


def test_the_section_reader_leaves_what_it_cannot_follow_to_the_compile():
    engine = wasmtime.Engine()
    modulecheck.precheck(b"\0asm\x01\0\0\0\x07\xff", engine)  # a section past the end: not refused here
    modulecheck.precheck(b"not wasm", engine)
    with pytest.raises(ControlError) as refused:
        modulecheck.precheck(many_functions(10), engine)
    assert refused.value.status == 422 and refused.value.code == "invalid_module"
    modulecheck.precheck(many_functions(1, '(export "_start" (func 0))'), engine)  # types are the compile's to check


def test_a_table_larger_than_the_pool_allows_is_422_naming_the_limit(server):
    if not server.state.runtime.engine.pooling:
        pytest.skip("the engine runs without the pooling allocator here")
    wasm = runtime_module.to_wasm('(module (table 10000000 funcref) (memory (export "memory") 1) '
                                  '(func (export "_start")))')
    status, code, message = error(server.admin.post("/v1/functions/bigtable/versions", content=wasm))
    assert (status, code) == (422, "invalid_module"), message
    assert message.startswith("table 0 of the module starts with 10000000 elements: the table is larger than this "
                              "server allows (at most 100000 elements in a table)"), message


def test_a_javascript_upload_over_the_limit_is_called_one(server):
    status, code, message = error(server.admin.post("/v1/functions/huge/versions", params={"filename": "index.js"},
                                                    content=b"x" * (8 * MiB + 1)))
    assert (status, code) == (413, "too_large") and message.startswith("the JavaScript upload is larger than"), message
    status, code, message = error(server.admin.post("/v1/functions/huge/versions", content=b"\0asm" + b"x" * 8 * MiB))
    assert message.startswith("the module is larger than"), message
