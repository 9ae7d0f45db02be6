"""A function's own files and the network modules packages require (tests/js/fsread): `fs` reads the
package's files at build time (a key, a template, JSON, an image, bytes that are not UTF-8), gives
them again in the handler, and answers as Node does (the exact bytes, contents in every encoding,
stat, exists, access, Node's errors); what it cannot do (a file not read at build time, a write)
fails saying why. `net`, `tls` and `http2` load (net.isIP as Node's) and refuse to connect.
Compared with real Node through a real server, or `edge invoke`."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
import subprocess
import zlib

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
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
    """The function's own small files are kept by the build, so one its top level never read is
    read in a request as on Lambda (a file the build did not keep is ENOENT saying so:
    tests/test_js_package_files.py); a write is refused; so is a connection."""
    body = get_json(server, "/edge")
    assert bytes(body["unread"]["data"]) == b"never read at build time\n"
    assert body["unreadExists"] is True and body["seen"] is True
    assert body["seenRead"] == "never read at build time\n"
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


# every byte value, then sequences no UTF-8 decoder accepts: a lone continuation byte, a truncated
# two-byte and three-byte sequence, an overlong '/', an encoded surrogate, a code point past
# U+10FFFF, bytes UTF-8 never uses, and a valid 'é' and U+FFFD between them
BINARY = (bytes(range(256)) + b"\x80" + b"\xc3" + b"\xe2\x82" + b"\xc0\xaf" + b"\xed\xa0\x80" + b"\xf4\x90\x80\x80"
          + b"\xfe\xff" + "é\ufffd".encode() + b"\x00end")
BINARY_HANDLER = """'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');

// read at the top level (at build time, on the edge)
const bytes = fs.readFileSync(path.join(__dirname, 'data', 'bytes.bin'));
const packed = fs.readFileSync('data/page.html.gz');
const pixel = fs.readFileSync('data/pixel.png', { encoding: null });
const describe = (buf) => ({
  isBuffer: Buffer.isBuffer(buf), length: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex'),
  base64: buf.toString('base64'),
});

exports.handler = async (event) => {
  const again = fs.readFileSync('data/bytes.bin'); // in the handler: what the build read, again
  const result = {
    bytes: describe(bytes), packed: describe(packed), pixel: describe(pixel),
    same: again.equals(bytes), copy: again !== bytes,
    unpacked: zlib.gunzipSync(packed).toString(),
    encodings: Object.fromEntries(['utf8', 'latin1', 'binary', 'hex', 'base64', 'base64url', 'ascii', 'utf16le']
      .map((e) => [e, fs.readFileSync('data/bytes.bin', e)])),
    option: fs.readFileSync('data/bytes.bin', { encoding: 'base64' }) === bytes.toString('base64'),
    size: fs.statSync('data/bytes.bin').size,
    promised: describe(await fs.promises.readFile('data/bytes.bin')),
    called: await new Promise((resolve) => fs.readFile('data/bytes.bin', 'hex', (err, hex) => resolve([err, hex.length]))),
  };
  return { status: '200', body: JSON.stringify(result) };
};
"""


def png_pixel() -> bytes:
    """A 1x1 RGBA PNG (its chunks' CRCs right, so any PNG reader takes it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\x80"))
            + chunk(b"IEND", b""))


def test_binary_files_are_read_byte_for_byte_as_in_node(tmp_path):
    """A function bundling binary files (every byte value and invalid UTF-8 sequences, a gzip, a
    PNG) reads their exact bytes as a Buffer, and every encoding of them as Node decodes it, at
    build time and in the handler: the same handler run under real Node answers the same."""
    import gzip

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    package = tmp_path / "fn"
    (package / "data").mkdir(parents=True)
    (package / "data" / "bytes.bin").write_bytes(BINARY)
    (package / "data" / "page.html.gz").write_bytes(gzip.compress(b"<h1>packed \xc3\xa9</h1>\n" * 20, mtime=0))
    (package / "data" / "pixel.png").write_bytes(png_pixel())
    (package / "index.js").write_text(BINARY_HANDLER)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request", "requestId": "r1"},
                                                      "request": {"uri": "/", "headers": {}}}}]}))

    result = CliRunner().invoke(cli, ["invoke", str(package), "--event", str(event)])
    assert result.exit_code == 0, result.output
    edge = json.loads(json.loads(result.stdout)["body"])
    script = ("require('./index.js').handler({}).then((r) => console.log(r.body))")
    expected = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True,
                                         timeout=60, cwd=package).stdout)
    assert edge == expected
    assert expected["bytes"]["length"] == len(BINARY) == expected["size"]
    assert expected["bytes"]["sha256"] == hashlib.sha256(BINARY).hexdigest()
    assert base64.b64decode(expected["bytes"]["base64"]) == BINARY
    assert expected["encodings"]["utf8"] == BINARY.decode("utf-8", errors="replace")
    assert expected["same"] and expected["copy"] and expected["unpacked"].startswith("<h1>packed é</h1>")
