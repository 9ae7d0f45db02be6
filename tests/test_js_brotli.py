"""zlib's brotli (brotliCompressSync, brotliDecompressSync, brotliCompress, brotliDecompress,
createBrotliCompress, createBrotliDecompress, zlib.BrotliCompress / BrotliDecompress) against real
Node 20.

The engine has Google's brotli library (the `brotli` sdist's C sources, 1.2.1; Node 20 bundles
1.1.0) run as Node runs it: the same parameters set in the same order, the same streaming calls.
The same cases run in Node and at the edge and every outcome must be Node's: the compressed bytes
(their length and SHA-256) at qualities 0-11, windows 10-24, each mode, size hints, a large window,
block sizes, postfix/direct distance codes; what Node's streams and Node's brotliCompressSync make
decompressed at the edge and what the edge makes decompressed by Node; errors for bad input
(`Decompression failed` with brotli's code, `ERR__ERROR_FORMAT_PADDING_1` and the rest, errno
its number; a truncated stream `unexpected end of file`, Z_BUF_ERROR -5; with `finishFlush` other
than FINISH the output so far), bad parameters (ERR_BROTLI_INVALID_PARAM, ERR_INVALID_ARG_TYPE,
ERR_ZLIB_INITIALIZATION_FAILED; a quality of 99 is brotli's 11), bad options, `maxOutputLength`,
`info`, the callback forms and util.promisify, and the streams' events, pieces and bytesWritten.
Beyond the cases: a real origin-response handler that compresses a body when the viewer accepts
`br`, served by the edge, and a decompression bomb, a corrupt stream and a compression too big for
the function's memory failing cleanly (an error the function catches, its memory within its limit).
"""

from __future__ import annotations

import base64
import json

import pytest

from .js_helpers import (
    answer_and_fuel,
    assert_same_as_node,
    build,
    case_package,
    cases_in_node,
    node,
    roomy_function,
)

# Inputs every side makes alike: text (HTML-like, deterministic), JSON, random bytes, zeros
INPUTS_JS = r"""
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
const words = [];
for (let i = 0; i < 400; i++) {
  let w = '';
  const n = 2 + (rnd() % 8);
  for (let j = 0; j < n; j++) w += String.fromCharCode(97 + (rnd() % 26));
  words.push(w);
}
let page = '<!doctype html><html><head><title>brotli</title></head><body>\n';
while (page.length < 70000) page += `<p class="c${rnd() % 10}">${words[rnd() % 400]} ${words[rnd() % 400]} ${words[rnd() % 400]}</p>\n`;
const html = Buffer.from(page.slice(0, 70000));
const json = Buffer.from(JSON.stringify(Array.from({ length: 600 }, (_, i) => ({ id: i, name: words[i % 400], v: rnd() % 1000 }))));
const random = Buffer.alloc(20000);
for (let i = 0; i < random.length; i++) random[i] = rnd() & 255;
module.exports = { html, json, random, zeros: Buffer.alloc(300000), tiny: Buffer.from('hi'), empty: Buffer.alloc(0) };
"""

# What Node makes for the edge to read: brotli streams of its own, in base64
FIXTURES_JS = r"""
const zlib = require('zlib');
const { html, json, random } = require(process.argv[1]);
const P = zlib.constants;
const made = {};
for (const q of [0, 1, 5, 9, 11]) made[`html q${q}`] = zlib.brotliCompressSync(html.subarray(0, q >= 10 ? 6000 : 70000), { params: { [P.BROTLI_PARAM_QUALITY]: q } });
made['json lgwin 10'] = zlib.brotliCompressSync(json, { params: { [P.BROTLI_PARAM_LGWIN]: 10, [P.BROTLI_PARAM_QUALITY]: 6 } });
made['random q4'] = zlib.brotliCompressSync(random, { params: { [P.BROTLI_PARAM_QUALITY]: 4 } });
made['large window'] = zlib.brotliCompressSync(json, { params: { [P.BROTLI_PARAM_LARGE_WINDOW]: 1, [P.BROTLI_PARAM_LGWIN]: 27, [P.BROTLI_PARAM_QUALITY]: 5 } });
made['metadata'] = zlib.brotliCompressSync(html.subarray(0, 100), { finishFlush: P.BROTLI_OPERATION_EMIT_METADATA });
const out = {};
for (const [name, b] of Object.entries(made)) out[name] = b.toString('base64');
console.log(JSON.stringify(out));
"""

