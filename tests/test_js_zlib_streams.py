"""zlib's stream classes (createGzip, createGunzip, createDeflate, createInflate, createDeflateRaw,
createInflateRaw, createUnzip and zlib.Gzip, Gunzip, ...) against real Node 20.

The edge's streams keep their input and (de)compress it when the stream ends, over the engine's
one-shot libdeflate; what a whole-stream user sees must be Node's: the 'data' pieces (chunkSize
each), 'finish', 'end', 'error' (zlib's message, code and errno) and 'close' in Node's order,
bytesWritten, flush(cb), close(cb), params(), the options' errors, pipeline() of chunks through
createGunzip(), `util.inherits(MyInflate, zlib.Inflate)` with `zlib.Inflate.call(this, opts)` and
pngjs's sync inflate driving `_handle.writeSync` (how jimp reads PNGs). The inputs are made by Node
(so both sides read the same bytes); what the edge compresses (libdeflate's bytes, not Node's) is
decompressed by Node and must give the input back."""

from __future__ import annotations

import base64
import json

from .js_helpers import node
from .test_js_builtins_more import HANDLER, invoke, package

CASES = r"""'use strict';
const zlib = require('zlib');
const util = require('util');
const { Readable, Writable, Transform, pipeline } = require('stream');
const crypto = require('crypto');
const fx = require('./fixtures.js');
const B = (s) => Buffer.from(s, 'base64');
const text = B(fx.text);
const gz = B(fx.gzip);
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
// every event a stream emits, in order; bytesWritten when it ends well
function trace(s, start, pieces = true) {
  const ev = [];
  const all = [];
  return new Promise((resolve) => {
    // with `pieces` false the output's pieces are one: where the edge's pieces end differs from
    // Node's when the input comes in several writes (the output is made when the stream ends)
    s.on('data', (c) => {
      if (!pieces && all.length) ev[ev.length - 1] = `data ${Number(ev[ev.length - 1].slice(5)) + c.length}`;
      else ev.push(`data ${c.length}`);
      all.push(c);
    });
    s.on('end', () => ev.push(`end ${s.bytesWritten}`));
    s.on('finish', () => ev.push('finish'));
    s.on('error', (e) => ev.push(`error ${e.name}|${e.message}|${e.code}|${e.errno}|${Object.keys(e)}`));
    s.on('close', () => { ev.push('close'); resolve([ev.join(', '), sha(Buffer.concat(all))]); });
    start(s);
  });
}
exports.run = async () => {
  const out = {};
  const cut = gz.subarray(0, Math.floor(gz.length * 0.7));
  const at3 = Math.floor(gz.length * 0.3);
  const bad = Buffer.from(gz);
  bad[bad.length - 6] ^= 1;
  const corrupt = Buffer.from(gz);
  corrupt[Math.floor(gz.length * 0.6)] ^= 0xff;
  const deflated = B(fx.deflate);
  const raw = B(fx.raw);
  const cases = {
    'gunzip end(buf)': [() => zlib.createGunzip(), (s) => s.end(gz)],
    'gunzip write, end': [() => zlib.createGunzip(), (s) => { s.write(gz); s.end(); }],
    'gunzip 3 writes': [() => new zlib.Gunzip(), (s) => { s.write(gz.subarray(0, 100)); s.write(gz.subarray(100, at3)); s.end(gz.subarray(at3)); }, false],
    'gunzip chunkSize 5000': [() => zlib.createGunzip({ chunkSize: 5000 }), (s) => s.end(gz)],
    'gunzip cut end(buf)': [() => zlib.createGunzip(), (s) => s.end(cut)],
    'gunzip cut write, end': [() => zlib.createGunzip(), (s) => { s.write(cut); s.end(); }],
    'gunzip cut 2 writes': [() => zlib.createGunzip(), (s) => { s.write(gz.subarray(0, at3)); s.end(cut.subarray(at3)); }],
    'gunzip cut chunkSize 5000': [() => zlib.createGunzip({ chunkSize: 5000 }), (s) => s.end(cut)],
    'gunzip cut finishFlush sync': [() => zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }), (s) => s.end(cut)],
    'gunzip bad crc': [() => zlib.createGunzip(), (s) => s.end(bad)],
    'gunzip bad crc write, end': [() => zlib.createGunzip(), (s) => { s.write(bad); s.end(); }],
    'gunzip corrupt': [() => zlib.createGunzip(), (s) => s.end(corrupt)],
    'gunzip nothing': [() => zlib.createGunzip(), (s) => s.end()],
    'gunzip not gzip': [() => zlib.createGunzip(), (s) => s.end('hello world')],
    'gunzip two members': [() => zlib.createGunzip(), (s) => s.end(Buffer.concat([gz, gz]))],
    'inflate': [() => zlib.createInflate(), (s) => s.end(deflated)],
    'inflate trailing bytes': [() => zlib.createInflate(), (s) => s.end(Buffer.concat([deflated, Buffer.from('junk')]))],
    'inflate given gzip': [() => zlib.createInflate(), (s) => s.end(gz)],
    'inflateRaw': [() => zlib.createInflateRaw(), (s) => s.end(raw)],
    'unzip gzip': [() => zlib.createUnzip(), (s) => s.end(gz)],
    'unzip deflate': [() => zlib.Unzip(), (s) => s.end(deflated)],
  };
  for (const [name, [make, start, pieces]] of Object.entries(cases)) out[name] = await trace(make(), start, pieces);

  // what the edge compresses goes back to Node (the test decompresses it there)
  out.compressed = {};
  for (const kind of ['Gzip', 'Deflate', 'DeflateRaw']) {
    const chunks = [];
    const events = [];
    const s = zlib[`create${kind}`]({ level: 9 });
    await new Promise((resolve) => {
      s.on('data', (c) => chunks.push(c));
      s.on('finish', () => events.push('finish'));
      s.on('end', () => events.push(`end ${s.bytesWritten}`));
      s.on('close', resolve);
      s.write(text.subarray(0, 1000));
      s.write(text.subarray(1000, 8000).toString('latin1'), 'latin1');
      s.end();
    });
    out.compressed[kind] = [events.join(', '), s instanceof Transform, s instanceof zlib[kind], Buffer.concat(chunks).toString('base64')];
  }

  // pipeline(Readable.from(chunks), createGunzip(), sink), as handlers read a compressed body
  const chunks = [];
  for (let i = 0; i < gz.length; i += 1000) chunks.push(gz.subarray(i, i + 1000));
  const got = [];
  out.pipeline = await new Promise((resolve) => pipeline(Readable.from(chunks), zlib.createGunzip(),
    new Writable({ write(c, e, cb) { got.push(c); cb(); } }), (err) => resolve([String(err), sha(Buffer.concat(got))])));
  out.pipelineCut = await new Promise((resolve) => pipeline(Readable.from([cut.subarray(0, 500), cut.subarray(500)]),
    zlib.createGunzip(), new Writable({ write(c, e, cb) { cb(); } }), (err) => resolve([err.message, err.code, err.errno])));
  out.pipelineRoundTrip = await require('stream/promises').pipeline(Readable.from([text]), zlib.createDeflateRaw(),
    zlib.createInflateRaw(), async function (source) { const all = []; for await (const c of source) all.push(c); return sha(Buffer.concat(all)); });
  out.asyncIterator = await (async () => {
    const s = zlib.createGunzip();
    s.end(gz);
    const sizes = [];
    for await (const c of s) sizes.push(c.length);
    return sizes;
  })();

  // flush, params, close, bytesWritten
  const log = [];
  const g = zlib.createGzip();
  g.write('abc');
  log.push(`bytesWritten after write ${g.bytesWritten}`);
  g.flush(() => log.push(`flushed ${g.bytesWritten}`));
  g.params(zlib.constants.Z_DEFAULT_COMPRESSION, zlib.constants.Z_DEFAULT_STRATEGY, () => log.push('params'));
  await new Promise((resolve) => { g.on('end', resolve); g.resume(); g.end('def'); });
  log.push(`ended ${g.bytesWritten} ${g._closed}`);
  g.flush(() => log.push('flush after end'));
  await new Promise((resolve) => setTimeout(resolve, 1));
  const c = zlib.createGunzip();
  log.push(`closed before ${c._closed}`);
  await new Promise((resolve) => c.close((err) => { log.push(`close ${err && err.code} ${err && err.message} ${c.destroyed} ${c._closed}`); resolve(); }));
  for (const [name, options] of [['level 10', { level: 10 }], ['chunkSize 10', { chunkSize: 10 }], ['windowBits 8 gzip', { windowBits: 8 }],
    ['strategy x', { strategy: 'x' }], ['level Infinity', { level: Infinity }], ['memLevel 0', { memLevel: 0 }],
    ['flush 6', { flush: 6 }], ['finishFlush -1', { finishFlush: -1 }], ['dictionary', { dictionary: 'abc' }],
    ['level NaN', { level: NaN }], ['encoding', { encoding: 'hex' }]]) {
    try { const s = zlib.createGzip(options); log.push(`${name} ok ${s.readableEncoding}`); } catch (e) { log.push(`${name} ${e.name} ${e.code} ${e.message}`); }
  }
  try { zlib.createGunzip().params(10, 0); } catch (e) { log.push(`params ${e.code} ${e.message}`); }
  log.push(`raw windowBits 8 ${zlib.createDeflateRaw({ windowBits: 8 }).constructor.name}`);
  out.log = log;
  out.names = ['Gzip', 'Gunzip', 'Deflate', 'Inflate', 'DeflateRaw', 'InflateRaw', 'Unzip'].map((n) =>
    [n, zlib[n].name, zlib[n].length, zlib[`create${n}`]().constructor.name, typeof zlib[`create${n}`], zlib[n]() instanceof zlib[n]]);

  // pngjs's lib/sync-inflate.js (as jimp reads a PNG): a subclass made with util.inherits that drives
  // _handle.writeSync itself, its output buffer Node's _outBuffer
  function Inflate(opts) {
    if (!(this instanceof Inflate)) return new Inflate(opts);
    zlib.Inflate.call(this, opts);
    this._offset = this._offset === undefined ? this._outOffset : this._offset;
    this._buffer = this._buffer || this._outBuffer;
    if (opts && opts.maxLength != null) this._maxLength = opts.maxLength;
  }
  util.inherits(Inflate, zlib.Inflate);
  Inflate.prototype._processChunk = function (chunk, flushFlag) {
    const self = this;
    let availInBefore = chunk && chunk.length;
    let availOutBefore = this._chunkSize - this._offset;
    let leftToInflate = this._maxLength;
    let inOff = 0;
    const buffers = [];
    let nread = 0;
    function handleChunk(availInAfter, availOutAfter) {
      const have = availOutBefore - availOutAfter;
      if (have > 0) {
        let o = self._buffer.slice(self._offset, self._offset + have);
        self._offset += have;
        if (o.length > leftToInflate) o = o.slice(0, leftToInflate);
        buffers.push(o);
        nread += o.length;
        leftToInflate -= o.length;
        if (leftToInflate === 0) return false;
      }
      if (availOutAfter === 0 || self._offset >= self._chunkSize) {
        availOutBefore = self._chunkSize;
        self._offset = 0;
        self._buffer = Buffer.allocUnsafe(self._chunkSize);
      }
      if (availOutAfter === 0) {
        inOff += availInBefore - availInAfter;
        availInBefore = availInAfter;
        return true;
      }
      return false;
    }
    let res;
    do {
      res = this._handle.writeSync(flushFlag, chunk, inOff, availInBefore, this._buffer, this._offset, availOutBefore);
      res = res || this._writeState;
    } while (handleChunk(res[0], res[1]));
    const buf = Buffer.concat(buffers, nread);
    this._handle.close();
    this._handle = null;
    return buf;
  };
  const image = zlib.inflateSync(deflated);
  out.pngjs = [];
  for (const size of [image.length, image.length + 10]) {
    const engine = new Inflate({ chunkSize: size, maxLength: image.length });
    const result = engine._processChunk(deflated, engine._finishFlushFlag);
    out.pngjs.push([size, result.length, sha(result), engine instanceof zlib.Inflate, engine._closed]);
  }
  return out;
};
"""

