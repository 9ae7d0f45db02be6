"""`require.main` and the module objects as in Lambda's Node.js 20 runtime, compared with real Node
loading the handler as that runtime does.

Lambda's runtime starts from an ES module (/var/runtime/index.mjs): it requires a CommonJS handler
through a `require` made by createRequire() there, and imports an ES module handler. No CommonJS module
is then the main one: `require.main` is undefined everywhere, as is `process.mainModule`, so the guard
`if (require.main === module) app.listen(3000)` (run locally, not in Lambda) does not run. The
loader made the handler the main module (`require.main === module`, `module.id === '.'`): the guard ran,
and its listen() failed the build or the invocation. The handler is now required with the runtime's
module as its parent (its id /var/runtime/index.mjs, outside require.cache), and the module objects are
Node's (own keys and their order, `parent` on the prototype, `paths`, `loaded`, `children`, the cache).
The Node harness here is such a bootstrap: `createRequire(import.meta.url)` then `require(handler)`, or
`await import(handler)` for an .mjs handler, in a directory mapped to /var/runtime. (A missing module's
"Require stack" ends with /var/runtime/index.mjs, as Lambda's does: tests/test_js_modules.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.js.build import build_js
from edge.runtime import FunctionConfig, Runtime

from .js_helpers import case_package, node
from .test_samples import make_event, viewer_request

# What a module object reports, read the same way in Node and at the edge. `paths` is checked against
# Node's rule (a node_modules in each directory up, none inside one) and shown for the package's part,
# since the package sits elsewhere in Node's run.
DESCRIBE_JS = r"""'use strict';
const path = require('path');
const Module = require('module');
const ROOT = __dirname; // the package's
function nodePaths(dir) {
  const out = [];
  for (let d = dir; d !== '/'; d = path.dirname(d)) if (path.basename(d) !== 'node_modules') out.push(d + '/node_modules');
  return out.concat('/node_modules');
}
function describe(m) {
  if (m === undefined || m === null) return String(m);
  const parent = m.parent;
  const home = path.dirname(m.filename);
  return {
    id: m.id, filename: m.filename, path: m.path, loaded: m.loaded, keys: Object.keys(m),
    parent: parent === undefined || parent === null ? String(parent) : parent.id,
    ownParent: Object.prototype.hasOwnProperty.call(m, 'parent'), isPreloading: m.isPreloading,
    children: m.children.map((c) => c.id), isModule: m instanceof Module, exportKeys: Object.keys(m.exports),
    inCache: require.cache[m.filename] === m, pathsAsNode: JSON.stringify(m.paths) === JSON.stringify(nodePaths(m.path)),
    paths: m.paths.filter((p) => p.startsWith(home + '/') || p.startsWith(ROOT + '/')).concat(m.paths.slice(-1)),
  };
}
// what a CommonJS module sees of its require and of the process
function facts(req, m) {
  return { main: String(req.main), hasMain: 'main' in req, isMain: req.main === m, dotId: m.id === '.',
    mainModule: String(process.mainModule), hasMainModule: 'mainModule' in process, module: describe(m) };
}
module.exports = { describe, facts, cacheKeys: () => Object.keys(require.cache) };
"""

INDEX_JS = r"""'use strict';
const http = require('http');
const express = require('express');
const { describe, facts, cacheKeys } = require('./describe');
const app = require('./lib/app');
const top = facts(require, module);
top.parentModule = describe(module.parent);
top.cacheKeys = cacheKeys();
const listened = [];
// run locally, not in Lambda
if (require.main === module) {
  express().listen(3000);
  listened.push('express');
}
if (require.main === module) {
  http.createServer((req, res) => res.end('local')).listen(3000);
  listened.push('http');
}
exports.handler = async (event) => {
  if (require.main === module) {
    http.createServer().listen(8080);
    listened.push('in the handler');
  }
  const out = { top, app: app.top, listened, now: facts(require, module), appNow: describe(app.module),
    parentNow: describe(module.parent), cacheKeys: cacheKeys(), uri: event.Records[0].cf.request.uri };
  return { status: '200', body: JSON.stringify(out) };
};
"""

APP_JS = r"""'use strict';
const express = require('express');
const tiny = require('tiny');
const { facts } = require('../describe');
const app = express();
// the module a server script exports its app from, listening when run itself
if (require.main === module) app.listen(process.env.PORT || 3000);
module.exports = { app, tiny, top: facts(require, module), module };
"""

EXPRESS_JS = r"""'use strict';
// express's shape: an app whose listen() makes a server and listens
const http = require('http');
module.exports = () => {
  const app = (req, res) => res.end('ok');
  app.listen = (...args) => http.createServer(app).listen(...args);
  return app;
};
"""

TINY_JS = r"""'use strict';
const { describe } = require('../../describe');
const inner = require('./lib/inner');
module.exports = { top: describe(module), inner };
"""

INNER_JS = r"""'use strict';
module.exports = { main: String(require.main), paths: module.paths.filter((p) => p.includes('/tiny/')) };
"""

APP_MJS = r"""import cjs from './lib/cjs.js';
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const made = require('./lib/made.js');
export const handler = async () => ({ status: '200', body: JSON.stringify({ cjs, made, main: String(require.main),
  mainModule: String(process.mainModule) }) });
