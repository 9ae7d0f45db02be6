"""What porting a Lambda@Edge Node.js package ran into: ES module handlers reaching CommonJS and JSON
through `createRequire(import.meta.url)` and `import.meta` (tests/js/createrequire, served by a real
server and compared with real Node), and a handler that is not index.handler (a package's
src/app.handler): the build says which files could be the handler and how to name one, and
`edge invoke --handler` runs it. An origin-request handler setting the origin's readTimeout and
keepaliveTimeout (numbers) and deleting one of its customHeaders, served against a real origin."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import JsBuildError, build_js

from .control_helpers import ControlServer
from .hostile_origin import HostileOrigin
from .js_helpers import JS, VIEWER_EVENT
from .test_origin_read_timeout import after

CREATE_REQUIRE = JS / "createrequire"
EVENT = VIEWER_EVENT


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> ControlServer:  # type: ignore[misc]
    messages: list[str] = []
    wasm = build_js(CREATE_REQUIRE, out=tmp_path_factory.mktemp("js-createrequire") / "createrequire.wasm",
                    log=messages.append)
    assert [m.split(": ", 2)[2] for m in messages] == [(
        "cases.mjs:34: cannot find module './not-here.json' (no such file in the function's package); "
        "require('./not-here.json') there throws (MODULE_NOT_FOUND) if it runs")], messages
    manifest = tmp_path_factory.mktemp("js-createrequire-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.esm]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "esm"\n')
    srv = ControlServer(manifest, tmp_path_factory.mktemp("js-createrequire-state"), debug_errors=False).start()
    yield srv
    srv.stop()


def in_node(script: str, cwd: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=60, cwd=cwd)
    return json.loads(out.stdout)


def test_an_es_module_requires_json_and_commonjs_through_create_require_as_in_node(server):
    """createRequire(import.meta.url) / (a path, a directory, a URL object) loads JSON, CommonJS and
    a dual package's "require" export (its import gets the "import" one); require('module') from
    CommonJS; isBuiltin and builtinModules; Node's errors for a missing file and a relative path."""
    r = server.edge.get("/x")
    assert r.status_code == 200, r.text
    node = in_node("import('./cases.mjs').then((m) => m.run()).then((r) => console.log(JSON.stringify(r)))",
                   CREATE_REQUIRE)
    assert r.json()["cases"] == node
    assert node["dual"] == ["require", "import"] and node["json"]["redirects"] == {"/old": "/new"}


def test_import_meta_holds_the_modules_url_filename_and_dirname_under_var_task(server):
    """As on Lambda, where the package is /var/task: a file URL (percent-encoded like Node's
    pathToFileURL), its path and its directory; a hashbang line still starts a module."""
    body = server.edge.get("/x").json()
    assert (body["url"], body["filename"], body["dirname"]) == ("file:///var/task/index.mjs", "/var/task/index.mjs",
                                                                "/var/task")
    assert body["cases"]["spaced"] == ["/lib/a%20file%20%C3%A9.mjs", "/lib/a file é.mjs", True]
    assert body["cases"]["shebang"] == "string"


def test_errors_on_an_es_modules_first_line_keep_their_own_columns(tmp_path):
    """import.meta is set at the start of line 1: a syntax error there is reported at the column the
    file has."""
    (tmp_path / "index.mjs").write_text("export const handler = async () => ({ status: '200' }); const = 1;\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out.wasm")
    assert str(failure.value).startswith("index.mjs:1:63: SyntaxError"), str(failure.value)


@pytest.fixture(scope="module")
def nested_package(tmp_path_factory) -> Path:
    """A Lambda package whose handler is src/app.main (no index.js), with a helper module."""
    root = tmp_path_factory.mktemp("nested") / "nested"
    (root / "src").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "src" / "app.js").write_text(
        "const { greet } = require('../lib/greet');\n"
        "exports.main = async (event) => ({ status: '200', body: greet(event.Records[0].cf.request.uri) });\n")
    (root / "lib" / "greet.js").write_text("exports.greet = (uri) => 'hello ' + uri;\n")
    (root / "node_modules" / "dep" / "index.js").write_text("exports.handler = 1;\n")
    return root


