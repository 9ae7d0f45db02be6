'use strict';
// require('stream') cases: the edge function and real Node both run them (one after the other,
// each recording what happened in order); the test compares the records.
const stream = require('stream');
const { Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished } = stream;
const streamPromises = require('stream/promises');
const util = require('util');
const jws = require('tiny-jws');

function source(chunks, options) {
  const queue = chunks.slice();
  return new Readable({ ...options, read() { this.push(queue.length ? queue.shift() : null); } });
}

function collector(log, options) {
  const seen = [];
  const w = new Writable({
    ...options,
    write(chunk, encoding, callback) {
      seen.push(Buffer.isBuffer(chunk) ? chunk.toString() : chunk);
      callback();
    },
  });
  w.seen = seen;
  for (const ev of ['finish', 'close', 'pipe', 'unpipe']) w.on(ev, () => log.push(`w:${ev}`));
  return w;
}

function done(emitter, ev = 'close') {
  return new Promise((resolve) => emitter.once(ev, resolve));
}

const cases = {
  readable_flowing: async () => {
    const log = [];
    const r = source(['a', 'b', 'c']);
    r.on('data', (d) => log.push(`data:${d}`));
    r.on('end', () => log.push('end'));
    r.on('close', () => log.push('close'));
    await done(r);
    return [log, r.readableEnded, r.destroyed, r.readable];
  },
  readable_paused_mode: async () => {
    const log = [];
    const r = source(['ab', 'cd', 'ef']);
    r.on('readable', () => {
      let chunk;
      while ((chunk = r.read(3)) !== null) log.push(`read:${chunk}`);
      log.push(`readable(len ${r.readableLength})`);
    });
    r.on('end', () => log.push('end'));
    await done(r);
    return log;
  },
  readable_set_encoding: async () => {
    const euro = Buffer.from('€uro ✓');
    const r = source([euro.subarray(0, 1), euro.subarray(1, 5), euro.subarray(5)]);
    r.setEncoding('utf8');
    const parts = [];
    r.on('data', (d) => parts.push([typeof d, d]));
    await done(r, 'end');
    return parts;
  },
  readable_push_and_unshift: async () => {
    const r = new Readable({ read() {} });
    r.push('hello ');
    r.push(Buffer.from('world'));
    const first = r.read(5).toString();
    r.unshift(Buffer.from('HELLO'));
    r.push(null);
    const rest = [];
    r.on('data', (d) => rest.push(d.toString()));
    await done(r, 'end');
    return [first, rest.join('')];
  },
  readable_object_mode: async () => {
    const r = new Readable({ objectMode: true, read() {} });
    const pushed = [r.push({ a: 1 }), r.push([2]), r.push('three'), r.push(0)];
    r.push(null);
    const out = [];
    for await (const item of r) out.push(item);
    return [pushed, out, r.readableObjectMode, r.readableHighWaterMark];
  },
  readable_from: async () => {
    async function* gen() { yield 'x'; yield 'y'; }
    const out = [];
    for await (const chunk of Readable.from(gen())) out.push(chunk);
    for await (const chunk of Readable.from(['p', 'q'])) out.push(chunk);
    for await (const chunk of Readable.from('whole string')) out.push(chunk);
    out.push(await Readable.from([1, 2, 3]).toArray());
    return out;
  },
  readable_errors: async () => {
    const log = [];
    const r = new Readable({ read() {} });
    r.on('error', (e) => log.push(`error:${e.code}:${e.message}`));
    r.on('close', () => log.push('close'));
    r.push(null);
    r.push('late');
    await done(r);
    const bad = new Readable({ read() {} });
    bad.on('error', (e) => log.push(`error:${e.code}`));
    bad.push(42);
    await done(bad);
    return [log, r.destroyed, bad.destroyed];
  },
  writable_callbacks_and_finish: async () => {
    const log = [];
    const w = collector(log, { highWaterMark: 3 });
    const returns = [w.write('ab', () => log.push('cb1')), w.write('cd', () => log.push('cb2'))];
    w.end('ef', () => log.push('end cb'));
    log.push(`ended:${w.writableEnded} finished:${w.writableFinished}`);
    await done(w);
    return [returns, w.seen, log, w.writableFinished, w.destroyed];
  },
  writable_backpressure: async () => {
    const log = [];
    const w = new Writable({
      highWaterMark: 4,
      write(chunk, encoding, callback) {
        log.push(`write:${chunk}`);
        setTimeout(callback, 1);
      },
    });
    w.on('drain', () => log.push('drain'));
    log.push(`ret:${w.write('aaa')}`, `ret:${w.write('bb')}`, `needDrain:${w.writableNeedDrain}`, `len:${w.writableLength}`);
    await done(w, 'drain');
    w.end();
    await done(w, 'finish');
    return log;
  },
  writable_cork_writev: async () => {
    const batches = [];
    const w = new Writable({
      writev(chunks, callback) {
        batches.push(chunks.map((c) => c.chunk.toString()));
        callback();
      },
    });
    w.write('a');
    w.cork();
    w.write('b');
    w.write('c');
    w.write('d');
    process.nextTick(() => w.uncork());
    await new Promise((resolve) => w.end(resolve));
    return batches;
  },
  writable_decode_strings_and_encoding: async () => {
    const seen = [];
    const w = new Writable({
      decodeStrings: false,
      write(chunk, encoding, callback) { seen.push([typeof chunk, encoding]); callback(); },
    });
    w.write('text');
    w.write('aGk=', 'base64');
    w.write(Buffer.from('buf'));
    w.write(new Uint8Array([1]));
    await new Promise((resolve) => w.end(resolve));
    return seen;
  },
  writable_errors: async () => {
    const log = [];
    const w = collector(log);
    w.on('error', (e) => log.push(`error:${e.code}:${e.message}`));
    w.end('x');
    w.write('after', (e) => log.push(`cb:${e && e.code}`));
    await done(w);
    const thrown = [];
    for (const chunk of [null, 42]) {
      try { new Writable({ write(c, e, cb) { cb(); } }).write(chunk); } catch (e) { thrown.push([e.name, e.code]); }
    }
    const failing = new Writable({ write(chunk, encoding, callback) { callback(new Error('disk full')); } });
    failing.on('error', (e) => log.push(`failing:${e.message}`));
    failing.write('x', (e) => log.push(`failing cb:${e.message}`));
    await done(failing);
    return [log, thrown, failing.destroyed, failing.writableAborted];
  },
  transform_and_flush: async () => {
    const log = [];
    const upper = new Transform({
      transform(chunk, encoding, callback) { callback(null, chunk.toString().toUpperCase()); },
      flush(callback) { this.push('!'); callback(); },
    });
    const w = collector(log);
    source(['ab', 'cd']).pipe(upper).pipe(w);
    upper.on('end', () => log.push('t:end'));
    upper.on('finish', () => log.push('t:finish'));
    await done(w);
    return [w.seen, log];
  },
  passthrough_and_instanceof: async () => {
    const pt = new PassThrough();
    pt.end('through');
    const got = [];
    for await (const c of pt) got.push(c.toString());
    const d = new Duplex({ read() {}, write(c, e, cb) { cb(); } });
    return [got, pt instanceof Transform, pt instanceof Duplex, pt instanceof Readable, pt instanceof Writable,
      d instanceof Writable, new Writable() instanceof Writable, new Readable() instanceof Writable,
      stream.Stream === stream, typeof stream.promises.pipeline];
  },
  duplex_both_sides: async () => {
    const log = [];
    const d = new Duplex({
      read() {},
      write(chunk, encoding, callback) {
        this.push(`echo ${chunk}`);
        callback();
      },
      final(callback) {
        this.push(null);
        callback();
      },
    });
    d.on('data', (c) => log.push(c.toString()));
    d.on('finish', () => log.push('finish'));
    d.on('end', () => log.push('end'));
    d.write('one');
    d.end('two');
    await done(d);
    return [log, d.allowHalfOpen];
  },
  pipeline_callback: async () => {
    const log = [];
    const w = collector(log);
    const err = await new Promise((resolve) => {
      const ret = pipeline(source(['1', '2', '3']), new Transform({
        transform(chunk, encoding, callback) { callback(null, `<${chunk}>`); },
      }), w, resolve);
      log.push(`returns last:${ret === w}`);
    });
    return [err, w.seen, log];
  },
  pipeline_error: async () => {
    const r = source(['ok', 'bad', 'never']);
    const t = new Transform({
      transform(chunk, encoding, callback) {
        callback(chunk.toString() === 'bad' ? new Error('bad chunk') : null, chunk);
      },
    });
    const log = [];
    const w = collector(log);
    const err = await new Promise((resolve) => pipeline(r, t, w, resolve));
    await new Promise((resolve) => setTimeout(resolve, 1));
    return [err && err.message, w.seen, r.destroyed, t.destroyed, w.destroyed];
  },
  pipeline_promises_generators: async () => {
    const seen = [];
    await streamPromises.pipeline(
      Readable.from([1, 2, 3]),
      async function* (src) { for await (const n of src) yield n * 10; },
      new Writable({ objectMode: true, write(chunk, encoding, callback) { seen.push(chunk); callback(); } }),
    );
    const total = await streamPromises.pipeline(Readable.from(['a', 'b']), async (src) => {
      let s = '';
      for await (const x of src) s += x;
      return s;
    });
    return [seen, total, util.promisify(pipeline) === streamPromises.pipeline];
  },
  finished_cases: async () => {
    const log = [];
    const w = collector([]);
    finished(w, (err) => log.push(`writable:${err}`));
    w.end('x');
    const r = source(['y']);
    finished(r, (err) => log.push(`readable:${err}`));
    r.resume();
    const early = new Readable({ read() {} });
    finished(early, (err) => log.push(`early:${err && err.code}`));
    early.destroy();
    await streamPromises.finished(w);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return log.sort();
  },
  legacy_stream_and_inherits: async () => {
    const log = [];
    function Counter(limit) {
      Readable.call(this, { objectMode: true });
      this.n = 0;
      this.limit = limit;
    }
    util.inherits(Counter, Readable);
    Counter.prototype._read = function () {
      this.n += 1;
      this.push(this.n > this.limit ? null : this.n);
    };
    const counted = await new Counter(3).toArray();
    const old = new stream.Stream();
    old.readable = true;
    const w = collector(log);
    old.pipe(w);
    old.emit('data', 'legacy ');
    old.emit('data', 'data');
    old.emit('end');
    await done(w);
    return [counted, w.seen, log, old instanceof require('events')];
  },
  jws_style_module: async () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    const direct = jws.sign({ header, payload: '{"sub":"u1"}', secret: 'shh' });
    const streamed = await new Promise((resolve) => jws.createSign({ header, payload: '{"sub":"u1"}', secret: 'shh' }).once('done', resolve));
    const piped = await new Promise((resolve) => {
      const payload = new PassThrough();
      jws.createSign({ header: { alg: 'HS512' }, payload, secret: Buffer.from('shh') }).once('done', resolve);
      payload.write('{"sub":');
      payload.end('"u2"}');
    });
    const verdicts = await Promise.all([[direct, 'shh'], [direct, 'nope'], [piped, 'shh']].map(([signature, secret]) =>
      new Promise((resolve) => jws.createVerify({ signature, secret }).once('done', resolve))));
    return [direct, streamed === direct, piped, verdicts];
  },
};

async function run() {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    try {
      out[name] = JSON.parse(JSON.stringify(await fn(), (k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v)) ?? 'null');
    } catch (err) {
      out[name] = `THREW ${err && err.name}: ${err && err.message}`;
    }
  }
  return out;
}

module.exports = { run, names: Object.keys(cases) };
