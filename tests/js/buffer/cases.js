'use strict';
// Buffer's string conversions, run in the edge function (index.js) and in Node
// (tests/test_js_buffer.py): every result must be the same. Inputs are made here by a seeded
// generator, so both sides see the same strings and bytes.
const crypto = require('crypto');
const { Buffer: BufferExport, constants } = require('buffer');

const ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii', 'base64', 'base64url', 'hex'];
const ALIASES = ['utf-8', 'UTF8', 'Utf-8', 'ucs2', 'ucs-2', 'UTF-16LE', 'binary', 'BINARY', 'Base64', 'BASE64URL', 'HEX'];

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

function randomBytes(n, seed) {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

function pick(r, list) { return list[(r() * list.length) | 0]; }

function randomString(n, seed, alphabet) {
  const r = rng(seed);
  const parts = [];
  let len = 0;
  while (len < n) {
    const piece = pick(r, alphabet);
    parts.push(piece);
    len += piece.length;
  }
  return parts.join('');
}

// repeat a unit to about n code units, cheaply (the edge interpreter is slow at loops)
function sized(unit, n) { return unit.repeat(Math.ceil(n / unit.length) + 1).slice(0, n); }

const UNICODE = ['a', 'Z', '0', ' ', '\n', 'é', 'ÿ', '\u0080', '€', '✓', '日', '한', '\uffff', '\ufeff', '😀', '👍🏽',
  '\ud83d', '\ude00', '\ud800', '\udfff', '\u0000', '\u0141', '\u0100'];
const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_'.split('')
  .concat(['=', '=', ' ', '\n', '\r\n', '\t', '!', '.', '\u00e9', '\u0141', '\u0144', 'QUJD', 'QUJD', 'QUJD']);
const HEX_ALPHABET = '0123456789abcdefABCDEF'.split('').concat(['00', 'ff', 'Ab', 'g', ' ', 'z', '\u0131', '\u0166']);

const SMALL_STRINGS = {
  empty: '', a: 'a', ascii: 'The quick brown fox jumps over the lazy dog',
  latin1: 'caf\u00e9 na\u00efve \u00ff\u0080\u00a0', multi: 'héllo wörld ✓ ünïcödé — “quotes” € ¥',
  cjk: '日本語のテキスト、中文，한국어', emoji: '😀🎉👍🏽 family: 👨‍👩‍👧‍👦',
  lone_high: '\ud800', lone_low: '\udc00', lone_high_mid: 'a\ud83db', lone_low_mid: 'a\ude00b',
  reversed_pair: '\ude00\ud83d', high_at_end: 'abc\ud83d', pair_then_lone: '😀\ud83d', two_highs: '\ud83d\ud83d\ude00',
  nul: 'a\u0000b', controls: '\t\n\r\u0001\u007f', bmp_edge: '\uffff\ufffe\ufeff\u07ff\u0800',
  wide_low_bytes: '\u0141\u0144\u0100\u0130\u0161\u013d', base64ish: 'aGVsbG8gd29ybGQ=', hexish: '48656c6c6f',
  all_latin1: Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''),
};

const BASE64_STRINGS = ['', 'Q', 'QQ', 'QQ=', 'QQ==', 'QUI', 'QUI=', 'QUJD', 'QUJDRA', 'QUJDRA=', 'QUJDRA==', 'QUJDRA===',
  'QUJD\n', ' Q U J D ', 'QU\r\nJD', 'QUJD====', 'QQ==QUJD', 'QUJD=QUJD', '=QUJD', '====', '=', '==', '!!!!QUJD', 'QU!JD',
  'QUJ\u0144', 'QU\u0100JD', 'QUJD\u00e9QUJD', '_-_-', '-_-_-w', '+/+/', '+/+/-_', 'SGVsbG8gV29ybGQ', 'SGVsbG8gV29ybGQ=',
  'SGVsbG8g\nV29y\nbGQ=\n', 'a', 'ab', 'abc', 'abcd', 'ab=c', 'ab==cd', 'abc=d', '\tQ\tU\tJ\tD\t', 'QUJD\u013d', 'QUJDRA\u013d\u013d',
  'QUJDR\u013d', 'QUJDRA= ', 'QUJDRA=\n', 'QUJDRA ==', 'Q=UJD', 'QU=JD', 'QUJ=D', 'QUJDQ', 'QUJDQUJDQ', 'Q\u0000UJD',
  '////', '____', 'AAAA', 'AA==', 'AA', 'A', 'AAA=', 'AAAAA', 'A=AA'];