def test_a_directory_without_index_js_names_the_files_that_could_be_the_handler(nested_package):
    """Not "no sources found": the JavaScript files there (a usual handler name first, never
    node_modules) and the --handler to give."""
    result = CliRunner().invoke(cli, ["build", str(nested_package)])
    assert result.exit_code == 1
    assert result.output == (f"error: {nested_package}: no index.js, index.mjs or index.cjs for handler "
                             "'index.handler' (there are src/app.js, lib/greet.js): name the handler's file and "
                             "function, e.g. --handler src/app.handler\n")
    result = CliRunner().invoke(cli, ["build", str(nested_package), "--handler", "app.main"])
    assert "no app.js, app.mjs or app.cjs for handler 'app.main' (there are src/app.js, lib/greet.js)" in result.output
    assert result.output.rstrip().endswith("e.g. --handler src/app.main")


def test_edge_invoke_runs_a_source_with_another_handler(nested_package, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(nested_package), "--handler", "src/app.main",
                                      "--event", str(event)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"status": "200", "body": "hello /x"}
    wasm = nested_package / "build" / "nested.src-app-main.wasm"  # a module of its own for another handler
    assert wasm.is_file()
    refused = CliRunner().invoke(cli, ["invoke", str(wasm), "--handler", "src/app.main", "--event", str(event)])
    assert refused.exit_code == 2 and "--handler names a JavaScript source's handler" in refused.output
    remote = CliRunner().invoke(cli, ["invoke", "--remote", "nested", "--handler", "src/app.main"])
    assert remote.exit_code == 2 and "--handler applies to a local JavaScript source" in remote.output


def test_a_module_missing_inside_the_aws_sdk_says_the_sdk_cannot_work_here(tmp_path):
    """The SDK v3 loads os deep in @smithy/*: os is a built-in now, so the SDK's clients are refused by
    name where the function requires them (the error names the SDK package, what to move to the
    origin); tests/test_js_os.py has the other cases (a module missing deeper in the SDK, guarded
    requires, the SDK's offline utilities)."""
    modules = tmp_path / "node_modules"
    for package, main in (("@aws-sdk/client-fake", "module.exports = require('@smithy/fake-core');\n"),
                          ("@smithy/fake-core", "const os = require('node:os');\nexports.home = os.homedir;\n")):
        (modules / package).mkdir(parents=True)
        (modules / package / "package.json").write_text(json.dumps({"name": package, "main": "index.js"}))
        (modules / package / "index.js").write_text(main)
    (tmp_path / "index.js").write_text("const sdk = require('@aws-sdk/client-fake');\n"
                                       "exports.handler = async (event) => event.Records[0].cf.request;\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out.wasm")
    assert failure.value.summary == (
        "index.js:1:13: Error: Cannot find module '@aws-sdk/client-fake': the AWS SDK cannot work in edge "
        "functions, which make no network calls (move the call to the origin, or put the data in the package)"
    ), failure.value.summary


def pnpm_layout(root: Path) -> None:
    """node_modules as pnpm lays it out: each package in .pnpm/<name>@<version>/node_modules/<name>,
    its dependencies linked beside it there, only the direct dependency linked at the top."""
    store = root / "node_modules" / ".pnpm"
    for name, main in (("a", "const b = require('b');\nmodule.exports = { a: 1, b, file: __filename };\n"),
                       ("b", "module.exports = { b: 2, file: __filename };\n")):
        package = store / f"{name}@1.0.0" / "node_modules" / name
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "main": "index.js"}))
        (package / "index.js").write_text(main)
    (store / "a@1.0.0" / "node_modules" / "b").symlink_to("../../b@1.0.0/node_modules/b")
    (root / "node_modules" / "a").symlink_to(".pnpm/a@1.0.0/node_modules/a")


PNPM_CASES = """const path = require('path');
exports.run = async () => {
  const a = require('a');
  const imported = await import('a');
  const rel = (file) => path.relative(__dirname, file);
  return { a: a.a, b: a.b.b, files: [rel(a.file), rel(a.b.file)], resolved: rel(require.resolve('a')),
           imported: imported.default === a };
};
"""


def cases_on_the_edge_and_in_node(package: Path, cases: str) -> tuple[dict, dict]:
    """`cases` (a module whose `run()` gives a result) as the package's cases.js: what a handler
    returning it gives through `edge invoke`, and what Node gives."""
    (package / "cases.js").write_text(cases)
    (package / "index.js").write_text(
        "const cases = require('./cases');\n"
        "exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });\n")
    return on_the_edge_and_in_node(package, "require('./cases').run().then((r) => console.log(JSON.stringify(r)))")


def on_the_edge_and_in_node(package: Path, node_script: str) -> tuple[dict, dict]:
    """The JSON body the package's handler answers through `edge invoke`, and what
    `node_script` prints in the same directory under Node."""
    event = package / "event.json"
    event.write_text(json.dumps(EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(package), "--event", str(event)])
    assert result.exit_code == 0, result.output
    return json.loads(json.loads(result.stdout)["body"]), in_node(node_script, package)


