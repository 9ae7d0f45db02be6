"""Buffer's number reads and writes (readUInt8 ... readBigInt64BE, writeUInt8 ... writeDoubleBE,
readUIntLE(offset, byteLength) and its siblings, the Uint aliases) and toJSON in the sandbox against
real Node, and what they cost.

The cases below run in an edge function and in `node`, and every result must match: values read
(BigInt, -0 and NaN told apart), the bytes a write leaves and what it returns, and every error's
name, code and message (ERR_OUT_OF_RANGE with Node's ranges and `Received` formatting, 2 ** 32 and
up with separators, ERR_INVALID_ARG_TYPE, ERR_BUFFER_OUT_OF_BOUNDS), for offsets of every type and
edge, values out of range, fractions, NaN, strings, objects with valueOf, BigInts where numbers go
and numbers where BigInts go, and the methods called on a plain Uint8Array, a Uint8ClampedArray, a
Uint16Array and an Array (Node's code indexes `this`). The engine does a call on a Uint8Array with
an offset inside it itself (edge_js.c, bufNumber) and hands every other to Node's JavaScript (buffer.js),
so both paths are covered. Then a loop of 10,000 calls stays within 3x of the same loop reading a
Uint8Array element (bench/README.md J15: ~5,000-30,000 fuel a call before, ~1,000 now), and toJSON
within a bound per byte (~640 fuel a byte before, ~57 now)."""

from __future__ import annotations

import json

import pytest

from .js_helpers import answer_and_fuel, compared_case_fixtures, node

