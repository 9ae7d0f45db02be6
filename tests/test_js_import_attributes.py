"""Module-system errors as Node 20 gives them: import attributes checked as Node checks them (a JSON
module needs `with { type: 'json' }`, a JavaScript or built-in module takes no type, 'json' is the
only type), at build time for a static import (a build error naming the file, line and import) and
when it runs for import(); a module import() cannot find named with the importing file (`Cannot
find module '/var/task/x.mjs' imported from /var/task/index.mjs`, `Cannot find package 'x' imported
from …`); and require.resolve() of a built-in, one edge functions have or not, giving its name back.
Built and run at the edge, compared with Node 20 running the same files."""

from __future__ import annotations

import json

import pytest

from edge.js.build import JsBuildError, build_js

from .js_helpers import (
    answer_and_fuel,
    assert_same_as_node,
    compared_case_fixtures,
    node,
    write_files,
)

# What a case gives: its value, or its error's name, code and first line, the package's directory
# written as /var/task (where the edge has it) and the edge's own advice after Node's message cut off,
# so each message is compared with Node's word for word
HELPERS = r"""
const shown = (text) => String(text).split('\n')[0].split(ROOT).join('/var/task')
  .replace(/ \((?:no such file in the function's package|bundle it into node_modules\/[^)]*)\)$/, '');
const outcome = async (f) => {
  try {
    const value = await f();
    return { value: value && typeof value === 'object' && 'default' in value ? value.default : value };
  } catch (e) {
    return { error: [e.name, e.code, shown(e.message)], ...(e.requireStack ? { requireStack: true } : {}) };
  }
};
"""

ESM = r"""import { createRequire } from 'node:module';
import { gone } from './sub/inner.mjs';
const ROOT = import.meta.dirname;
""" + HELPERS + r"""
export async function run() {
  const out = {};
  const add = async (name, f) => { out[name] = await outcome(f); };
  // import attributes (import()): the type against the module's format
  await add('attributes/json without a type', () => import('./data.json'));
  await add('attributes/json with type css', () => import('./data.json', { with: { type: 'css' } }));
  await add('attributes/json with type json', () => import('./data.json', { with: { type: 'json' } }));
  await add('attributes/json with assert', () => import('./data.json', { assert: { type: 'json' } }));
  await add('attributes/json with another key', () => import('./data.json', { with: { type: 'json', extra: 'x' } }));
  await add('attributes/esm with type json', () => import('./mod.mjs', { with: { type: 'json' } }));
  // (another module each: Node 20 remembers a module's first outcome, whatever attributes come next)
  await add('attributes/esm with type javascript', () => import('./mod2.mjs', { with: { type: 'javascript' } }));
  await add('attributes/esm with no attributes', async () => (await import('./mod3.mjs', { with: {} })).x);
  await add('attributes/commonjs with type json', () => import('./lib.cjs', { with: { type: 'json' } }));
  await add('attributes/built-in with type json', () => import('fs', { with: { type: 'json' } }));
  await add('attributes/node: built-in with type css', () => import('node:path', { with: { type: 'css' } }));
  await add('attributes/static import with type json', async () => (await import('./static.mjs')).data);
  // modules import() cannot find: the file or package, and the importer
  await add('not found/file', () => import('./missing.mjs'));
  await add('not found/from a subdirectory', () => gone());
  await add('not found/package', () => import('nopkg'));
  await add('not found/package file', () => import('nopkg/sub.js'));
  await add('not found/scoped package', () => import('@scope/nopkg'));
  await add('not found/package main', () => import('nomain'));
  await add('not found/package main named', () => import('badmain'));
  await add('not found/exports target', () => import('exp/a'));
  await add('not found/not exported', () => import('exp/b'));
  await add('not found/file in a package', () => import('pkg/nope.js'));
  await add('not found/unknown node: built-in', () => import('node:nope'));
  await add('not found/package import', () => import('#nope'));
  // require() through createRequire in an ES module: Node's CommonJS errors
  const require = createRequire(import.meta.url);
  await add('createRequire/resolve child_process', () => require.resolve('child_process'));
  await add('createRequire/missing', () => require('./missing.cjs'));
  return out;
}
"""

