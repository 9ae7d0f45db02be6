"""Buffer.from(typedArray) with the source's own length, buffer or byteOffset, in the sandbox against
real Node 20.

Node's Buffer.from reads a typed array's `length` as any array-like's (lib/buffer.js fromObject and
fromArrayLike): an own length longer than the bytes gives zeros past them, a shorter one a
RangeError from set, one of 4096 or more a copy of the view's own elements, one that is not a
number (or undefined, with the view's buffer an ArrayBuffer) an empty Buffer. The engine's copy
(edge_js.c bv_copy) takes only views whose length, buffer and byteOffset are the engine's, as
bv_concat does; the others go to buffer.js's Node code."""

from __future__ import annotations


import pytest

from .js_helpers import answer_and_fuel, assert_same_as_node, build, case_package, cases_in_node, roomy_function

CASES_JS = r"""'use strict';
function describe(v) {
  if (v instanceof Uint8Array) {
    const kind = Object.getPrototypeOf(v) === Buffer.prototype ? 'Buffer' : v.constructor.name;
    const head = Array.from(v.subarray(0, 8)).join(',');
    return `${kind} len=${v.length} [${head}${v.length > 8 ? ',...' : ''}] sum=${v.reduce((a, b) => a + b, 0)}`;
  }
  return `${typeof v}:${String(v)}`;
}
function outcome(f) {
  try {
    return describe(f());
  } catch (e) {
    return `${e.name} ${e.code} ${e.message}`;
  }
}
const own = (make, props) => {
  const v = make();
  for (const [k, value] of Object.entries(props)) Object.defineProperty(v, k, { value });
  return v;
};
const SOURCES = {
  u8: () => new Uint8Array([1, 2, 3]),
  buf: () => Buffer.from(new Uint8Array([1, 2, 3]).buffer),
  u16: () => new Uint16Array([1, 2, 300]),
  view: () => new Uint8Array(new Uint8Array([9, 1, 2, 3, 9]).buffer, 1, 3),
};
const PROPS = {
  'length 5': { length: 5 }, 'length 2': { length: 2 }, 'length 3': { length: 3 }, 'length 0': { length: 0 },
  'length -1': { length: -1 }, 'length 2.5': { length: 2.5 }, 'length 3.5': { length: 3.5 },
  'length NaN': { length: NaN }, "length '5'": { length: '5' }, 'length undefined': { length: undefined },
  'length null': { length: null }, 'length 4096': { length: 4096 }, 'length 5000': { length: 5000 },
  'byteOffset 1': { byteOffset: 1 },
  'buffer other': { buffer: new ArrayBuffer(8) }, 'buffer null': { buffer: null },
  'length undefined, buffer null': { length: undefined, buffer: null },
  'length 5, byteOffset 1': { length: 5, byteOffset: 1 },
};
const cases = {};
for (const [s, make] of Object.entries(SOURCES)) {
  cases[`${s} plain`] = () => outcome(() => Buffer.from(make()));
  for (const [p, props] of Object.entries(PROPS)) cases[`${s} ${p}`] = () => outcome(() => Buffer.from(own(make, props)));
}
cases['u8 getter length'] = () => outcome(() => {
  const u = new Uint8Array([1, 2, 3]);
  Object.defineProperty(u, 'length', { get() { return 4; } });
  return Buffer.from(u);
});
cases['subclass length'] = () => outcome(() => {
  class Longer extends Uint8Array { get length() { return 6; } }
  return Buffer.from(new Longer([1, 2, 3]));
});
cases['the reviewer\'s'] = () => outcome(() => {
  const u = new Uint8Array([1, 2, 3]);
  Object.defineProperty(u, 'length', { value: 5 });
  return Buffer.from(u);
});
exports.run = () => Object.fromEntries(Object.entries(cases).map(([key, f]) => [key, f()]));
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run()) });
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "buffer_own_length", {"cases.js": CASES_JS, "index.js": INDEX_JS})


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    return cases_in_node(sources)


@pytest.fixture(scope="module")
def function(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    wasm = build("buffer_own_length", tmp_path_factory.mktemp("js-buffer-own-length"), source=sources)
    fn = roomy_function(wasm, "buffer-own-length")
    yield fn
    fn.close()


def test_from_a_view_with_its_own_length_matches_node(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert_same_as_node(edge, node_results)


def test_the_cases_say_what_node_does(node_results):  # type: ignore[no-untyped-def]
    assert node_results["the reviewer's"] == "Buffer len=5 [1,2,3,0,0] sum=6"
    assert node_results["u8 length 2"] == "RangeError undefined offset is out of bounds"
    assert node_results["u8 length 5000"] == "Buffer len=3 [1,2,3] sum=6"