CASES_JS = r"""'use strict';
// Each case: [name, thunk]; run() gives {name: outcome}. An outcome is the value ('n' after a
// BigInt, -0 and NaN spelled out), then for a write the buffer's bytes; or the error's name, code
// and message.
function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Uint8Array || v instanceof Uint8ClampedArray || v instanceof Uint16Array) return `${v.constructor.name}[${Array.from(v).join(',')}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
}
function outcome(f, target) {
  try {
    const r = f();
    return target === undefined ? show(r) : `${show(r)} ${show(target)}`;
  } catch (e) {
    return `${e.name} ${e.code} ${e.message}`;
  }
}
const bytes = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 73 + 0xa5) & 0xff));

const READS = [];
for (const name of ['UInt8', 'Int8', 'UInt16', 'Int16', 'UInt32', 'Int32', 'Float', 'Double', 'BigUInt64', 'BigInt64']) {
  for (const end of /8$/.test(name) ? [''] : ['LE', 'BE']) READS.push(`read${name}${end}`);
}
const WRITES = READS.map((r) => r.replace('read', 'write'));
const SIZES = { 8: 1, 16: 2, 32: 4, Float: 4, Double: 8, 64: 8 };
const sizeOf = (name) => SIZES[/(8|16|32|64|Float|Double)(LE|BE)?$/.exec(name)[1]];

const OFFSETS = ['none', 0, 1, 'last', 'past', -1, 1.5, -0, NaN, Infinity, -Infinity, '1', null, true, 1n, {}, [],
  2 ** 32, 2 ** 32 + 1, 2 ** 53, -(2 ** 33), 1e21, 0.1];
function offsetValue(o, len, size) {
  if (o === 'last') return len - size;
  if (o === 'past') return len - size + 1;
  return o;
}
const offsetName = (o) => {
  if (o === 'none' || o === 'last' || o === 'past') return o;
  if (Array.isArray(o)) return `[${o.join(',')}]`;
  if (typeof o === 'object' && o !== null) return o.valueOf === Object.prototype.valueOf ? '{}' : 'valueOf';
  return show(o);
};
const NUMBER_VALUES = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 2 ** 31 - 1, 2 ** 31,
  -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32) - 1, 2 ** 40, 2 ** 48 - 1, 2 ** 48, -(2 ** 47), -(2 ** 47) - 1, 2 ** 53,
  1.5, -1.5, 0.5, -0.5, 255.9, -0, NaN, Infinity, -Infinity, 3.14159, 1e-40, 3.4e38, 3.5e38, -1e300, 5e-324,
  '7', '0x10', '', ' 12 ', 'x', null, undefined, true, false, [], [5], {}, { valueOf() { return 9; } }, 1n];
const BIG_VALUES = [0n, 1n, -1n, 255n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n), -(2n ** 63n) - 1n,
  -(2n ** 64n), 5, '5', 1.5, null, { valueOf() { return 7n; } }];

const cases = {};
const add = (name, f, target) => {
  if (name in cases) throw new Error(`two cases named ${name}`);
  cases[name] = () => outcome(f, target);
};

// reads: every method on buffers of 0 to 9 bytes, at every offset
for (const m of READS) {
  const size = sizeOf(m);
  for (const len of new Set([0, 1, size - 1, size, size + 1, 9])) {
    if (len < 0) continue;
    const buf = bytes(len);
    for (const o of OFFSETS) {
      const args = o === 'none' ? [] : [offsetValue(o, len, size)];
      add(`${m}/len${len}/${offsetName(o)}`, () => buf[m](...args));
    }
  }
  add(`${m}/undefinedArg`, () => bytes(9)[m](undefined));
}
// writes: every value at offset 0 and at the last offset; every offset with a valid value
for (const m of WRITES) {
  const size = sizeOf(m);
  const big = m.includes('Big');
  for (const v of big ? BIG_VALUES : NUMBER_VALUES) {
    for (const where of [0, 'last', 'none']) {
      const buf = Buffer.alloc(size + 2, 0xee);
      const args = where === 'none' ? [v] : [v, offsetValue(where, buf.length, size)];
      add(`${m}/${offsetName(v)}/${where}`, () => buf[m](...args), buf);
    }
  }
  for (const len of new Set([0, size - 1, size, 9])) {
    if (len < 0) continue;
    for (const o of OFFSETS) {
      const buf = Buffer.alloc(len, 0xee);
      const value = big ? 3n : 3;
      const args = o === 'none' ? [value] : [value, offsetValue(o, len, size)];
      add(`${m}/len${len}/${offsetName(o)}`, () => buf[m](...args), buf);
    }
  }
}
// byteLength variants
const LENGTHS = [1, 2, 3, 4, 5, 6, 0, 7, -1, 1.5, '2', undefined, null, NaN, Infinity];
for (const m of ['readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE']) {
  for (const n of LENGTHS) {
    for (const o of [0, 'last', 'past', undefined, -1, '0', 0.5]) {
      const buf = bytes(8);
      const size = typeof n === 'number' && n >= 1 && n <= 6 ? n : 1;
      add(`${m}/${show(n)}/${show(o)}`, () => buf[m](offsetValue(o, 8, size), n));
    }
  }
  add(`${m}/noArgs`, () => bytes(8)[m]());
}
for (const m of ['writeUIntLE', 'writeUIntBE', 'writeIntLE', 'writeIntBE']) {
  for (const n of LENGTHS) {
    for (const v of [0, 1, -1, 255, 256, -129, 2 ** 24 - 1, 2 ** 24, -(2 ** 23), 2 ** 40 - 1, -(2 ** 39), 2 ** 48 - 1, 2 ** 48, -(2 ** 47), -(2 ** 47) - 1,
      -0.5, -1.5, 1.5, -(2 ** 32) + 0.5, NaN, '12', null, 1n]) {
      for (const o of [0, 'last', undefined]) {
        const buf = Buffer.alloc(8, 0xee);
        const size = typeof n === 'number' && n >= 1 && n <= 6 ? n : 1;
        add(`${m}/${show(n)}/${show(v)}/${show(o)}`, () => buf[m](v, offsetValue(o, 8, size), n), buf);
      }
    }
  }
}
// Node's code indexes `this`: other receivers
const P = Buffer.prototype;
for (const m of [...READS, 'readUIntLE', 'readIntBE']) {
  const args = /^read(U?Int)(LE|BE)$/.test(m) ? [0, 3] : [0];
  add(`${m}/on/Uint8Array`, () => P[m].call(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 0x88]), ...args));
  add(`${m}/on/Uint8ClampedArray`, () => P[m].call(new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 0x88]), ...args));
  add(`${m}/on/Uint16Array`, () => P[m].call(new Uint16Array([1, 0x1ff, 3, 4, 5, 6, 7, 0x88]), ...args));
  add(`${m}/on/Array`, () => P[m].call([1, 300, 3, -4, 5, 6, 7, 0x88], ...args));
  add(`${m}/on/shortArray`, () => P[m].call([1], ...args));
}
for (const m of [...WRITES, 'writeUIntLE', 'writeIntBE']) {
  const big = m.includes('Big');
  const args = /^write(U?Int)(LE|BE)$/.test(m) ? [0x1234, 0, 3] : [big ? 0x1ffn : 0x1ff, 0];
  for (const make of [() => new Uint8Array(8), () => new Uint8ClampedArray(8), () => new Uint16Array(8), () => new Array(8).fill(0)]) {
    const target = make();
    add(`${m}/on/${target.constructor.name}`, () => P[m].call(target, ...args), target);
  }
}
// the methods themselves, and a view into a larger buffer
for (const m of [...READS, ...WRITES, 'readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE', 'writeUIntLE', 'writeUIntBE', 'writeIntLE', 'writeIntBE']) {
  add(`${m}/length`, () => P[m].length);
  if (m.includes('UInt')) add(`${m}/alias`, () => P[m.replace('UInt', 'Uint')] === P[m]);
  add(`${m}/enumerable`, () => Object.keys(P).includes(m));
}
add('subarray/read', () => { const b = bytes(16).subarray(3, 11); return [b.readUInt32BE(4), b.readBigInt64LE(0), b.readDoubleLE()]; });
add('subarray/write', () => { const all = Buffer.alloc(12); const b = all.subarray(2, 10); b.writeDoubleBE(-1.25, 0); b.writeUInt16LE(0xabcd, 6); return all; });
add('subarray/past', () => bytes(16).subarray(3, 11).readUInt32LE(5));
add('float/nanBytes', () => { const b = Buffer.alloc(12); b.writeFloatLE(NaN); b.writeDoubleBE(NaN, 4); return b; });
add('float/readNaN', () => [Buffer.from('7fc00001', 'hex').readFloatBE(), Buffer.from('ffffffffffffffff', 'hex').readDoubleLE()]);
add('float/rounding', () => { const b = Buffer.alloc(8); return [b.writeFloatLE(16777217), b.readFloatLE(), b.writeFloatLE(1e-46), b.readFloatLE(0), b.writeFloatBE(-3.4028235677973366e38), b.readFloatBE()]; });
add('roundtrip', () => {
  const b = Buffer.alloc(64);
  let o = 0;
  o = b.writeUInt8(200, o); o = b.writeInt8(-5, o); o = b.writeUInt16BE(0xbeef, o); o = b.writeInt16LE(-2, o);
  o = b.writeUInt32LE(0xdeadbeef, o); o = b.writeInt32BE(-123456789, o); o = b.writeFloatBE(1.5, o); o = b.writeDoubleLE(Math.PI, o);
  o = b.writeBigUInt64BE(0xfedcba9876543210n, o); o = b.writeBigInt64LE(-2n, o); o = b.writeUIntBE(0x123456789a, o, 5); o = b.writeIntLE(-0x123456, o, 3);
  return [o, b.readUInt8(0), b.readInt8(1), b.readUInt16BE(2), b.readInt16LE(4), b.readUInt32LE(6), b.readInt32BE(10), b.readFloatBE(14),
    b.readDoubleLE(18), b.readBigUInt64BE(26), b.readBigInt64LE(34), b.readUIntBE(42, 5), b.readIntLE(47, 3), b];
});
// toJSON
for (const [name, make] of [['empty', () => Buffer.alloc(0)], ['three', () => Buffer.from([1, 2, 255])], ['bytes300', () => bytes(300)],
  ['sub', () => bytes(20).subarray(5, 9)], ['u8', () => new Uint8Array([9, 8])], ['array', () => [1, 'x', null]],
  ['u16', () => new Uint16Array([300, 2])], ['object', () => ({ length: 2, 0: 'a', 1: 7 })]]) {
  add(`toJSON/${name}`, () => JSON.stringify(Buffer.prototype.toJSON.call(make())));
}
add('toJSON/stringify', () => JSON.stringify({ b: Buffer.from('hi'), nested: [Buffer.alloc(2)] }));
add('toJSON/keys', () => Object.keys(Buffer.from('a').toJSON()));
add('toJSON/roundtrip', () => Buffer.from(JSON.parse(JSON.stringify(bytes(50))).data).equals(bytes(50)));

exports.names = Object.keys(cases);
exports.run = (from, to) => {
  const out = {};
  for (const name of exports.names.slice(from, to)) out[name] = cases[name]();
  return out;
};
"""

