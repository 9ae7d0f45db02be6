"""Buffer.concat and Buffer.from(arrayBuffer, byteOffset, length) in the sandbox against real Node,
and what they cost.

The cases run in an edge function and in `node`, and every result must match: the Buffer's class,
length and bytes (and for Buffer.from of an ArrayBuffer, its offset and memory: a view), or the
error (name, code and, for a coded one, message). Buffer.concat: lists of Buffers, Uint8Arrays,
slices, offset views, one piece (a copy), none, more than the engine holds on its stack; a
totalLength that cuts, fills with zeros, of every type (fractions, negatives, NaN, strings,
BigInts, 2^32 and past it; any with an empty list); a list that is not an Array (strings, array-likes,
a Buffer) and an Array proxy; elements that are not Uint8Arrays (numbers, strings, Arrays, null,
holes, Uint16Arrays, DataViews, objects with a length of every kind), with and without a
totalLength, and Uint8Arrays with their own length or a detached buffer. Buffer.from(arrayBuffer,
byteOffset, length) with offsets and lengths of every type, a SharedArrayBuffer, an ArrayBuffer with
its own byteLength, a detached one, and Buffer.from's other calls (strings in each encoding
name, any other value). The engine does the
common calls itself (edge_js.c, bufViews' concat and from) and hands the rest, and every error, to
Node's JavaScript (buffer.js), so both paths run.

Then a loop of each stays within a bound a turn (bench/README.md J18: Buffer.concat of two ~28,600
fuel a turn before, ~8,300 now; Buffer.from(arrayBuffer, 8, 16) ~10,800 before, ~4,300 now)."""