"""

CJS_JS = r"""'use strict';
const { describe, facts, cacheKeys } = require('../describe');
const tiny = require('tiny');
module.exports = { top: facts(require, module), tiny: tiny.top, cacheKeys: cacheKeys() };
"""

MADE_JS = r"""'use strict';
const { describe, facts } = require('../describe');
module.exports = { top: facts(require, module), parentModule: describe(module.parent) };
"""

FILES = {"describe.js": DESCRIBE_JS, "index.js": INDEX_JS, "lib/app.js": APP_JS, "node_modules/express/index.js": EXPRESS_JS,
         "node_modules/tiny/index.js": TINY_JS, "node_modules/tiny/lib/inner.js": INNER_JS, "app.mjs": APP_MJS,
         "lib/cjs.js": CJS_JS, "lib/made.js": MADE_JS}

# Lambda's bootstrap, as far as loading the handler goes
BOOTSTRAP_MJS = r"""import { createRequire } from 'module';
import { pathToFileURL } from 'url';
const [file, event] = process.argv.slice(2);
let handlerModule;
if (file.endsWith('.mjs')) {
  handlerModule = await import(pathToFileURL(file).href);
} else {
  const require = createRequire(import.meta.url);
  handlerModule = require(file);
}
const result = await handlerModule.handler(JSON.parse(event), {});
console.log(JSON.stringify(result));
"""

EVENT = make_event("viewer-request", viewer_request(uri="/hello"))


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    root = case_package(tmp_path_factory, "require_main", {})
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    runtime = tmp_path_factory.mktemp("js-require-main-runtime") / "runtime"
    runtime.mkdir()
    (runtime / "index.mjs").write_text(BOOTSTRAP_MJS)
    return runtime / "index.mjs"


def in_node(sources: Path, bootstrap: Path, handler_file: str) -> dict:
    """The body the handler answers EVENT with, loaded by the bootstrap in real Node, its paths as at the edge."""
    out = node(str(bootstrap), str(sources / handler_file), json.dumps(EVENT))
    out = out.replace(str(bootstrap), "/var/runtime/index.mjs").replace(str(bootstrap.parent), "/var/runtime")
    return json.loads(json.loads(out.replace(str(sources), "/var/task"))["body"])


@pytest.fixture(scope="module")
def runtime():  # type: ignore[no-untyped-def]
    runtime = Runtime()
    yield runtime
    runtime.close()


def at_the_edge(sources: Path, runtime, out_dir: Path, handler: str) -> dict:  # type: ignore[no-untyped-def]
    wasm = build_js(sources, out=out_dir / f"{handler.replace('.', '-')}.wasm", handler=handler)
    function = runtime.function(wasm.read_bytes(), FunctionConfig(name="require-main"))
    outcome = function.invoke(json.dumps(EVENT).encode())
    assert outcome.ok, (outcome.error, outcome.message, outcome.logs[:5])
    return json.loads(outcome.value["body"])


def differences(edge, in_node_, where: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """Where two answers differ, down to the values (`.app.module.children: edge [...] node [...]`)."""
    if isinstance(edge, dict) and isinstance(in_node_, dict) and list(edge) == list(in_node_):
        return [d for key in edge for d in differences(edge[key], in_node_[key], f"{where}.{key}")]
    return [] if edge == in_node_ else [f"{where}: edge {edge!r} node {in_node_!r}"]


@pytest.fixture(scope="module")
def commonjs(sources, bootstrap, runtime, tmp_path_factory) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    return at_the_edge(sources, runtime, tmp_path_factory.mktemp("js-require-main"), "index.handler"), \
        in_node(sources, bootstrap, "index.js")


def test_the_guard_against_listening_in_lambda_does_not_run(commonjs):  # type: ignore[no-untyped-def]
    """`if (require.main === module) app.listen(3000)`, at the top level, in a required module and in the
    handler: nothing listens, and the function answers (before, the build failed on the listen)."""
    edge, in_node_ = commonjs
    assert edge["listened"] == in_node_["listened"] == []
    assert edge["uri"] == "/hello"


def test_a_commonjs_handler_s_modules_are_as_in_node(commonjs):  # type: ignore[no-untyped-def]
    edge, in_node_ = commonjs
    assert not differences(edge, in_node_), differences(edge, in_node_)
    # what the comparison covers, pinned
    top = edge["top"]
    assert [top["main"], top["hasMain"], top["isMain"], top["dotId"]] == ["undefined", True, False, False]
    assert [top["mainModule"], top["hasMainModule"]] == ["undefined", False]
    handler = top["module"]
    assert handler["id"] == handler["filename"] == "/var/task/index.js" and handler["loaded"] is False
    assert handler["parent"] == "/var/runtime/index.mjs" and handler["keys"] == [
        "id", "path", "exports", "filename", "loaded", "children", "paths"]
    assert handler["children"] == ["/var/task/node_modules/express/index.js", "/var/task/describe.js", "/var/task/lib/app.js"]
    assert handler["paths"] == ["/var/task/node_modules", "/node_modules"] and handler["pathsAsNode"]
    parent = top["parentModule"]
    assert parent["children"] == ["/var/task/index.js"] and parent["inCache"] is False and parent["parent"] == "undefined"
    assert edge["now"]["module"]["loaded"] is True and edge["appNow"]["parent"] == "/var/task/index.js"
    assert edge["cacheKeys"] == ["/var/task/index.js", "/var/task/node_modules/express/index.js", "/var/task/describe.js",
                                 "/var/task/lib/app.js", "/var/task/node_modules/tiny/index.js",
                                 "/var/task/node_modules/tiny/lib/inner.js"]


def test_modules_of_an_es_module_handler_are_as_in_node(sources, bootstrap, runtime, tmp_path):  # type: ignore[no-untyped-def]
    """Imported by the runtime: a CommonJS file it imports has no parent, one its createRequire() requires
    has that require's module as its parent, and none is the main one."""
    edge = at_the_edge(sources, runtime, tmp_path, "app.handler")
    in_node_ = in_node(sources, bootstrap, "app.mjs")
    assert not differences(edge, in_node_), differences(edge, in_node_)
    assert edge["cjs"]["top"]["module"]["parent"] == "undefined" and edge["cjs"]["top"]["main"] == "undefined"
    assert edge["made"]["parentModule"]["id"] == "/var/task/app.mjs"
    assert edge["cjs"]["tiny"]["paths"] == ["/var/task/node_modules/tiny/node_modules", "/var/task/node_modules", "/node_modules"]