INDEX_JS = r"""'use strict';
// /cases/<from>/<to>: a slice of cases.js's results; /op/<name>/<n>: n iterations of one operation's loop
const cases = require('./cases');
const buf = Buffer.alloc(1024, 7);
const u8 = new Uint8Array(1024);
const big = Buffer.alloc(65536, 3);
const OPS = {
  loop: (n) => { let s = 0; for (let i = 0; i < n; i++) s += i & 1023; return s; },
  u8index: (n) => { let s = 0; for (let i = 0; i < n; i++) s += u8[i & 1023]; return s; },
  readUInt8: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readUInt8(i & 1023); return s; },
  readUInt16BE: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readUInt16BE(i & 1021); return s; },
  readUInt32LE: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readUInt32LE(i & 1015); return s; },
  readInt32BE: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readInt32BE(i & 1015); return s; },
  readDoubleLE: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readDoubleLE(i & 1015); return s; },
  readUIntBE6: (n) => { let s = 0; for (let i = 0; i < n; i++) s += buf.readUIntBE(i & 1015, 6); return s; },
  writeUInt8: (n) => { for (let i = 0; i < n; i++) buf.writeUInt8(i & 255, i & 1023); return 0; },
  writeUInt32BE: (n) => { for (let i = 0; i < n; i++) buf.writeUInt32BE(i * 1000, i & 1015); return 0; },
  writeInt16LE: (n) => { for (let i = 0; i < n; i++) buf.writeInt16LE((i & 0x7fff) - 16000, i & 1021); return 0; },
  writeFloatBE: (n) => { for (let i = 0; i < n; i++) buf.writeFloatBE(i / 3, i & 1015); return 0; },
  writeIntLE3: (n) => { for (let i = 0; i < n; i++) buf.writeIntLE(i - 5000, i & 1015, 3); return 0; },
  toJSON: (n) => (n ? big.toJSON().data.length : 0),
};
exports.handler = async (event) => {
  const parts = event.Records[0].cf.request.uri.split('/');
  const body = parts[1] === 'op' ? OPS[parts[2]](Number(parts[3])) : cases.run(Number(parts[2]), Number(parts[3]));
  return { status: '200', body: JSON.stringify(body) };
};
"""

