"""require('assert'), 'node:assert' and 'assert/strict' against real Node 20, case by case.

Each case calls assert the way handlers and their tests do and records what it throws: the error's
name, code, message, generatedMessage, operator, and actual/expected as JSON-able values (or that it
passed). The cases run in Node 20 and, built into a function, at the edge; every outcome must be
Node's. They cover the generated messages (`Expected values to be strictly equal:\n\n1 !== 2\n`, the
`+ actual - expected` diff of objects, arrays and multi-line strings, lines skipped with `...`), the
quoted source of a failing assert.ok() (single and multi-line calls, aliases, .call), the legacy
loose comparisons against assert.strict's, throws/rejects with validation objects, functions,
classes and RegExps, doesNotThrow/doesNotReject, match/doesNotMatch, ifError, fail's legacy forms,
AssertionError's own fields and util.inspect output, argument errors, and CallTracker."""

from __future__ import annotations

from pathlib import Path

import json

import pytest

from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import _on_demand, build_js

from .js_helpers import assert_same_as_node, case_package, cases_in_node, node
from .test_js_builtins_more import HANDLER, invoke

CASES = r"""'use strict';
const assert = require('assert');
const strict = require('assert/strict');
const nodeAssert = require('node:assert');
const util = require('util');

// A value as JSON can carry it, the same in Node and at the edge (no stacks, no engine's inspect),
// long strings and arrays cut (the messages are kept whole)
function shown(v, depth = 0) {
  if (typeof v === 'string' && v.length > 120 && depth > 0) return `${v.slice(0, 100)}... (${v.length})`;
  if (v === undefined) return '<undefined>';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return `<symbol ${v.description}>`;
  if (typeof v === 'function') return `<function ${v.name}>`;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return { error: v.name, message: v.message };
  if (v instanceof RegExp) return String(v);
  if (depth > 3) return '<deep>';
  if (v instanceof Map) return { Map: [...v].map(([k, x]) => [shown(k, depth + 1), shown(x, depth + 1)]) };
  if (v instanceof Set) return { Set: [...v].map((x) => shown(x, depth + 1)) };
  if (Array.isArray(v)) return v.length > 12 ? [...v.slice(0, 10).map((x) => shown(x, depth + 1)), `... (${v.length})`] : v.map((x) => shown(x, depth + 1));
  const out = { '<class>': v.constructor ? v.constructor.name : null };
  for (const k of Object.keys(v).slice(0, 12)) out[k] = shown(v[k], depth + 1);
  return out;
}

function outcome(e) {
  if (!(e instanceof Error)) return { thrown: shown(e) };
  const out = { name: e.name, code: shown(e.code), message: e.message, generatedMessage: shown(e.generatedMessage),
    operator: shown(e.operator) };
  if (e instanceof assert.AssertionError) Object.assign(out, { actual: shown(e.actual, 1), expected: shown(e.expected, 1) });
  return out;
}

const lines = (n, at, other) => Array.from({ length: n }, (_, i) => (i === at ? other : i));
const longObject = (n, change) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, change && change[i] !== undefined ? change[i] : i]));
class Custom extends Error {}

const CASES = {
  // ---- generated messages: strictEqual / deepStrictEqual ----
  'strictEqual numbers': () => assert.strictEqual(1, 2),
  'strictEqual strings short': () => assert.strictEqual('a', 'b'),
  'strictEqual strings pointer': () => assert.strictEqual('hello world', 'hello there'),
  'strictEqual strings long line': () => assert.strictEqual('x'.repeat(50) + 'a', 'x'.repeat(50) + 'b'),
  'strictEqual multi-line strings': () => assert.strictEqual('a\nb\nc', 'a\nx\nc'),
  'strictEqual long multi-line string': () => assert.strictEqual('line one\n'.repeat(3) + 'end of a much longer text to wrap', 'line one\n'.repeat(3) + 'end of a much longer text to break'),
  'strictEqual 0 -0': () => assert.strictEqual(0, -0),
  'strictEqual NaN passes': () => assert.strictEqual(NaN, NaN),
  'strictEqual null undefined': () => assert.strictEqual(null, undefined),
  'strictEqual same structure': () => assert.strictEqual([1, 2, 3], [1, 2, 3]),
  'strictEqual objects differ': () => assert.strictEqual({ a: 1 }, { a: 2 }),
  'strictEqual functions': () => assert.strictEqual(function a() {}, function b() {}),
  'strictEqual own message': () => assert.strictEqual(1, 2, 'own'),
  'strictEqual own message object': () => assert.strictEqual({ a: 1 }, { a: 2 }, 'own'),
  'strictEqual empty message': () => assert.strictEqual(1, 2, ''),
  'strictEqual Error message': () => assert.strictEqual(1, 2, new TypeError('mine')),
  'deepStrictEqual objects': () => assert.deepStrictEqual({ a: 1 }, { a: 2 }),
  'deepStrictEqual nested': () => assert.deepStrictEqual({ a: { b: [1, 2, { c: 3 }] }, d: 'x' }, { a: { b: [1, 2, { c: 4 }] }, d: 'x' }),
  'deepStrictEqual extra key': () => assert.deepStrictEqual({ a: 1, b: 2 }, { a: 1 }),
  'deepStrictEqual missing key': () => assert.deepStrictEqual({ a: 1 }, { a: 1, b: 2, c: 3 }),
  'deepStrictEqual arrays': () => assert.deepStrictEqual([1, 2, 3, 4], [1, 2, 5, 4]),
  'deepStrictEqual longer array': () => assert.deepStrictEqual([1, 2, 3], [1, 2, 3, 4, 5]),
  'deepStrictEqual long array skipped': () => assert.deepStrictEqual(lines(80), lines(80, 40, -1)),
  'deepStrictEqual long array own message': () => assert.deepStrictEqual(lines(80), lines(80, 40, -1), 'own'),
  'deepStrictEqual long object skipped': () => assert.deepStrictEqual(longObject(30), longObject(30, { 3: 'x', 20: 'y' })),
  'deepStrictEqual many differences': () => assert.deepStrictEqual(lines(120), lines(120).map((x) => -x)),
  'deepStrictEqual identical tail': () => assert.deepStrictEqual({ a: 0, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6 }, { a: 9, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6 }),
  'deepStrictEqual types': () => assert.deepStrictEqual(1, '1'),
  'deepStrictEqual prototypes': () => assert.deepStrictEqual(Object.create(null), {}),
  'deepStrictEqual Map': () => assert.deepStrictEqual(new Map([[1, { a: 1 }]]), new Map([[1, { a: 2 }]])),
  'deepStrictEqual Set objects unordered': () => assert.deepStrictEqual(new Set([{ a: 1 }, { b: 2 }]), new Set([{ b: 2 }, { a: 1 }])),
  'deepStrictEqual Set differs': () => assert.deepStrictEqual(new Set([1, 2]), new Set([1, 3])),
  'deepStrictEqual Date': () => assert.deepStrictEqual(new Date(0), new Date(1)),
  'deepStrictEqual RegExp flags': () => assert.deepStrictEqual(/a/g, /a/i),
  'deepStrictEqual errors': () => assert.deepStrictEqual(new Error('a'), new Error('b')),
  'deepStrictEqual error cause': () => assert.deepStrictEqual(new Error('a', { cause: 1 }), new Error('a', { cause: 2 })),
  'deepStrictEqual symbol keys': () => assert.deepStrictEqual({ [Symbol.for('x')]: 1 }, { [Symbol.for('x')]: 2 }),
  'deepStrictEqual typed arrays': () => assert.deepStrictEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])),
  'deepStrictEqual Float64 -0': () => assert.deepStrictEqual(new Float64Array([0]), new Float64Array([-0])),
  'deepStrictEqual boxed': () => assert.deepStrictEqual(new Number(1), new Number(2)),
  'deepStrictEqual sparse array': () => assert.deepStrictEqual([1, , 3], [1, undefined, 3]), // eslint-disable-line no-sparse-arrays
  'deepStrictEqual cycles pass': () => { const a = { x: 1 }; a.self = a; const b = { x: 1 }; b.self = b; assert.deepStrictEqual(a, b); },
  'deepStrictEqual same structure symbols': () => assert.deepStrictEqual({ a: Symbol('s') }, { a: Symbol('s') }),
  'deepStrictEqual class instances': () => { class P { constructor(x) { this.x = x; } } assert.deepStrictEqual(new P(1), new P(2)); },
  // ---- not-equal messages ----
  'notStrictEqual number': () => assert.notStrictEqual(1, 1),
  'notStrictEqual long string': () => assert.notStrictEqual('abcdefgh', 'abcdefgh'),
  'notStrictEqual object': () => { const o = { a: 1 }; assert.notStrictEqual(o, o); },
  'notDeepStrictEqual object': () => assert.notDeepStrictEqual({ a: 1 }, { a: 1 }),
  'notDeepStrictEqual long array': () => assert.notDeepStrictEqual(lines(60), lines(60)),
  'notDeepStrictEqual own message': () => assert.notDeepStrictEqual(1, 1, 'own'),
  // ---- legacy loose comparisons ----
  'equal loose passes': () => { assert.equal(1, '1'); assert.equal(null, undefined); assert.equal(NaN, NaN); },
  'equal fails': () => assert.equal(1, 2),
  'equal objects': () => assert.equal({ a: 1 }, { a: 1 }),
  'equal long strings': () => assert.equal('x'.repeat(600), 'y'),
  'equal own message': () => assert.equal(1, 2, 'own'),
  'notEqual fails': () => assert.notEqual(1, '1'),
  'notEqual NaN': () => assert.notEqual(NaN, NaN),
  'deepEqual loose passes': () => {
    assert.deepEqual(1, '1');
    assert.deepEqual([1, 2], ['1', '2']);
    assert.deepEqual({ a: 1 }, { a: '1' });
    assert.deepEqual(new Set([1, { a: 1 }]), new Set(['1', { a: 1 }]));
    assert.deepEqual(new Map([[1, 'a']]), new Map([['1', 'a']]));
    assert.deepEqual(Object.create(null), {});
    assert.deepEqual(new Float64Array([0]), new Float64Array([-0]));
    assert.deepEqual({ [Symbol.for('x')]: 1 }, { [Symbol.for('x')]: 2 });
    assert.deepEqual(null, undefined);
  },
  'deepEqual fails': () => assert.deepEqual({ a: 1 }, { a: 2 }),
  'deepEqual proto keys': () => assert.deepEqual({ a: 1 }, Object.create({ a: 1 })),
  'deepEqual array vs object': () => assert.deepEqual([1], { 0: 1, length: 1 }),
  'deepEqual boxed vs primitive': () => assert.deepEqual(new Number(1), 1),
  'deepEqual Float64 NaN': () => assert.deepEqual(new Float64Array([NaN]), new Float64Array([NaN])),
  'deepEqual functions': () => assert.deepEqual(() => 1, () => 1),
  'notDeepEqual same': () => assert.notDeepEqual({ a: 1 }, { a: 1 }),
  'notDeepEqual loose': () => assert.notDeepEqual(1, '1'),
  'equal missing args': () => assert.equal(1),
  'deepStrictEqual missing args': () => assert.deepStrictEqual(),
  // ---- assert.strict and assert/strict ----
  'strict.equal is strictEqual': () => assert.strict.equal(1, '1'),
  'assert/strict deepEqual': () => strict.deepEqual([1], ['1']),
  'strict.notEqual': () => strict.notEqual(1, 1),
  'strict identities': () => [assert.ok === assert, assert.strict === strict, strict.strict === strict, strict.ok === assert.ok,
    strict.equal === assert.strictEqual, nodeAssert === assert, strict.name, assert.name, Object.keys(assert), Object.keys(strict),
    Object.keys(assert).map((k) => typeof assert[k] === 'function' ? `${assert[k].name}/${assert[k].length}` : k)],
  // ---- ok: the failing call quoted from the source ----
  'ok(false)': () => assert.ok(false),
  'assert(0)': () => assert(0),
  'assert() no argument': () => assert(),
  'ok multi-line': () => assert.ok(typeof 123 === 'string' &&
      Number.isNaN(1),
    undefined),
  'ok nested call': () => assert.ok(Array.isArray(String(1))),
  'ok in arguments of a call': () => [1].map(() => assert(null)),
  'ok through require': () => require('assert').ok(''),
  'ok via call': () => assert.ok.call(null, false),
  'strict(false)': () => strict(false),
  'assert.strict.ok': () => assert.strict.ok(null),
  'ok own message': () => assert.ok(false, 'own'),
  'ok empty message': () => assert(0, ''),
  'ok Error message': () => assert(false, new RangeError('mine')),
  'ok message number': () => assert.ok(NaN, 5),
  'ok template argument': () => assert.ok(`${''}`),
  'ok comments and brackets': () => assert /* which */ ['ok'] (false),
  'ok destructured': () => { const { ok } = assert; ok(0 > 1); },
  'ok passes': () => { assert(1); assert.ok('x'); strict(true); },
  'ok second on a line': () => { assert.ok(true); assert.ok(0 > 1); },
  'ok in a forEach arrow': () => [false].forEach((v) => assert(v)),
  'ok in a method': () => { class Check { run(v) { assert.strict.ok(v); } } new Check().run(''); },
  'ok on a file\'s first line': () => require('./line_one')(),
  'ok with await (Node gives up)': async () => assert.ok(await Promise.resolve(false)),
  'ok in eval (no file)': () => eval('assert.ok(false)'),
  'ok in new Function (no file)': () => new Function('assert', 'assert.ok(false)')(assert),
  // ---- throws / doesNotThrow ----
  'throws missing': () => assert.throws(() => {}),
  'throws missing with class and message': () => assert.throws(() => {}, TypeError, 'msg'),
  'throws missing message string': () => assert.throws(() => {}, 'why'),
  'throws missing validation name': () => assert.throws(() => {}, { name: 'TypeError' }),
  'throws class matches': () => assert.throws(() => { throw new TypeError('t'); }, TypeError),
  'throws class differs': () => assert.throws(() => { throw new Error('a'); }, TypeError),
  'throws class same name': () => assert.throws(() => { throw new (class Custom extends Error {})('a'); }, Custom),
  'throws class primitive': () => assert.throws(() => { throw 5; }, TypeError),
  'throws class empty message': () => assert.throws(() => { throw new Error(''); }, RangeError),
  'throws RegExp matches': () => assert.throws(() => { throw new Error('abc'); }, /b/),
  'throws RegExp differs': () => assert.throws(() => { throw new RangeError('a'); }, /b/),
  'throws validation function true': () => assert.throws(() => { throw new Error('x'); }, (e) => e instanceof Error),
  'throws validation function false': () => assert.throws(() => { throw new RangeError('a'); }, (e) => e instanceof TypeError),
  'throws named validation function': () => assert.throws(() => { throw new RangeError('a'); }, function check() { return 1; }),
  'throws validation object matches': () => assert.throws(() => { const e = new RangeError('abc'); e.code = 'E1'; throw e; }, { name: 'RangeError', message: /b/, code: 'E1' }),
  'throws validation object differs': () => assert.throws(() => { throw new RangeError('abc'); }, { message: /x/, name: 'RangeError', code: 'E' }),
  'throws validation object undefined key': () => assert.throws(() => { throw new Error('a'); }, { message: 'a', extra: undefined }),
  'throws validation object own message': () => assert.throws(() => { throw new RangeError('abc'); }, { message: 'x' }, 'own'),
  'throws validation object primitive': () => assert.throws(() => { throw 'str'; }, { message: 'x' }),
  'throws validation object nested': () => assert.throws(() => { const e = new Error('a'); e.info = { a: [1, 2] }; throw e; }, { info: { a: [1, 3] } }),
  'throws Error instance': () => assert.throws(() => { throw new RangeError('abc'); }, new RangeError('abd')),
  'throws empty object': () => assert.throws(() => { throw new Error('a'); }, {}),
  'throws error number': () => assert.throws(() => {}, 1),
  'throws fn not function': () => assert.throws(1),
  'throws ambiguous message': () => assert.throws(() => { throw new Error('x'); }, 'x'),
  'throws ambiguous string': () => assert.throws(() => { throw 'x'; }, 'x'),
  'throws string and message': () => assert.throws(() => {}, 'a', 'b'),
  'doesNotThrow passes': () => assert.doesNotThrow(() => 1),
  'doesNotThrow throws': () => assert.doesNotThrow(() => { throw new Error('x'); }),
  'doesNotThrow message': () => assert.doesNotThrow(() => { throw new Error('x'); }, 'hmm'),
  'doesNotThrow other class rethrows': () => assert.doesNotThrow(() => { throw new Error('x'); }, TypeError),
  'doesNotThrow RegExp and message': () => assert.doesNotThrow(() => { throw new Error('x'); }, /x/, 'msg'),
  'doesNotThrow bad expected': () => assert.doesNotThrow(() => { throw new Error('x'); }, {}),
  // ---- rejects / doesNotReject ----
  'rejects missing': () => assert.rejects(Promise.resolve(1)),
  'rejects missing class and message': () => assert.rejects(async () => 1, TypeError, 'why'),
  'rejects matches': () => assert.rejects(Promise.reject(new TypeError('t')), { name: 'TypeError', message: 't' }),
  'rejects RegExp differs': () => assert.rejects(Promise.reject(new Error('x')), /y/),
  'rejects validation object differs': () => assert.rejects(async () => { throw new Error('late'); }, { message: 'early' }),
  'rejects not a promise': () => assert.rejects(1),
  'rejects function returns number': () => assert.rejects(() => 1),
  'rejects function returns object': () => assert.rejects(() => ({})),
  'rejects sync throw': () => assert.rejects(() => { throw new Error('sync'); }),
  'rejects thenable': () => assert.rejects({ then(resolve, reject) { reject(new Error('t')); }, catch() {} }, /t/),
  'doesNotReject rejects': () => assert.doesNotReject(Promise.reject(new Error('x'))),
  'doesNotReject message': () => assert.doesNotReject(() => Promise.reject(new Error('x')), 'msg'),
  'doesNotReject other class': () => assert.doesNotReject(Promise.reject(new Error('x')), TypeError),
  'doesNotReject passes': () => assert.doesNotReject(Promise.resolve(1)),
  // ---- match / doesNotMatch ----
  'match fails': () => assert.match('abc', /x/),
  'match passes': () => assert.match('abc', /b/),
  'match not a string': () => assert.match(1, /x/),
  'match not a RegExp': () => assert.match('x', 'x'),
  'match own message': () => assert.match('a', /x/, 'own'),
  'match Error message': () => assert.match('a', /x/, new TypeError('mine')),
  'doesNotMatch fails': () => assert.doesNotMatch('abc', /b/),
  'doesNotMatch multi-line input': () => assert.doesNotMatch('line 1\nline 2', /line/),
  // ---- ifError ----
  'ifError Error': () => assert.ifError(new Error('boom')),
  'ifError string': () => assert.ifError('boom'),
  'ifError empty message': () => assert.ifError(new TypeError('')),
  'ifError object': () => assert.ifError({ message: 5 }),
  'ifError zero': () => assert.ifError(0),
  'ifError false': () => assert.ifError(false),
  'ifError passes': () => { assert.ifError(null); assert.ifError(undefined); },
  'ifError stack keeps the original': () => {
    const original = new Error('boom');
    try { assert.ifError(original); } catch (e) { return [e.stack.split('\n')[0], e.stack.includes(original.stack.split('\n')[1])]; }
  },
  // ---- fail ----
  'fail()': () => assert.fail(),
  'fail(message)': () => assert.fail('boom'),
  'fail(null)': () => assert.fail(null),
  'fail(Error)': () => assert.fail(new TypeError('tt')),
  'fail(a, b)': () => assert.fail(1, 2),
  'fail(a, b, message)': () => assert.fail('a', 'b', 'msg'),
  'fail(a, b, undefined, op)': () => assert.fail(1, 2, undefined, '>'),
  'fail(undefined, undefined)': () => assert.fail(undefined, undefined),
  // ---- AssertionError ----
  'AssertionError fields': () => {
    const e = new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' });
    return [e.name, e.code, e.message, e.generatedMessage, e.actual, e.expected, e.operator, Object.keys(e), String(e),
      e.stack.split('\n')[0], e instanceof Error, Object.getOwnPropertyDescriptor(e, 'name').enumerable, e.constructor.name];
  },
  'AssertionError inspect': () => {
    const e = new assert.AssertionError({ actual: 'x'.repeat(600), expected: 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl', operator: 'strictEqual' });
    return util.inspect(e).replace(/\n +at [^\n]*/g, '');
  },
  'AssertionError inspect short': () => util.inspect(new assert.AssertionError({ actual: { a: { b: 1 } }, expected: [1], operator: 'deepEqual' })).replace(/\n +at [^\n]*/g, ''),
  'AssertionError message': () => new assert.AssertionError({ message: 'own', actual: 1, expected: 2, operator: 'strictEqual' }),
  'AssertionError custom operator': () => { throw new assert.AssertionError({ actual: 1, expected: 2, operator: 'custom' }); },
  'AssertionError no operator': () => { throw new assert.AssertionError({ actual: 1, expected: 2 }); },
  'AssertionError message number': () => { throw new assert.AssertionError({ message: 5 }); },
  'AssertionError no options': () => new assert.AssertionError(),
  'AssertionError options number': () => new assert.AssertionError(1),
  'thrown AssertionError toString': () => { try { assert.strictEqual(1, 2); } catch (e) { return [String(e), e.stack.split('\n')[0], e instanceof assert.AssertionError]; } },
  // ---- CallTracker ----
  'CallTracker': () => {
    const tracker = new assert.CallTracker();
    const f = tracker.calls(function foo(a) { return a * 2; }, 2);
    const g = tracker.calls(3);
    const out = [f(4), f.call({ x: 1 }, 5), f.name, f.length, g.name, g(), tracker instanceof assert.CallTracker, util.inspect(tracker)];
    out.push(shown(tracker.getCalls(f)), Object.isFrozen(tracker.getCalls(f)));
    out.push(tracker.report().map((r) => [r.message, r.actual, r.expected, r.operator, r.stack instanceof Error]));
    try { tracker.verify(); } catch (e) { out.push(Object.keys(e), e.message, e.generatedMessage, e['operator 0'], e.actual); }
    tracker.reset();
    f(); f();
    try { tracker.verify(); } catch (e) { out.push(e.message); }
    const h = tracker.calls();
    try { tracker.verify(); } catch (e) { out.push(e.message); }
    for (const bad of [() => tracker.getCalls(() => {}), () => tracker.calls(1.5), () => tracker.calls(() => {}, 'x'), () => tracker.calls(() => {}, 0)]) {
      try { bad(); } catch (e) { out.push([e.name, e.code, e.message]); }
    }
    g(); g(); g(); h();
    tracker.verify();
    return out;
  },
};

exports.run = async () => {
  const results = {};
  for (const [name, fn] of Object.entries(CASES)) {
    try {
      const value = await fn();
      results[name] = { passed: shown(value) };
    } catch (e) {
      results[name] = outcome(e);
    }
  }
  return results;
};
"""

