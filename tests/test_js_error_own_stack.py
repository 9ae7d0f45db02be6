"""An error's `stack` is its own property from the moment it is made, as in Node 20 (V8).

It was not: QuickJS reads an error's stack through an accessor on Error.prototype, so
`Object.getOwnPropertyNames(new Error('x'))` was `['message']` (Node: `['stack', 'message']`) and
Lambda's common logging idiom `JSON.stringify(err, Object.getOwnPropertyNames(err))` logged no stack;
code that copies an error's own properties (serialize-error, loggers' error serializers),
`hasOwnProperty('stack')` and `Object.getOwnPropertyDescriptor(err, 'stack')` saw none either. Now
every error has an own, non-enumerable, writable, configurable data `stack`, listed first, made when
it is first read (Error.prepareStackTrace then), and Error.prototype has none. Compared with Node
case by case: the names in order, the descriptors' flags and value types, hasOwnProperty, keys,
spread and Object.assign copies and the JSON idiom's keys and first stack line (not frames: columns
differ between the engines), for errors made with `new`, subclasses, errors the engine throws,
DOMException, AggregateError (Promise.any's too) and Error.captureStackTrace targets; that making the
stack waits for its first read (Error.prepareStackTrace's calls); serialize-error 8 (CommonJS) and
13 (an ES module) from npm at test time. Then atob and btoa: Node's errors (DOMException
InvalidCharacterError's two messages, ERR_MISSING_ARGS) and results for inputs with characters
outside base64, bad lengths and padding, whitespace, non-Latin-1 text and values that are not
strings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .js_helpers import (
    answer_and_fuel,
    assert_same_as_node,
    build,
    cases_in_node,
    compared_case_fixtures,
    node,
    npm_install,
    roomy_function,
)

CASES_JS = r"""'use strict';
// run() gives {case: outcome}: an error's own properties (names in order, the stack's descriptor
// flags and value type, hasOwnProperty before the stack is read, keys, the first line of its stack)
const flags = (d) => (d === undefined ? null : 'value' in d ? [typeof d.value, d.writable, d.enumerable, d.configurable]
  : ['accessor', typeof d.get, typeof d.set, d.enumerable, d.configurable]);
const firstLine = (stack) => String(stack).split('\n')[0];
function own(e) {
  const hasStack = Object.prototype.hasOwnProperty.call(e, 'stack');
  const names = Object.getOwnPropertyNames(e);
  return { names, hasStack, keys: Object.keys(e), stack: flags(Object.getOwnPropertyDescriptor(e, 'stack')),
    first: firstLine(e.stack), descriptors: Object.keys(Object.getOwnPropertyDescriptors(e)) };
}
const thrown = (f) => { try { f(); } catch (e) { return e; } return null; };
// the idiom: every own property, the stack's first line (the rest are frames)
function idiom(e) {
  const copy = JSON.parse(JSON.stringify(e, Object.getOwnPropertyNames(e)));
  const shown = (o) => (o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) =>
    [k, k === 'stack' ? firstLine(v) : Array.isArray(v) ? v.map(shown) : shown(v)])) : o);
  return shown(copy);
}

class AuthError extends Error { constructor(m) { super(m); this.name = 'AuthError'; this.status = 401; } }
class Captured extends Error { constructor(m) { super(m); Error.captureStackTrace(this, this.constructor); this.name = 'Captured'; } }
class Quiet extends TypeError {}
function Legacy(m) { Error.captureStackTrace(this, Legacy); this.message = m; }
Legacy.prototype = Object.create(Error.prototype);
Legacy.prototype.name = 'Legacy';
function recurse() { return recurse() + 1; }

