"""`buffer.transcode`, `isAscii`, `isUtf8`, `kStringMaxLength` and `resolveObjectURL` in the sandbox
against real Node 20.

transcode converts between UTF-8, UCS-2, Latin-1 and ASCII as Node's ICU and simdutf do, pair by
pair, quirks included: bad UTF-8 read as U+FFFD (refused into UCS-2), '?' for what ASCII or Latin-1
cannot hold and default-ignorable code points dropped there, an odd UCS-2 byte dropped (U+FFFD into
UCS-2 itself), no whole code unit or a lone surrogate refused into UTF-8, ASCII's high bytes widened
into UCS-2; encoding names as Node normalizes them; Node's errors (`Unable to transcode Buffer
[U_ILLEGAL_ARGUMENT_ERROR]` with `errno`, ERR_INVALID_ARG_TYPE for a source that is no Uint8Array).
isAscii/isUtf8 take an ArrayBuffer or any typed array (not a DataView), with Node's errors; they and
TextDecoder's fatal mode refuse overlong forms, encoded surrogates and code points past U+10FFFF."""

from __future__ import annotations

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
const b = require('buffer');
function outcome(f) {
  try {
    const v = f();
    return v instanceof Uint8Array ? `${Object.getPrototypeOf(v) === Buffer.prototype ? 'Buffer' : 'other'} ${Buffer.from(v).toString('hex')}`
      : `${typeof v}:${String(v)}`;
  } catch (e) {
    return `${e.name} ${e.code} ${e.errno} ${e.message}`;
  }
}
const SOURCES = {
  plain: () => Buffer.from('hello'), eacute: () => Buffer.from([0xe9]), euro: () => Buffer.from('€ café'),
  high: () => Buffer.from([0x41, 0x80, 0xff, 0x42]), ucs: () => Buffer.from('hé€😀', 'ucs2'),
  odd: () => Buffer.from([0x41, 0x00, 0x42]), lone: () => Buffer.from([0xed, 0xa0, 0x80]),
  bom: () => Buffer.from('\ufeffa\ufeffb'), bomUcs2: () => Buffer.from('\ufeffa', 'ucs2'),
  ignorables: () => Buffer.from('a\u00ad\u200b\u2065\u180f\ufe0f\u{e0001}\u{1d173}b\u00e9\u0100'),
  truncated: () => Buffer.from([0xe2, 0x82]), surrogatePairUcs2: () => Buffer.from([0x3d, 0xd8, 0x00, 0xde]),
  loneUcs2: () => Buffer.from([0x00, 0xdc, 0x41, 0x00]), nul: () => Buffer.from([0]), u8: () => new Uint8Array([104, 105]),
  empty: () => Buffer.alloc(0),
};
const ENCODINGS = ['utf8', 'ascii', 'latin1', 'ucs2', 'binary', 'utf16le', 'UTF-8', 'UCS-2', 'Latin1', 'hex', 'base64', 'nope'];
const cases = {};
for (const [name, source] of Object.entries(SOURCES)) {
  for (const from of ENCODINGS) {
    for (const to of ENCODINGS) cases[`transcode ${name} ${from}->${to}`] = () => outcome(() => b.transcode(source(), from, to));
  }
}
for (const [label, from, to] of [['undefined', undefined, 'ascii'], ['null', null, 'latin1'], ['number', 123, 'utf8'],
  ['to undefined', 'latin1', undefined], ['empty name', '', 'ucs2']]) {
  cases[`transcode names ${label}`] = () => outcome(() => b.transcode(Buffer.from('é'), from, to));
}
for (const [label, source] of [['string', 'abc'], ['null', null], ['array', [1]], ['Uint16Array', new Uint16Array([1])],
  ['ArrayBuffer', new ArrayBuffer(2)], ['DataView', new DataView(new ArrayBuffer(1))]]) {
  cases[`transcode source ${label}`] = () => outcome(() => b.transcode(source, 'utf8', 'ascii'));
}
const INPUTS = {
  ascii: () => Buffer.from('abc'), high: () => Buffer.from([0x80]), utf8: () => Buffer.from('é€😀'), lone: () => Buffer.from([0xed, 0xa0, 0x80]),
  overlong: () => Buffer.from([0xc0, 0xaf]), bom: () => Buffer.from('\ufeffx'), empty: () => Buffer.alloc(0),
  Uint8Array: () => new Uint8Array([1, 200]), Uint16Array: () => new Uint16Array([0x100]), Float64Array: () => new Float64Array([1]),
  ArrayBuffer: () => new ArrayBuffer(2), view: () => Buffer.from('aé').subarray(0, 1), DataView: () => new DataView(new ArrayBuffer(1)),
  string: () => 'abc', null: () => null, number: () => 1, object: () => ({ length: 1, 0: 65 }),
};
for (const fn of ['isAscii', 'isUtf8']) {
  for (const [label, input] of Object.entries(INPUTS)) cases[`${fn} ${label}`] = () => outcome(() => b[fn](input()));
}
// TextDecoder's fatal mode refuses what is not well-formed UTF-8 (its check is isUtf8's)
for (const [label, bytes] of Object.entries({ surrogate: [0xed, 0xa0, 0x80], overlong2: [0xc0, 0xaf], overlong3: [0xe0, 0x80, 0xaf],
  overlong4: [0xf0, 0x80, 0x80, 0xaf], past10ffff: [0xf4, 0x90, 0x80, 0x80], max: [0xf4, 0x8f, 0xbf, 0xbf], realFffd: [0xef, 0xbf, 0xbd],
  lastBmp: [0xed, 0x9f, 0xbf] })) {
  cases[`TextDecoder fatal ${label}`] = () => outcome(() => Buffer.from(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes))));
}
cases.constants = () => `${b.kStringMaxLength} ${b.constants.MAX_STRING_LENGTH} ${b.kMaxLength} ${b.constants.MAX_LENGTH}`;
cases.exported = () => ['transcode', 'isAscii', 'isUtf8', 'resolveObjectURL', 'kStringMaxLength']
  .map((k) => `${k}:${typeof b[k]}:${k in b}`).join(' ');
cases.resolveObjectURL = () => [b.resolveObjectURL('blob:nodedata:1234'), b.resolveObjectURL('x'), b.resolveObjectURL(1)].map(String).join(' ');
exports.run = () => Object.fromEntries(Object.entries(cases).map(([k, f]) => [k, f()]));
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases.js');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run()) });
"""

sources, node_results, function = compared_case_fixtures("buffer_transcode", {"cases.js": CASES_JS, "index.js": INDEX_JS})


def test_transcode_and_the_validators_match_node(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert_same_as_node(edge, node_results, shown=30)


def test_the_cases_reach_what_they_are_for(node_results):  # type: ignore[no-untyped-def]
    """The matrix meets every kind of answer Node gives, so matching it means something."""
    answers = list(node_results.values())
    assert sum("U_ILLEGAL_ARGUMENT_ERROR 1" in a for a in answers) > 100
    assert sum("U_INVALID_CHAR_FOUND 10" in a for a in answers) > 10
    assert sum("ERR_INVALID_ARG_TYPE" in a for a in answers) > 5
    assert node_results["transcode bom utf8->ascii"] == "Buffer 6162"  # ignorable code points dropped
    assert node_results["transcode euro utf8->latin1"] == "Buffer 3f20636166e9"  # '?' for what Latin-1 lacks
    assert node_results["isUtf8 lone"] == "boolean:false" and node_results["isAscii ArrayBuffer"] == "boolean:true"
    assert node_results["constants"].startswith("536870888 536870888 ")
