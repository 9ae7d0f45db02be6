'use strict';
// Buffer's fill, alloc, swap16/32/64 and from(array), run in the edge function (index.js) and in
// Node (tests/test_js_buffer_fill.py): every result must be the same, errors included. Each
// result is the bytes as hex (or the error's name, code and message).
const { Buffer: BufferExport } = require('buffer');

function rng(seed) { // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, list) => list[(r() * list.length) | 0];

function outcome(f) {
  try {
    const r = f();
    if (r instanceof Uint8Array) return (Buffer.isBuffer(r) ? 'Buffer ' : 'Uint8Array ') + Buffer.from(r.buffer, r.byteOffset, r.length).toString('hex');
    return r;
  } catch (e) {
    return `${e.name} ${e.code} ${e.message}`;
  }
}

function errorName(f) {
  try {
    return f();
  } catch (e) {
    return e.name;
  }
}

const TABLE = {
  empty: () => Buffer.alloc(4, ''),
  emptyBuf: () => Buffer.alloc(4, Buffer.alloc(0)),
  fillEmptyBuf: () => Buffer.alloc(4).fill(Buffer.alloc(0)),
  fillEmptyBufRange: () => Buffer.alloc(4).fill(Buffer.alloc(0), 2, 2),
  hexBad: () => Buffer.alloc(4, 'zz', 'hex'),
  hexOdd: () => Buffer.alloc(4, 'abc', 'hex'),
  hexOne: () => Buffer.alloc(4, 'a', 'hex'),
  hexPartial: () => Buffer.alloc(5, 'abzz', 'hex'),
  encNum: () => Buffer.alloc(4, 'ab', 5),
  encEmpty: () => Buffer.alloc(4, 'ab', ''),
  encNull: () => Buffer.alloc(4, 'ab', null),
  encBad: () => Buffer.alloc(4, 'ab', 'nope'),
  numberIgnoresEnc: () => Buffer.alloc(4, 7, 'nope'),
  fillEncBad: () => Buffer.alloc(4).fill('ab', 'nope'),
  fillEncNum: () => Buffer.alloc(4).fill('ab', 0, 4, 5),
  fillNumEnc: () => Buffer.alloc(4).fill(1, 'hex'),
  offNeg: () => Buffer.alloc(4).fill(1, -1),
  offFloat: () => Buffer.alloc(4).fill(1, 1.5),
  offStr: () => Buffer.alloc(4).fill(1, '1'),
  offBig: () => Buffer.alloc(4).fill(1, 5),
  offHuge: () => Buffer.alloc(4).fill(1, 2 ** 40),
  endBig: () => Buffer.alloc(4).fill(1, 0, 5),
  endNeg: () => Buffer.alloc(4).fill(1, 0, -1),
  endLess: () => Buffer.alloc(4).fill(1, 3, 1),
  endNaN: () => Buffer.alloc(4).fill('x', 0, NaN),
  undefOffEnd: () => Buffer.alloc(4).fill(1, undefined, 2),
  strUndefOff: () => Buffer.alloc(4).fill('a', undefined, 2),
  strOffEndEnc: () => Buffer.alloc(6).fill('ab', 1, 5, 'hex'),
  strOffEnc: () => Buffer.alloc(6).fill('6162', 1, 'hex'),
  strOffEndEncLatin1: () => Buffer.alloc(6).fill('\u0101b', 1, 4, 'latin1'),
  neg: () => Buffer.alloc(4, -1),
  big: () => Buffer.alloc(4, 257),
  huge: () => Buffer.alloc(4, 2 ** 40 + 3),
  flt: () => Buffer.alloc(4, 3.9),
  negFlt: () => Buffer.alloc(4, -1.5),
  nan: () => Buffer.alloc(4, NaN),
  inf: () => Buffer.alloc(4, Infinity),
  tru: () => Buffer.alloc(4, true),
  fals: () => Buffer.alloc(4, 9).fill(false),
  nul: () => Buffer.alloc(4, null),
  obj: () => Buffer.alloc(4, { valueOf() { return 65; } }),
  objPlain: () => Buffer.alloc(4, {}),
  arr: () => Buffer.alloc(4, [1, 2]),
  bigint: () => Buffer.alloc(4, 1n), // V8's message, as the layer words it
  fillNone: () => Buffer.alloc(4, 9).fill(),
  u16: () => Buffer.alloc(5, new Uint16Array([0x0102])),
  dv: () => Buffer.alloc(5, new DataView(new Uint8Array([7, 8]).buffer)),
  u8: () => Buffer.alloc(5, new Uint8Array([7, 8])),
  u8view: () => Buffer.alloc(7, new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4)),
  utf8hi: () => Buffer.alloc(5, 'é'),
  utf8emoji: () => Buffer.alloc(9, '😀'),
  latin1hi: () => Buffer.alloc(5, 'é', 'latin1'),
  latin1wide: () => Buffer.alloc(5, 'ā', 'binary'),
  asciihi: () => Buffer.alloc(5, 'é', 'ascii'),
  ucs2: () => Buffer.alloc(5, 'ab', 'ucs2'),
  ucs2one: () => Buffer.alloc(5, 'a', 'utf16le'),
  b64: () => Buffer.alloc(7, 'AQID', 'base64'),
  b64url: () => Buffer.alloc(7, '-_8', 'base64url'),
  b64bad: () => Buffer.alloc(7, '!!', 'base64'),
  b64one: () => Buffer.alloc(7, 'A', 'base64'),
  lone: () => Buffer.alloc(7, '\ud800'),
  upper: () => Buffer.alloc(4, 'ab', 'UTF8'),
  upperHex: () => Buffer.alloc(4, '0a', 'HEX'),
  returnsThis: () => { const b = Buffer.alloc(3); return b.fill(1) === b && b.fill('ab') === b && b.fill('ab', 1) === b; },
  returnsThisEmptyRange: () => { const b = Buffer.alloc(3); return b.fill(1, 2, 1) === b; },
  sizeNeg: () => Buffer.alloc(-1),
  sizeStr: () => Buffer.alloc('4'),
  sizeFloat: () => Buffer.alloc(2.5, 1),
  sizeNaN: () => Buffer.alloc(NaN),
  sizeHuge: () => Buffer.alloc(2 ** 33),
  sizeUndefined: () => Buffer.alloc(),
  zeroSize: () => Buffer.alloc(0, 'zz', 'hex'),
  allocFill0: () => Buffer.alloc(3, 0),
  allocIsBuffer: () => Buffer.isBuffer(Buffer.alloc(3, 'a')) && Buffer.alloc(3, 'a') instanceof BufferExport,
  subarrayFill: () => { const b = Buffer.alloc(6); b.subarray(2, 5).fill('xy'); return b; },
  fillSelf: () => { const b = Buffer.from('abcdef'); return b.fill(b.subarray(0, 2), 2); },
  fillSelfLater: () => { const b = Buffer.from('abcdefgh'); return b.fill(b.subarray(4, 7), 1); },
  long: () => Buffer.alloc(3, 'abcdef'),
  longRange: () => Buffer.alloc(6).fill('abcdef', 2, 4),
  fillOnU8: () => Buffer.prototype.fill.call(new Uint8Array(4), 'ab'),
  // swaps, from(array)
  swap16: () => Buffer.from('0102030405060708', 'hex').swap16(),
  swap32: () => Buffer.from('0102030405060708', 'hex').swap32(),
  swap64: () => Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex').swap64(),
  swap16Odd: () => Buffer.from('010203', 'hex').swap16(),
  swap32Bad: () => Buffer.alloc(6).swap32(),
  swap64Bad: () => Buffer.alloc(12).swap64(),
  swapEmpty: () => Buffer.alloc(0).swap64(),
  swapView: () => { const b = Buffer.from('00010203040506', 'hex'); b.subarray(1, 5).swap32(); return b; },
  swapReturnsThis: () => { const b = Buffer.alloc(8); return b.swap16() === b && b.swap32() === b && b.swap64() === b; },
  fromArray: () => Buffer.from([1, 255, 256, -1, 3.7, -1.5, NaN, '7', null, undefined, true, { valueOf: () => 66 }, 2 ** 40 + 5]),
  fromHoles: () => Buffer.from([1, , 3]), // eslint-disable-line no-sparse-arrays
  fromEmptyArray: () => Buffer.from([]),
  fromU16: () => Buffer.from(new Uint16Array([1, 258, 65535])),
  fromF64: () => Buffer.from(new Float64Array([1.5, -1, 300, NaN])),
  // BigInts are refused with a TypeError (its message is the engine's: QuickJS words it otherwise)
  fromBigArr: () => errorName(() => Buffer.from(new BigInt64Array([1n]))),
  fromBigInts: () => errorName(() => Buffer.from([1n])),
  fromArrayLike: () => Buffer.from({ length: 3, 0: 1, 1: 2, 2: 3 }),
  fromArrayIsCopy: () => { const a = [1, 2]; const b = Buffer.from(a); a[0] = 9; return b; },
  fromU8IsCopy: () => { const a = new Uint8Array([1, 2]); const b = Buffer.from(a); a[0] = 9; return b; },
};