CASES = "'use strict';\nconst ROOT = __dirname;\n" + HELPERS + r"""
exports.run = async () => {
  const out = {};
  const add = async (name, f) => { out[name] = await outcome(f); };
  // import() from CommonJS: the same checks and messages as from an ES module
  await add('commonjs import/json without a type', () => import('./data.json'));
  await add('commonjs import/json with type json', () => import('./data.json', { with: { type: 'json' } }));
  await add('commonjs import/missing file', () => import('./missing.js'));
  await add('commonjs import/missing package', () => import('nopkg'));
  await add('commonjs import/not exported', () => import('exp/b'));
  await add('commonjs require/not exported', () => require('exp/b'));
  await add('commonjs require/unknown node: built-in', () => require('node:nope'));
  // require.resolve of built-ins: the name back, had here or not; `node:` names Node does not have fail
  for (const name of ['fs', 'node:fs', 'child_process', 'node:child_process', 'cluster', 'node:test', 'node:sea',
    'node:test/reporters', 'readline/promises', '_stream_readable', 'test', 'node:nope']) {
    await add(`resolve/${name}`, () => require.resolve(name));
  }
  await add('resolve/built-in with paths', () => require.resolve('child_process', { paths: ['/nowhere'] }));
  await add('resolve.paths/child_process', () => require.resolve.paths('node:child_process'));
  await add('require/prefix-only name as a package', () => require('test'));
  Object.assign(out, await (await import('./esm.mjs')).run());
  return out;
};
// the messages as they are (the edge's say why after Node's words)
exports.raw = async () => {
  const raw = {};
  for (const [name, f] of [['file', () => import('./missing.js')], ['package', () => import('nopkg')],
    ['child_process', () => import('child_process')]]) {
    try {
      await f();
    } catch (e) {
      raw[name] = e.message;
    }
  }
  try {
    require('child_process');
  } catch (e) {
    raw['require child_process'] = [e.code, e.message.split('\n')[0]];
  }
  return raw;
};
"""

INDEX = r"""'use strict';
const cases = require('./cases.js');
exports.handler = async (event) => ({ status: '200', body: JSON.stringify(
  event.Records[0].cf.request.uri === '/raw' ? await cases.raw() : await cases.run()) });
"""

FILES = {
    "index.js": INDEX, "cases.js": CASES, "esm.mjs": ESM,
    "static.mjs": "import data from './data.json' with { type: 'json' };\nexport { data };\n",
    "sub/inner.mjs": "export const gone = () => import('../gone.mjs');\n",
    "data.json": '{"a": 1}\n', "mod.mjs": "export const x = 1;\n",
    "mod2.mjs": "export const x = 2;\n", "mod3.mjs": "export const x = 3;\n", "lib.cjs": "module.exports = { y: 2 };\n",
    "package.json": json.dumps({"name": "fn", "private": True}),
    "node_modules/nomain/package.json": json.dumps({"name": "nomain"}),
    "node_modules/badmain/package.json": json.dumps({"name": "badmain", "main": "gone.js"}),
    "node_modules/exp/package.json": json.dumps({"name": "exp", "exports": {"./a": "./a.js"}}),
    "node_modules/pkg/package.json": json.dumps({"name": "pkg", "main": "main.js"}),
    "node_modules/pkg/main.js": "module.exports = 1;\n",
}

sources, node_results, function = compared_case_fixtures("import_attributes", FILES)


def test_module_errors_are_nodes(function, node_results):  # type: ignore[no-untyped-def]
    """Every case compared with Node 20: values, and errors by name, code and message."""
    edge = answer_and_fuel(function, "/")[0]
    assert_same_as_node(edge, node_results, shown=12)


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    r = node_results
    assert r["attributes/json without a type"]["error"] == [
        "TypeError", "ERR_IMPORT_ASSERTION_TYPE_MISSING",
        'Module "file:///var/task/data.json" needs an import attribute of type "json"']
    assert r["attributes/json with type css"]["error"][1] == "ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED"
    assert r["attributes/esm with type json"]["error"][1:] == [
        "ERR_IMPORT_ASSERTION_TYPE_FAILED", 'Module "file:///var/task/mod.mjs" is not of type "json"']
    assert r["attributes/built-in with type json"]["error"][2] == 'Module "node:fs" is not of type "json"'
    assert r["attributes/json with another key"] == r["attributes/json with type json"] == {"value": {"a": 1}}
    assert r["not found/file"]["error"][2] == \
        "Cannot find module '/var/task/missing.mjs' imported from /var/task/esm.mjs"
    assert r["not found/from a subdirectory"]["error"][2] == \
        "Cannot find module '/var/task/gone.mjs' imported from /var/task/sub/inner.mjs"
    assert r["not found/package file"]["error"][2] == "Cannot find package 'nopkg' imported from /var/task/esm.mjs"
    assert r["commonjs import/missing file"]["error"][1:] == [
        "ERR_MODULE_NOT_FOUND", "Cannot find module '/var/task/missing.js' imported from /var/task/cases.js"]
    assert r["resolve/child_process"] == {"value": "child_process"}
    assert r["resolve/node:child_process"] == {"value": "node:child_process"}
    assert r["resolve/node:nope"] == {"error": ["Error", "MODULE_NOT_FOUND", "Cannot find module 'node:nope'"],
                                      "requireStack": True}
    assert r["commonjs require/unknown node: built-in"]["error"][1] == "ERR_UNKNOWN_BUILTIN_MODULE"