const HEX_STRINGS = ['', 'a', 'ab', 'abc', 'abcd', 'ABCD', 'aBcD', 'abzz', 'zzab', 'ab cd', '0g', '6\u0131', '\u0131',
  '00ff10', 'fF', 'abc ', ' abc', 'a b', '0x10', '1234567', 'ab\u0000cd', '\u0166\u0166', '6\u0161'];

function hexOf(bytes) { // not Buffer's: what is under test
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}
function bytesRepr(buf) {
  if (buf.length <= 512) return hexOf(buf);
  return `${buf.length}:${crypto.createHash('sha256').update(buf).digest('hex')}`;
}
function strRepr(s) {
  if (s.length <= 512) return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return `${s.length}:${(h >>> 0).toString(16)}`;
}
function attempt(fn) {
  try {
    return ['ok', fn()];
  } catch (err) {
    return ['threw', err.name, err.code, err.message];
  }
}

// ---- the parts (each one request in the edge) ---------------------------------------------------

function encodeStrings() {
  const strings = Object.assign({}, SMALL_STRINGS);
  for (let i = 0; i < 40; i++) strings[`random_unicode_${i}`] = randomString((i * 7) % 50, 1000 + i, UNICODE);
  const out = {};
  for (const [name, s] of Object.entries(strings)) {
    for (const enc of ENCODINGS.concat(ALIASES)) {
      out[`${name}/${enc}`] = [bytesRepr(Buffer.from(s, enc)), Buffer.byteLength(s, enc),
        attempt(() => strRepr(Buffer.from(s, enc).toString(enc)))];
    }
    out[`${name}/default`] = [bytesRepr(Buffer.from(s)), Buffer.byteLength(s), bytesRepr(new Buffer(s)), bytesRepr(Buffer(s, 'latin1'))];
  }
  return out;
}

function decodeLenient() {
  const out = {};
  const base64 = BASE64_STRINGS.slice();
  for (let i = 0; i < 400; i++) base64.push(randomString(i % 45, 2000 + i, B64_ALPHABET));
  base64.forEach((s, i) => {
    out[`base64_${i}`] = [s, bytesRepr(Buffer.from(s, 'base64')), bytesRepr(Buffer.from(s, 'base64url')),
      Buffer.byteLength(s, 'base64'), Buffer.byteLength(s, 'base64url')];
  });
  const hex = HEX_STRINGS.slice();
  for (let i = 0; i < 200; i++) hex.push(randomString(i % 30, 3000 + i, HEX_ALPHABET));
  hex.forEach((s, i) => { out[`hex_${i}`] = [s, bytesRepr(Buffer.from(s, 'hex')), Buffer.byteLength(s, 'hex')]; });
  return out;
}

function writes() {
  const out = {};
  const strings = Object.assign({}, SMALL_STRINGS);
  delete strings.all_latin1;
  Object.assign(strings, { b64: 'QUJDREVGR0g=', b64ws: 'QU JD\nREVG', hex: '0123456789abcdef', hexbad: '0123zz45' });
  for (const [name, s] of Object.entries(strings)) {
    for (const enc of ENCODINGS) {
      const rows = [];
      const max = Math.min(Buffer.byteLength(s, enc) + 2, 24);
      for (let size = 0; size <= max; size++) {
        for (const offset of [0, 1]) {
          if (offset > size) continue;
          const b = Buffer.alloc(size, 0xaa);
          rows.push(attempt(() => [b.write(s, offset, enc), hexOf(b)]));
          if (size > 2) {
            const c = Buffer.alloc(size, 0xaa);
            rows.push(attempt(() => [c.write(s, offset, size - offset - 1, enc), hexOf(c)]));
          }
        }
      }
      out[`${name}/${enc}`] = rows;
    }
    const d = Buffer.alloc(8, 0xaa);
    out[`${name}/forms`] = [attempt(() => [d.write(s), hexOf(d)]), attempt(() => [d.write(s, 'latin1'), hexOf(d)]),
      attempt(() => [d.write(s, 2), hexOf(d)]), attempt(() => [d.write(s, 3, 'utf16le'), hexOf(d)]),
      attempt(() => [d.utf8Write(s, 1, 4), hexOf(d)]), attempt(() => [d.latin1Write(s), hexOf(d)]),
      attempt(() => [d.hexWrite(s, 2), hexOf(d)]), attempt(() => [d.ucs2Write(s, 1), hexOf(d)])];
  }
  return out;
}