SLICE = 2000  # cases a request


sources, _, function = compared_case_fixtures("buffer_ints", {"cases.js": CASES_JS, "index.js": INDEX_JS})


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    cases = json.dumps(str(sources / "cases.js"))
    return json.loads(node("-e", f"const c = require({cases}); console.log(JSON.stringify(c.run(0)))"))


invoke = answer_and_fuel


def test_reads_writes_and_errors_match_node(function, node_results):  # type: ignore[no-untyped-def]
    edge: dict = {}
    for start in range(0, len(node_results), SLICE):
        edge.update(invoke(function, f"/cases/{start}/{start + SLICE}")[0])
    assert list(edge) == list(node_results)
    wrong = [key for key in node_results if edge[key] != node_results[key]]
    kinds: dict = {}
    for key in wrong:
        kinds.setdefault(key.split("/")[0] + " " + str(node_results[key])[:40], key)
    assert not wrong, f"{len(wrong)} of {len(node_results)} differ ({len(kinds)} kinds): " + "; ".join(
        f"{key}: edge {edge[key]!r} node {node_results[key]!r}" for key in wrong[:8])


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    results = list(node_results.values())
    assert len(results) > 5000
    counts = {code: sum(code in r for r in results) for code in ("ERR_OUT_OF_RANGE", "ERR_INVALID_ARG_TYPE", "ERR_BUFFER_OUT_OF_BOUNDS")}
    assert min(counts.values()) > 50, counts
    assert node_results["readUInt32LE/len4/past"] == (
        'RangeError ERR_OUT_OF_RANGE The value of "offset" is out of range. It must be >= 0 and <= 0. Received 1')
    assert node_results["readUInt32LE/len3/0"] == "RangeError ERR_BUFFER_OUT_OF_BOUNDS Attempt to access memory outside buffer bounds"
    assert node_results["readInt16BE/len9/string:1"] == (
        "TypeError ERR_INVALID_ARG_TYPE The \"offset\" argument must be of type number. Received type string ('1')")
    assert "Received 4_294_967_297" in node_results["writeUInt32LE/4294967297/0"]
    assert node_results["writeBigInt64LE/5/0"].startswith("TypeError undefined Cannot mix BigInt")
    assert node_results["writeUInt16BE/-1.5/0"].startswith("RangeError ERR_OUT_OF_RANGE")
    assert node_results["writeInt16BE/-1.5/0"] == "2 Buffer[255,255,238,238]"  # fractions written truncated
    assert any(r.startswith("Uint8ClampedArray") or " Uint8ClampedArray" in r for r in results)


