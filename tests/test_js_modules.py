"""Modules in JavaScript functions (tests/js/modules): requires that cannot be satisfied are build
warnings and throw when they run, as in Node; package "imports" (#specifiers) and "exports" resolve
as in Node (compared with real Node); build errors name the file, line and column; missing APIs
(network, tty streams, scrypt) fail saying why."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess

import pytest

from edge.js.build import JsBuildError, build_js

from .control_helpers import ControlServer
from .js_helpers import JS

MODULES = JS / "modules"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple:  # type: ignore[type-arg]
    messages: list[str] = []
    wasm = build_js(MODULES, out=tmp_path_factory.mktemp("js-modules") / "modules.wasm", log=messages.append)
    prefix = f"warning: {MODULES}: "
    assert all(m.startswith(prefix) for m in messages), messages
    return wasm, [m[len(prefix):] for m in messages]


@pytest.fixture(scope="module")
def server(built, tmp_path_factory) -> ControlServer:  # type: ignore[no-untyped-def]
    wasm, _ = built
    manifest = tmp_path_factory.mktemp("js-modules-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.modules]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "modules"\n')
    srv = ControlServer(manifest, tmp_path_factory.mktemp("js-modules-state"), debug_errors=False).start()
    yield srv
    srv.stop()


def get_json(server: ControlServer, path: str):  # type: ignore[no-untyped-def]
    r = server.edge.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def log_text(server: ControlServer, request_id: str) -> str:
    r = server.admin.get("/v1/logs", params={"function": "modules", "request_id": request_id})
    return "\n".join(rec["message"] for rec in r.json()["records"])


def in_node(script: str) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=60, cwd=MODULES)
    return json.loads(out.stdout)


def test_requires_that_cannot_be_satisfied_are_warnings_naming_file_and_line(built):
    """Guarded (index.js), optional (tiny-debug's supports-color, as debug@4 has it) and unused
    (tinylib's) requires all build; each warning says what happens when the require runs."""
    _, warnings = built
    expected = [
        "index.js:6: module 'child_process' is a Node.js built-in that edge functions do not have: they cannot start processes",
        "index.js:11: cannot find module 'supports-color' (bundle it into node_modules/ of the function",
        "node_modules/tinylib/lib.js:3: cannot find module 'not-installed-either'",
        "node_modules/tiny-debug/node.js:10: cannot find module 'supports-color'",
        "cases.js:15: package import '#lib/internal/secret' is not defined by \"imports\" in package.json",
        "cases.js:20: package.json: invalid package target \"./lib/*/../../index.js\"",
        "cases.js:25: Package subpath './features/private/two.js' is not defined by \"exports\" in node_modules/imports-pkg/package.json",
        "cases.js:27: cannot find module './lib/not-there' (no such file in the function's package)",
        "cases.mjs:11: cannot find module 'not-installed'",
    ]
    for start in expected:
        assert any(w.startswith(start) for w in warnings), (start, warnings)
    missing = next(w for w in warnings if w.startswith("index.js:6:"))
    assert "require('child_process') there throws (MODULE_NOT_FOUND) if it runs. Available built-ins: " in missing
    assert " tty, " in missing and " fs, " in missing
    assert any("import('not-installed') there rejects (ERR_MODULE_NOT_FOUND) if it runs" in w for w in warnings)
    assert not any("'https'" in w or "'tty'" in w for w in warnings), warnings  # those are there


def test_guarded_requires_throw_as_node_does_for_a_missing_module(server):
    """`try { require('child_process') } catch` takes the fallback path: the code is Node's for a module it cannot
    find, so checks such as `if (e.code !== 'MODULE_NOT_FOUND') throw e` work too."""
    body = get_json(server, "/guarded")
    assert body["color"] == "none"
    assert body["missingError"]["code"] == "MODULE_NOT_FOUND"
    message = body["missingError"]["message"]
    assert message.startswith("Cannot find module 'child_process': it is a Node.js built-in that edge functions do "
                              "not have: they cannot start processes or threads")
    assert message.endswith("\nRequire stack:\n- /var/task/index.js\n- /var/runtime/index.mjs")  # as Lambda's


def test_module_resolution_matches_node(server):
    """#imports (exact keys, patterns and the most specific one, conditions, nested conditions, a
    bare target, array fallbacks, invalid targets), a package's own imports from a nested
    package.json (as aws-jwt-verify has them), exports patterns and what they exclude, and missing
    modules: the same results and error codes as Node, for require and for import."""
    assert get_json(server, "/cases") == in_node("console.log(JSON.stringify(require('./cases.js').run()))")
    esm = in_node("import('./cases.mjs').then((m) => m.run()).then((r) => console.log(JSON.stringify(r)))")
    assert get_json(server, "/esm-cases") == esm
    assert esm["conditions"] == "esm-target" and esm["builtinTarget"] == "/"


@pytest.mark.parametrize("path,message", [
    ("/download", "https.get() is not available in edge functions: they cannot make network calls (move the request to the origin"),
    ("/optional", ("Cannot find module 'not-installed-either' (bundle it into node_modules/ of the function, as for a Lambda "
                  "deployment package)\\nRequire stack:\\n- /var/task/node_modules/tinylib/lib.js\\n- /var/task/index.js"
                  "\\n- /var/runtime/index.mjs")),
    ("/fs", "ENOENT: no such file or directory, open '/etc/hosts' (edge functions have no filesystem when they run"),
    ("/fetch", "fetch() is not available in edge functions: they cannot make network calls"),
])
def test_a_require_or_call_that_fails_at_request_time_is_a_503_with_its_message_in_the_log(server, path, message):
    r = server.edge.get(path)
    assert r.status_code == 503 and "LambdaExecutionError" in r.headers["x-cache"]
    text = log_text(server, r.headers["x-amz-cf-id"])
    assert "Invoke Error" in text and message in text, text
    assert "/var/task/" in text or path == "/download", text  # where it was called, in the stack (a request's error comes from the loop, as in Node)


def test_tty_says_no_terminal_and_a_debug_like_package_logs(server):
    body = get_json(server, "/tty")
    assert body["isatty"] == [False, False, False] and body["debugColors"] is False
    for key, name in (("readStream", "ReadStream"), ("writeStream", "WriteStream")):
        assert body[key] == {"name": "Error", "code": "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
                             "message": f"new tty.{name}() is not available in edge functions: they have no terminal "
                                        "(tty.isatty() is always false)"}
    r = server.edge.get("/debug")
    assert r.status_code == 200
    assert "app:edge request seen { a: 1 }" in log_text(server, r.headers["x-amz-cf-id"])


def test_fetch_is_a_global_and_node_20s_missing_web_apis_stay_missing(server):
    assert get_json(server, "/fetch-global") == {"type": "function", "name": "fetch", "xhr": "undefined", "ws": "undefined"}


def test_kdf_callback_forms_and_missing_crypto_say_what_there_is(server):
    okm, prk, t = b"", hmac.new(b"salt", b"ikm", "sha512").digest(), b""
    for i in range(1, 2):
        t = hmac.new(prk, t + b"info" + bytes([i]), "sha512").digest()
        okm += t
    assert get_json(server, "/kdf-callbacks") == [hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 10, 24).hex(), okm[:24].hex()]
    scrypt_sync, scrypt, key_pairs, dh = get_json(server, "/crypto-missing")
    assert scrypt_sync == {"name": "Error", "code": "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
                           "message": "crypto.scryptSync() is not available in edge functions: for key derivation they "
                                      "have pbkdf2, pbkdf2Sync, hkdf and hkdfSync"}
    assert scrypt["message"].startswith("crypto.scrypt() is not available in edge functions")
    for missing in (key_pairs, dh):
        assert missing["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert key_pairs["message"].startswith("Generating RSA key pairs (finding the primes takes too long")
    assert "generate EC key pairs (namedCurve P-256, P-384, P-521 or secp256k1), Ed25519 and X25519" in key_pairs["message"]
    assert "but have no finite-field Diffie-Hellman" in dh["message"]


@pytest.mark.parametrize("files,summary", [
    ({"index.js": "// a comment\n\nconst x = {a: 1,,};\nexports.handler = async () => ({});\n"},
     "index.js:3:17: SyntaxError: invalid property name"),
    ({"index.js": "const x = {a: 1,,};\nexports.handler = async () => ({});\n"},  # the wrapper is not counted
     "index.js:1:17: SyntaxError: invalid property name"),
    ({"index.js": "require('./lib/a');\nexports.handler = async () => ({});\n",
      "lib/a.js": "const f = () => {\n  throw new Error('top level boom');\n};\nf();\n"},
     "lib/a.js:2:13: Error: top level boom"),  # QuickJS points at the constructor (Node: at `new`)
    ({"index.mjs": "\n\nconst x = {a: 1,,};\nexport const handler = async () => ({});\n"},
     "index.mjs:3:17: SyntaxError: invalid property name"),
    ({"index.js": "const pad = require('left-pad');\nexports.handler = async () => ({});\n"},
     ("index.js:1:13: Error: Cannot find module 'left-pad' (bundle it into node_modules/ of the function, as for a "
     "Lambda deployment package)")),
    ({"index.mjs": "import pad from 'left-pad';\nexport const handler = async () => ({});\n"},  # Node cannot link it either
     ("index.mjs:1: cannot find module 'left-pad' (bundle it into node_modules/ of the function, as for a Lambda "
     "deployment package)")),
    ({"index.js": "exports.handler = async () => ({});\nPromise.reject(new Error('at load time'));\n"},
     "index.js:2:20: a promise was rejected while the function loaded and nothing handled it: Error: at load time"),
    ({"index.js": "exports.handler = 1;\n"},
     ("index.js: the handler 'index.handler' is not a function (export 'handler' is number). "
     "Use exports.handler = async (event) => {...}")),
    ({"index.mjs": "export const viewerRequest = async () => ({});\nexport const viewerResponse = async () => ({});\n"},
     ("index.mjs: the handler 'index.handler' is not a function (export 'handler' is missing). It exports "
     "viewerRequest, viewerResponse: name one as the handler, e.g. index.viewerRequest (--handler, or handler = in "
     "a manifest)")),
])
def test_build_errors_name_the_file_line_and_column(tmp_path, files, summary):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm")
    assert failure.value.summary == summary
    assert str(failure.value).startswith(summary)
    assert "wizer" not in str(failure.value).lower()  # the JavaScript error and its stack, not Wizer's trace