const INVALID_UTF8 = [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xc2, 0x41], [0xe0, 0x80, 0x80], [0xe0, 0xa0],
  [0xe0, 0xa0, 0x41], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0x9f, 0xbf], [0xef, 0xbf, 0xbd], [0xf0, 0x80, 0x80, 0x80],
  [0xf0, 0x90, 0x80], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0x41, 0xe2, 0x82], [0xe2, 0x82, 0x41],
  [0xed, 0xa0, 0x80, 0xc0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe0, 0x80], [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80],
  [0xe2, 0x82, 0xac, 0xe2], [0xf0, 0x9f], [0x61, 0x80, 0x80, 0x62]];

function decodeBytes() {
  const out = {};
  const inputs = INVALID_UTF8.map((a) => Uint8Array.from(a));
  for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 17, 100, 1000]) inputs.push(randomBytes(n, 4000 + n));
  // mostly valid UTF-8 with damage: truncated sequences, stray continuation bytes
  for (let i = 0; i < 60; i++) {
    const bytes = new TextEncoder().encode(randomString(20 + i, 5000 + i, UNICODE));
    const r = rng(6000 + i);
    for (let k = 0; k < 3; k++) bytes[(r() * bytes.length) | 0] = (r() * 256) | 0;
    inputs.push(new Uint8Array(bytes.subarray(0, bytes.length - (i % 3))));
  }
  inputs.forEach((bytes, i) => {
    const b = Buffer.from(bytes);
    for (const enc of ENCODINGS) {
      out[`${i}/${enc}`] = [strRepr(b.toString(enc)), strRepr(b.toString(enc, 1)), strRepr(b.toString(enc, 1, b.length - 1)),
        strRepr(new TextDecoder().decode(bytes))];
    }
  });
  return out;
}

function large() {
  const out = {};
  const bytes = randomBytes(300 * 1024, 7);
  const b = Buffer.from(bytes);
  const b64 = b.toString('base64');
  const mime = b64.replace(/.{76}/g, '$&\r\n');
  const strings = {
    ascii_4095: sized('abcdefghij', 4095), ascii_4096: sized('abcdefghij', 4096), ascii_4097: sized('abcdefghij', 4097),
    ascii_300k: sized('The quick brown fox jumps over the lazy dog. ', 300 * 1024),
    multi_300k: sized('héllo wörld ✓ 😀 ', 300 * 1024),
    surrogates_100k: sized('ab\ud800cd\ude00😀', 100 * 1024),
    latin1_65k: sized(SMALL_STRINGS.all_latin1, 65536),
    b64_5460: b64.slice(0, 5460), b64_5461: b64.slice(0, 5461), b64_300k: b64, mime_300k: mime,
    b64url_300k: b.toString('base64url'), hex_300k: b.toString('hex').slice(0, 300 * 1024),
    hex_bad_middle: `${b.toString('hex').slice(0, 10000)}zz${b.toString('hex').slice(0, 100)}`,
  };
  for (const [name, s] of Object.entries(strings)) {
    for (const enc of ENCODINGS) out[`${name}/${enc}`] = [bytesRepr(Buffer.from(s, enc)), Buffer.byteLength(s, enc)];
  }
  for (const n of [0, 1, 4095, 4096, 4097, 65537, 300 * 1024]) {
    const part = b.subarray(0, n);
    for (const enc of ENCODINGS) out[`bytes_${n}/${enc}`] = strRepr(part.toString(enc));
  }
  out.roundtrip = [Buffer.from(b64, 'base64').equals(b), Buffer.from(mime, 'base64').equals(b),
    Buffer.from(b.toString('hex'), 'hex').equals(b), Buffer.from(b.toString('latin1'), 'latin1').equals(b),
    Buffer.from(b.toString('utf16le'), 'utf16le').equals(b), Buffer.from(strings.multi_300k).toString() === strings.multi_300k];
  return out;
}

