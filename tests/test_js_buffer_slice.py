"""Buffer.prototype.slice and subarray, Node's FastBuffer and Buffer.from(buffer) in the sandbox
against real Node, and what they cost.

The cases run in an edge function and in `node`, and every result must match: the view's class
(Buffer.isBuffer, instanceof Buffer and Uint8Array, its prototype), length, byteOffset, bytes and
whether it shares memory with its source, for start and end of every type (negative, fractions,
NaN, infinities, strings, null, booleans, objects with valueOf, arrays, BigInts, past the ends),
slices of slices, both methods called on a Uint8Array, a Uint16Array, an Array and a plain object
(Node's slice is `this.subarray(start, end)`, so on a Uint8Array it gives a Uint8Array, and on an
object with its own subarray it calls that), Uint8Array's own subarray and slice of a Buffer (its
species), Buffer.from of a Buffer, a Uint8Array, a view into a bigger ArrayBuffer and a Uint16Array
(a copy), and the methods' names, lengths and property flags. The engine does the common calls
itself (edge_js.c, bufViews) and hands the rest to Node's JavaScript (buffer.js), so both paths run.

Buffer.from(string) and Array, new Buffer(string), alloc, allocUnsafe and allocUnsafeSlow (their
sizes of every type) are compared too: those Buffers are born Buffers the same way. Then a loop of
slices, subarrays, Buffer.from(buf) and allocUnsafe stays within a bound a turn (bench/README.md J17:
~9,300-18,800 fuel a turn before, ~4,400-7,200 now)."""

