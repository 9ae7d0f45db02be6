"""A function's own files and the network modules packages require (tests/js/fsread): `fs` reads the
package's files at build time (a key, a template, JSON), gives them again in the handler, and
answers as Node does (contents in every encoding, stat, exists, access, Node's errors); what it
cannot do (a file not read at build time, a binary file, a write) fails saying why. `net`, `tls`
and `http2` load (net.isIP as Node's) and refuse to connect. Compared with real Node through a
real server."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from edge.js.build import JsBuildError, build_js

from .control_helpers import ControlServer
from .js_helpers import JS

FILES = JS / "fsread"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> ControlServer:  # type: ignore[misc]
    messages: list[str] = []
    wasm = build_js(FILES, out=tmp_path_factory.mktemp("js-fsread") / "fsread.wasm", log=messages.append)
    assert messages == [], messages  # fs, net, tls and http2 are there: no warning
    manifest = tmp_path_factory.mktemp("js-fsread-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.files]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "files"\n')
    srv = ControlServer(manifest, tmp_path_factory.mktemp("js-fsread-state"), debug_errors=False).start()
    yield srv
    srv.stop()


def get_json(server: ControlServer, path: str):  # type: ignore[no-untyped-def]
    r = server.edge.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def test_files_read_at_build_time_and_again_in_the_handler_are_nodes(server):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = "require('./cases.js').run().then((r) => console.log(JSON.stringify(r)))"
    expected = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True,
                                         timeout=60, cwd=FILES).stdout)
    assert get_json(server, "/cases") == expected
    assert expected["loaded"]["pem"].startswith("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
    assert expected["loaded"]["missing"]["code"] == "ENOENT" and expected["again"] is True


def test_what_fs_cannot_do_here_fails_saying_why(server):
    """A file the build did not read is missing (ENOENT, as code checking err.code expects) and the
    message says to read it at the top level; a binary file and a write are refused; so is a
    connection."""
    body = get_json(server, "/edge")
    assert body["unread"] == {
        "name": "Error", "code": "ENOENT", "syscall": "open", "path": "unread.txt",
        "message": "ENOENT: no such file or directory, open 'unread.txt' (edge functions have no filesystem when they "
                   "run (a file of the package can be read at the top level of a module, which runs at build time, "
                   "and read again later))"}
    assert body["unreadExists"] is False
    assert body["binary"]["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert body["binary"]["message"].startswith("Reading pixel.gif, which is not UTF-8 text, is not available in edge "
                                                "functions: they read only text files of their package")
    assert body["write"]["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert body["write"]["message"].startswith("fs.writeFileSync() is not available in edge functions: edge functions "
                                               "have no filesystem when they run")
    assert body["connect"]["message"].startswith("net.connect() is not available in edge functions: they cannot make "
                                                 "network calls")


def test_a_top_level_read_of_a_missing_file_fails_the_build_saying_which(tmp_path):
    (tmp_path / "index.js").write_text("const key = require('fs').readFileSync(__dirname + '/key.pem', 'utf8');\n"
                                       "exports.handler = async (event) => event.Records[0].cf.request;\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out.wasm")
    summary = failure.value.summary
    assert summary.startswith("index.js:1:"), summary
    assert summary.endswith(": Error: ENOENT: no such file or directory, open '/var/task/key.pem'"), summary