# A multi-line assert.ok() on a CommonJS file's first line (compiled behind the module wrapper's head)
LINE_ONE = """const assert = require('assert'); module.exports = () => assert.ok(typeof assert ===
      'string' || null);
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return case_package(tmp_path_factory, "assert", {"cases.js": CASES, "index.js": HANDLER, "line_one.js": LINE_ONE})


def invoke_at_origin(source: Path, out_dir: Path) -> tuple[dict, str]:
    """test_js_builtins_more's invoke() with an origin-request event: the cases' answer (their messages
    in full) is larger than the 40 KB a viewer-request's may be. The answer's body and the log."""
    wasm = build_js(source, out=out_dir / f"{source.name}.wasm")
    event = CliRunner().invoke(cli, ["generate-event", "origin-request"])
    assert event.exit_code == 0, event.output
    (out_dir / "event.json").write_text(event.stdout)
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(out_dir / "event.json")])
    assert result.exit_code == 0, result.output[-2000:]
    answer = json.loads(result.stdout)
    assert answer["status"] == "200", answer
    return json.loads(answer["body"]), result.stderr


def test_assert_behaves_as_in_node(sources, tmp_path):
    in_node = cases_in_node(sources)
    at_the_edge, log = invoke_at_origin(sources, tmp_path)
    assert len(in_node) >= 80
    assert_same_as_node(at_the_edge, in_node, shown=12)
    # what the cases pin down, so a change in Node's output does not go unnoticed
    assert in_node["strictEqual numbers"]["message"] == "Expected values to be strictly equal:\n\n1 !== 2\n"
    assert in_node["deepStrictEqual objects"]["message"] == (
        "Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n+   a: 1\n-   a: 2\n  }")
    assert in_node["ok(false)"]["message"] == "The expression evaluated to a falsy value:\n\n  assert.ok(false)\n"
    assert in_node["deepEqual loose passes"] == {"passed": "<undefined>"}
    assert in_node["ifError Error"]["message"] == "ifError got unwanted exception: boom"
    # the deprecations Node warns of once (DEP0094, DEP0173), through process.emitWarning
    assert log.count("assert.fail() with more than one argument is deprecated. Please use assert.strictEqual() "
                     "instead or only pass a message.") == 1
    assert log.count("assert.CallTracker is deprecated.") == 1


# assert.ok()'s quoted call in an ES module (its first line compiled behind import.meta's settings), in
# a CommonJS file it imports, in methods and callbacks, and where Node gives up (await, eval)
ESM_INDEX = """import assert from 'node:assert'; const first = (() => { try { assert.ok(0 === 1,
    undefined); } catch (e) { return e.message; } })();