CASES_JS = r"""'use strict';
const zlib = require('zlib');
const util = require('util');
const crypto = require('crypto');
const { Readable, Writable, Transform, pipeline } = require('stream');
const { html, json, random, zeros, tiny, empty } = require('./inputs.js');
const fixtures = require('./fixtures.json');
const P = zlib.constants;
const sha = (b) => `${b.length} ${crypto.createHash('sha256').update(b).digest('hex').slice(0, 16)}`;
function show(v) {
  if (Buffer.isBuffer(v)) return sha(v);
  if (v && Buffer.isBuffer(v.buffer)) return `info ${Object.keys(v).join(',')} ${show(v.buffer)} ${v.engine.constructor.name} ${v.engine.bytesWritten}`;
  return JSON.stringify(v);
}
const fail = (e) => `${e.name}|${e.message}|${e.code}|${e.errno}|${Object.keys(e)}|${String(e)}`;
function outcome(f) {
  try { return show(f()); } catch (e) { return fail(e); }
}
const q = (quality, more) => ({ params: { [P.BROTLI_PARAM_QUALITY]: quality, ...more } });
// every event a stream emits, in order, and the SHA-256 of its output
function trace(s, start) {
  const ev = [];
  const all = [];
  return new Promise((resolve) => {
    s.on('data', (c) => { ev.push(`data ${c.length}`); all.push(c); });
    s.on('end', () => ev.push(`end ${s.bytesWritten}`));
    s.on('finish', () => ev.push('finish'));
    s.on('error', (e) => ev.push(`error ${fail(e)}`));
    s.on('close', () => { ev.push('close'); resolve([ev.join(', '), sha(Buffer.concat(all))]); });
    start(s);
  });
}
exports.run = async () => {
  const out = {};
  const add = (name, f) => { out[name] = outcome(f); };
  const inputs = { html, json, random, zeros, tiny, empty };

  // the compressed bytes, Node's at every quality (10 and 11 on a few KB: ~28,000 fuel a byte here)
  for (const [name, data] of Object.entries(inputs)) {
    for (const quality of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
      add(`${name} q${quality}`, () => zlib.brotliCompressSync(quality >= 10 ? data.subarray(0, 3000) : data, q(quality)));
    }
  }
  add('default (quality 11, window 22)', () => zlib.brotliCompressSync(html.subarray(0, 5000)));
  const h = html.subarray(0, 20000);
  for (const lgwin of [10, 16, 18, 22, 24]) {
    for (const quality of [1, 5, 9]) add(`lgwin ${lgwin} q${quality}`, () => zlib.brotliCompressSync(h, q(quality, { [P.BROTLI_PARAM_LGWIN]: lgwin })));
  }
  add('lgwin 24 q11', () => zlib.brotliCompressSync(h.subarray(0, 2000), q(11, { [P.BROTLI_PARAM_LGWIN]: 24 })));
  for (const mode of [P.BROTLI_MODE_GENERIC, P.BROTLI_MODE_TEXT, P.BROTLI_MODE_FONT]) add(`mode ${mode}`, () => zlib.brotliCompressSync(h, q(6, { [P.BROTLI_PARAM_MODE]: mode })));
  for (const hint of [0, 100, 20000, 1 << 20, 1 << 30]) add(`size hint ${hint}`, () => zlib.brotliCompressSync(h, q(4, { [P.BROTLI_PARAM_SIZE_HINT]: hint })));
  add('large window', () => zlib.brotliCompressSync(h, q(5, { [P.BROTLI_PARAM_LARGE_WINDOW]: 1, [P.BROTLI_PARAM_LGWIN]: 26 })));
  add('large window, lgwin 30', () => zlib.brotliCompressSync(h, q(2, { [P.BROTLI_PARAM_LARGE_WINDOW]: true, [P.BROTLI_PARAM_LGWIN]: 30 })));
  add('lgblock 16', () => zlib.brotliCompressSync(h, q(7, { [P.BROTLI_PARAM_LGBLOCK]: 16 })));
  add('lgblock 24', () => zlib.brotliCompressSync(h, q(7, { [P.BROTLI_PARAM_LGBLOCK]: 24 })));
  add('npostfix 1 ndirect 4', () => zlib.brotliCompressSync(h, q(9, { [P.BROTLI_PARAM_NPOSTFIX]: 1, [P.BROTLI_PARAM_NDIRECT]: 4 })));
  add('npostfix 2 ndirect 3 (not a multiple)', () => zlib.brotliCompressSync(h, q(9, { [P.BROTLI_PARAM_NPOSTFIX]: 2, [P.BROTLI_PARAM_NDIRECT]: 3 })));
  add('no literal context modeling', () => zlib.brotliCompressSync(h, q(9, { [P.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: 1 })));
  add('quality 99 (brotli takes 11)', () => zlib.brotliCompressSync(tiny, q(99)));
  add('quality -1 (Node: not given)', () => zlib.brotliCompressSync(h, q(-1)));
  add('quality -3', () => zlib.brotliCompressSync(h, q(-3)));
  add('quality true', () => zlib.brotliCompressSync(h, q(true)));
  add('quality NaN', () => zlib.brotliCompressSync(h, q(NaN)));
  add('quality 4.7', () => zlib.brotliCompressSync(h, q(4.7)));
  add('quality 2**32 + 3', () => zlib.brotliCompressSync(h, q(2 ** 32 + 3)));
  add('lgwin 5 (brotli takes 10)', () => zlib.brotliCompressSync(h, q(5, { [P.BROTLI_PARAM_LGWIN]: 5 })));
  add('lgwin 30, no large window (24)', () => zlib.brotliCompressSync(h, q(5, { [P.BROTLI_PARAM_LGWIN]: 30 })));
  add('mode 99', () => zlib.brotliCompressSync(h, q(5, { [P.BROTLI_PARAM_MODE]: 99 })));
  // bad parameters and options
  add('quality "x"', () => zlib.brotliCompressSync(h, q('x')));
  add('quality null', () => zlib.brotliCompressSync(h, q(null)));
  add('quality 5n', () => zlib.brotliCompressSync(h, q(5n)));
  add('key foo', () => zlib.brotliCompressSync(h, { params: { foo: 1 } }));
  add('key 9', () => zlib.brotliCompressSync(h, { params: { 9: 1 } }));
  add('key -1', () => zlib.brotliCompressSync(h, { params: { '-1': 1 } }));
  add('key 1.5', () => zlib.brotliCompressSync(h, { params: { 1.5: 1 } }));
  add('key 1 twice', () => zlib.brotliCompressSync(h, { params: { 1: 5, '01': 6 } }));
  add('params "abc"', () => zlib.brotliCompressSync(h, { params: 'abc' }));
  add('params null', () => zlib.brotliCompressSync(tiny, { params: null }));
  add('disable literal context modeling 2', () => zlib.brotliCompressSync(h, { params: { 4: 2 } }));
  add('decoder given lgwin', () => zlib.brotliDecompressSync(zlib.brotliCompressSync(tiny), { params: { [P.BROTLI_PARAM_LGWIN]: 22 } }));
  add('decoder large window', () => zlib.brotliDecompressSync(zlib.brotliCompressSync(tiny), { params: { [P.BROTLI_DECODER_PARAM_LARGE_WINDOW]: 1 } }));
  add('decoder no reallocation', () => zlib.brotliDecompressSync(zlib.brotliCompressSync(h), { params: { [P.BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION]: 1 } }));
  for (const [name, opts] of [['chunkSize 10', { chunkSize: 10 }], ['flush 4', { flush: 4 }], ['finishFlush 4', { finishFlush: 4 }],
    ['finishFlush -1', { finishFlush: -1 }], ['finishFlush "x"', { finishFlush: 'x' }], ['maxOutputLength 0', { maxOutputLength: 0 }],
    ['maxOutputLength Infinity', { maxOutputLength: Infinity }], ['maxOutputLength 2**33', { maxOutputLength: 2 ** 33 }]]) {
    add(`compress ${name}`, () => zlib.brotliCompressSync(tiny, opts));
    add(`decompress ${name}`, () => zlib.brotliDecompressSync(zlib.brotliCompressSync(tiny), opts));
  }
  for (const op of [P.BROTLI_OPERATION_PROCESS, P.BROTLI_OPERATION_FLUSH, P.BROTLI_OPERATION_EMIT_METADATA]) {
    add(`compress finishFlush ${op}`, () => zlib.brotliCompressSync(h, { finishFlush: op }));
  }
  // inputs of every type
  add('a string', () => zlib.brotliCompressSync('héllo wörld'));
  add('a Uint16Array', () => zlib.brotliCompressSync(new Uint16Array([1, 2, 3, 400])));
  add('a DataView', () => zlib.brotliCompressSync(new DataView(html.buffer, html.byteOffset + 10, 100)));
  add('an ArrayBuffer', () => zlib.brotliCompressSync(new Uint8Array([5, 6, 7]).buffer));
  for (const bad of [5, null, undefined, [1, 2], { length: 1 }]) {
    add(`compress ${JSON.stringify(bad)}`, () => zlib.brotliCompressSync(bad));
    add(`decompress ${JSON.stringify(bad)}`, () => zlib.brotliDecompressSync(bad));
  }

  // decompression: what Node made, what the edge made, and broken streams
  for (const [name, b64] of Object.entries(fixtures)) {
    const data = Buffer.from(b64, 'base64');
    const params = name === 'large window' ? { params: { [P.BROTLI_DECODER_PARAM_LARGE_WINDOW]: 1 } } : {};
    add(`Node's ${name}`, () => zlib.brotliDecompressSync(data, params));
    add(`Node's ${name} info`, () => zlib.brotliDecompressSync(data, { ...params, info: true }));
  }
  add('large window without the parameter', () => zlib.brotliDecompressSync(Buffer.from(fixtures['large window'], 'base64')));
  const br = zlib.brotliCompressSync(html, q(5));
  add('round trip', () => zlib.brotliDecompressSync(br).equals(html));
  add('its own default', () => zlib.brotliDecompressSync(zlib.brotliCompressSync(json)).equals(json));
  for (const [name, data] of [['garbage', Buffer.from('this is not brotli at all')], ['a gzip', zlib.gzipSync(html)],
    ['empty', empty], ['one byte', Buffer.from([0x3b])], ['zeros', Buffer.alloc(64)], ['0xff', Buffer.alloc(64, 0xff)],
    ['trailing junk', Buffer.concat([br, Buffer.from('junk')])], ['twice', Buffer.concat([br, br])]]) {
    add(`decompress ${name}`, () => zlib.brotliDecompressSync(data));
    add(`decompress ${name} info`, () => zlib.brotliDecompressSync(data, { info: true }));
  }
  for (const n of [0, 1, 2, 3, 5, 10, 100, br.length >> 1, br.length - 2, br.length - 1]) {
    const cut = br.subarray(0, n);
    add(`cut ${n}`, () => zlib.brotliDecompressSync(cut));
    for (const op of [P.BROTLI_OPERATION_PROCESS, P.BROTLI_OPERATION_FLUSH, P.BROTLI_OPERATION_EMIT_METADATA]) {
      add(`cut ${n} finishFlush ${op}`, () => zlib.brotliDecompressSync(cut, { finishFlush: op }));
    }
  }
  const small = zlib.brotliCompressSync(json, q(9));
  for (let i = 0; i < small.length; i += Math.max(1, Math.floor(small.length / 150))) {
    for (const x of [0xff, 0x01, 0x40]) {
      const b = Buffer.from(small);
      b[i] ^= x;
      add(`xor ${i} ${x}`, () => zlib.brotliDecompressSync(b));
    }
  }
  for (const [max, chunkSize] of [[1, undefined], [100, undefined], [16384, undefined], [16385, undefined], [69999, undefined],
    [70000, undefined], [70001, undefined], [1000, 64], [5000, 1000], [60000, 20000]]) {
    add(`maxOutputLength ${max} chunkSize ${chunkSize}`, () => zlib.brotliDecompressSync(br, { maxOutputLength: max, chunkSize }));
    add(`maxOutputLength ${max} chunkSize ${chunkSize} cut`, () => zlib.brotliDecompressSync(br.subarray(0, br.length >> 1), { maxOutputLength: max, chunkSize }));
    add(`compress maxOutputLength ${max} chunkSize ${chunkSize}`, () => zlib.brotliCompressSync(html, { ...q(1), maxOutputLength: max, chunkSize }));
  }
  add('compress info', () => zlib.brotliCompressSync(h, { ...q(3), info: true }));

  // the callback forms and util.promisify
  const cb = (fn, ...args) => new Promise((resolve) => {
    try {
      fn(...args, (err, result) => resolve(err ? `callback ${fail(err)}` : `callback ${show(result)}`));
    } catch (e) {
      resolve(`thrown ${fail(e)}`);
    }
  });
  out['brotliCompress'] = await cb(zlib.brotliCompress, html, q(4));
  out['brotliCompress no options'] = await cb(zlib.brotliCompress, tiny);
  out['brotliCompress a string'] = await cb(zlib.brotliCompress, 'héllo');
  out['brotliCompress an ArrayBuffer'] = await cb(zlib.brotliCompress, new Uint8Array([1, 2]).buffer);
  out['brotliCompress a Uint16Array'] = await cb(zlib.brotliCompress, new Uint16Array([1, 2]));
  out['brotliCompress info'] = await cb(zlib.brotliCompress, tiny, { info: true });
  out['brotliCompress a number'] = await cb(zlib.brotliCompress, 5);
  out['brotliCompress an array'] = await cb(zlib.brotliCompress, [1, 2]);
  out['brotliCompress null'] = await cb(zlib.brotliCompress, null);
  out['brotliCompress bad params'] = await cb(zlib.brotliCompress, tiny, { params: { 1: 'x' } });
  out['brotliCompress finishFlush 9'] = await cb(zlib.brotliCompress, tiny, { finishFlush: 9 });
  out['brotliDecompress'] = await cb(zlib.brotliDecompress, br);
  out['brotliDecompress garbage'] = await cb(zlib.brotliDecompress, Buffer.from('garbage!!'));
  out['brotliDecompress cut'] = await cb(zlib.brotliDecompress, br.subarray(0, 50));
  out['brotliDecompress maxOutputLength'] = await cb(zlib.brotliDecompress, br, { maxOutputLength: 100 });
  out['brotliDecompress decoder param 5'] = await cb(zlib.brotliDecompress, br, { params: { 5: 1 } });
  try { zlib.brotliCompress(tiny); } catch (e) { out['brotliCompress no callback'] = fail(e); }
  try { zlib.brotliDecompress(br, {}, 'nope'); } catch (e) { out['brotliDecompress callback "nope"'] = fail(e); }
  out.promisify = await util.promisify(zlib.brotliCompress)(html, q(2)).then(show);
  out['promisify rejects'] = await util.promisify(zlib.brotliDecompress)(Buffer.from('garbage!!')).then(show, fail);
  out['promisify round trip'] = await util.promisify(zlib.brotliDecompress)(await util.promisify(zlib.brotliCompress)(json)).then((b) => b.equals(json));
  const order = [];
  zlib.brotliCompress(tiny, () => order.push('callback'));
  order.push('after the call');
  await new Promise((resolve) => setTimeout(resolve, 5));
  out['callback order'] = order;

  // the streams
  const text = html;
  const sbr = zlib.brotliCompressSync(text, q(5));
  const cutStream = sbr.subarray(0, Math.floor(sbr.length * 0.7));
  const at3 = Math.floor(sbr.length * 0.3);
  const corrupt = Buffer.from(sbr);
  corrupt[Math.floor(sbr.length * 0.6)] ^= 0xff;
  const streams = {
    'decompress end(buf)': [() => zlib.createBrotliDecompress(), (s) => s.end(sbr)],
    'decompress write, end': [() => zlib.createBrotliDecompress(), (s) => { s.write(sbr); s.end(); }],
    'decompress 3 writes': [() => new zlib.BrotliDecompress(), (s) => { s.write(sbr.subarray(0, 100)); s.write(sbr.subarray(100, at3)); s.end(sbr.subarray(at3)); }],
    'decompress byte by byte': [() => zlib.BrotliDecompress(), (s) => { for (let i = 0; i < 200; i++) s.write(sbr.subarray(i, i + 1)); s.end(sbr.subarray(200)); }],
    'decompress chunkSize 5000': [() => zlib.createBrotliDecompress({ chunkSize: 5000 }), (s) => s.end(sbr)],
    'decompress cut': [() => zlib.createBrotliDecompress(), (s) => s.end(cutStream)],
    'decompress cut 2 writes': [() => zlib.createBrotliDecompress(), (s) => { s.write(sbr.subarray(0, at3)); s.end(cutStream.subarray(at3)); }],
    'decompress cut finishFlush FLUSH': [() => zlib.createBrotliDecompress({ finishFlush: P.BROTLI_OPERATION_FLUSH }), (s) => s.end(cutStream)],
    'decompress corrupt': [() => zlib.createBrotliDecompress(), (s) => s.end(corrupt)],
    'decompress corrupt 3 writes': [() => zlib.createBrotliDecompress(), (s) => { s.write(corrupt.subarray(0, 1000)); s.write(corrupt.subarray(1000, 5000)); s.end(corrupt.subarray(5000)); }],
    'decompress garbage': [() => zlib.createBrotliDecompress(), (s) => s.end('hello world, not brotli')],
    'decompress nothing': [() => zlib.createBrotliDecompress(), (s) => s.end()],
    'decompress trailing junk': [() => zlib.createBrotliDecompress(), (s) => s.end(Buffer.concat([sbr, Buffer.from('junk')]))],
    'compress end(buf)': [() => zlib.createBrotliCompress(q(5)), (s) => s.end(text)],
    'compress default quality': [() => zlib.createBrotliCompress(), (s) => s.end(text.subarray(0, 3000))],
    'compress write, end': [() => zlib.createBrotliCompress(q(5)), (s) => { s.write(text); s.end(); }],
    'compress 3 writes': [() => zlib.createBrotliCompress(q(6)), (s) => { s.write(text.subarray(0, 1000)); s.write(text.subarray(1000, 30000)); s.end(text.subarray(30000)); }],
    'compress a flush between': [() => zlib.createBrotliCompress(q(4)), (s) => { s.write(text.subarray(0, 5000)); s.flush(); s.end(text.subarray(5000, 9000)); }],
    'compress nothing': [() => zlib.createBrotliCompress(), (s) => s.end()],
    'compress chunkSize 1000': [() => zlib.createBrotliCompress({ ...q(0), chunkSize: 1000 }), (s) => s.end(text)],
    'compress strings': [() => zlib.createBrotliCompress(q(3)), (s) => { s.write('héllo '); s.write('wörld', 'latin1'); s.end(); }],
  };
  for (const [name, [make, start]] of Object.entries(streams)) out[`stream ${name}`] = await trace(make(), start);
  const chunks = [];
  for (let i = 0; i < sbr.length; i += 1000) chunks.push(sbr.subarray(i, i + 1000));
  const got = [];
  out['stream pipeline'] = await new Promise((resolve) => pipeline(Readable.from(chunks), zlib.createBrotliDecompress(),
    new Writable({ write(c, e, done) { got.push(c); done(); } }), (err) => resolve([String(err), sha(Buffer.concat(got))])));
  out['stream pipeline cut'] = await new Promise((resolve) => pipeline(Readable.from([cutStream.subarray(0, 500), cutStream.subarray(500)]),
    zlib.createBrotliDecompress(), new Writable({ write(c, e, done) { done(); } }), (err) => resolve([err.message, err.code, err.errno])));
  out['stream round trip'] = await require('stream/promises').pipeline(Readable.from([text.subarray(0, 30000), text.subarray(30000)]),
    zlib.createBrotliCompress(q(6)), zlib.createBrotliDecompress(),
    async function (source) { const all = []; for await (const c of source) all.push(c); return sha(Buffer.concat(all)); });
  out['stream async iterator'] = await (async () => {
    const s = zlib.createBrotliDecompress();
    s.end(sbr);
    const sizes = [];
    for await (const c of s) sizes.push(c.length);
    return sizes;
  })();
  out['stream slow reader'] = await new Promise((resolve) => {
    const s = zlib.createBrotliDecompress({ highWaterMark: 1024 });
    const sizes = [];
    s.end(sbr);
    const tick = () => { const c = s.read(); if (c) sizes.push(c.length); if (!s.readableEnded) setTimeout(tick, 0); };
    s.on('end', () => resolve(sizes.length > 3 ? [sizes.length, sizes.reduce((a, b) => a + b, 0)] : sizes));
    tick();
  });
  const log = [];
  for (const [name, options] of [['chunkSize 10', { chunkSize: 10 }], ['flush 4', { flush: 4 }], ['finishFlush -1', { finishFlush: -1 }],
    ['finishFlush 3', { finishFlush: 3 }], ['params foo', { params: { foo: 1 } }], ['params q "x"', { params: { 1: 'x' } }],
    ['params 9', { params: { 9: 1 } }], ['params 4=2', { params: { 4: 2 } }], ['params 2=22', { params: { 2: 22 } }],
    ['maxOutputLength 0', { maxOutputLength: 0 }], ['encoding', { encoding: 'hex' }], ['objectMode', { objectMode: true }]]) {
    for (const kind of ['BrotliCompress', 'BrotliDecompress']) {
      try {
        const s = zlib[`create${kind}`](options);
        log.push(`${kind} ${name} ok ${s.readableEncoding} ${s._chunkSize} ${s._finishFlushFlag} ${s._maxOutputLength}`);
        s.destroy();
      } catch (e) { log.push(`${kind} ${name} ${fail(e)}`); }
    }
  }
  const b = zlib.createBrotliCompress();
  log.push([b instanceof Transform, b instanceof zlib.BrotliCompress, zlib.BrotliCompress.name, zlib.BrotliCompress.length,
    zlib.BrotliCompress() instanceof zlib.BrotliCompress, typeof b.flush, typeof b.params, typeof b.reset, b._closed, b._chunkSize,
    b._defaultFlushFlag, b._defaultFullFlushFlag, b._finishFlushFlag, b.bytesWritten,
    Object.getPrototypeOf(zlib.BrotliDecompress.prototype) === Object.getPrototypeOf(zlib.BrotliCompress.prototype)].join(' '));
  await new Promise((resolve) => { b.resume(); b.on('end', resolve); b.write('abc'); b.flush(() => log.push(`flushed ${b.bytesWritten}`)); b.end('def'); });
  log.push(`ended ${b.bytesWritten} ${b._closed}`);
  const c = zlib.createBrotliDecompress();
  await new Promise((resolve) => c.close((err) => { log.push(`close ${err && err.code} ${c.destroyed} ${c._closed}`); resolve(); }));
  out['stream log'] = log;
  // Node's _processChunk without a callback (processChunkSync), as packages driving a stream call it
  out['stream _processChunk'] = outcome(() => new zlib.BrotliDecompress()._processChunk(sbr, P.BROTLI_OPERATION_FINISH));
  out['stream _processChunk cut'] = outcome(() => new zlib.BrotliDecompress()._processChunk(cutStream, P.BROTLI_OPERATION_FINISH));
  out['stream _processChunk compress'] = outcome(() => zlib.BrotliCompress(q(4))._processChunk(text, P.BROTLI_OPERATION_FINISH));
  out['stream _processChunk maxOutputLength'] = outcome(() => new zlib.BrotliDecompress({ maxOutputLength: 40000 })._processChunk(sbr, P.BROTLI_OPERATION_FINISH));
  out['stream reset'] = await (async () => {
    const s = zlib.createBrotliDecompress();
    const all = [];
    s.on('data', (x) => all.push(x));
    s.write(sbr.subarray(0, 100));
    await new Promise((resolve) => setTimeout(resolve, 5));
    s.reset();
    return trace(s, (t) => t.end(sbr)).then((r) => [r[0], sha(Buffer.concat(all))]);
  })();
  function MyDecompress(opts) { zlib.BrotliDecompress.call(this, opts); }
  util.inherits(MyDecompress, zlib.BrotliDecompress);
  out['stream util.inherits'] = await trace(new MyDecompress(), (s) => s.end(sbr));
  out.names = ['brotliCompressSync', 'brotliDecompressSync', 'brotliCompress', 'brotliDecompress', 'createBrotliCompress',
    'createBrotliDecompress', 'BrotliCompress', 'BrotliDecompress'].map((n) => [n, typeof zlib[n]]);

  // what the edge compresses goes back to Node (the test decompresses it there)
  out.made = {};
  for (const [name, data, opts] of [['html q5', html, q(5)], ['json q11', json.subarray(0, 4000), {}], ['random q1', random, q(1)],
    ['html lgwin 10 q9', html.subarray(0, 30000), q(9, { [P.BROTLI_PARAM_LGWIN]: 10 })]]) {
    out.made[name] = zlib.brotliCompressSync(data, opts).toString('base64');
  }
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases.js');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""

BACK_IN_NODE = r"""
const zlib = require('zlib');
const crypto = require('crypto');
const made = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
const out = {};
for (const [name, b64] of Object.entries(made)) {
  const b = zlib.brotliDecompressSync(Buffer.from(b64, 'base64'));
  out[name] = `${b.length} ${crypto.createHash('sha256').update(b).digest('hex').slice(0, 16)}`;
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = case_package(tmp_path_factory, "brotli", {"cases.js": CASES_JS, "index.js": INDEX_JS, "inputs.js": INPUTS_JS})
    (src / "fixtures.json").write_text(node("-e", FIXTURES_JS, str(src / "inputs.js")))
    return src


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    return cases_in_node(sources)


@pytest.fixture(scope="module")
def edge_results(sources, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    wasm = build("brotli", tmp_path_factory.mktemp("js-brotli"), source=sources)
    fn = roomy_function(wasm, "brotli")
    try:
        return answer_and_fuel(fn, "/cases")[0]
    finally:
        fn.close()


def test_brotli_outcomes_are_nodes(edge_results, node_results):  # type: ignore[no-untyped-def]
    edge = {k: v for k, v in edge_results.items() if k != "made"}
    assert_same_as_node(edge, {k: v for k, v in node_results.items() if k != "made"}, shown=10)


def test_what_the_edge_compresses_node_reads_back(edge_results, node_results, tmp_path):  # type: ignore[no-untyped-def]
    back = {}
    for side, made in (("edge", edge_results["made"]), ("node", node_results["made"])):
        (tmp_path / f"{side}.json").write_text(json.dumps(made))
        back[side] = json.loads(node("-e", BACK_IN_NODE, str(tmp_path / f"{side}.json")))
    assert back["edge"] == back["node"] and len(back["edge"]) == 4
    # and the bytes are Node's (brotli 1.2.1 here and Node 20's 1.1.0 make the same streams)
    assert edge_results["made"] == node_results["made"]


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    r = node_results
    plain = "errno,code|Error: "
    assert r["decompress garbage"] == f"Error|Decompression failed|ERR__ERROR_FORMAT_PADDING_1|-14|{plain}Decompression failed"
    assert r["cut 10"] == f"Error|unexpected end of file|Z_BUF_ERROR|-5|{plain}unexpected end of file"
    assert r["decompress empty"].startswith("Error|unexpected end of file|Z_BUF_ERROR|-5|")
    assert not r["cut 100 finishFlush 1"].startswith("Error")  # the output so far
    assert r["quality 99 (brotli takes 11)"] == r["tiny q11"]
    assert r["quality \"x\""].startswith("TypeError|The \"options.params[key]\" property must be of type number. Received type string ('x')|"
                                         "ERR_INVALID_ARG_TYPE")
    assert r["key foo"].startswith("RangeError|foo is not a valid Brotli parameter|ERR_BROTLI_INVALID_PARAM|")
    assert r["decoder given lgwin"] == "Error|Initialization failed|ERR_ZLIB_INITIALIZATION_FAILED|undefined|code|Error: Initialization failed"
    assert r["disable literal context modeling 2"].startswith("Error|Initialization failed|")
    assert r["maxOutputLength 100 chunkSize undefined"].startswith("RangeError|Cannot create a Buffer larger than 100 bytes|ERR_BUFFER_TOO_LARGE")
    assert r["decompress 0xff"].split("|")[1:3] != r["decompress garbage"].split("|")[1:3]
    codes = {v.split("|")[2] for k, v in r.items() if k.startswith("xor ") and isinstance(v, str) and v.startswith("Error|")}
    assert len(codes) >= 5, codes  # brotli's own codes, several of them
    assert r["html q0"] != r["html q1"] != r["html q11"]
    assert r["brotliCompress a number"].startswith("thrown TypeError|The \"chunk\" argument must be of type string or an instance of Buffer")
    assert r["callback order"] == ["after the call", "callback"]
    assert r["stream decompress end(buf)"][0].startswith("data 16384, data 16384, data 16384, data 16384, data ")
    assert "error Error|unexpected end of file|Z_BUF_ERROR|-5" in r["stream decompress cut 2 writes"][0]
    assert r["stream compress chunkSize 1000"][0].count("data 1000") > 10
    assert r["stream round trip"] == r["stream pipeline"][1]


# ---- a compression handler, as a Lambda@Edge function does it --------------------------------------

# An origin-response function given the origin's body (include_origin_body) that compresses it
# with brotli when the viewer accepts `br`, with gzip when only that, as CDNs do for dynamic answers
# (quality 5: Node's default of 11 costs ~28,000 fuel a byte here, a 100 KB body beyond the default
# 2·10⁹ budget).
COMPRESS_HANDLER = r"""'use strict';
const zlib = require('zlib');

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml))/;

exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  const accept = (request.headers['accept-encoding'] || []).map((h) => h.value).join(',');
  const type = (response.headers['content-type'] || [{ value: '' }])[0].value;
  if (!response.body || response.body.inputTruncated || response.headers['content-encoding'] || !COMPRESSIBLE.test(type)) {
    return response;
  }
  const body = Buffer.from(response.body.data, response.body.encoding === 'base64' ? 'base64' : 'utf8');
  let encoded;
  let encoding;
  if (/\bbr\b/.test(accept)) {
    encoded = zlib.brotliCompressSync(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    encoding = 'br';
  } else if (/\bgzip\b/.test(accept)) {
    encoded = zlib.gzipSync(body);
    encoding = 'gzip';
  } else {
    return response;
  }
  response.body = { action: 'replace', encoding: 'base64', data: encoded.toString('base64') };
  response.headers['content-encoding'] = [{ key: 'Content-Encoding', value: encoding }];
  response.headers['vary'] = [{ key: 'Vary', value: 'Accept-Encoding' }];
  delete response.headers['content-length'];
  return response;
};
"""

NODE_COMPRESSES = r"""
const zlib = require('zlib');
const body = require('fs').readFileSync(process.argv[1]);
process.stdout.write(zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
  [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }).toString('base64'));
"""

NODE_DECOMPRESSES = r"""
const zlib = require('zlib');
process.stdout.write(zlib.brotliDecompressSync(require('fs').readFileSync(process.argv[1])).toString('base64'));
"""


def test_an_origin_response_handler_compresses_for_viewers_that_accept_br(edge_factory, origin, tmp_path):  # type: ignore[no-untyped-def]
    edge = edge_factory(f"""
[origins.api]
url = "{origin.server.url}"

[functions.compress]
source = "compress/"

[[behaviors]]
path = "*"
origin = "api"
cache = {{ default_ttl = 0, max_ttl = 0, headers = ["accept-encoding"] }}
forward = {{ query_strings = "all" }}
origin_response = {{ function = "compress", include_origin_body = true }}
""", {"compress/index.js": COMPRESS_HANDLER})

    def fetch(path: str, accept: str | None) -> tuple[dict, bytes]:
        headers = {"Accept-Encoding": accept} if accept is not None else {"Accept-Encoding": "identity"}
        with edge.client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200, response.read()[:300]
            return dict(response.headers), b"".join(response.iter_raw())

    # the origin's JSON echo of the request (a few hundred bytes), and a 300 KB text body
    for path in ("/echo/page?x=1", "/big?n=300000"):
        headers, plain = fetch(path, None)
        assert "content-encoding" not in headers
        headers, raw = fetch(path, "gzip, deflate, br, zstd")
        if path.startswith("/big"):  # /big is application/octet-stream: left alone
            assert "content-encoding" not in headers and raw == plain
            continue
        assert headers["content-encoding"] == "br" and headers["vary"] == "Accept-Encoding"
        assert len(raw) < len(plain)
        (tmp_path / "raw.br").write_bytes(raw)
        back = base64.b64decode(node("-e", NODE_DECOMPRESSES, str(tmp_path / "raw.br")))
        # the echo names the request's own headers: the plain and the br answers differ there only
        assert json.loads(back)["path"] == json.loads(plain)["path"] == "/echo/page"
        (tmp_path / "body").write_bytes(back)
        assert base64.b64decode(node("-e", NODE_COMPRESSES, str(tmp_path / "body"))) == raw  # Node's bytes
        headers, _ = fetch(path, "gzip")
        assert headers["content-encoding"] == "gzip"


TEXT_ORIGIN_HANDLER = r"""'use strict';
// origin-request: a generated 300 KB HTML answer, compressed when the viewer accepts br
const zlib = require('zlib');
let page = '<!doctype html><html><body>\n';
for (let i = 0; page.length < 300000; i++) page += `<li class="row-${i % 7}">item ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 3))}</li>\n`;
exports.handler = async (event) => {
  const { request } = event.Records[0].cf;
  const accept = (request.headers['accept-encoding'] || []).map((h) => h.value).join(',');
  const headers = { 'content-type': [{ key: 'Content-Type', value: 'text/html; charset=utf-8' }] };
  if (!accept.includes('br')) return { status: '200', headers, body: page.slice(0, 30000) };
  const body = zlib.brotliCompressSync(page, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
  headers['content-encoding'] = [{ key: 'Content-Encoding', value: 'br' }];
  return { status: '200', headers, bodyEncoding: 'base64', body: body.toString('base64') };
};
"""


def test_a_generated_page_compressed_at_origin_request(edge_factory, origin, tmp_path):  # type: ignore[no-untyped-def]
    edge = edge_factory(f"""
[origins.api]
url = "{origin.server.url}"

[functions.page]
source = "page/"

[[behaviors]]
path = "*"
origin = "api"
cache = {{ default_ttl = 0, max_ttl = 0, headers = ["accept-encoding"] }}
origin_request = "page"
""", {"page/index.js": TEXT_ORIGIN_HANDLER})
    with edge.client.stream("GET", "/page", headers={"Accept-Encoding": "br"}) as response:
        assert response.status_code == 200, response.read()[:300]
        assert response.headers["content-encoding"] == "br"
        raw = b"".join(response.iter_raw())
    (tmp_path / "page.br").write_bytes(raw)
    page = base64.b64decode(node("-e", NODE_DECOMPRESSES, str(tmp_path / "page.br")))
    assert page.startswith(b"<!doctype html>") and len(page) >= 300000 and len(raw) < len(page) // 10


# ---- failing cleanly ----------------------------------------------------------------------------------

BOMB = r"""
const zlib = require('zlib');
const P = zlib.constants;
// 96 MiB of zeros in a few hundred bytes, and 8 MiB for the streamed case
const big = zlib.brotliCompressSync(Buffer.alloc(96 << 20), { params: { [P.BROTLI_PARAM_QUALITY]: 5, [P.BROTLI_PARAM_SIZE_HINT]: 96 << 20 } });
const small = zlib.brotliCompressSync(Buffer.alloc(8 << 20), { params: { [P.BROTLI_PARAM_QUALITY]: 5 } });
console.log(JSON.stringify({ big: big.toString('base64'), small: small.toString('base64') }));
"""

LIMITS_JS = r"""'use strict';
const zlib = require('zlib');
const { pipeline, Readable, Writable } = require('stream');
const bombs = require('./bombs.json');
const big = Buffer.from(bombs.big, 'base64');
const small = Buffer.from(bombs.small, 'base64');
const P = zlib.constants;
const fail = (e) => `${e.name}|${e.message}|${e.code}|${e.errno}`;
function outcome(f) {
  try { const r = f(); return Buffer.isBuffer(r) ? `${r.length} bytes` : JSON.stringify(r); } catch (e) { return fail(e); }
}
exports.handler = async () => {
  const out = {};
  // quality 11 with a 16 MiB window over 8 MB: its ring buffer (32 MiB) and hash table (128 MiB)
  // are past the memory; brotli's encoder met the first refusal in a path that does not check it
  // and made an empty stream (the byte 3f), which brotli_glue.c takes as the failure it is
  let input = Buffer.alloc(8 << 20, 'abcdefghij');
  out['compression too big'] = outcome(() => zlib.brotliCompressSync(input, { params: { [P.BROTLI_PARAM_LGWIN]: 24 } }));
  input = null;
  out['bomb, maxOutputLength 1 MiB'] = outcome(() => zlib.brotliDecompressSync(big, { maxOutputLength: 1 << 20 }));
  out['bomb, maxOutputLength, callback'] = await new Promise((resolve) =>
    zlib.brotliDecompress(big, { maxOutputLength: 1 << 20 }, (err, r) => resolve(err ? fail(err) : r.length)));
  // no maxOutputLength: 96 MiB is past the function's 64 MiB, an error the function catches
  out['bomb, no limit'] = outcome(() => zlib.brotliDecompressSync(big));
  // a stream's output comes as it is made: its memory stays small, whatever the total
  let total = 0;
  out['bomb, streamed'] = await new Promise((resolve) => pipeline(Readable.from([small]), zlib.createBrotliDecompress(),
    new Writable({ write(c, e, done) { total += c.length; done(); } }), (err) => resolve([String(err), total])));
  const corrupt = Buffer.from(big);
  corrupt[20] ^= 0x55;
  out['corrupt bomb'] = outcome(() => zlib.brotliDecompressSync(corrupt));
  out['and then'] = outcome(() => zlib.brotliDecompressSync(zlib.brotliCompressSync('still fine')).toString());
  out.rss = process.memoryUsage().rss;
  return { status: '200', body: JSON.stringify(out) };
};
"""


def test_a_bomb_a_corrupt_stream_and_a_huge_compression_fail_cleanly(tmp_path_factory):  # type: ignore[no-untyped-def]
    from edge.runtime import FunctionConfig, Limits, Runtime

    from .test_samples import make_event, viewer_request

    src = case_package(tmp_path_factory, "brotli_limits", {"index.js": LIMITS_JS, "bombs.json": node("-e", BOMB)})
    wasm = build("brotli_limits", tmp_path_factory.mktemp("js-brotli-limits"), source=src)
    limits = Limits(fuel=10_000_000_000, timeout_ms=60_000, memory_bytes=64 * 1024 * 1024)
    fn = Runtime().function(wasm.read_bytes(), FunctionConfig(name="brotli-limits", limits=limits))
    try:
        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/"))).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message, outcome.logs[:5])
    r = json.loads(outcome.value["body"])
    assert r["bomb, maxOutputLength 1 MiB"].startswith("RangeError|Cannot create a Buffer larger than 1048576 bytes|ERR_BUFFER_TOO_LARGE")
    assert r["bomb, maxOutputLength, callback"] == r["bomb, maxOutputLength 1 MiB"]
    assert r["bomb, no limit"] == "InternalError|out of memory|undefined|undefined"
    assert r["bomb, streamed"] == ["undefined", 8 << 20]
    assert r["corrupt bomb"].startswith("Error|Decompression failed|ERR__ERROR_") or r["corrupt bomb"].startswith("Error|unexpected end")
    assert r["compression too big"] == "Error|Compression failed|ERR_BROTLI_COMPRESSION_FAILED|-1"
    assert r["and then"] == '"still fine"'
    assert r["rss"] <= 64 * 1024 * 1024 and outcome.peak_memory <= 64 * 1024 * 1024


HOSTILE_JS = r"""
const zlib = require('zlib');
const attempt = (f) => { try { f(); return 'no error'; } catch (e) { return `${e.name}: ${e.message}`; } };
exports.handler = async () => {
  const out = {};
  const comp = zlib.brotliCompressSync(Buffer.alloc(1 << 16, 0x5a));
  const neighbours = [];
  for (let i = 0; i < 32; i++) neighbours.push(new Uint8Array(64));
  const { FINISH } = { FINISH: zlib.constants.BROTLI_OPERATION_FINISH };
  // the native handle driven by hand: an offset and length whose sum wraps in 32 bits
  out.wrapping = attempt(() => zlib.createBrotliDecompress()._handle.writeSync(FINISH, comp, 0, comp.length,
    neighbours[16], 16, 2 ** 32 - 8));
  out.past = attempt(() => zlib.createBrotliDecompress()._handle.writeSync(FINISH, comp, 0, comp.length,
    neighbours[16], 60, 8));
  // a length whose valueOf detaches the output buffer before brotli writes into it
  const target = new Uint8Array(1 << 16);
  const detaching = { valueOf() { target.buffer.transfer(0); return 1 << 16; } };
  out.detached = attempt(() => zlib.createBrotliDecompress()._handle.writeSync(FINISH, comp, 0, comp.length,
    target, 0, detaching));
  // one that closes the handle first
  const stream = zlib.createBrotliDecompress();
  const closing = { valueOf() { stream._handle.close(); return 64; } };
  out.closed = attempt(() => stream._handle.writeSync(FINISH, comp, 0, comp.length, new Uint8Array(64), 0, closing));
  out.untouched = neighbours.every((b) => b.every((x) => x === 0));
  out.stillWorks = zlib.brotliDecompressSync(comp).length;
  return { status: '200', body: JSON.stringify(out) };
};
"""


def test_the_native_handle_driven_by_hand_cannot_write_outside_its_buffers(tmp_path_factory):  # type: ignore[no-untyped-def]
    """zlib.js passes a stream's handle, buffers, offsets and lengths to the engine: a function can call
    `_handle.writeSync` itself. An offset and length that wrapped in 32 bits passed the bounds check (brotli
    then wrote ~4 GB past the buffer), and a length's valueOf could detach the output buffer or close the
    handle after its pointer was taken (a write into freed memory): all three are refused now."""
    src = case_package(tmp_path_factory, "brotli_hostile", {"index.js": HOSTILE_JS})
    fn = roomy_function(build("brotli_hostile", tmp_path_factory.mktemp("js-brotli-hostile"), source=src), "hostile")
    try:
        from .test_samples import make_event, viewer_request

        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/"))).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message, outcome.logs[:5])
    r = json.loads(outcome.value["body"])
    assert r["wrapping"] == r["past"] == "RangeError: window out of bounds", r
    assert r["detached"].startswith("TypeError") and "detached" in r["detached"], r
    assert r["closed"] == "TypeError: the brotli handle is closed", r
    assert r["untouched"] is True and r["stillWorks"] == 1 << 16