from __future__ import annotations

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
// run() gives {name: outcome}: a Buffer described (class, length, bytes; a view's offset and memory)
// or the error thrown (a message only when the error has a code: the engines word theirs apart)
function describe(v, view) {
  if (v instanceof Uint8Array) {
    const kind = Object.getPrototypeOf(v) === Buffer.prototype ? 'Buffer' : v.constructor.name;
    const memory = view ? ` off=${v.byteOffset} ab=${v.buffer.byteLength}` : '';
    return `${kind} isBuffer=${Buffer.isBuffer(v)} len=${v.length}${memory} [${Array.from(v).join(',')}]`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => describe(x, view)).join(' | ')}]`;
  return `${typeof v}:${String(v)}`;
}
function outcome(f, view) {
  try {
    return describe(f(), view);
  } catch (e) {
    return e.code === undefined ? `${e.name}` : `${e.name} ${e.code} ${e.message} | ${String(e)}`;
  }
}
const cases = {};
const add = (key, f, view) => {
  if (key in cases) throw new Error(`two cases named ${key}`);
  cases[key] = () => outcome(f, view);
};
const name = (o) => {
  if (o === 'none') return o;
  if (typeof o === 'bigint') return `${o}n`;
  if (typeof o === 'string') return `'${o}'`;
  if (Array.isArray(o)) return `[${o.join(',')}]`;
  if (typeof o === 'object' && o !== null) return '{}';
  return Object.is(o, -0) ? '-0' : String(o);
};
const a = () => Buffer.from([1, 2, 3]);
const b = () => Buffer.from([4, 5, 6, 7]);
const u8 = () => new Uint8Array([8, 9]);
const LISTS = {
  'none': () => [],
  'one': () => [a()],
  'two': () => [a(), b()],
  'buffer and Uint8Array': () => [a(), u8()],
  'Uint8Arrays': () => [u8(), u8()],
  'with an empty one': () => [a(), Buffer.alloc(0), b()],
  'empties': () => [Buffer.alloc(0), new Uint8Array(0)],
  'slices': () => [b().subarray(1, 3), Buffer.from(new ArrayBuffer(8), 2, 4).fill(3), new Uint8Array(new ArrayBuffer(6), 1, 2).fill(5)],
  'forty': () => Array.from({ length: 40 }, (_, i) => Buffer.from([i, i + 1])),
  'same twice': () => { const x = a(); return [x, x]; },
};
for (const [listName, list] of Object.entries(LISTS)) {
  for (const length of ['none', undefined, 0, 1, 3, 5, 7, 9, 100, 1.5, -1, -0, NaN, Infinity, '3', null, 3n, {}, true, 2 ** 32 + 1]) {
    add(`concat ${listName} / ${name(length)}`, () => (length === 'none' ? Buffer.concat(list()) : Buffer.concat(list(), length)));
  }
}
add('concat a copy', () => {
  const x = a();
  const y = Buffer.concat([x]);
  y[0] = 99;
  return [x, y];
});
add('concat of pool-sized', () => Buffer.concat([Buffer.alloc(5000, 1), Buffer.alloc(5000, 2)]).toString('base64').length);
add('concat a new Buffer each time', () => {
  const list = [a()];
  return Buffer.concat(list) !== Buffer.concat(list) && Buffer.concat([]) !== Buffer.concat([]);
});
for (const [listName, list] of Object.entries({
  string: () => 'ab', null: () => null, undefined: () => undefined, number: () => 3, object: () => ({}),
  'array-like': () => ({ length: 1, 0: a() }), Buffer: () => a(), Set: () => new Set([a()]), 'Array proxy': () => new Proxy([a(), b()], {}),
  'an Array subclass': () => { class L extends Array {} return L.from([a(), u8()]); },
  'arguments': () => (function () { return arguments; })(a()),
  'elements 1': () => [1], 'elements string': () => [a(), 'str'], 'elements Array': () => [a(), [1, 2]],
  'elements null': () => [a(), null], 'elements undefined': () => [undefined], 'elements hole': () => [a(), , b()], // eslint-disable-line no-sparse-arrays
  'elements Uint16Array': () => [new Uint16Array([1, 2])], 'elements DataView': () => [new DataView(new ArrayBuffer(2))],
  'elements ArrayBuffer': () => [new ArrayBuffer(2)], 'elements {length: 3}': () => [{ length: 3 }],
  'elements {length: -5}': () => [{ length: -5 }], "elements {length: 'x'}": () => [{ length: 'x' }],
  'elements {length: 2.5}': () => [{ length: 2.5 }], 'elements Buffer then object': () => [a(), { length: 2 }],
  'elements function': () => [a, b], 'elements Symbol': () => [Symbol('s')], 'elements 1n': () => [1n],
  'elements long string': () => ['a string longer than twenty-eight characters'],
  'own length 10': () => { const x = a(); Object.defineProperty(x, 'length', { value: 10 }); return [x, b()]; },
  'own length 1': () => { const x = a(); Object.defineProperty(x, 'length', { value: 1 }); return [x, b()]; },
  'detached': () => { const ab = new ArrayBuffer(4); const x = new Uint8Array(ab); structuredClone(ab, { transfer: [ab] }); return [a(), x, b()]; },
  'index getter': () => { const list = [a()]; Object.defineProperty(list, 1, { get: () => b(), enumerable: true }); return list; },
})) {
  for (const length of ['none', 2, 9]) {
    // A piece whose own length is past its bytes: Node's copy reads on into its 8 KiB pool (with a
    // totalLength past the bytes), or leaves allocUnsafe's bytes unwritten (without one)
    if (listName === 'own length 10' && length !== 2) continue;
    add(`concat list ${listName} / ${name(length)}`, () => (length === 'none' ? Buffer.concat(list()) : Buffer.concat(list(), length)));
  }
}
add('concat no arguments', () => Buffer.concat());
add('concat function', () => {
  const d = Object.getOwnPropertyDescriptor(Buffer, 'concat');
  return `${d.value.name} ${d.value.length} ${d.writable} ${d.enumerable} ${d.configurable}`;
});

// Buffer.from(arrayBuffer, byteOffset, length): a view (its offset and memory shown)
const ab16 = () => { const ab = new ArrayBuffer(16); new Uint8Array(ab).forEach((_, i, u) => { u[i] = i; }); return ab; };
for (const offset of ['none', undefined, 0, 4, 15, 16, 17, -1, -0.5, 1.5, NaN, Infinity, -Infinity, '4', null, true, [2], 1n]) {
  for (const length of ['none', undefined, 0, 4, 12, 13, 16, -1, 2.5, NaN, Infinity, '4', null, 1n]) {
    if (offset === 'none' && length !== 'none') continue;
    add(`from ab / ${name(offset)} / ${name(length)}`, () => (offset === 'none' ? Buffer.from(ab16())
      : length === 'none' ? Buffer.from(ab16(), offset) : Buffer.from(ab16(), offset, length)), true);
  }
}
add('from ab shares', () => {
  const ab = ab16();
  const buf = Buffer.from(ab, 2, 4);
  buf[0] = 99;
  return [buf, new Uint8Array(ab)];
}, true);
add('from ab valueOf', () => Buffer.from(ab16(), { valueOf: () => 3 }, { valueOf: () => 2 }), true);
add('from empty ab', () => Buffer.from(new ArrayBuffer(0)), true);
add('from empty ab / 0 / 0', () => Buffer.from(new ArrayBuffer(0), 0, 0), true);
add('from SharedArrayBuffer', () => Buffer.from(new SharedArrayBuffer(8), 2, 3), true);
add('from ab own byteLength', () => {
  const ab = ab16();
  Object.defineProperty(ab, 'byteLength', { value: 6 });
  return [Buffer.from(ab, 2), outcome(() => Buffer.from(ab, 2, 5))];
}, true);
add('from ab own byteLength string', () => {
  const ab = ab16();
  Object.defineProperty(ab, 'byteLength', { value: '6' });
  return Buffer.from(ab, 2);
}, true);
add('from detached ab', () => {
  const ab = ab16();
  structuredClone(ab, { transfer: [ab] });
  return Buffer.from(ab);
}, true);
add('from a new view each time', () => { const ab = ab16(); return Buffer.from(ab) !== Buffer.from(ab); });
// Buffer.from's other common calls the engine now takes first
for (const [label, f] of Object.entries({
  'string': () => Buffer.from('h\u00e9llo'), 'string, undefined': () => Buffer.from('abc', undefined),
  "string, ''": () => Buffer.from('abc', ''), 'string, 5': () => Buffer.from('abc', 5), 'string, null': () => Buffer.from('abc', null),
  'string, hex': () => Buffer.from('abcd', 'hex'), 'string, odd hex': () => Buffer.from('abcx12', 'hex'),
  'string, base64': () => Buffer.from('aGk gdGhlcmU=\n', 'base64'), 'string, base64url': () => Buffer.from('-_8', 'base64url'),
  'string, latin1': () => Buffer.from('\u00ff\u0100', 'latin1'), 'string, binary': () => Buffer.from('\u00e9', 'binary'),
  'string, ascii': () => Buffer.from('\u00e9a', 'ascii'), 'string, utf-8': () => Buffer.from('\u00e9', 'utf-8'),
  'string, ucs2': () => Buffer.from('ab\u00e9', 'ucs2'), 'string, utf-16le': () => Buffer.from('\ud83d\ude00', 'utf-16le'),
  'string, Base64': () => Buffer.from('aGk=', 'Base64'), 'string, String hex': () => Buffer.from('ab', new String('hex')), 'string, HEX': () => Buffer.from('abcd', 'HEX'), 'string, nope': () => Buffer.from('abcd', 'nope'),
  'empty string': () => Buffer.from(''), 'a Buffer': () => Buffer.from(a()), 'a Uint8Array, offsets': () => Buffer.from(u8(), 1, 1),
  'an Array': () => Buffer.from([1, 2, 300]), 'a Uint16Array': () => Buffer.from(new Uint16Array([1, 300])),
  'nothing': () => Buffer.from(), 'null': () => Buffer.from(null), 'a number': () => Buffer.from(5), 'an object': () => Buffer.from({}),
  '{type: Buffer}': () => Buffer.from({ type: 'Buffer', data: [1, 2] }), 'String object': () => Buffer.from(new String('ab')),
  'new Buffer(ab, 2, 3)': () => new Buffer(ab16(), 2, 3), // eslint-disable-line no-buffer-constructor
  'Buffer(ab, 4)': () => Buffer(ab16(), 4), // eslint-disable-line new-cap
  'function': () => { const d = Object.getOwnPropertyDescriptor(Buffer, 'from'); return `${d.value.name} ${d.value.length} ${d.writable} ${d.enumerable} ${d.configurable}`; },
})) add(`from ${label}`, f);

exports.run = () => Object.fromEntries(Object.entries(cases).map(([key, f]) => [key, f()]));
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
const a = Buffer.from('hello world, this is a chunk');
const b = Buffer.from('and another chunk of body');
const ab = new ArrayBuffer(64);
const OPS = {
  loop: (n) => { let s = 0; for (let i = 0; i < n; i++) s += i & 511; return s; },
  concat: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.concat([a, b]).length; return s; },
  concatLength: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.concat([a, b], 40).length; return s; },
  concatFive: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.concat([a, b, a, b, a]).length; return s; },
  fromArrayBuffer: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.from(ab, 8, 16).length; return s; },
  fromWholeArrayBuffer: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.from(ab).length; return s; },
};
exports.handler = async (event) => {
  const parts = event.Records[0].cf.request.uri.split('/');
  const body = parts[1] === 'op' ? OPS[parts[2]](Number(parts[3])) : cases.run();
  return { status: '200', body: JSON.stringify(body) };
};
"""


sources, node_results, function = compared_case_fixtures("buffer_concat", {"cases.js": CASES_JS, "index.js": INDEX_JS})


def test_concat_and_from_array_buffer_match_node(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert_same_as_node(edge, node_results)


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    assert len(node_results) > 550
    assert node_results["concat two / none"] == "Buffer isBuffer=true len=7 [1,2,3,4,5,6,7]"
    assert node_results["concat two / 5"] == "Buffer isBuffer=true len=5 [1,2,3,4,5]"
    assert node_results["concat two / 9"] == "Buffer isBuffer=true len=9 [1,2,3,4,5,6,7,0,0]"
    assert node_results["concat none / -1"] == "Buffer isBuffer=true len=0 []"
    assert node_results["concat two / '3'"].startswith('TypeError ERR_INVALID_ARG_TYPE The "length" argument must be')
    assert node_results["concat list string / none"].startswith(
        'TypeError ERR_INVALID_ARG_TYPE The "list" argument must be an instance of Array.')
    assert node_results["concat list elements null / 2"].startswith(
        'TypeError ERR_INVALID_ARG_TYPE The "list[1]" argument must be an instance of Buffer or Uint8Array. Received null')
    assert node_results["concat list elements null / none"] == "TypeError"  # null.length
    assert node_results["concat list own length 10 / 2"] == "Buffer isBuffer=true len=2 [1,2]"
    assert node_results["concat list own length 1 / none"] == "Buffer isBuffer=true len=5 [1,4,5,6,7]"
    assert node_results["from ab / 4 / 4"] == "Buffer isBuffer=true len=4 off=4 ab=16 [4,5,6,7]"
    assert node_results["from ab / 17 / none"].startswith('RangeError ERR_BUFFER_OUT_OF_BOUNDS "offset" is outside')


# Fuel a loop turn, the loop's own ~700 included (bench/README.md J18): feross's Buffer.concat took
# ~28,600 for two pieces (~42,900 with a totalLength, ~54,000 for five) and buffer.js's
# Buffer.from(arrayBuffer, 8, 16) ~10,800; the engine's ~8,300 (a two-element Array literal and a new
# Buffer are most of it) and ~4,300 (`new Uint8Array(ab, 8, 16)` alone is ~3,300).
BOUNDS = {"concat": 14_000, "concatLength": 14_000, "concatFive": 18_000, "fromArrayBuffer": 6_000,
          "fromWholeArrayBuffer": 6_000}
N = 2_000


def test_concat_and_from_array_buffer_cost_a_few_thousand_fuel(function):  # type: ignore[no-untyped-def]
    def per_turn(op: str) -> float:
        return (answer_and_fuel(function, f"/op/{op}/{N}")[1] - answer_and_fuel(function, f"/op/{op}/0")[1]) / N

    costs = {op: per_turn(op) for op in ("loop", *BOUNDS)}
    print("\nfuel a loop turn: " + ", ".join(f"{op} {fuel:,.0f}" for op, fuel in costs.items()))
    over = {op: costs[op] for op, bound in BOUNDS.items() if costs[op] > bound}
    assert not over, f"over the bound a loop turn ({BOUNDS}): {over}"