# (ops, per-iteration bound in fuel): before (feross's `buffer` package) a loop turn of readUInt32LE
# took ~5,500 fuel, writeUInt32BE ~10,000, writeFloatBE ~26,500, readUIntBE(i, 6) ~11,000; now ~1,000-1,800
CALL_OPS = ["readUInt8", "readUInt16BE", "readUInt32LE", "readInt32BE", "readDoubleLE", "readUIntBE6", "writeUInt8",
            "writeUInt32BE", "writeInt16LE", "writeFloatBE", "writeIntLE3"]
N = 10_000


def test_a_call_costs_within_3x_of_a_typed_array_read(function):  # type: ignore[no-untyped-def]
    def per_turn(op: str) -> float:
        return (invoke(function, f"/op/{op}/{N}")[1] - invoke(function, f"/op/{op}/0")[1]) / N

    element = per_turn("u8index")
    costs = {op: per_turn(op) for op in CALL_OPS}
    print(f"\nfuel a loop turn: loop {per_turn('loop'):,.0f}, u8[i] {element:,.0f}, "
          + ", ".join(f"{op} {fuel:,.0f}" for op, fuel in costs.items()))
    over = {op: fuel for op, fuel in costs.items() if fuel > 3 * element}
    assert not over, f"more than 3x a Uint8Array element read ({element:,.0f} fuel a turn): {over}"


def test_to_json_is_not_a_loop_in_javascript(function):  # type: ignore[no-untyped-def]
    used = invoke(function, "/op/toJSON/1")[1] - invoke(function, "/op/toJSON/0")[1]
    print(f"\ntoJSON of 64 KiB: {used:,} fuel ({used / 65536:.0f} a byte)")
    assert used < 150 * 65536  # ~57 a byte; feross's Array.prototype.slice.call ~640