def test_packages_installed_by_pnpm_find_their_dependencies_by_real_path_as_in_node(tmp_path):
    """A symbolic link inside the package is followed as Node follows it: the module's path is its
    real one, so its own dependencies (linked beside it, not hoisted) are found."""
    pnpm_layout(tmp_path)
    edge, node = cases_on_the_edge_and_in_node(tmp_path, PNPM_CASES)
    assert edge == node
    assert node["files"] == ["node_modules/.pnpm/a@1.0.0/node_modules/a/index.js",
                             "node_modules/.pnpm/b@1.0.0/node_modules/b/index.js"]


def test_a_dependency_linked_from_outside_the_function_says_the_build_cannot_follow_it(tmp_path):
    """npm link or a workspace's hoisted folder: the build sees only the function's directory (as
    a Lambda package holds only what is in it), and says so instead of "bundle it"."""
    elsewhere = tmp_path / "elsewhere" / "dep"
    elsewhere.mkdir(parents=True)
    (elsewhere / "index.js").write_text("module.exports = 1;\n")
    function = tmp_path / "fn"
    (function / "node_modules").mkdir(parents=True)
    (function / "node_modules" / "dep").symlink_to(elsewhere)
    (function / "index.js").write_text("const dep = require('dep');\nexports.handler = async () => ({ status: '200' });\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(function, out=tmp_path / "out.wasm")
    assert failure.value.summary == (
        "index.js:1:13: Error: Cannot find module 'dep': node_modules/dep is a symbolic link the build cannot "
        "follow (it leads out of the function's directory, or nowhere): install the package in the function's own "
        "node_modules, or deploy a .zip of the function made with its dependencies (zip -r follows links)"), \
        failure.value.summary


CIPHER_NAMED = "export const cipher = typeof crypto.createCipheriv('aes-128-ecb', Buffer.alloc(16), null).update;\n"


@pytest.mark.parametrize("extra", ["", CIPHER_NAMED])
def test_an_es_module_imports_crypto_with_or_without_the_ciphers(tmp_path, extra):
    """`import { createHash } from 'crypto'` in a function that names no cipher (so was built
    without them): the facade's read of crypto's lazy Cipheriv must not fail the import; with a
    cipher named, the ciphers are there as usual. The same values as Node."""
    (tmp_path / "cases.mjs").write_text(
        "import crypto, { createHash, createHmac } from 'node:crypto';\nimport * as all from 'crypto';\n"
        "export const hash = createHash('sha256').update('x').digest('hex');\n"
        "export const hmac = createHmac('sha1', 'k').update('x').digest('base64');\n"
        "export const same = all.createHash === createHash && crypto.createHash === createHash;\n" + extra)
    (tmp_path / "index.mjs").write_text(
        "import * as cases from './cases.mjs';\n"
        "export const handler = async () => ({ status: '200', body: JSON.stringify({ ...cases }) });\n")
    edge, node = on_the_edge_and_in_node(tmp_path, "import('./cases.mjs').then((m) => console.log(JSON.stringify({ ...m })))")
    assert edge == node
    assert node["same"] is True and ("cipher" in node) == bool(extra)


COPIED_CRYPTO_CASES = """
const crypto = require('crypto');
exports.run = async () => {
  const copy = { ...crypto };  // reads every getter, as Object.assign and some polyfills do
  const member = (name) => typeof copy[name];
  const parts = ['Cipher' + 'iv', 'sub' + 'tle'];  // named indirectly: no cipher or webcrypto code built in
  return { hash: copy.createHash('sha256').update('x').digest('hex'), types: parts.map(member) };
};
"""


def test_a_copy_of_the_crypto_module_reads_every_member_as_in_node(tmp_path):
    """Copying `crypto` reads Cipheriv, Decipheriv and subtle; in a function built without the
    ciphers or WebCrypto (its sources name neither) those are still a class and an object,
    which throw saying why only when used."""
    edge, node = cases_on_the_edge_and_in_node(tmp_path, COPIED_CRYPTO_CASES)
    assert edge == node == {
        "hash": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "types": ["function", "object"]}
    (tmp_path / "index.js").write_text(
        "exports.handler = async () => { const c = { ...require('crypto') }; "
        "return { status: '200', body: await c['sub' + 'tle'].digest('SHA-256', new Uint8Array(1)) }; };\n")
    used = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(tmp_path / "event.json")])
    assert used.exit_code == 1 and "crypto.subtle is put in a function whose sources name it" in used.output