def test_the_edge_says_why_a_module_is_missing_after_nodes_message(function):  # type: ignore[no-untyped-def]
    """What the cases compare (Node's words) is the start of the edge's message, which goes on to say
    why; a built-in edge functions lack resolves, and requiring or importing it refuses, saying why."""
    raw = answer_and_fuel(function, "/raw")[0]
    assert raw["file"] == ("Cannot find module '/var/task/missing.js' imported from /var/task/cases.js "
                           "(no such file in the function's package)")
    assert raw["package"] == ("Cannot find package 'nopkg' imported from /var/task/cases.js (bundle it into "
                              "node_modules/ of the function, as for a Lambda deployment package)")
    why = "it is a Node.js built-in that edge functions do not have: they cannot start processes or threads"
    assert raw["child_process"] == f"Cannot find module 'child_process' imported from /var/task/cases.js: {why}"
    assert raw["require child_process"] == ["MODULE_NOT_FOUND", f"Cannot find module 'child_process': {why}"]


@pytest.mark.parametrize("clause,code,node_message,fix", [
    ("", "ERR_IMPORT_ASSERTION_TYPE_MISSING",
     'Module "file:///var/task/data.json" needs an import attribute of type "json"',
     "import a JSON module with { type: 'json' }"),
    (" with { type: 'css' }", "ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED", 'Import attribute type "css" is unsupported',
     "a JSON module's type is 'json'"),
    (" assert { type: 'css' }", "ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED", 'Import attribute type "css" is unsupported',
     "a JSON module's type is 'json'"),
    (" with { type: 'json', foo: 'bar' }", "ERR_IMPORT_ATTRIBUTE_UNSUPPORTED",
     'Import attribute "foo" with value "bar" is not supported', "the only import attribute Node has is type ('json')"),
])
def test_a_static_json_import_with_the_wrong_attributes_fails_the_build_as_node_fails(tmp_path, clause, code,
                                                                                      node_message, fix):
    _static_import_fails(tmp_path, "./data.json", clause, code, node_message, fix)


@pytest.mark.parametrize("specifier,code,node_message,fix", [
    ("./mod.mjs", "ERR_IMPORT_ASSERTION_TYPE_FAILED", 'Module "file:///var/task/mod.mjs" is not of type "json"',
     "drop { type: 'json' }: this is a JavaScript module"),
    ("node:path", "ERR_IMPORT_ASSERTION_TYPE_FAILED", 'Module "node:path" is not of type "json"',
     "drop { type: 'json' }: this is a built-in module"),
])
def test_a_static_import_of_javascript_as_json_fails_the_build_as_node_fails(tmp_path, specifier, code, node_message,
                                                                             fix):
    _static_import_fails(tmp_path, specifier, " with { type: 'json' }", code, node_message, fix)


def _static_import_fails(tmp_path, specifier, clause, code, node_message, fix):  # type: ignore[no-untyped-def]
    """The build fails naming the file, line and import, with Node's error (checked against Node 20
    loading the same files) and what to write instead."""
    src = tmp_path / "fn"
    write_files(src, {"index.mjs": f"// line 1\nimport * as m from '{specifier}'{clause};\n"
                                   "export const handler = async () => m;\n",
                      "data.json": '{"a": 1}\n', "mod.mjs": "export const x = 1;\n"})
    in_node = json.loads(node("--input-type=module", "-e", f"import({json.dumps((src / 'index.mjs').as_uri())})"
                              ".then(() => console.log('null'), (e) => console.log(JSON.stringify([e.code, e.message])))"))
    assert in_node == [code, node_message.replace("file:///var/task/", (src / "x").as_uri()[:-1])]
    with pytest.raises(JsBuildError) as failure:
        build_js(src, out=tmp_path / "out" / "fn.wasm")
    assert failure.value.summary == (f"index.mjs:2: import '{specifier}'{clause.replace(' assert ', ' with ')}: "
                                     f"TypeError [{code}]: {node_message} (as in Node); {fix}")


def test_a_static_json_import_with_its_type_builds(tmp_path):  # type: ignore[no-untyped-def]
    """The clause with quoted keys, the older `assert`, over lines and re-exported: no error."""
    src = tmp_path / "fn"
    write_files(src, {"index.mjs": "import a from './data.json' with { 'type': \"json\" };\n"
                                   "import b from './data.json' assert { type: 'json' };\n"
                                   "export { default as c } from './data.json' with {\n  type: 'json',\n};\n"
                                   "import './mod.mjs';\nimport 'node:path' with {};\n"
                                   "export const handler = async () => ({ status: '200', body: JSON.stringify([a, b]) });\n",
                      "data.json": '{"a": 1}\n', "mod.mjs": "export const x = 1;\n"})
    build_js(src, out=tmp_path / "out" / "fn.wasm")
