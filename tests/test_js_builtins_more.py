"""The built-ins packages require as they load that edge functions lacked (pino 10's
diagnostics_channel, undici 7's diagnostics_channel/async_hooks/perf_hooks/worker_threads/dns,
@middy/core 6's and file-type's stream/web, stream/consumers): each module's behaviour compared with
real Node 20, then small fixture packages that require them the way those packages do, built and
invoked through the real runtime. Each module is put into a function only when its sources name it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import _on_demand, build_js

from .js_helpers import VIEWER_EVENT, node

CASES = r"""
const dc = require('node:diagnostics_channel');
const { AsyncLocalStorage, AsyncResource, executionAsyncId, triggerAsyncId, createHook } = require('node:async_hooks');
const { performance, PerformanceObserver } = require('node:perf_hooks');
const wt = require('node:worker_threads');
const web = require('node:stream/web');
const consumers = require('stream/consumers');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.run = async () => {
  const out = {};
  const ch = dc.channel('my');
  const seen = [];
  out.before = [ch.hasSubscribers, dc.hasSubscribers('my'), ch instanceof dc.Channel];
  const sub = (m, n) => seen.push([m, n]);
  dc.subscribe('my', sub);
  ch.publish({ a: 1 });
  out.after = [ch.hasSubscribers, dc.hasSubscribers('my'), dc.channel('my') === ch, ch instanceof dc.Channel];
  out.unsub = [dc.unsubscribe('my', sub), dc.unsubscribe('my', sub), ch.hasSubscribers];
  ch.publish({ b: 2 });
  out.seen = seen;
  const tc = dc.tracingChannel('op');
  const ev = [];
  tc.subscribe({ start: (c) => ev.push('start'), end: (c) => ev.push('end'), asyncStart: () => ev.push('as'), asyncEnd: () => ev.push('ae'), error: (c) => ev.push('err:' + c.error.message) });
  out.traceSync = tc.traceSync((x) => x * 2, { }, null, 21);
  out.tracePromise = await tc.tracePromise(async () => 'p', {});
  try { tc.traceSync(() => { throw new Error('bad'); }); } catch (e) { ev.push('caught'); }
  out.ev = ev;
  out.dcErrors = [() => dc.channel(5), () => dc.tracingChannel(5), () => ch.subscribe(1)].map((f) => { try { f(); } catch (e) { return [e.code, e.message]; } });
  // async_hooks
  const als = new AsyncLocalStorage();
  out.alsOutside = als.getStore();
  out.alsRun = await als.run({ id: 1 }, async () => {
    const a = als.getStore().id;
    await null;
    const b = als.getStore().id;
    await sleep(5);
    const c = als.getStore().id;
    const d = await new Promise((r) => setTimeout(() => r(als.getStore().id), 1));
    const e = await Promise.resolve().then(() => als.getStore().id);
    const nested = await als.run({ id: 2 }, async () => { await sleep(1); return als.getStore().id; });
    const f = als.getStore().id;
    const g = als.exit(() => als.getStore());
    return [a, b, c, d, e, nested, f, g];
  });
  out.alsAfter = als.getStore();
  out.syncRun = als.run('s', () => als.getStore());
  const res = als.run('r', () => new AsyncResource('X'));
  out.resource = [res.runInAsyncScope(() => als.getStore()), typeof res.asyncId(), res.bind(() => als.getStore())(), als.getStore()];

  const hook = createHook({ init() {} });
  out.hook = [hook.enable() === hook, hook.disable() === hook];
  try { createHook({ init: 1 }); } catch (e) { out.hookErr = [e.code, e.message]; }
  out.snapshot = als.run('snap', () => AsyncLocalStorage.snapshot())(() => als.getStore());
  // perf_hooks
  const m = performance.mark('a', { detail: { x: 1 } });
  const ms = performance.measure('m', 'a');
  out.perf = [performance === globalThis.performance, m.entryType, m.name, JSON.stringify(m.detail), ms.entryType, ms.startTime === m.startTime,
    performance.getEntries().length, performance.getEntriesByType('mark').length, performance.getEntriesByName('m').length,
    typeof performance.now(), typeof performance.timeOrigin, Object.keys(JSON.parse(JSON.stringify(m))), m.constructor.name];
  try { performance.measure('x', 'nope'); } catch (e) { out.perfErr = [e.name, e.message]; }
  performance.clearMarks(); performance.clearMeasures();
  out.perfCleared = performance.getEntries().length;
  new PerformanceObserver(() => { out.observed = true; }).observe({ entryTypes: ['mark'] });
  out.supported = PerformanceObserver.supportedEntryTypes;
  // worker_threads
  out.wt = [wt.isMainThread, wt.parentPort, wt.workerData, wt.threadId, Object.keys(wt).sort()];
  // its MessageChannel and MessagePort are the globals; receiveMessageOnPort takes a waiting message
  const channel = new wt.MessageChannel();
  channel.port1.postMessage({ a: [1] });
  channel.port1.postMessage('two');
  out.wtPorts = [wt.MessageChannel === MessageChannel, wt.MessagePort === MessagePort,
    wt.receiveMessageOnPort(channel.port2), wt.receiveMessageOnPort(channel.port2), wt.receiveMessageOnPort(channel.port2)];
  try { wt.receiveMessageOnPort({}); } catch (e) { out.wtBadPort = [e.name, e.code, e.message]; }
  channel.port1.close();

  // stream/web
  const rs = new web.ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const got = [];
  for await (const chunk of rs) got.push(chunk);
  out.rs = got;
  const ts = new web.TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
  const piped = web.ReadableStream.from(['x', 'y', 'z']).pipeThrough(ts);
  out.transformed = await consumers.text(piped);
  const written = [];
  const ws = new web.WritableStream({ write(chunk) { written.push(chunk); } });
  const w = ws.getWriter();
  await w.write(1); await w.write(2); await w.close();
  out.written = written;
  out.encoded = Array.from(new Uint8Array(await consumers.arrayBuffer(web.ReadableStream.from(['hé']).pipeThrough(new web.TextEncoderStream()))));
  out.decoded = await consumers.text(web.ReadableStream.from([new Uint8Array([0xc3]), new Uint8Array([0xa9])]).pipeThrough(new web.TextDecoderStream()));
  const [t1, t2] = web.ReadableStream.from([1, 2, 3]).tee();
  const a1 = []; for await (const v of t1) a1.push(v);
  const a2 = []; for await (const v of t2) a2.push(v);
  out.tee = [a1, a2];
  const gz = web.ReadableStream.from([Buffer.from('hello hello hello')]).pipeThrough(new web.CompressionStream('gzip')).pipeThrough(new web.DecompressionStream('gzip'));
  out.gz = await consumers.text(gz);
  try { rs.getReader(); const r2 = new web.ReadableStream(); r2.getReader(); r2.getReader(); } catch (e) { out.locked = [e.code, e.message]; }
  try { new web.ReadableStream({ type: 'x' }); } catch (e) { out.badType = [e.code, e.message]; }
  out.webKeys = Object.keys(web).sort();
  // consumers
  out.consumers = [await consumers.text((async function* () { yield 'a'; yield Buffer.from('b'); })()),
    await consumers.json((async function* () { yield '{"k":'; yield '1}'; })()),
    (await consumers.buffer((async function* () { yield 'ab'; yield new Uint8Array([99]); })())).toString()];
  out.consumerKeys = Object.keys(consumers).sort();
  // string_decoder's StringDecoder subclassed as iconv-lite 0.4 does
  const { StringDecoder } = require('string_decoder');
  function InternalDecoder(enc) { StringDecoder.call(this, enc); }
  InternalDecoder.prototype = StringDecoder.prototype;
  const inner = new InternalDecoder('utf8');
  out.decoderNames = ['ucs2', 'UCS-2', 'utf-16le', 'binary', 'UTF8', undefined, null, ''].map((e) => {
    const d = new StringDecoder(e);
    return [d.encoding, Object.keys(d)];
  });
  out.decoderSubclass = [inner.write(Buffer.from([0xe2, 0x82])), inner.end(Buffer.from([0xac])), typeof StringDecoder,
    Object.keys(StringDecoder.prototype).filter((k) => k === 'write' || k === 'end')];
  const made = await consumers.blob((async function* () { yield 'ab'; yield new Uint8Array([99]); })());
  out.blob = [made.constructor.name, made.size, made.type, await made.text()];
  return out;
};
"""

HANDLER = """
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""


