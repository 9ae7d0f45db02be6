"""DOMExceptions in the sandbox against real Node: crypto.getRandomValues' errors, and the first line
of a DOMException's stack.

Node's crypto.getRandomValues (global and require('crypto')'s) throws a DOMException named
TypeMismatchError (code 17) for what is no integer-type typed array (a number, nothing, a
Float32Array or Float64Array, a DataView, an Array, an ArrayBuffer) and a QuotaExceededError (code
22) past 65,536 bytes; the global's method also checks its `this` (ERR_INVALID_THIS) and its
argument count (ERR_MISSING_ARGS). Here they were a coded TypeError and a plain Error named
QuotaExceededError. A DOMException's `stack` (made by `new DOMException`, by crypto.subtle's
rejections, by structuredClone, by atob and btoa) starts `Name: message` in Node; QuickJS's keeps
frames only (`    at domError ...`). Each case runs in an edge function and in `node` and the
outcomes (class, name, code, message, String(err), instanceof, the stack's first line and that a
frame follows, no frame of webcrypto.js's domError) must match. Not compared: the frames themselves
(Node's stack of a DOMException user code makes has `at new DOMException (node:internal/...)` first;
ours starts at the caller), and atob's and btoa's messages (the engine's)."""

from __future__ import annotations


import pytest

from .js_helpers import answer_and_fuel, assert_same_as_node, build, case_package, cases_in_node, roomy_function

