"""Import attributes written with Node 20's older keyword, `assert` (`import cfg from './config.json'
assert { type: 'json' }`, `import(x, { assert: { type: 'json' } })`), which QuickJS-NG does not parse:
the loader reads them as `with` (the keyword and two spaces, so lines and columns stay), only where
it is that clause, never in strings, comments, template literals or regular expressions. Built and
run at the edge, compared with Node 20 running the same files."""

from __future__ import annotations

import re

import pytest

from edge.js.build import JsBuildError, build_js

from .js_helpers import (
    answer_and_fuel,
    assert_same_as_node,
    cases_in_node,
    roomy_function,
    write_files,
)

# line 2 has the clause and, after it, a throw: its column is the file's own if `assert` kept its length
ESM = r"""// attributes as Node 18 and 20 code writes them
import cfg from './config.json' assert { type: 'json' }; export function boom() { throw new Error('boom'); }
export { default as data } from './data.json' assert {
  type: 'json' };
import plain from './data.json' with { type: 'json' };
import { strictEqual as assert } from 'assert';
// import nothing from './not-there.json' assert { type: 'json' }
/* export { x } from './not-there.json' assert { type: 'json' } */
export const texts = [
  "import a from './a.json' assert { type: 'json' }",
  'export * from "./b.json" assert { type: "json" }',
  `import c from './c.json' assert { type: 'json' }`,
  `${'x'}import('./d.json', { assert: { type: 'json' } })`,
  /from '.\/e.json' assert \{ type: 'json' \}/.source,
];
export const assertWorks = (() => { assert(1, 1); return 'ok'; })();
export async function dynamic() {
  const one = await import('./config.json', { assert: { type: 'json' } });
  const both = await import('./data.json', { assert: { type: 'json' }, with: { type: 'json' } });
  const options = { assert: { type: 'json' } }; // a plain object: not an import's options
  return { one: one.default, both: both.default, options: Object.keys(options), plain };
}
export { cfg };
"""

CASES = r"""'use strict';
const path = require('path');
const outcome = async (f) => {
  try {
    return { value: await f() };
  } catch (e) {
    return { error: [e.name, e.code] };
  }
};
exports.run = async () => {
  const out = {};
  const esm = await import('./esm.mjs');
  out.static = esm.cfg;
  out.reexported = esm.data;
  out.texts = esm.texts;
  out.assertNamed = esm.assertWorks;
  out.dynamicInEsm = await esm.dynamic();
  // CommonJS: import() with the older options
  out.dynamicInCjs = await outcome(async () => (await import('./data.json', { assert: { type: 'json' } })).default);
  out.assertCall = await outcome(async () => { const assert = require('assert'); assert.ok(true); return 'called'; });
  // the thrown error's line, in the module with the clause (its column: the edge-only test)
  try {
    esm.boom();
  } catch (e) {
    const frame = /esm\.mjs:(\d+):(\d+)/.exec(e.stack);
    out.boomLine = frame && Number(frame[1]);
  }
  return out;
};
exports.column = async () => {
  const esm = await import('./esm.mjs');
  try {
    esm.boom();
  } catch (e) {
    return /esm\.mjs:(\d+):(\d+)/.exec(e.stack).slice(1).map(Number);
  }
  return null;
};
"""

INDEX = r"""'use strict';
const cases = require('./cases.js');
exports.handler = async (event) => {
  const uri = event.Records[0].cf.request.uri;
  const result = uri === '/column' ? await cases.column() : await cases.run();
  return { status: '200', body: JSON.stringify(result) };
};
"""

FILES = {"esm.mjs": ESM, "cases.js": CASES, "index.js": INDEX, "config.json": '{"region": "eu", "ttl": 60}\n',
         "data.json": '{"items": [1, 2, 3]}\n'}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-import-assert-src") / "fn"
    write_files(src, FILES)
    return src


@pytest.fixture(scope="module")
def built(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    wasm = build_js(sources, out=tmp_path_factory.mktemp("js-import-assert") / "fn.wasm", log=warnings.append)
    fn = roomy_function(wasm, "import-assert")
    yield fn, warnings
    fn.close()


def test_assert_clauses_load_as_in_node(built, sources):  # type: ignore[no-untyped-def]
    """Static imports and re-exports, import() from an ES module and from CommonJS (with both
    keywords, `with` winning as in Node): the same values as Node 20; text that only looks like a
    clause, and a binding named assert, are untouched."""
    fn, warnings = built
    assert warnings == []
    edge = answer_and_fuel(fn, "/cases")[0]
    node = cases_in_node(sources)
    assert_same_as_node(edge, node)
    assert node["static"] == {"region": "eu", "ttl": 60} and node["reexported"] == {"items": [1, 2, 3]}
    assert node["texts"][0] == "import a from './a.json' assert { type: 'json' }"
    assert node["dynamicInCjs"] == {"value": {"items": [1, 2, 3]}} and node["boomLine"] == 2


def test_lines_and_columns_after_the_clause_are_the_files_own(built):  # type: ignore[no-untyped-def]
    """`assert` became `with` and two spaces: a throw after the clause on its line is placed where
    the file has it (the engine points at the constructor's name, as for any `new Error`)."""
    fn, _ = built
    line = ESM.splitlines()[1]
    assert answer_and_fuel(fn, "/column")[0] == [2, line.index("Error('boom')") + 1]


@pytest.mark.parametrize("files,summary", [
    ({"index.mjs": "import x from './missing.json' assert { type: 'json' };\nexport const handler = async () => x;\n"},
     "index.mjs:1: cannot find module './missing.json' (no such file in the function's package)"),
    ({"index.mjs": "\nimport x from './x.json' assert { type: 'json' }\nexport const handler = async () => x;\n",
      "x.json": "{ not json"},
     "SyntaxError: /var/task/x.json: Expected property name or '}' in JSON at position 2"),  # as Node fails on it
])
def test_a_clause_on_a_module_that_cannot_load_fails_the_build_as_node_fails(tmp_path, files, summary):
    write_files(tmp_path, files)
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm")
    assert failure.value.summary == summary


def test_assert_inside_a_commonjs_string_or_comment_stays(tmp_path):
    """A CommonJS file mentioning the clause only in a comment, a string and a regular expression
    builds and keeps that text as it is."""
    write_files(tmp_path, {"index.js": "// import x from './a.json' assert { type: 'json' }\n"
                                 "const s = \"import('./a.json', { assert: { type: 'json' } })\";\n"
                                 "const r = /import\\('.\\/a.json', \\{ assert: \\{/;\n"
                                 "exports.handler = async () => ({ status: '200', body: JSON.stringify([s, r.source]) });\n"})
    fn = roomy_function(build_js(tmp_path, out=tmp_path / "out" / "fn.wasm"), "assert-text")
    try:
        body = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    assert body[0] == "import('./a.json', { assert: { type: 'json' } })"
    assert re.search(r"assert: \\\{", body[1]), body
