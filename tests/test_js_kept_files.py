"""What the build keeps of a function's own files for fs at request time, and what it never keeps: the
small files that are not JavaScript are kept (a request reads them as Node reads them from disk),
but not keys and credentials (`*.pem`, `*.key`, `id_rsa*`, `credentials.json`, `.env*`), hidden
folders, an edge server's state directory, nor what the function's `.edgeignore` names; a file the
top level reads is kept whatever it is. A bundle's source map is kept with the bundle only for a
function that has source-map-support (tests/test_js_prepare_stack_trace.py builds one that does).
Built and run at the edge; what is kept compared with Node 20 reading the same files."""

from __future__ import annotations

import json

import pytest

from edge.js.build import build_js
from edge.js.keep import Rules, parse, state_dirs

from .js_helpers import answer_and_fuel, node, roomy_function, write_files

INDEX = r"""'use strict';
const fs = require('fs');
const path = require('path');
const NAMES = require('./names.json');
// read at the top level (at build time): kept, whatever it is
const topLevel = fs.readFileSync(path.join(__dirname, 'top.key'), 'utf8');
exports.read = () => {
  const out = { topLevel };
  for (const name of NAMES) {
    try {
      out[name] = { text: fs.readFileSync(path.join(__dirname, name), 'utf8') };
    } catch (e) {
      out[name] = { error: e.code, why: / \(([^:]*):/.exec(e.message)?.[1] };
    }
  }
  return out;
};
exports.handler = async () => ({ status: '200', body: JSON.stringify(exports.read()) });
"""

KEPT = ["templates/page.html", "notes.txt", "config/public.json", "keys/public.pem", "keys/idp.crt"]
MAP = "dist/app.js.map"
NOT_KEPT = ["server.key", "certs/tls.pem", "keys/id_rsa", "keys/id_ed25519.pub", "credentials.json", ".env",
            "Server.KEY", "keys/ID_RSA", "creds/Credentials.json", "notes/signing.txt",
            "config/.env.local", "config/secret.json", "drafts/a.txt", "data/table.csv", "state/store/x.txt",
            "state/artifacts/y.txt", ".git/config"]
FILES = {
    "index.js": INDEX, "names.json": json.dumps([*KEPT, *NOT_KEPT, MAP]),
    "top.key": "read at the top level\n",
    **{name: f"the text of {name}\n" for name in [*KEPT, *NOT_KEPT, MAP]},
    # a public key and a certificate (a token verifier's) are kept; a private key by any name is not
    "keys/public.pem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
    "keys/idp.crt": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n",
    # a private key under a name that does not say so: found by its armour
    "notes/signing.txt": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n",
    "certs/tls.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                     "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n",
    # a bundle naming its map, in a function without source-map-support: the map is not kept
    "dist/app.js": "module.exports = 1;\n//# sourceMappingURL=app.js.map\n",
    ".edgeignore": "# the function's own\nconfig/secret.json\ndrafts/\n*.csv\n",
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-kept-files-src") / "fn"
    write_files(src, FILES)
    return src


def test_keys_secrets_and_ignored_files_are_never_kept(sources, tmp_path):  # type: ignore[no-untyped-def]
    """Node reads every file; at the edge a request reads the kept ones as Node does, and each of the
    others fails with ENOENT saying the build did not keep it (the top level's read is there)."""
    in_node = json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(sources / 'index.js'))}).read()))"))
    assert all("text" in in_node[name] for name in [*KEPT, *NOT_KEPT, MAP])
    fn = roomy_function(build_js(sources, out=tmp_path / "fn.wasm"), "kept-files")
    try:
        edge = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    assert edge["topLevel"] == in_node["topLevel"] == "read at the top level\n"
    assert {name: edge[name] for name in KEPT} == {name: in_node[name] for name in KEPT}
    why = "the file is in the function's package, but the build did not keep it"
    # (a hidden folder at the top and a state directory are not even listed, package_scope.py: to a
    # request they are not there)
    assert {name: edge[name] for name in NOT_KEPT} == {name: {"error": "ENOENT", "why": why}
                                                       if not name.startswith((".git/", "state/"))
                                                       else {"error": "ENOENT"} for name in NOT_KEPT}
    # a source map no source-map-support reads: not kept (it would only take room)
    assert edge[MAP] == {"error": "ENOENT", "why": why}


def test_edgeignore_patterns_match_as_documented():
    """Patterns with a '/' from the top, without one any name; a trailing '/' folders only; a matched
    folder takes what is under it; comments and blank lines skipped."""
    rules = Rules(tuple(parse("# notes\n\n*.csv\nprivate/\n/notes.txt\nconfig/*.json\n**/drafts\n")))
    excluded = {path: rules.excluded(path) for path in (
        "a.csv", "x/b.csv", "private/a.txt", "x/private/a.txt", "private", "notes.txt", "x/notes.txt",
        "config/a.json", "x/config/a.json", "drafts/a", "x/drafts/b", "a.txt", "x/.cache/y", "server.key")}
    assert excluded == {"a.csv": True, "x/b.csv": True, "private/a.txt": True, "x/private/a.txt": True,
                        "private": False, "notes.txt": True, "x/notes.txt": False, "config/a.json": True,
                        "x/config/a.json": False, "drafts/a": True, "x/drafts/b": True, "a.txt": False,
                        "x/.cache/y": True, "server.key": True}


def test_a_state_directory_is_told_by_what_it_holds():
    files = [("state/store/db", 1), ("state/artifacts/a", 1), ("logs/app.log", 1), ("store/x", 1),
             ("node_modules/p/store/x", 1), ("node_modules/p/artifacts/y", 1)]
    assert state_dirs(files) == {"state"}