CASES_JS = r"""'use strict';
const lines = (e) => String(e.stack).split('\n');
const describe = (e) => `${e.constructor.name} name=${e.name} code=${e.code} message=${e.message} string=${String(e)} ` +
  `dom=${e instanceof DOMException} error=${e instanceof Error} stack0=${lines(e)[0]} frame=${/^ {4}at /.test(lines(e)[1] || '')} ` +
  `plumbing=${/ at domError /.test(String(e.stack))}`;
// atob's and btoa's messages are the engine's (not Node's): their stack's first line is String(err)
const describeEngine = (e) => `${e.constructor.name} name=${e.name} code=${e.code} dom=${e instanceof DOMException} ` +
  `first=${lines(e)[0] === String(e)} frame=${/^ {4}at /.test(lines(e)[1] || '')}`;
exports.run = async () => {
  const out = {};
  const c = require('crypto');
  const cases = {
    'getRandomValues(1)': () => crypto.getRandomValues(1),
    'getRandomValues()': () => crypto.getRandomValues(),
    'getRandomValues(undefined)': () => crypto.getRandomValues(undefined),
    'getRandomValues(Float32Array)': () => crypto.getRandomValues(new Float32Array(2)),
    'getRandomValues(Float64Array)': () => crypto.getRandomValues(new Float64Array(2)),
    'getRandomValues(DataView)': () => crypto.getRandomValues(new DataView(new ArrayBuffer(2))),
    'getRandomValues(Array)': () => crypto.getRandomValues([1, 2]),
    'getRandomValues(ArrayBuffer)': () => crypto.getRandomValues(new ArrayBuffer(2)),
    'getRandomValues(65537 bytes)': () => crypto.getRandomValues(new Uint8Array(65537)),
    'getRandomValues(Uint16Array 32769)': () => crypto.getRandomValues(new Uint16Array(32769)),
    'getRandomValues(65536 bytes)': () => crypto.getRandomValues(new Uint8Array(65536)).length,
    'getRandomValues(BigInt64Array)': () => crypto.getRandomValues(new BigInt64Array(2)).length,
    'getRandomValues(Uint8ClampedArray)': () => crypto.getRandomValues(new Uint8ClampedArray(2)).constructor.name,
    'getRandomValues(Buffer)': () => Buffer.isBuffer(crypto.getRandomValues(Buffer.alloc(3))),
    'getRandomValues returns its argument': () => { const a = new Int32Array(4); return crypto.getRandomValues(a) === a; },
    'getRandomValues without this': () => { const g = crypto.getRandomValues; return g(new Uint8Array(2)); },
    'getRandomValues on a Crypto': () => crypto.getRandomValues.call(Object.create(Object.getPrototypeOf(crypto)), new Uint8Array(2)).length,
    "require('crypto').getRandomValues(1)": () => c.getRandomValues(1),
    "require('crypto').getRandomValues()": () => c.getRandomValues(),
    "require('crypto').getRandomValues(65537 bytes)": () => c.getRandomValues(new Uint8Array(70000)),
    "require('crypto').getRandomValues without this": () => { const g = c.getRandomValues; return g(new Uint8Array(2)).length; },
    'webcrypto.getRandomValues(Float32Array)': () => c.webcrypto.getRandomValues(new Float32Array(1)),
    'new DOMException(m, NotSupportedError)': () => { throw new DOMException('m', 'NotSupportedError'); },
    'new DOMException(m)': () => { throw new DOMException('m'); },
    'new DOMException()': () => { throw new DOMException(); },
    "new DOMException('', 'AbortError')": () => { throw new DOMException('', 'AbortError'); },
    'new DOMException(m, {toString})': () => { throw new DOMException('m', { toString: () => 'DataError' }); },
    'new DOMException(m, {name, cause})': () => {
      const e = new DOMException('m', { name: 'AbortError', cause: 7 });
      return `${e.name} ${e.code} ${e.cause} ${Object.getOwnPropertyDescriptor(e, 'cause').enumerable} ${lines(e)[0]}`;
    },
    'new DOMException(m, {})': () => { throw new DOMException('m', {}); },
    'DOMException(m)': () => DOMException('m'),
    'a subclass': () => {
      class E extends DOMException { constructor() { super('x', 'AbortError'); } }
      const e = new E();
      return `${e instanceof E} ${e instanceof DOMException} ${e.name} ${e.code} ${lines(e)[0]} ${/^ {4}at /.test(lines(e)[1])}`;
    },
    'the constructor': () => `${DOMException.ABORT_ERR} ${DOMException.DATA_CLONE_ERR} ${DOMException.length} ${DOMException.name} ` +
      `${DOMException.prototype.constructor === DOMException} ${Object.prototype.toString.call(new DOMException('a'))} ` +
      `${new DOMException('a', 'AbortError').code} ${Object.getPrototypeOf(DOMException) === Function.prototype}`,
    'own properties': () => {
      const d = new DOMException('m', 'NotSupportedError');
      const stack = Object.getOwnPropertyDescriptor(d, 'stack');
      return `${Object.getOwnPropertyNames(d)} ${Object.keys(d)} ${stack.enumerable}`;
    },
    'subtle.digest(1, data)': () => crypto.subtle.digest(1, new Uint8Array(1)),
    "subtle.digest('SHA-3', data)": () => crypto.subtle.digest('SHA-3', new Uint8Array(1)),
    'subtle.importKey(raw, HMAC, no hash)': () => crypto.subtle.importKey('raw', new Uint8Array(16), { name: 'HMAC' }, false, ['sign']),
    'subtle.importKey(raw, AES-GCM, 5 bytes)': () => crypto.subtle.importKey('raw', new Uint8Array(5), 'AES-GCM', false, ['encrypt']),
    'structuredClone(function)': () => structuredClone(() => 1),
  };
  for (const [k, f] of Object.entries(cases)) {
    try { const r = await f(); out[k] = `ok ${r}`; } catch (e) { out[k] = describe(e); }
  }
  for (const [k, f] of Object.entries({ "atob('*')": () => atob('*'), "atob('abcde')": () => atob('abcde'), "btoa('\\u0100')": () => btoa('\u0100') })) {
    try { out[k] = `ok ${f()}`; } catch (e) { out[k] = describeEngine(e); }
  }
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "domexception", {"cases.js": CASES_JS, "index.js": INDEX_JS})


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    return cases_in_node(sources)


@pytest.fixture(scope="module")
def edge_results(sources, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    wasm = build("domexception", tmp_path_factory.mktemp("js-domexception"), source=sources)
    fn = roomy_function(wasm, "domexception")
    try:
        return answer_and_fuel(fn, "/cases")[0]
    finally:
        fn.close()


def test_domexceptions_match_node(edge_results, node_results):  # type: ignore[no-untyped-def]
    assert_same_as_node(edge_results, node_results)


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    assert node_results["getRandomValues(1)"].startswith("DOMException name=TypeMismatchError code=17 ")
    assert node_results["getRandomValues(Float32Array)"].startswith("DOMException name=TypeMismatchError code=17 ")
    assert node_results["getRandomValues(65537 bytes)"].startswith(
        "DOMException name=QuotaExceededError code=22 message=The requested length exceeds 65,536 bytes ")
    assert "stack0=NotSupportedError: Unrecognized algorithm name frame=true plumbing=false" in node_results["subtle.digest(1, data)"]
    assert node_results["new DOMException()"].endswith("stack0=Error frame=true plumbing=false")
    assert node_results["atob('*')"] == "DOMException name=InvalidCharacterError code=5 dom=true first=true frame=true"