function table() {
  const out = {};
  for (const [name, f] of Object.entries(TABLE)) out[name] = outcome(f);
  return out;
}

// Seeded fills: every encoding, patterns from 0 to 40 bytes, offsets and ends anywhere (and
// past the end), buffers from 0 to 3,000 bytes, called as fill(v, o, e, enc), fill(v, o, enc),
// fill(v, enc) and alloc(n, v, enc)
const ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii', 'base64', 'base64url', 'hex', 'UCS-2', 'Binary'];
const ALPHABET = 'abcXYZ0189+/=-_ é€😀\ud800\u0000';
function generated() {
  const r = rng(7);
  const out = {};
  for (let i = 0; i < 600; i++) {
    const size = pick(r, [0, 1, 2, 3, 7, 16, 63, 64, 65, 255, 1000, 3000]);
    const enc = pick(r, ENCODINGS);
    const kind = pick(r, ['string', 'string', 'hexstring', 'bytes', 'number']);
    let value;
    if (kind === 'number') value = Math.floor(r() * 1000) - 300;
    else if (kind === 'bytes') value = Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
    else if (kind === 'hexstring') value = Array.from({ length: Math.floor(r() * 20) }, () => pick(r, [...'0123456789abcdefABCDEFz'])).join('');
    else value = Array.from({ length: Math.floor(r() * 12) }, () => pick(r, [...ALPHABET])).join('');
    const offset = Math.floor(r() * (size + 3));
    const end = Math.floor(r() * (size + 3));
    const form = pick(r, ['full', 'offsetEnc', 'enc', 'alloc', 'range']);
    const label = `${i} ${form} ${size} ${JSON.stringify(value)} ${offset} ${end} ${enc}`;
    out[label] = outcome(() => {
      if (form === 'alloc') return Buffer.alloc(size, value, enc);
      const b = Buffer.alloc(size, 0x11);
      if (form === 'full') return b.fill(value, offset, end, enc);
      if (form === 'offsetEnc') return b.fill(value, offset, enc);
      if (form === 'enc') return b.fill(value, enc);
      return b.fill(value, offset, end);
    });
  }
  return out;
}

// Large fills and swaps, summed up (a digest of the bytes)
function large() {
  const crypto = require('crypto');
  const digest = (b) => crypto.createHash('sha256').update(b).digest('hex');
  const MB = 1 << 20;
  return {
    one: digest(Buffer.alloc(MB, 1)),
    ab: digest(Buffer.alloc(MB, 'ab')),
    odd: digest(Buffer.alloc(MB + 3, 'abcdefg')),
    hex: digest(Buffer.alloc(MB - 1, 'deadbeef01', 'hex')),
    range: digest(Buffer.alloc(MB).fill(Buffer.from('xyz12'), 12345, MB - 777)),
    swap16: digest(Buffer.alloc(MB, 'abcdefgh').swap16()),
    swap32: digest(Buffer.alloc(MB, 'abcdefgh').swap32()),
    swap64: digest(Buffer.alloc(MB, 'abcdefghijk').swap64()),
    fromArray: digest(Buffer.from(Array.from({ length: 70000 }, (_, i) => i * 7))),
  };
}

const parts = { table, generated, large };
module.exports = { parts: Object.keys(parts), run: (name) => parts[name]() };