function api() {
  const b = Buffer.from('hello world');
  const ab = new ArrayBuffer(8);
  new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const sub = b.subarray(2, 5);
  return {
    identity: [BufferExport === Buffer, b.constructor === Buffer, b instanceof Buffer, b instanceof Uint8Array,
      Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(2)), Object.getPrototypeOf(Buffer) === Uint8Array,
      Buffer[Symbol.species] === Buffer, Buffer.prototype.constructor === Buffer, Buffer.name, typeof Buffer.poolSize],
    subarray: [sub.constructor === Buffer, Buffer.isBuffer(sub), sub.toString(), sub.buffer === b.buffer,
      b.slice(-3).toString(), b.slice(3, 1).length, b.slice(1.9, 4.2).toString(), b.slice('2', '4').toString(),
      b.slice(NaN, 100).toString(), b.slice(-100, -5).toString(), Buffer.isBuffer(b.slice(1)), b.slice(1).buffer === b.buffer,
      Buffer.isBuffer(b.map((x) => x + 1)), Buffer.isBuffer(b.filter((x) => x > 100)), Buffer.of(1, 2, 3).toString('hex')],
    from_arraybuffer: [hexOf(Buffer.from(ab)), hexOf(Buffer.from(ab, 2)), hexOf(Buffer.from(ab, 2, 3)), hexOf(Buffer.from(ab, '1', '2')),
      hexOf(Buffer.from(ab, NaN)), hexOf(Buffer.from(ab, 8)), hexOf(Buffer.from(ab, 2, -1)), Buffer.from(ab).buffer === ab,
      attempt(() => Buffer.from(ab, 9)), attempt(() => Buffer.from(ab, 2, 7)), hexOf(Buffer.from(new Uint16Array([1, 258]))),
      hexOf(Buffer.from(new Uint16Array([1, 258]).buffer)), hexOf(Buffer.from([1, 256, -1, 3.7])), hexOf(Buffer.from(b)),
      hexOf(Buffer.from({ length: 2, 0: 7, 1: 8 })), hexOf(Buffer.from(new String('hi')))],
    to_string_ranges: [b.toString('utf8', 2), b.toString('utf8', -5, 100), b.toString('hex', 1.5, 3.9), b.toString('hex', NaN, '3'),
      b.toString(undefined, 1), b.toString('latin1', 20), b.toString('latin1', 3, 2), b.toString('ascii', '1', '4'),
      b.toString('utf8', 0, 0), b.toLocaleString(),
      attempt(() => b.toString('nope')), attempt(() => b.toString(null)), attempt(() => b.toString('')), b.toString(undefined)],
    slices: [b.latin1Slice(), b.latin1Slice(2), b.latin1Slice(3, 1), b.hexSlice(1, 3), b.base64Slice(0, 4), b.ucs2Slice(0, 5),
      b.utf8Slice(6), b.asciiSlice(0, 2), b.base64urlSlice(1), attempt(() => b.latin1Slice(-1)), attempt(() => b.latin1Slice(1, 99)),
      b.latin1Slice('x'), b.latin1Slice(1.7, 3.2)],
    write_errors: [attempt(() => Buffer.alloc(2).write(1)), attempt(() => Buffer.alloc(2).write(1, 'hex')),
      attempt(() => Buffer.alloc(2).write('a', 0, 1, 'nope')), attempt(() => Buffer.alloc(2).write('a', 1.5)),
      attempt(() => Buffer.alloc(2).write('a', '1')), attempt(() => Buffer.alloc(2).write('a', -1)),
      attempt(() => Buffer.alloc(4).write('abcd', 1, 9)), attempt(() => Buffer.alloc(4).write('abcd', 5)),
      attempt(() => Buffer.alloc(4).write('abcd', 4)), attempt(() => Buffer.alloc(4).write('zz', 4, 'latin1')),
      attempt(() => Buffer.alloc(4).write('zz', 2, 0)), attempt(() => Buffer.alloc(4).write('zz', null)),
      attempt(() => Buffer.alloc(4).write('zz', 'latin1', 1)), attempt(() => Buffer.alloc(4).write('zz', undefined, 1)),
      attempt(() => Buffer.alloc(4).write('abcdef', 1, 'latin1')), attempt(() => Buffer.alloc(4).utf8Write('ab', 5)),
      attempt(() => Buffer.alloc(4).utf8Write('ab', -1)), attempt(() => Buffer.alloc(4).utf8Write('ab', 0, -1)),
      attempt(() => Buffer.alloc(4).hexWrite('ffff', 0, 10)), attempt(() => Buffer.alloc(0).write('x')),
      attempt(() => Buffer.alloc(4).write('x', 2 ** 40))],
    other_errors: [attempt(() => Buffer.from('a', 'nope')), attempt(() => Buffer.from('', 'nope')), attempt(() => Buffer.from('a', null)),
      attempt(() => Buffer.from('a', '')), attempt(() => Buffer.byteLength(5)), attempt(() => Buffer.byteLength('abc', 'nope')),
      Buffer.byteLength(new Uint16Array(3)), Buffer.byteLength(ab), Buffer.byteLength(b), Buffer.byteLength(''),
      Buffer.byteLength('\ud800'), Buffer.byteLength('😀'), Buffer.byteLength('abc', null)],
    is_encoding: [...ENCODINGS, ...ALIASES, '', 'nope', 'utf16', 'utf-16', 'UCS2', 'base-64', null, undefined, 1]
      .map((e) => Buffer.isEncoding(e)),
    fill_index: [Buffer.alloc(7).fill('ab').toString(), Buffer.alloc(5).fill('QUJD', 'base64').toString(), Buffer.alloc(4).fill('e9', 'hex').toString('hex'),
      Buffer.alloc(6).fill('é').toString('hex'), Buffer.alloc(5, 'xy').toString(), b.indexOf('o'), b.indexOf('o', 5), b.lastIndexOf('o'),
      b.indexOf('world'), b.indexOf(Buffer.from('lo w')), b.includes('xyz'), b.indexOf('6f', 0, 'hex'), b.indexOf(0x6f)],
    search: (() => {
      const h = Buffer.from('abcabcabc--boundary--\r\né😀abc');
      const needles = ['', 'a', 'abc', 'c--b', '--boundary--', 'é', '😀', 'zzz', 'abcabcabcabc', Buffer.from('bca'), new Uint8Array([0x0d, 0x0a]),
        Buffer.alloc(0), 97, 97 + 256, -159, 0x0d, 300, 'YWJj', '616263'];
      const offsets = [undefined, 0, 1, 3, 4, 20, 29, 40, -1, -3, -29, -40, 2.7, -2.7, '2', null, NaN, {}, 2 ** 33, -(2 ** 33)];
      const rows = [];
      for (const n of needles) {
        for (const o of offsets) rows.push([attempt(() => h.indexOf(n, o)), attempt(() => h.lastIndexOf(n, o)), attempt(() => h.includes(n, o))]);
      }
      for (const enc of ['latin1', 'ascii', 'base64', 'hex', 'utf16le', 'ucs2', 'binary', 'nope']) {
        rows.push([attempt(() => h.indexOf('YWJj', 0, enc)), attempt(() => h.lastIndexOf('616263', enc)), attempt(() => h.indexOf('abc', enc)),
          attempt(() => h.indexOf(Buffer.from('abc'), 1, enc))]);
      }
      const u = Buffer.from('abcabc\u0100\u0101', 'utf16le');
      const odd = Buffer.concat([u, Buffer.from([0x61])]);
      for (const n of ['bc', 'a', 'c', '', 'zz', '\u0100', '\u0101a', Buffer.from('b'), Buffer.from('c\u0000'), Buffer.from([0x00, 0x62])]) {
        for (const o of [undefined, 0, 1, 2, 3, 5, -2, -3, 100, -100]) {
          rows.push([attempt(() => u.indexOf(n, o, 'utf16le')), attempt(() => u.lastIndexOf(n, o, 'ucs2')),
            attempt(() => odd.indexOf(n, o, 'utf16le')), attempt(() => odd.lastIndexOf(n, o, 'utf16le'))]);
        }
      }
      rows.push(attempt(() => h.indexOf({})), attempt(() => h.indexOf([97])), attempt(() => h.indexOf('a', 0, {})), attempt(() => Buffer.alloc(0).indexOf('')),
        attempt(() => Buffer.alloc(0).lastIndexOf('a')), attempt(() => Buffer.alloc(0).indexOf(0)));
      return rows;
    })(),
    compare_equals: (() => {
      const a = Buffer.from('abcdef');
      const rows = [];
      for (const other of ['abcdef', 'abcdeg', 'abcde', 'abcdefg', '', 'b', 'a']) {
        const o = Buffer.from(other);
        rows.push([a.equals(o), o.equals(a), Buffer.compare(a, o), Buffer.compare(o, a), a.compare(o), a.compare(new Uint8Array(o))]);
      }
      rows.push([attempt(() => a.equals('abc')), attempt(() => Buffer.compare('x', a)), attempt(() => Buffer.compare(a, 1)), attempt(() => a.compare('x')),
        a.equals(a), Buffer.compare(a, a), Buffer.alloc(0).equals(new Uint8Array(0)), attempt(() => a.equals(new Uint16Array(3)))]);
      const cd = Buffer.from('cd');
      for (const args of [[0, 2, 2, 4], [3, 2, 2, 4], [5, 9], [5, 1], [1.5], [0, 2, 7, 8], [9, 10, 0, 2], [0, 1], [undefined, undefined, 2, 3],
        [1, 2, 3, 4], [0, 0, 0, 0], [2, 2], ['1'], [-1], [0, 2, 0, 6]]) {
        rows.push(attempt(() => a.compare(cd, ...args)));
      }
      return rows;
    })(),
    compare_concat: [Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('abc').compare(Buffer.from('abd')), b.equals(Buffer.from(b)),
      Buffer.concat([Buffer.from('ab'), new Uint8Array([0x63, 0x64]), Buffer.alloc(0)]).toString(), Buffer.concat([Buffer.from('abcd')], 2).toString(),
      Buffer.concat([]).length, Buffer.concat([Buffer.from('ab'), Buffer.from('cd')], 6).toString('hex')],
    read_write_ints: (() => {
      const w = Buffer.alloc(16);
      w.writeUInt32BE(0xdeadbeef, 0);
      w.writeUInt16LE(0xbeef, 4);
      w.writeInt32LE(-2, 6);
      w.writeUInt8(255, 10);
      w.writeDoubleLE(1.5, 8);
      return [w.toString('hex'), w.readUInt32BE(0), w.readUInt32LE(0), w.readUInt16BE(4), w.readInt32LE(6), w.readUInt8(1),
        w.readDoubleLE(8), w.readBigUInt64BE(0).toString(), attempt(() => w.readUInt32LE(14))[1]];
    })(),
    json: [JSON.stringify(Buffer.from('hi')), Buffer.from(JSON.parse(JSON.stringify(Buffer.from('hi')))).toString(),
      constants.MAX_STRING_LENGTH > 0],
  };
}