function made() {
  const captured = {};
  Error.captureStackTrace(captured);
  const capturedWithKeys = { a: 1 };
  Error.captureStackTrace(capturedWithKeys);
  const recaptured = new Error('again');
  Error.captureStackTrace(recaptured);
  const orphan = new Error('q');
  Object.setPrototypeOf(orphan, null);
  return {
    'new Error(x)': new Error('x'),
    'new Error()': new Error(),
    'Error(x) without new': Error('x'),
    'subclass': new AuthError('denied'),
    'subclass capturing its stack': new Captured('c'),
    'subclass of TypeError': new Quiet('quiet'),
    'legacy constructor': new Legacy('old'),
    'with a cause': new Error('outer', { cause: new Error('inner') }),
    'TypeError': new TypeError('t'),
    'RangeError': new RangeError('r'),
    'SyntaxError': new SyntaxError('s'),
    'ReferenceError': new ReferenceError('f'),
    'EvalError': new EvalError('e'),
    'URIError': new URIError('u'),
    'AggregateError': new AggregateError([new Error('a')], 'all'),
    'AggregateError with a cause': new AggregateError([], 'all', { cause: 'why' }),
    'thrown: property of null': thrown(() => null.x),
    'thrown: not a function': thrown(() => { const o = {}; o.missing(); }),
    'thrown: invalid array length': thrown(() => new Array(-1)),
    'thrown: JSON.parse': thrown(() => JSON.parse('{')),
    'thrown: undefined variable': thrown(() => notDefinedAnywhere), // eslint-disable-line no-undef
    'thrown: decodeURIComponent': thrown(() => decodeURIComponent('%')),
    'thrown: stack exhausted': thrown(recurse),
    'DOMException': new DOMException('m', 'AbortError'),
    'DOMException with a cause': new DOMException('m', { name: 'DataError', cause: 1 }),
    'captureStackTrace on {}': captured,
    'captureStackTrace on {a: 1}': capturedWithKeys,
    'captureStackTrace on an error': recaptured,
    'null prototype': orphan,
  };
}