from __future__ import annotations

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
// run() gives {name: outcome}: a view described (class, length, offset and size of its memory, bytes)
// or the error thrown. A copy's offset and memory are left out: Node makes small copies in its 8 KiB
// pool (Buffer.from(buf), concat), the edge in their own ArrayBuffer.
function describe(v, copy) {
  if (v instanceof Uint8Array || v instanceof Uint16Array) {
    const kind = Object.getPrototypeOf(v) === Buffer.prototype ? 'Buffer' : v.constructor.name;
    const memory = copy ? '' : ` off=${v.byteOffset} ab=${v.buffer.byteLength}`;
    return `${kind} isBuffer=${Buffer.isBuffer(v)} instanceofBuffer=${v instanceof Buffer} len=${v.length}${memory} ` +
      `[${Array.from(v).join(',')}]`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => describe(x, copy)).join(' | ')}]`;
  return `${typeof v}:${String(v)}`;
}
function outcome(f, copy) {
  try {
    return describe(f(), copy);
  } catch (e) {
    return `${e.name} ${e.code} ${e.message}`;
  }
}
const source = () => Buffer.from(new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]).buffer); // no pool
const OFFSETS = ['none', 0, 1, 3, 9, 10, 11, 100, -1, -3, -10, -11, -100, 1.5, -1.5, 0.9, -0.9, -0, NaN, Infinity, -Infinity,
  2 ** 32, -(2 ** 32), 2 ** 53, '2', '-2', '', 'x', null, undefined, true, false, [], [4], {}, 1n];
const name = (o) => {
  if (o === 'none') return o;
  if (Array.isArray(o)) return `[${o.join(',')}]`;
  if (typeof o === 'bigint') return `${o}n`;
  if (typeof o === 'object' && o !== null) return '{}';
  if (typeof o === 'string') return `'${o}'`;
  return Object.is(o, -0) ? '-0' : String(o);
};
const cases = {};
const add = (key, f, copy) => {
  if (key in cases) throw new Error(`two cases named ${key}`);
  cases[key] = () => outcome(f, copy);
};
const call = (buf, method, a, b) => (a === 'none' ? buf[method]() : b === 'none' ? buf[method](a) : buf[method](a, b));
for (const method of ['slice', 'subarray']) {
  for (const a of OFFSETS) {
    for (const b of ['none', 0, 2, 5, -2, -20, 20, 2.7, NaN, undefined, '4', null, 1n]) {
      if (a === 'none' && b !== 'none') continue;
      add(`${method}/${name(a)}/${name(b)}`, () => call(source(), method, a, b));
    }
  }
  add(`${method}/valueOf`, () => source()[method]({ valueOf() { return 2; } }, { valueOf() { return -2; } }));
  add(`${method}/shares`, () => {
    const buf = source();
    const view = buf[method](2, 6);
    view[0] = 99;
    buf[5] = 98;
    return [buf, view];
  });
  add(`${method}/of a slice`, () => {
    const inner = source()[method](2, 9)[method](1, -1)[method](-4, 3);
    inner.fill(7);
    return inner;
  });
  add(`${method}/of an offset view`, () => Buffer.from(new ArrayBuffer(16), 4, 8)[method](2));
  add(`${method}/empty`, () => Buffer.alloc(0)[method](0, 1));
  add(`${method}/on a Uint8Array`, () => Buffer.prototype[method].call(new Uint8Array([1, 2, 3, 4]), 1, 3));
  add(`${method}/on a Uint16Array`, () => Buffer.prototype[method].call(new Uint16Array([1, 2, 3, 4]), 1));
  add(`${method}/on an Array`, () => Buffer.prototype[method].call([1, 2, 3], 1));
  add(`${method}/on an object`, () => Buffer.prototype[method].call({}, 1));
  add(`${method}/on an object with subarray`, () => Buffer.prototype[method].call({ subarray: (a, b) => [a, b] }, 1));
  add(`${method}/on null`, () => Buffer.prototype[method].call(null, 1));
  add(`${method}/on a string`, () => Buffer.prototype[method].call('abc', 1));
  add(`${method}/own subarray`, () => {
    const buf = source();
    buf.subarray = () => 'own';
    return buf[method](1);
  });
  add(`${method}/own length`, () => {
    const buf = source();
    Object.defineProperty(buf, 'length', { value: 4 });
    return buf[method](-1);
  });
  add(`${method}/own byteOffset`, () => {
    const buf = source();
    Object.defineProperty(buf, 'byteOffset', { value: 5 });
    return buf[method](1, 3);
  });
  add(`${method}/prototype changed`, () => {
    const proto = Object.create(Buffer.prototype, { length: { get() { return 3; } } });
    return Object.setPrototypeOf(source(), proto)[method](-2);
  });
  add(`${method}/detached`, () => { // the engine's message is not V8's ('Cannot perform Construct on a detached ArrayBuffer')
    const ab = new ArrayBuffer(8);
    const buf = Buffer.from(ab);
    structuredClone(ab, { transfer: [ab] });
    try {
      return buf[method](0);
    } catch (e) {
      return `${e.name} ${buf.length}`;
    }
  });
  add(`${method}/descriptor`, () => {
    const d = Object.getOwnPropertyDescriptor(Buffer.prototype, method);
    return `${typeof d.value} ${d.value.name} ${d.value.length} ${d.writable} ${d.enumerable} ${d.configurable} ${
      d.value === Uint8Array.prototype[method]}`;
  });
}
add('Uint8Array subarray of a Buffer', () => Uint8Array.prototype.subarray.call(source(), 2, 4));
add('Uint8Array slice of a Buffer', () => Uint8Array.prototype.slice.call(source(), 2, 4));
add('Uint8Array subarray', () => new Uint8Array([1, 2, 3]).subarray(1));
add('map of a Buffer', () => source().map((x) => x + 1));
add('species', () => {
  const FastBuffer = Buffer[Symbol.species];
  return [new FastBuffer(3), new FastBuffer(source().buffer, 2, 3), FastBuffer.prototype === Buffer.prototype ? 'proto' : 'other'];
});
add('from a Buffer', () => {
  const buf = source();
  const copy = Buffer.from(buf);
  copy[0] = 1;
  return [buf, copy];
}, true);
add('from a slice', () => Buffer.from(source().subarray(3, 6)), true);
add('from a Uint8Array', () => Buffer.from(new Uint8Array([5, 6, 7])), true);
add('from a view into an ArrayBuffer', () => Buffer.from(new Uint8Array(new ArrayBuffer(12), 4, 3).fill(9)), true);
add('from a Uint16Array', () => Buffer.from(new Uint16Array([1, 300, 65535])), true);
add('from an empty Buffer', () => Buffer.from(Buffer.alloc(0)), true);
add('from a Buffer, offsets ignored', () => Buffer.from(source(), 2, 3), true);
for (const [string, encoding] of [['hello', undefined], ['h\u00e9llo \ud83d\ude00', 'utf8'], ['aGVs bG8=\n', 'base64'], ['abzz', 'hex'],
  ['', undefined], ['\u00ff\u0100', 'latin1'], ['abc', 'utf16le'], ['-_-_', 'base64url']]) {
  add(`from '${string}', ${encoding}`, () => Buffer.from(string, encoding), true);
}
add('from an Array', () => Buffer.from([1, 256, -1, 3.7, '5']), true);
add('new Buffer(string)', () => new Buffer('abc'), true); // eslint-disable-line no-buffer-constructor
for (const method of ['allocUnsafe', 'allocUnsafeSlow', 'alloc']) { // Node's pool leaves allocUnsafe's bytes unknown
  for (const size of [0, 3, 1.5, -0, -1, NaN, Infinity, 2 ** 32 + 1, '3', undefined, null, 3n]) {
    add(`${method}(${name(size)})`, () => {
      const b = Buffer[method](size);
      return `${Buffer.isBuffer(b)} ${b.length} ${b instanceof Buffer}`;
    });
  }
  add(`${method} function`, () => `${Buffer[method].name} ${Buffer[method].length}`);
}
add('concat of slices', () => Buffer.concat([source().slice(0, 2), source().subarray(8)]), true);
add('toString of a slice', () => source().slice(1, 4).toString('hex'));

exports.run = () => Object.fromEntries(Object.entries(cases).map(([key, f]) => [key, f()]));
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
const buf = Buffer.alloc(1024, 7);
const small = buf.subarray(0, 16);
const u8 = new Uint8Array(1024);
const OPS = {
  loop: (n) => { let s = 0; for (let i = 0; i < n; i++) s += i & 511; return s; },
  u8index: (n) => { let s = 0; for (let i = 0; i < n; i++) s += u8[i & 511]; return s; },
  slice: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.slice(i & 511, 600).length; return s; },
  sliceNegative: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.slice(-10).length; return s; },
  subarray: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.subarray(i & 511, 600).length; return s; },
  from: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.from(small).length; return s; },
  fromString: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.from('session=abc123').length; return s; },
  allocUnsafe: (n) => { let s = 0; for (let i = 0; i < n; i++) s += Buffer.allocUnsafe(16).length; return s; },
};
exports.handler = async (event) => {
  const parts = event.Records[0].cf.request.uri.split('/');
  const body = parts[1] === 'op' ? OPS[parts[2]](Number(parts[3])) : cases.run();
  return { status: '200', body: JSON.stringify(body) };
};
"""


sources, node_results, function = compared_case_fixtures("buffer_slice", {"cases.js": CASES_JS, "index.js": INDEX_JS})


def test_views_and_copies_match_node(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert_same_as_node(edge, node_results)


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    assert len(node_results) > 900
    assert node_results["slice/-3/none"] == "Buffer isBuffer=true instanceofBuffer=true len=3 off=7 ab=10 [17,18,19]"
    assert node_results["slice/on a Uint8Array"].startswith("Uint8Array isBuffer=false")  # u8.subarray
    assert node_results["subarray/on a Uint8Array"].startswith("Buffer isBuffer=true")
    assert node_results["slice/on an object"] == "TypeError undefined this.subarray is not a function"
    assert node_results["slice/1n/none"].startswith("TypeError undefined Cannot convert a BigInt")
    assert node_results["subarray/shares"] == ("[Buffer isBuffer=true instanceofBuffer=true len=10 off=0 ab=10 "
                                               "[10,11,99,13,14,98,16,17,18,19] | Buffer isBuffer=true "
                                               "instanceofBuffer=true len=4 off=2 ab=10 [99,13,14,98]]")
    assert node_results["slice/descriptor"] == "string:function slice 2 true true true false"
    assert "[1,11,12" in node_results["from a Buffer"] and "[10,11,12" in node_results["from a Buffer"]


# Fuel a loop turn, the loop's own ~700 included (bench/README.md J17): before, buffer.js made every
# Buffer with `new Uint8Array` and Object.setPrototypeOf (slice behind adjustOffset's calls, subarray
# Uint8Array's through the Buffer species getter): slice ~13,500, subarray ~9,300, Buffer.from(buf)
# ~18,800, Buffer.allocUnsafe(16) ~10,500; now ~4,400-4,800, ~7,200 and ~6,600 (a loop turn of
# `new Uint8Array(ab, off, len)` alone is ~3,400). Buffer.from(string) (~10,100 -> ~8,300) is shown.
BOUNDS = {"slice": 7_000, "sliceNegative": 7_000, "subarray": 7_000, "from": 10_000, "allocUnsafe": 9_000}
N = 2_000


def test_a_view_costs_a_few_thousand_fuel(function):  # type: ignore[no-untyped-def]
    def per_turn(op: str) -> float:
        return (answer_and_fuel(function, f"/op/{op}/{N}")[1] - answer_and_fuel(function, f"/op/{op}/0")[1]) / N

    costs = {op: per_turn(op) for op in ("loop", "u8index", *BOUNDS, "fromString")}
    print("\nfuel a loop turn: " + ", ".join(f"{op} {fuel:,.0f}" for op, fuel in costs.items()))
    over = {op: costs[op] for op, bound in BOUNDS.items() if costs[op] > bound}
    assert not over, f"over the bound a loop turn ({BOUNDS}): {over}"