// AWS's form-body example decodes the body with Buffer and parses it with querystring.parse
// (which goes a piece at a time for one-character separators): both against Node
const FORM_ALPHABET = ['a', 'b', 'key', '=', '=', '&', '&', '+', '%', '%4', '%41', '%2B', '%2b', '%zz', '%E0%A4%A', '%F0%9F%98%80',
  'é', '😀', ' ', '&&', '==', '%%41', '%4+1', '+%41', ';', ':', '%3D', '%26', '\ud800', '%41%42', '%4%41', 'x%41+%4'];
function formBodies() {
  const qs = require('querystring');
  const out = {};
  const bodies = ['', '&', '&&', '=', 'a', 'a&', '&a', 'a=', '=a', 'a=b=c', 'a&&b', 'a=1&a=2&a=3', 'x=%41%42', 'x+y=a+b',
    'p=%4+1', 'p=%+41', 'k%4+1=v', 'k+%41=v', '%zz=%zz', 'bad=%E0%A4%A', 'u=%F0%9F%98%80', '__proto__=1&constructor=2&toString=3',
    'k%41%42=%zz%4éa', 'k%41%4=%zz%4éa', 'k%41b%4+2=%zz%4éa', 'k%41+%42=%zz', 'k%41%=%zz%C3', 'k%41%42'];
  for (let i = 0; i < 600; i++) bodies.push(randomString(i % 60, 8000 + i, FORM_ALPHABET));
  bodies.forEach((body, i) => {
    out[`form_${i}`] = [body, qs.parse(body), qs.parse(body, null, null, { maxKeys: 3 }), qs.parse(body, null, null, { maxKeys: 0 }),
      qs.parse(body, ';', ':'), qs.parse(body, '&', '=', { decodeURIComponent: (x) => x.toUpperCase() }), qs.parse(body, '&&', '==')];
  });
  const big = sized('field=value+with+spaces+%26+%C3%A9+%E2%9C%93&', 300 * 1024) + 'last=%F0%9F%98%80';
  const decoded = Buffer.from(Buffer.from(big).toString('base64'), 'base64').toString();
  const parsed = qs.parse(decoded, null, null, { maxKeys: 0 });
  out.big = [decoded === big, Object.keys(parsed).length, parsed.field.length, strRepr(parsed.field.join('|')), parsed.last];
  return out;
}

const parts = { encodeStrings, decodeLenient, writes, decodeBytes, large, api, formBodies };
module.exports = { parts: Object.keys(parts), run: (name) => parts[name]() };