FIXTURES = r"""
const zlib = require('zlib');
const crypto = require('crypto');
const words = [];
for (let i = 0; i < 3000; i++) words.push(crypto.createHash('md5').update(String(i)).digest('hex').slice(0, (i % 7) + 2));
const text = Buffer.from(Array.from({ length: 9000 }, (_, i) => words[(i * 7919) % 3000]).join(' '));
console.log(JSON.stringify({ text: text.toString('base64'), gzip: zlib.gzipSync(text).toString('base64'),
  deflate: zlib.deflateSync(text).toString('base64'), raw: zlib.deflateRawSync(text).toString('base64') }));
"""

ROUND_TRIP = r"""
const zlib = require('zlib');
const [kind, b64] = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
const fn = { Gzip: 'gunzipSync', Deflate: 'inflateSync', DeflateRaw: 'inflateRawSync' }[kind];
console.log(zlib[fn](Buffer.from(b64, 'base64')).toString('base64'));
"""


def _node_decompress(kind: str, data_b64: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """What Node's zlib reads back from `data_b64`, compressed by the edge as `kind`, in base64."""
    given = tmp_path / f"{kind}.json"
    given.write_text(json.dumps([kind, data_b64]))
    return node("-e", ROUND_TRIP, str(given)).strip()


def test_zlib_streams_behave_as_in_node(tmp_path):  # type: ignore[no-untyped-def]
    fixtures = json.loads(node("-e", FIXTURES))
    source = package(tmp_path / "zlib_streams", {"cases.js": CASES, "index.js": HANDLER,
                                                 "fixtures.js": f"module.exports = {json.dumps(fixtures)};\n"})
    in_node = json.loads(node("-e", "require(%s).run().then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(source / "cases.js"))))
    at_the_edge, _ = invoke(source, tmp_path)
    edge_compressed = at_the_edge.pop("compressed")
    node_compressed = in_node.pop("compressed")
    wrong = [key for key in in_node if at_the_edge.get(key) != in_node[key]]
    assert not wrong, "; ".join(f"{key}: edge {at_the_edge.get(key)!r} node {in_node[key]!r}" for key in wrong)
    assert at_the_edge == in_node
    # the edge's compressed bytes are libdeflate's: Node reads them back to the input
    for kind, (events, is_transform, is_kind, data) in edge_compressed.items():
        assert [events, is_transform, is_kind] == node_compressed[kind][:3], kind
        back = base64.b64decode(_node_decompress(kind, data, tmp_path))
        assert back == base64.b64decode(fixtures["text"])[:8000], kind
    # the cases test what they say
    r = in_node
    text = base64.b64decode(fixtures["text"])
    assert len(text) > 3 * 16384
    assert r["gunzip end(buf)"][0].startswith("data 16384, data 16384, data 16384, data ")
    assert r["gunzip cut end(buf)"][0].endswith("finish, error Error|unexpected end of file|Z_BUF_ERROR|-5|errno,code, close")
    assert "finish" not in r["gunzip cut 2 writes"][0] and "error" in r["gunzip cut 2 writes"][0]
    assert "incorrect data check" in r["gunzip bad crc"][0]
    assert "Z_DATA_ERROR" in r["gunzip corrupt"][0]
    assert r["pipeline"][0] == "undefined" and r["pipeline"][1] == r["gunzip end(buf)"][1]
    assert r["pipelineCut"] == ["unexpected end of file", "Z_BUF_ERROR", -5]
    assert [p[1] for p in r["pngjs"]] == [len(text)] * 2


def test_a_function_making_a_zlib_stream_needs_not_name_stream(tmp_path):  # type: ignore[no-untyped-def]
    """zlib's stream classes are Transforms: naming `createGunzip` (or `zlib.Inflate`) puts the
    stream module into the function, as naming 'stream' does (it threw, asking for require('stream'))."""
    cases = """
const zlib = require('zlib');
exports.run = async () => {
  const gz = zlib.gzipSync(Buffer.from('hello, streams'));
  const out = [];
  await new Promise((resolve, reject) => {
    const g = zlib.createGunzip();
    g.on('data', (c) => out.push(c)).on('end', resolve).on('error', reject);
    g.end(gz);
  });
  return [Buffer.concat(out).toString(), new zlib.Inflate() instanceof zlib.Inflate];
};
"""
    source = package(tmp_path / "no_stream_named", {"index.js": HANDLER, "cases.js": cases})
    in_node = json.loads(node("-e", "require(%s).run().then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(source / "cases.js"))))
    at_the_edge, _ = invoke(source, tmp_path)
    assert at_the_edge == in_node == ["hello, streams", True]