import { ok } from 'assert';
import helper from './helper.cjs';
const top = (() => { try { ok(null); } catch (e) { return e.message; } })();
class K { check(v) { assert(v); } static s(v) { assert.strict.ok(v) } }
export const run = async () => {
  const out = { first, top };
  try { new K().check(''); } catch (e) { out.method = e.message; }
  try { K.s(0); } catch (e) { out.staticMethod = e.message; }
  await null;
  try { assert.ok(await Promise.resolve(false)); } catch (e) { out.afterAwait = e.message; }
  out.helper = helper();
  try { eval('assert.ok(false)'); } catch (e) { out.evaled = e.message; }
  try { [false].forEach((v) => assert(v)); } catch (e) { out.forEach = e.message; }
  try { await Promise.resolve(0).then((v) => assert.ok(v)); } catch (e) { out.then = e.message; }
  try { const check = assert; check(
      0,
      undefined); } catch (e) { out.alias = e.message; }
  return out;
};
export const handler = async () => ({ status: '200', body: JSON.stringify(await run()) });
"""
ESM_HELPER = """const assert = require('assert');
module.exports = () => { try { assert.ok(typeof module === 'string'); } catch (e) { return e.message; } };
"""


def test_assert_ok_quotes_the_call_in_es_modules(tmp_path_factory, tmp_path):
    sources = case_package(tmp_path_factory, "assert_esm", {"index.mjs": ESM_INDEX, "helper.cjs": ESM_HELPER})
    in_node = json.loads(node("-e", "import(%s).then((m) => m.run()).then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(sources / "index.mjs"))))
    at_the_edge, _ = invoke(sources, tmp_path)
    assert_same_as_node(at_the_edge, in_node)
    assert in_node["first"] == "The expression evaluated to a falsy value:\n\n  assert.ok(0 === 1,\n  undefined)\n"
    assert in_node["afterAwait"] == "false == true"


PARTS = {"assertions.js", "assert_deep.js", "assert_message.js", "assert_source.js", "assert_tracker.js"}


def test_assert_parts_come_with_functions_naming_assert(tmp_path):
    (tmp_path / "index.js").write_text("exports.handler = async () => ({ status: '200', body: 'x' });\n")
    assert not PARTS & set(_on_demand(tmp_path))
    (tmp_path / "index.mjs").write_text("import { strictEqual } from 'node:assert/strict';\nexport const x = strictEqual;\n")
    assert PARTS <= set(_on_demand(tmp_path))


COMPUTED = """const name = ['ass', 'ert'].join('');
exports.handler = async () => {
  const assert = require(name);
  const out = [typeof assert, typeof assert.strictEqual];
  for (const call of [() => assert.ok(true), () => assert.deepStrictEqual({}, {}), () => assert.strict.equal(1, 1)]) {
    try { call(); out.push('passed'); } catch (e) { out.push([e.code, e.message]); }
  }
  return { status: '200', body: JSON.stringify(out) };
};
"""


def test_assert_by_a_computed_name_says_why(tmp_path_factory, tmp_path):
    """A function that never names assert has no assertions: require() of it by a computed name gives
    functions that throw why, not a crash or a silent pass."""
    sources = case_package(tmp_path_factory, "assert_computed", {"index.js": COMPUTED})
    out, _ = invoke(sources, tmp_path)
    why = ["ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "assert needs a literal require('assert') (or import) in the "
           "function's sources: the build includes it then"]
    assert out == ["function", "function", why, why, why]