def invoke(source: Path, out_dir: Path) -> tuple[dict, str]:
    """The JSON body `source`'s handler answers VIEWER_EVENT with (built and run by `edge invoke`), and the log."""
    wasm = build_js(source, out=out_dir / f"{source.name}.wasm")
    event = out_dir / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "200", answer
    return json.loads(answer["body"]), result.stderr


def package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def cases_package(tmp_path_factory) -> Path:
    return package(tmp_path_factory.mktemp("more") / "more", {"cases.js": CASES, "index.js": HANDLER})


def test_the_new_modules_behave_as_in_node(cases_package, tmp_path):
    in_node = json.loads(node("-e", "require(%s).run().then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(cases_package / "cases.js"))))
    at_the_edge, _ = invoke(cases_package, tmp_path)
    for key in in_node:
        assert at_the_edge.get(key) == in_node[key], key
    assert at_the_edge == in_node
    # what the cases pin down, so a change in Node's output does not go unnoticed
    assert at_the_edge["alsRun"] == [1, 1, 1, 1, 1, 2, 1, None]
    assert at_the_edge["seen"] == [[{"a": 1}, "my"]]
    assert at_the_edge["gz"] == "hello hello hello"


# Fixture packages requiring the modules as the real ones do (node_modules, so the build finds them there).
PACKAGES = {
    # pino 10's lib/tools.js: a tracing channel made as the module loads
    "node_modules/fakepino/package.json": '{"name": "fakepino", "main": "lib/tools.js"}',
    "node_modules/fakepino/lib/tools.js": """
const diagChan = require('node:diagnostics_channel');
const asJsonChan = diagChan.tracingChannel('pino_asJson');
const { Worker } = require('worker_threads');
exports.asJson = (obj) => asJsonChan.hasSubscribers ? asJsonChan.traceSync(JSON.stringify, { obj }, null, obj)
  : JSON.stringify(obj);
exports.transport = () => new Worker('./worker.js');
""",
    # undici 7's lib/core/diagnostics.js, api-request.js, util/timers.js and interceptor/dns.js
    "node_modules/fakeundici/package.json": '{"name": "fakeundici"}',
    "node_modules/fakeundici/index.js": """
const diagnosticsChannel = require('node:diagnostics_channel');
const { AsyncResource } = require('node:async_hooks');
const { performance } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');
const { lookup } = require('node:dns');
const channels = { create: diagnosticsChannel.channel('undici:request:create') };
class RequestHandler extends AsyncResource {
  constructor() { super('UNDICI_REQUEST'); }
}
exports.request = (opts) => {
  if (channels.create.hasSubscribers) channels.create.publish({ request: opts });
  const handler = new RequestHandler();
  return handler.runInAsyncScope(() => ({ now: typeof performance.now(), isMainThread }));
};
exports.resolve = (host) => lookup(host, () => {});
""",
    # @middy/core 6 and file-type: an ES module importing ReadableStream from node:stream/web
    "node_modules/fakemiddy/package.json": '{"name": "fakemiddy", "type": "module", "exports": "./index.js"}',
    "node_modules/fakemiddy/index.js": """
import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { text } from 'node:stream/consumers';
export const isWebStream = (body) => body instanceof ReadableStream;
export const bodyText = (body) => text(body instanceof ReadableStream ? body : Readable.from([body]));
""",
    "index.mjs": """
import { asJson, transport } from 'fakepino';
import undici from 'fakeundici';
import { isWebStream, bodyText } from 'fakemiddy';
import { ReadableStream } from 'node:stream/web';
import { createRequire } from 'node:module';
import { subscribe } from 'node:diagnostics_channel';
const require = createRequire(import.meta.url);
const { json } = require('stream/consumers');
const seen = [];
subscribe('tracing:pino_asJson:start', (message) => seen.push(Object.keys(message)));
subscribe('undici:request:create', (message) => seen.push(message.request.path));
const attempt = (f) => { try { return f(); } catch (e) { return [e.code, e.message]; } };
export const handler = async () => {
  const web = new ReadableStream({ start(c) { c.enqueue('{"a":'); c.enqueue('1}'); c.close(); } });
  const result = {
    asJson: asJson({ a: 1 }), request: undici.request({ path: '/x' }), seen,
    isWebStream: [isWebStream(web), isWebStream('x')], json: await json(web), text: await bodyText('plain'),
    worker: attempt(transport), dns: attempt(() => undici.resolve('example.com')),
    builtin: [require('node:module').isBuiltin('stream/consumers'),
      require('node:module').builtinModules.includes('stream/consumers')],
  };
  return { status: '200', body: JSON.stringify(result) };
};
""",
}


def test_packages_requiring_them_as_pino_undici_and_middy_do_build_and_run(tmp_path):
    source = package(tmp_path / "fn", PACKAGES)
    result, _ = invoke(source, tmp_path)
    assert result["asJson"] == '{"a":1}'
    assert result["request"] == {"now": "number", "isMainThread": True}
    assert result["seen"] == [["obj"], "/x"]
    assert result["isWebStream"] == [True, False]
    assert result["json"] == {"a": 1} and result["text"] == "plain"
    assert result["worker"][0] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert result["worker"][1].startswith("new Worker() is not available in edge functions: edge functions cannot "
                                          "start threads")
    assert result["dns"][0] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert "cannot make network calls" in result["dns"][1]
    assert result["builtin"] == [True, True]


def test_each_module_goes_only_into_functions_naming_it(tmp_path):
    (tmp_path / "index.js").write_text("require('node:async_hooks'); require(\"stream/web\");\n")
    assert {"async_hooks.js", "stream_web.js"} <= set(_on_demand(tmp_path))
    assert not {"diagnostics_channel.js", "perf_hooks.js", "worker_threads.js", "stream_consumers.js"} & set(
        _on_demand(tmp_path))
    (tmp_path / "index.js").write_text("exports.handler = async () => ({});\n")
    assert not {"async_hooks.js", "stream_web.js", "diagnostics_channel.js"} & set(_on_demand(tmp_path))