async function run() {
  const out = {};
  for (const [name, e] of Object.entries(made())) out[name] = own(e);
  out['Promise.any'] = own(await Promise.any([Promise.reject(new Error('no'))]).catch((e) => e));
  // Errors the Node layer throws or makes: their own stack (Node orders `code` and `message` one way
  // or the other from error to error, and structuredClone's `message` comes first here, so their
  // names are compared as sets)
  for (const [name, f] of [['Buffer.alloc(-1)', () => Buffer.alloc(-1)], ['path.join(1)', () => require('path').join(1)],
    ['toString(nope)', () => Buffer.from('a').toString('nope')], ['new URL(nope)', () => new URL('nope')],
    ['structuredClone', () => { throw structuredClone(new Error('sc', { cause: 3 })); }]]) {
    const o = own(thrown(f));
    o.names.sort();
    o.descriptors.sort();
    out[name] = o;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const e = new Error('z');
    out['stackTraceLimit 0'] = [own(e), e.stack];
  } finally {
    Error.stackTraceLimit = limit;
  }

  // the idiom
  for (const name of ['new Error(x)', 'subclass', 'with a cause', 'AggregateError', 'thrown: property of null', 'DOMException']) {
    out[`JSON idiom: ${name}`] = idiom(made()[name]);
  }
  // copies of its own enumerable properties
  for (const name of ['new Error(x)', 'subclass', 'subclass capturing its stack', 'legacy constructor']) {
    const e = made()[name];
    const spread = { ...e };
    out[`copies: ${name}`] = [Object.keys(spread), 'stack' in spread, Object.keys(Object.assign({}, e))];
  }
  out['Error.prototype'] = ['stack' in Error.prototype, Object.getOwnPropertyDescriptor(Error.prototype, 'stack'),
    Object.prototype.hasOwnProperty.call(Error.prototype, 'stack'), 'stack' in TypeError.prototype,
    'stack' in DOMException.prototype, Object.getOwnPropertyNames(Object.create(Error.prototype)),
    typeof Object.create(Error.prototype).stack];

  // written, defined, deleted, frozen before it is read
  let e = new Error('x');
  e.stack = 'written';
  out['written before read'] = [own(e), e.stack];
  e = new Error('x');
  Object.defineProperty(e, 'stack', { value: 'defined' });
  out['defined before read'] = [own(e), e.stack];
  e = new Error('x');
  Object.defineProperty(e, 'stack', { get() { return 'got'; }, configurable: true });
  out['an accessor defined before read'] = own(e);
  e = new Error('x');
  delete e.stack;
  out['deleted'] = ['stack' in e, typeof e.stack, Object.getOwnPropertyNames(e)];
  e.stack = 'again';
  out['assigned after delete'] = [Object.getOwnPropertyNames(e), Object.keys(e), flags(Object.getOwnPropertyDescriptor(e, 'stack'))];
  e = Object.freeze(new Error('frozen'));
  out['frozen before read'] = [own(e), Object.isFrozen(e)];
  e = new Error('x');
  const child = Object.create(e);
  child.stack = 'child';
  out['written on an object made from an error'] = [Object.getOwnPropertyNames(child), Object.keys(child), Object.getOwnPropertyNames(e)];
  e = new Error('m');
  e.message = 'later';
  e.name = 'Renamed';
  out['renamed before read'] = firstLine(Object.getOwnPropertyDescriptor(e, 'stack').value);

  // made when first read: Error.prepareStackTrace is not called until then
  let calls = 0;
  Error.prepareStackTrace = (err, sites) => { calls++; return `prepared ${err.message} ${Array.isArray(sites)}`; };
  try {
    e = new AuthError('p');
    const before = [Object.getOwnPropertyNames(e), Object.prototype.hasOwnProperty.call(e, 'stack'), Object.keys({ ...e }),
      Object.keys(Object.assign({}, e)), JSON.stringify(e), calls];
    const d = Object.getOwnPropertyDescriptor(e, 'stack');
    const read = [flags(d), d.value, calls, e.stack, calls];
    // (not Object.defineProperty(err, 'stack', ...), which makes the stack in V8 and not here)
    const w = new Error('w');
    w.stack = 'w';
    const c = new Captured('c');
    const made = calls;
    Error.captureStackTrace(c);
    const o = {};
    Error.captureStackTrace(o);
    const untouched = [made, calls, JSON.stringify(w, Object.getOwnPropertyNames(w)), calls];
    out['made when first read'] = [before, read, untouched, c.stack, calls, JSON.stringify(c, ['stack']), calls, o.stack, calls];
    let throws = true;
    Error.prepareStackTrace = () => { if (throws) throw new Error('prepare failed'); return 'second'; };
    e = new Error('t');
    const first = thrown(() => Object.getOwnPropertyDescriptor(e, 'stack'));
    throws = false;
    out['prepareStackTrace throws'] = [first && first.message, Object.getOwnPropertyNames(e), e.stack];
  } finally {
    Error.prepareStackTrace = undefined;
  }
  return out;
}
exports.run = run;
"""

ATOB_JS = r"""'use strict';
// atob and btoa: what each input gives (a result or the error's class, name, code, message, String,
// first stack line, own names)
function outcome(f) {
  try {
    return ['ok', f()];
  } catch (e) {
    return [e.constructor && e.constructor.name, e.name, e.code, e.message, String(e), e.stack.split('\n')[0],
      Object.getOwnPropertyNames(e), e instanceof DOMException, e instanceof Error];
  }
}
exports.run = () => {
  const out = {};
  const texts = ['*', 'abc', 'a', 'ab', 'abcd', 'ab==', 'ab=', 'a===', 'ab=c', 'YQ', 'YQ=', 'YQ==', 'YQ===', ' YQ== ',
    'Y Q = =', '\tYQ\n==\f', 'YQ\r==', 'Y\u00a0Q', '=', '==', '', 'ab cd', 'abc=', 'abc==', 'a=b=', '-_', '+/', '+/==',
    'YWJj\u0000', '€', 'YQ==YQ==', 'Zm9v\vYmFy', 'SGVsbG8sIHdvcmxk'];
  for (const s of texts) out[`atob ${JSON.stringify(s)}`] = outcome(() => atob(s));
  const values = [undefined, null, 1234, true, {}, [1, 2], { toString() { return 'YQ=='; } }, 12, NaN];
  for (const v of values) out[`atob ${String(v)} (${typeof v})`] = outcome(() => atob(v));
  out['atob()'] = outcome(() => atob());
  out['atob(symbol)'] = outcome(() => atob(Symbol('s')));
  for (const s of ['€', 'abc', '', '\u00ff\u00fe', '\u0100', 'a\ud800', '😀', '\u0000']) out[`btoa ${JSON.stringify(s)}`] = outcome(() => btoa(s));
  for (const v of [undefined, null, 1234, true, {}, [1, 2], 12n]) out[`btoa ${String(v)} (${typeof v})`] = outcome(() => btoa(v));
  out['btoa()'] = outcome(() => btoa());
  out['btoa(symbol)'] = outcome(() => btoa(Symbol('s')));
  out['functions'] = [atob.length, btoa.length, atob.name, btoa.name];
  let e;
  try { atob('*'); } catch (err) { e = err; }
  out['atob error: JSON idiom'] = Object.keys(JSON.parse(JSON.stringify(e, Object.getOwnPropertyNames(e))));
  out['atob error: stack descriptor'] = (({ writable, enumerable, configurable, value }) => [typeof value, writable, enumerable, configurable])(
    Object.getOwnPropertyDescriptor(e, 'stack'));
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
const atob = require('./atob');
const detached = require('./detached');
// /make/N: N errors made and not read (what making one costs)
function make(n) { let length = 0; for (let i = 0; i < n; i++) length += new Error(`e${i}`).message.length; return length; }
exports.handler = async (event) => {
  const uri = event.Records[0].cf.request.uri;
  if (uri.startsWith('/make/')) return { status: '200', body: JSON.stringify(make(Number(uri.slice(6)))) };
  if (uri === '/detached-unlike') return { status: '200', body: JSON.stringify(detached.unlike()) };
  const run = uri === '/atob' ? atob : uri === '/detached' ? detached : cases;
  return { status: '200', body: JSON.stringify(await run.run()) };
};
"""

DETACHED_JS = r"""'use strict';
// Making a stack runs JavaScript (Error.prepareStackTrace, a `name` getter) that takes the error
// being read off the chain and drops the last reference to it: what each read or write gives
function gc() { for (let i = 0; i < 200; i++) new Array(100).fill({ i }); }
function viaPrototype() {
  let o = Object.create(new Error('victim'));
  Error.prepareStackTrace = () => { Object.setPrototypeOf(o, null); gc(); return 'made'; };
  try { return [o.stack, Object.getPrototypeOf(o)]; } finally { Error.prepareStackTrace = undefined; }
}
function writtenViaPrototype() {
  let o = Object.create(new Error('victim'));
  let calls = 0;
  Error.prepareStackTrace = () => { calls++; Object.setPrototypeOf(o, null); gc(); return 'made'; };
  try {
    o.stack = 'x';
    return [o.stack, calls, Object.prototype.hasOwnProperty.call(o, 'stack'), Object.getPrototypeOf(o) === null];
  } finally { Error.prepareStackTrace = undefined; }
}
function nameGetter() {
  let o;
  class E extends Error { get name() { Object.setPrototypeOf(o, null); gc(); return 'E'; } }
  o = Object.create(new E('v'));
  return [o.stack.split('\n')[0], Object.getPrototypeOf(o)];
}
function twoDeep() {
  let e = new Error('deep');
  let o = Object.create(Object.create(e));
  Error.prepareStackTrace = () => { Object.setPrototypeOf(Object.getPrototypeOf(o), null); e = null; gc(); return 'made'; };
  try { return [o.stack, o.stack]; } finally { Error.prepareStackTrace = undefined; }
}
function direct() {
  const e = new Error('x');
  Error.prepareStackTrace = (err) => {
    err.stack = 'written'; delete err.message;
    Object.defineProperty(err, 'name', { value: 'Renamed', configurable: true });
    gc();
    return 'made';
  };
  try {
    return [e.stack, e.stack, Object.getOwnPropertyNames(e), e.name];
  } finally { Error.prepareStackTrace = undefined; }
}
function directRedefined() {
  const e = new Error('x');
  Error.prepareStackTrace = (err) => {
    delete err.stack;
    Object.defineProperty(err, 'stack', { value: 'redefined', writable: true, configurable: true });
    gc();
    return 'made';
  };
  try {
    return [e.stack, e.stack, Object.getOwnPropertyNames(e)];
  } finally { Error.prepareStackTrace = undefined; }
}
function directDeleted() {
  const e = new Error('x');
  Error.prepareStackTrace = (err) => { delete err.stack; gc(); return 'made'; };
  try {
    return [e.stack, Object.getOwnPropertyNames(e)];
  } finally { Error.prepareStackTrace = undefined; }
}
exports.run = () => ({ 'read via a prototype': viaPrototype(), 'written via a prototype': writtenViaPrototype(),
  'name getter': nameGetter(), 'two prototypes deep': twoDeep(), 'direct, written and renamed': direct() });
// answered, not as Node: its first read gives what the maker made whatever became of the property
exports.unlike = () => ({ 'direct, deleted': directDeleted(), 'direct, redefined': directRedefined() });
"""

sources, node_results, function = compared_case_fixtures(
    "error_own_stack", {"cases.js": CASES_JS, "atob.js": ATOB_JS, "detached.js": DETACHED_JS, "index.js": INDEX_JS})


def test_errors_have_their_own_stack_as_in_node(function, node_results):  # type: ignore[no-untyped-def]
    assert_same_as_node(answer_and_fuel(function, "/cases")[0], node_results, shown=20)


def test_a_stack_made_by_code_detaching_the_error_is_read_safely(function, sources):  # type: ignore[no-untyped-def]
    # it trapped (memory_out_of_bounds): the property walk held the prototype the making freed
    in_node = json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(sources / 'detached.js'))}).run()))"))
    assert in_node["read via a prototype"] == ["made", None]
    assert in_node["written via a prototype"] == ["x", 0, True, False]
    assert in_node["name getter"] == ["E: v", None]
    assert in_node["direct, written and renamed"] == ["made", "made", ["stack", "name"], "Renamed"]
    assert_same_as_node(answer_and_fuel(function, "/detached")[0], in_node, shown=20)
    # a maker deleting or redefining the stack itself: answered (Node's first read gives 'made' in
    # both; here the deleted one reads undefined and the redefined one keeps 'made')
    assert answer_and_fuel(function, "/detached-unlike")[0] == {
        "direct, deleted": [None, ["message"]], "direct, redefined": ["made", "made", ["message", "stack"]]}


def test_making_an_error_costs_what_it_did(function):  # type: ignore[no-untyped-def]
    # ~25,000 fuel an error made here: its own lazy stack added ~2-5 % to making one; a stack made
    # as the error is made would be several times that (~155,000 an error made and read)
    n = 2000
    each = (answer_and_fuel(function, f"/make/{n}")[1] - answer_and_fuel(function, "/make/0")[1]) / n
    assert each < 40_000, each


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    data = ["string", True, False, True]
    assert node_results["new Error(x)"] == {"names": ["stack", "message"], "hasStack": True, "keys": [], "stack": data,
                                            "first": "Error: x", "descriptors": ["stack", "message"]}
    assert node_results["subclass"]["names"] == ["stack", "message", "name", "status"]
    assert node_results["with a cause"]["names"] == ["stack", "message", "cause"]
    assert node_results["AggregateError"]["names"] == ["stack", "message", "errors"]
    assert node_results["Promise.any"]["names"] == ["stack", "message", "errors"]
    assert node_results["Promise.any"]["first"] == "AggregateError: All promises were rejected"
    assert node_results["DOMException"]["names"] == ["stack"]
    assert node_results["captureStackTrace on {a: 1}"]["names"] == ["a", "stack"]
    assert node_results["JSON idiom: new Error(x)"] == {"stack": "Error: x", "message": "x"}
    assert node_results["copies: subclass"] == [["name", "status"], False, ["name", "status"]]
    assert node_results["Error.prototype"][:3] == [False, None, False]
    before, read, untouched, *_ = node_results["made when first read"]
    assert before[-1] == 0 and read[2] == 1 and untouched[:2] == [1, 1] and untouched[-1] == 1
    assert node_results["written before read"][1] == "written"


def test_atob_and_btoa_throw_nodes_errors(function, sources):  # type: ignore[no-untyped-def]
    in_node = json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(sources / 'atob.js'))}).run()))"))
    assert in_node["atob \"*\""][1:4] == ["InvalidCharacterError", 5, "Invalid character"]
    assert in_node["atob \"a\""][3] == "The string to be decoded is not correctly encoded."
    assert in_node["atob()"][2:4] == ["ERR_MISSING_ARGS", 'The "input" argument must be specified']
    assert_same_as_node(answer_and_fuel(function, "/atob")[0], in_node, shown=20)


SERIALIZE_JS = r"""'use strict';
// serialize-error's output for errors: its keys, the stack's first line, and the error made back
const { serializeError: serialize8, deserializeError: deserialize8 } = require('serialize-error-8');
class AuthError extends Error { constructor(m) { super(m); this.name = 'AuthError'; this.status = 401; } }
const firstLine = (stack) => String(stack).split('\n')[0];
function shape(o) {
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'stack' ? firstLine(v) : shape(v)]));
}
function errors() {
  let thrown;
  try { null.x; } catch (e) { thrown = e; }
  return { plain: new Error('x'), subclass: new AuthError('denied'), cause: new Error('outer', { cause: new TypeError('inner') }),
    thrown, aggregate: new AggregateError([new Error('a')], 'all'), dom: new DOMException('m', 'AbortError') };
}
exports.run = async () => {
  const { serializeError, deserializeError } = await import('serialize-error');
  const out = {};
  for (const [version, s, d] of [['8', serialize8, deserialize8], ['13', serializeError, deserializeError]]) {
    for (const [name, e] of Object.entries(errors())) {
      const serialized = s(e);
      const back = d(serialized);
      out[`${version} ${name}`] = [shape(serialized), Object.keys(serialized), Object.getOwnPropertyNames(back), firstLine(back.stack),
        back instanceof Error];
    }
  }
  return out;
};
"""

SERIALIZE_INDEX_JS = "'use strict';\nexports.handler = async () => ({ status: '200', body: JSON.stringify(await require('./cases').run()) });\n"


@pytest.fixture(scope="module")
def serialize_package(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("js-serialize-error") / "fn"
    root.mkdir()
    npm_install(root, "serialize-error@13", "serialize-error-8@npm:serialize-error@8")
    (root / "cases.js").write_text(SERIALIZE_JS)
    (root / "index.js").write_text(SERIALIZE_INDEX_JS)
    return root


def test_serialize_error_copies_the_stack_as_in_node(serialize_package, tmp_path):  # type: ignore[no-untyped-def]
    in_node = cases_in_node(serialize_package)
    assert in_node["8 plain"][0] == {"name": "Error", "message": "x", "stack": "Error: x"}
    fn = roomy_function(build("serialize-error", tmp_path, source=serialize_package), "serialize-error")
    try:
        edge = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    assert_same_as_node(edge, in_node, shown=20)