def test_edge_invoke_says_a_server_takes_the_ip_address_of_a_declared_origin(tmp_path):
    """A port switching to a self-hosted origin on 127.0.0.1: AWS's rule refuses the IP address, and so
    does `edge invoke` (it knows no manifest), but it must not claim the server always answers 502."""
    (tmp_path / "index.mjs").write_text(
        "export const handler = async (event) => {\n  const request = event.Records[0].cf.request;\n"
        "  request.origin.custom.domainName = '127.0.0.1';\n  return request;\n};\n")
    event = CliRunner().invoke(cli, ["generate-event", "origin-request"]).stdout
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path)], input=event)
    assert result.exit_code == 1
    assert "must be a DNS name, not an IP address" in result.stderr
    assert "the server answers this with 502" not in result.stderr
    assert ("a server accepts an IP address for an origin its manifest declares (url = \"http://127.0.0.1:8000\"); "
            "edge invoke knows no manifest") in result.stderr


@pytest.mark.parametrize("hook,code", [("origin-request", 0), ("viewer-request", 1)])
def test_edge_invoke_gives_an_origin_hook_the_servers_30_second_timeout(tmp_path, hook, code):
    """An origin-request handler waiting 8 s runs on the server (and Lambda: 30 s at origin hooks);
    `edge invoke` of an origin event must not time it out at the viewer's 5 s."""
    (tmp_path / "index.js").write_text("exports.handler = async (event) => {\n"
                                       "  await new Promise((r) => setTimeout(r, 8000));\n"
                                       "  return event.Records[0].cf.request;\n};\n")
    event = CliRunner().invoke(cli, ["generate-event", hook]).stdout
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path)], input=event)
    assert result.exit_code == code, result.output
    assert ("Task timed out after 5.00 seconds" in result.stderr) == (code == 1)


# An origin-request handler as ported Lambda@Edge code writes one: the origin's timeouts set as
# JavaScript numbers, one of the origin's customHeaders deleted
ORIGIN_TUNING = """exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const custom = request.origin.custom;
  custom.keepaliveTimeout = 1;
  custom.readTimeout = 4;
  delete custom.customHeaders['x-declared'];
  return request;
};
"""


def test_a_javascript_origin_request_handlers_timeouts_and_deleted_custom_header_reach_the_origin(edge_factory):
    """End to end with a real origin (the origin tests use C functions): readTimeout 4 from the
    handler outlasts the origin's own read_timeout 1 (an answer after 1.5 s is 200 behind it, 504
    beside it); the deleted custom header is not sent, the other is; keepaliveTimeout 1 (the
    origin's default is 5 s) reuses an idle connection at once but not after 1.2 s."""
    origin = HostileOrigin({"/js/slow": after(1.5), "/slow": after(1.5)}).start()
    try:
        edge = edge_factory(f"""
[origins.api]
url = "http://127.0.0.1:{origin.port}"
read_timeout = 1
custom_headers = {{ "X-Declared" = "secret", "X-Kept" = "kept" }}
[functions.tuning]
source = "tuning/"
[[behaviors]]
path = "/js/*"
origin = "api"
cache = "disabled"
origin_request = "tuning"
[[behaviors]]
path = "*"
origin = "api"
cache = "disabled"
""", {"tuning/index.js": ORIGIN_TUNING})
        with ThreadPoolExecutor(2) as pool:
            tuned, own = pool.submit(edge.get, "/js/slow"), pool.submit(edge.get, "/slow")
            tuned_answer, own_answer = tuned.result(timeout=30), own.result(timeout=30)
        assert (tuned_answer.status_code, tuned_answer.content) == (200, b"answered"), tuned_answer.text
        assert own_answer.status_code == 504 and own_answer.headers["x-cache"] == "Error from edge", own_answer.text
        heads = {head.split(b" ", 2)[1]: head for head in origin.heads}
        assert b"\r\nX-Kept: kept\r\n" in heads[b"/js/slow"] and b"X-Declared" not in heads[b"/js/slow"]
        assert b"\r\nX-Declared: secret\r\n" in heads[b"/slow"]  # the behavior without the handler: as declared

        def fetch(path: str) -> int:
            answered = edge.get(path)
            assert (answered.status_code, answered.content) == (200, path.encode()), answered.text
            return origin.accepted

        first = fetch("/js/a")
        assert fetch("/js/b") == first  # idle for no time: the same connection
        time.sleep(1.2)
        assert fetch("/js/c") == first + 1  # idle 1.2 s: past the handler's 1 s, not the origin's 5 s
    finally:
        origin.stop()
