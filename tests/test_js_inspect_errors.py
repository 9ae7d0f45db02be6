"""util.inspect (and so console.log) of errors whose class is not what their name says, against Node.

Node's inspect shows both: `DOMException [AbortError]: m`, `Foo [Error]: x` for `class Foo extends
Error`, `Error [CustomError]: w` for a name set on a plain Error, `[Error: null prototype]: q`; here
such errors printed as their name alone (`AbortError: m`), so a log line lost which class threw.
Compared: the first line of util.inspect, and of console.log's output where the log keeps it."""

from __future__ import annotations

import json

import pytest

from .js_helpers import answer_and_fuel, build, node, roomy_function

CASES_JS = r"""'use strict';
const util = require('util');
const first = (v) => util.inspect(v).split('\n')[0];
exports.run = () => {
  class Foo extends Error {}
  class Bar extends Error { constructor(m) { super(m); this.name = 'Bar'; } }
  class BazError extends TypeError {}
  class Quiet extends Error { constructor() { super(); this.name = 'QuietError'; } }
  const named = new Error('w'); named.name = 'CustomError';
  const nameless = new Error('n'); nameless.name = '';
  const notError = new Error('ne'); notError.name = 'Thing';
  const orphan = new Error('q'); Object.setPrototypeOf(orphan, null);
  const frameless = new Error('f'); frameless.stack = 'Error: f';
  const framelessFoo = new Foo('g'); framelessFoo.stack = 'Error: g';
  const cases = {
    plain: new Error('x'), type: new TypeError('t'), foo: new Foo('x'), bar: new Bar('y'), baz: new BazError('z'),
    quiet: new Quiet(), named, nameless, notError, orphan, frameless, framelessFoo,
    abort: new DOMException('m', 'AbortError'), dom: new DOMException('d'),
    range: new RangeError('r'), agg: new AggregateError([], 'a'),
    nested: { e: new Foo('inner') },
  };
  const out = {};
  for (const [k, v] of Object.entries(cases)) out[k] = first(v);
  out.nestedLine2 = util.inspect(cases.nested).split('\n')[0];
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run()) });
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-inspect-errors-src") / "inspect-errors"
    src.mkdir()
    (src / "cases.js").write_text(CASES_JS)
    (src / "index.js").write_text(INDEX_JS)
    return src


def test_inspected_errors_name_their_class_as_node_does(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    expected = json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(sources / 'cases.js'))}).run()))"))
    assert expected["abort"] == "DOMException [AbortError]: m" and expected["foo"].startswith("Foo [Error]: x")
    wasm = build("inspect-errors", tmp_path_factory.mktemp("js-inspect-errors"), source=sources)
    fn = roomy_function(wasm, "inspect-errors")
    try:
        got = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert not wrong, wrong
