"""The Web globals Node 20 has that cheerio 1.x (through undici 7) needs as it loads, compared case by case
with real Node 20: the web streams as globals (the very classes of require('stream/web')), Blob and File (also
require('buffer').Blob / .File), FormData, and MessageChannel / MessagePort / MessageEvent (a structured clone
delivered a macrotask later, microtasks between messages, onmessage / addEventListener / Node's on and once,
start, close and its events, transfer of an ArrayBuffer, DataCloneError). Each is in a function whose sources
name it (edge/js/build.py's ON_DEMAND).

Also http.request / https.request / get: Node throws only for bad arguments (a protocol the module does not
serve, a bad header name or value, method, path, host, agent, timeout, an invalid URL) and reports a request
that cannot connect through the request's 'error' event, emitted later, then 'close' (aws-jwt-verify wraps that
event in its FetchError). Here every request is one that cannot connect: the same events in the same order as
Node's for 127.0.0.1:1 (refused there), the error ERR_FEATURE_UNAVAILABLE_ON_PLATFORM saying why.
Not compared: the error's code and message (Node's is ECONNREFUSED), structuredClone of a Blob (Node's gives a
Blob; clone.js makes a plain object) and Node's inspect of a MessagePort (its internals)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import _on_demand

from .js_helpers import VIEWER_EVENT, assert_same_as_node, build, case_package, cases_in_node

GLOBALS_JS = r"""const util = require('util');
const buffer = require('buffer');
const web = require('stream/web');
// String(err) too: Node's own errors read `TypeError [ERR_X]: ...`, those of its C++ and undici's plain ones not
const caught = (f) => { try { const r = f(); return ['ok', typeof r]; } catch (e) { return [e.name, e.code ?? null, e.message, String(e)]; } };
const STREAM_GLOBALS = ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest',
  'ReadableByteStreamController', 'ReadableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
  'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'ByteLengthQueuingStrategy',
  'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream'];
const OTHER_GLOBALS = ['Blob', 'File', 'FormData', 'MessageChannel', 'MessagePort', 'MessageEvent'];
const describe = (v) => (typeof v === 'string' ? v : [v.constructor.name, v.name, v.type, v.size, typeof v.lastModified]);

async function globals() {
  const out = {};
  out.identity = STREAM_GLOBALS.map((name) => [name, globalThis[name] === web[name]]);
  out.buffer = [buffer.Blob === Blob, buffer.File === File];
  out.descriptors = [...STREAM_GLOBALS, ...OTHER_GLOBALS].map((name) => {
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    return [name, typeof globalThis[name], d.writable, d.enumerable, d.configurable];
  });
  const piped = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('é'); c.close(); } })
    .pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream());
  const parts = [];
  for await (const chunk of piped) parts.push(chunk);
  out.pipe = parts;
  const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
  const written = [];
  await ReadableStream.from(['x', 'y']).pipeThrough(upper).pipeTo(new WritableStream({ write(c) { written.push(c); } }));
  out.transform = written;
  // pipeTo's signal, aborted while the pipe runs (at the second chunk written) and before it starts
  const ac = new AbortController();
  const got = [];
  let canceled = null;
  let pulls = 0;
  const source = new ReadableStream({
    pull(c) { pulls += 1; return new Promise((resolve) => setTimeout(() => { if (!canceled) c.enqueue(`c${pulls}`); resolve(); }, 5)); },
    cancel(reason) { canceled = [reason.name, reason.message]; },
  });
  const sink = new WritableStream({ write(chunk) { got.push(chunk); if (got.length === 2) ac.abort(); } });
  try { await source.pipeTo(sink, { signal: ac.signal }); out.aborted = 'resolved'; } catch (e) { out.aborted = [e.name, e.message, e.code]; }
  const state = await sink.getWriter().closed.then(() => 'closed', (e) => ['errored', e.name]);
  out.abortedPipe = [got, canceled, state, source.locked, sink.locked];
  const kept = [];
  const keptSink = new WritableStream({ write(chunk) { kept.push(chunk); } });
  const ac2 = new AbortController();
  const slow = new ReadableStream({ pull(c) { return new Promise((r) => setTimeout(() => { c.enqueue('s'); r(); }, 5)); } });
  setTimeout(() => ac2.abort(new Error('stop')), 12);
  try { await slow.pipeTo(keptSink, { signal: ac2.signal, preventAbort: true, preventCancel: true }); } catch (e) { out.prevented = [e.message, keptSink.locked, slow.locked]; }
  try { await ReadableStream.from(['z']).pipeTo(new WritableStream(), { signal: AbortSignal.abort() }); } catch (e) { out.preAborted = [e.name, e.message]; }
  out.strategies = [new CountQueuingStrategy({ highWaterMark: 3 }).highWaterMark,
    new ByteLengthQueuingStrategy({ highWaterMark: 8 }).size(new Uint8Array(5))];
  return out;
}

async function blobs() {
  const out = {};
  const b = new Blob(['héllo', new Uint8Array([1, 2]), new Blob(['x']), new ArrayBuffer(2), new DataView(new ArrayBuffer(1))], { type: 'Text/Plain' });
  out.basic = [b.size, b.type, Object.prototype.toString.call(b), String(b), b.constructor.name, b instanceof Blob];
  out.slice = [await b.slice(1, 3).text(), b.slice(-3).size, b.slice(1, 3, 'A/B').type, b.slice().type, b.slice(5, 2).size,
    b.slice(2).size, b.slice(-100, 100).size, Object.prototype.toString.call(b.slice(0, 1))];
  out.bytes = Array.from(await b.slice(0, 4).bytes());
  out.arrayBuffer = [(await b.arrayBuffer()).byteLength, Object.prototype.toString.call(await b.arrayBuffer())];
  const chunks = [];
  for await (const c of b.stream()) chunks.push([c.constructor.name, c.length]);
  out.stream = [chunks, b.stream() instanceof ReadableStream];
  out.text = [await new Blob(['a', 'b']).text(), await new Blob([new Uint8Array([0xff, 0x41])]).text()];
  out.copied = await (async () => { const u = new Uint8Array([1]); const x = new Blob([u]); u[0] = 9; return Array.from(await x.bytes()); })();
  out.types = [new Blob([], { type: 'a\u0100' }).type, new Blob([], { type: 'A B' }).type, new Blob().size,
    new Blob([1, null, {}]).size, await new Blob([1, null, {}]).text(), new Blob([], { type: undefined }).type,
    new Blob([], null).type];
  out.endings = [await new Blob(['a\r\nb\nc'], { endings: 'native' }).text(), await new Blob(['a\nb'], { endings: 'transparent' }).text()];
  out.errors = [() => new Blob('abc'), () => new Blob([], { endings: 'x' }), () => new Blob({}), () => new File(['a']),
    () => new Blob([], 5), () => new Blob(5), () => new Blob(null), () => Blob.prototype.size,
    () => Object.getOwnPropertyDescriptor(Blob.prototype, 'type').get.call({})].map(caught);
  out.notBlob = await Blob.prototype.text.call({}).then(() => 'resolved', (e) => [e.name, e.code]);
  const f = new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 42 });
  out.file = [f.name, f.lastModified, f.size, f.type, f instanceof Blob, Object.prototype.toString.call(f), await f.text(),
    f.slice(0, 1) instanceof File, typeof new File([], 'x').lastModified, new File([], 5).name,
    new File([], 'n', { lastModified: 'x' }).lastModified, new File([f], 'copy').size];
  out.inspect = [util.inspect(b), util.inspect(f), util.inspect({ b }), util.inspect(new Blob([]))];
  out.keys = [Object.keys(b), Object.getOwnPropertyNames(Blob.prototype), Object.getOwnPropertyNames(File.prototype),
    JSON.stringify(b), Object.keys(Blob.prototype), Object.keys(File.prototype)];
  return out;
}

function formData() {
  const out = {};
  const fd = new FormData();
  fd.append('a', '1');
  fd.append('a', 2);
  fd.append('b', new Blob(['x'], { type: 'text/x' }));
  fd.append('c', new Blob(['y']), 'y.txt');
  fd.append('d', new File(['z'], 'orig.txt', { type: 'text/z', lastModified: 5 }));
  fd.append('e', new File(['z'], 'orig.txt', { lastModified: 5 }), 'renamed.txt');
  fd.set('f', 'v');
  out.get = ['a', 'b', 'c', 'd', 'e', 'zz'].map((k) => (fd.get(k) === null ? null : describe(fd.get(k))));
  out.lastModified = [fd.get('d').lastModified, fd.get('e').lastModified];
  out.getAll = fd.getAll('a');
  out.has = [fd.has('a'), fd.has('zz')];
  out.entries = [...fd].map(([k, v]) => [k, describe(v)]);
  out.keys = [...fd.keys()];
  out.values = [...fd.values()].map(describe);
  fd.set('a', 'only');
  out.afterSet = [...fd.keys()];
  out.getAll2 = fd.getAll('a');
  fd.delete('b');
  const seen = [];
  fd.forEach(function (v, k, p) { seen.push([k, typeof v, p === fd, this.t]); }, { t: 't' });
  out.forEach = seen;
  const live = fd.keys();
  live.next();
  fd.append('late', 'x');
  out.live = [...live];
  out.strings = [Object.prototype.toString.call(fd), util.inspect(new FormData()), Object.prototype.toString.call(fd.entries())];
  const small = new FormData();
  small.append('n', 'a');
  small.append('n', 'b');
  small.append('m', 'c');
  out.inspect = util.inspect(small);
  out.proto = [Object.getOwnPropertyNames(FormData.prototype), Object.keys(FormData.prototype)];
  out.errors = [() => fd.append('x'), () => fd.append('x', 'y', 'z'), () => new FormData({}), () => fd.get(),
    () => fd.forEach(5), () => fd.set('x', {}, 'n'), () => new FormData(undefined), () => FormData.prototype.get.call({}, 'a'),
    () => fd.keys.call({})].map(caught);
  out.coerced = [fd.get('x'), (fd.append(1, { toString: () => 'obj' }), fd.get('1'))];
  out.lengths = [fd.append.length, FormData.length, fd.getAll.length, fd.forEach.length];
  return out;
}

async function messaging() {
  const out = {};
  const log = [];
  const { port1, port2 } = new MessageChannel();
  const events = [];
  port2.onmessage = (e) => {
    events.push([e.constructor.name, e.type, e.data, e.target === port2, e.origin, e.lastEventId, e.source, e.ports]);
    log.push(`m:${JSON.stringify(e.data)}`);
    Promise.resolve().then(() => log.push(`micro:${JSON.stringify(e.data)}`));
  };
  port2.addEventListener('message', (e) => log.push(`listener:${typeof e.data}`));
  port2.on('message', (data) => log.push(`on:${typeof data}`));
  const obj = { a: 1, d: new Date(0), list: [1, 2], m: new Map([[1, 2]]) };
  port1.postMessage(obj);
  obj.a = 2;
  port1.postMessage('two');
  Promise.resolve().then(() => log.push('microtask'));
  log.push('sync');
  await new Promise((resolve) => setTimeout(resolve, 20));
  out.order = log;
  out.events = events.map((e) => JSON.parse(JSON.stringify(e)));
  out.cloned = [events[0][2].d instanceof Date, events[0][2].m instanceof Map, events[0][2].m.get(1)];

  const c = new MessageChannel();
  const got = [];
  c.port2.addEventListener('message', (e) => got.push(['listener', e.data]));
  c.port1.postMessage('started by addEventListener');
  const c2 = new MessageChannel();
  c2.port1.postMessage('queued before start');
  const closes = [];
  c2.port1.on('close', (e) => closes.push(['port1', e.type]));
  c2.port2.addEventListener('close', (e) => closes.push(['port2', e.type]));
  c2.port1.close();
  c2.port1.postMessage('after close');
  c2.port2.onmessage = (e) => got.push(['onmessage', e.data]);
  const c3 = new MessageChannel();
  c3.port2.once('message', (data) => got.push(['once', data]));
  c3.port1.postMessage(1);
  c3.port1.postMessage(2);
  const c4 = new MessageChannel();
  const bytes = new Uint8Array([1, 2, 3]);
  c4.port2.onmessage = (e) => got.push(['transferred', Array.from(e.data)]);
  c4.port1.postMessage(bytes, [bytes.buffer]);
  got.push(['detached', bytes.byteLength]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  out.got = got;
  out.closes = closes;
  out.getters = [typeof c2.port2.onmessage, c.port1.onmessage, c.port1 instanceof EventTarget, c.port1 instanceof MessagePort,
    Object.keys(c).sort()];
  out.errors = [() => port1.postMessage(() => 1), () => port1.postMessage(Symbol('s')), () => new MessagePort(),
    () => port1.postMessage(), () => port1.postMessage({ p: Promise.resolve() })].map(caught);
  const ev = new MessageEvent('message', { data: 5, origin: 'o', lastEventId: 7 });
  out.event = [ev.data, ev.type, ev.origin, ev.lastEventId, ev.source, ev.ports, ev instanceof Event, MessageEvent.length,
    new MessageEvent('x').data, Object.prototype.toString.call(ev), Object.prototype.toString.call(c.port1),
    Object.prototype.toString.call(new AbortController()), Object.prototype.toString.call(new EventTarget())];
  for (const p of [port1, port2, c.port1, c.port2, c3.port1, c3.port2, c4.port1, c4.port2]) p.close();
  return out;
}

// one flat object, 'group.case' -> outcome, so each case is compared (and reported) on its own
exports.run = async () => {
  const out = {};
  for (const [group, cases] of [['globals', await globals()], ['blob', await blobs()], ['formData', formData()],
    ['messaging', await messaging()]]) {
    for (const [key, value] of Object.entries(cases)) out[`${group}.${key}`] = value;
  }
  return out;
};
"""

HTTP_JS = r"""const http = require('http');
const https = require('https');
// The synchronous throws Node keeps (bad arguments), and the 'error' + 'close' Node emits later for a
// request that cannot connect (127.0.0.1:1 refuses in Node; edge functions have no network at all).
const attempt = (make) => new Promise((resolve) => {
  const log = [];
  let req;
  try {
    req = make();
  } catch (e) {
    resolve([['threw', e.name, e.code, e.message, String(e)]]);
    return;
  }
  log.push(['returned', req.constructor.name, req instanceof http.ClientRequest]);
  req.on('error', (e) => log.push(['error', e.constructor.name, e.name, typeof e.code, e === req.destroyedWith]));
  req.on('abort', () => log.push('abort'));
  req.on('close', () => { log.push('close'); setTimeout(() => resolve(log), 5); });
  Promise.resolve().then(() => log.push('microtask'));
  log.push('sync');
});
exports.run = async () => {
  const out = {};
  const cases = {
    badProtocol: () => https.request('http://127.0.0.1:1/'),
    badProtocolOption: () => http.request({ protocol: 'https:', host: '127.0.0.1', port: 1 }),
    badHeaderValue: () => https.request('https://127.0.0.1:1/', { headers: { 'x-a': 'a\nb' } }),
    badHeaderName: () => https.request('https://127.0.0.1:1/', { headers: { 'x a': 'v' } }),
    undefinedHeader: () => https.request('https://127.0.0.1:1/', { headers: { 'x-a': undefined } }),
    badMethod: () => https.request('https://127.0.0.1:1/', { method: 'G T' }),
    methodType: () => https.request('https://127.0.0.1:1/', { method: 5 }),
    hostType: () => https.request({ host: 5 }),
    hostnameType: () => http.request({ hostname: {} }),
    badPath: () => https.request({ host: '127.0.0.1', port: 1, path: '/a b' }),
    badUrl: () => https.request('not a url'),
    agentType: () => https.request({ host: '127.0.0.1', port: 1, agent: 5 }),
    timeoutType: () => https.request({ host: '127.0.0.1', port: 1, timeout: 'x' }),
    timeoutRange: () => http.request({ host: '127.0.0.1', port: 1, timeout: -1 }),
    unreachable: () => https.request('https://127.0.0.1:1/', () => {}),
    unreachableHttp: () => http.request('http://127.0.0.1:1/x', { method: 'POST' }),
    get: () => https.get('https://127.0.0.1:1/'),
    getHttp: () => http.get({ host: '127.0.0.1', port: 1 }),
    withUrlObject: () => https.request(new URL('https://127.0.0.1:1/p'), { headers: { a: 'b' } }),
    clientRequest: () => new http.ClientRequest('http://127.0.0.1:1/'),
    agentFalse: () => http.request({ host: '127.0.0.1', port: 1, agent: false }),
    destroyed: () => { const r = https.request('https://127.0.0.1:1/'); r.destroy(); return r; },
    destroyedWithError: () => { const r = https.request('https://127.0.0.1:1/'); r.destroyedWith = new Error('mine'); r.destroy(r.destroyedWith); return r; },
    aborted: () => { const r = https.request('https://127.0.0.1:1/'); r.abort(); return r; },
    abortSignal: () => https.request('https://127.0.0.1:1/', { signal: AbortSignal.abort() }),
    writeThenEnd: () => { const r = https.request('https://127.0.0.1:1/', { method: 'POST' }); r.write('a'); r.end('b'); return r; },
  };
  for (const [name, make] of Object.entries(cases)) {
    out[name] = await attempt(make);
  }
  const r = https.request('https://127.0.0.1:1/p?q=1', { method: 'post', headers: { 'X-A': 'b' }, auth: 'u:p' });
  r.on('error', () => {});
  r.setHeader('X-Multi', ['1', '2']);
  out.props = [r.method, r.path, r.host, r.protocol, r.getHeader('x-a'), r.getHeaderNames(), r.getRawHeaderNames(),
    r.getHeader('authorization'), r.getHeader('host'), r.hasHeader('X-A'), r.headersSent, r.destroyed, r.writable,
    r.finished, r.aborted, r.reusedSocket, r instanceof http.OutgoingMessage, r.agent === https.globalAgent];
  r.removeHeader('x-a');
  out.removed = r.getHeaderNames();
  out.written = [r.setTimeout(10) === r, r.write('x'), r.headersSent, r.end() === r, r.writableEnded, r.finished];
  out.hostHeader = [http.request({ host: '::1', port: 8080 }), https.request({ host: 'a.example', port: 443 }),
    http.request({ hostname: 'b.example', port: 81, setHost: true })].map((q) => { q.on('error', () => {}); return q.getHeader('host'); });
  out.headerErrors = [() => r.getHeader(5), () => r.setHeader('', 'x'), () => r.setHeader('a', 'b'), () => r.removeHeader('a'), () => r.write(null), () => r.write(5)].map((f) => {
    try { f(); return 'ok'; } catch (e) { return [e.name, e.code, e.message, String(e)]; }
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  out.afterEnd = await new Promise((resolve) => {
    const q = http.request('http://127.0.0.1:1/');
    q.on('error', () => {});
    q.end();
    q.write('late', (err) => resolve(err && [err.code, err.message]));
  });
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""

# The aws-jwt-verify way (its https-node.js fetch): the request's 'error' becomes the promise's rejection.
# Without an 'error' listener the error is the invocation's uncaught exception, as it would end Node's process.
FETCH_JS = r"""'use strict';
const https = require('https');
class FetchError extends Error {
  constructor(uri, msg) { super(`Failed to fetch ${uri}: ${msg}`); this.name = 'FetchError'; }
}
const fetchJson = (uri) => new Promise((resolve, reject) => {
  const req = https.request(uri, { method: 'GET' }, (res) => resolve(res.statusCode));
  req.on('error', (err) => reject(new FetchError(uri, err.message)));
  req.end();
});
exports.handler = async (event) => {
  if (event.Records[0].cf.request.uri === '/unheard') {
    https.get('https://cognito-idp.us-east-1.amazonaws.com/jwks.json');
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { status: '200', body: 'not reached' };
  }
  try {
    await fetchJson('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x/.well-known/jwks.json');
    return { status: '200', body: 'fetched' };
  } catch (err) {
    return { status: '200', body: JSON.stringify([err.name, err.message]) };
  }
};
"""


def invoke(wasm, uri: str = "/x") -> tuple[int, dict | None, str]:  # type: ignore[no-untyped-def]
    """`edge invoke`'s exit code, the answer (None when the invocation failed) and its log."""
    event = wasm.parent / "event.json"
    viewer = json.loads(json.dumps(VIEWER_EVENT))
    viewer["Records"][0]["cf"]["request"]["uri"] = uri
    event.write_text(json.dumps(viewer))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    try:
        answer = json.loads(result.stdout)
    except ValueError:
        answer = None
    return result.exit_code, answer, result.stderr


def run_at_the_edge(sources, tmp_path_factory, name: str) -> dict:  # type: ignore[no-untyped-def]
    wasm = build(name, tmp_path_factory.mktemp(f"js-{name}"), source=sources)
    code, answer, log = invoke(wasm)
    assert code == 0 and answer is not None and answer["status"] == "200", log
    return json.loads(answer["body"])


@pytest.fixture(scope="module")
def globals_sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "web-globals", {"cases.js": GLOBALS_JS, "index.js": INDEX_JS})


@pytest.fixture(scope="module")
def http_sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "http-errors", {"cases.js": HTTP_JS, "index.js": INDEX_JS})


def test_web_globals_behave_as_in_node(globals_sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    in_node = cases_in_node(globals_sources)
    at_the_edge = run_at_the_edge(globals_sources, tmp_path_factory, "web-globals")
    assert_same_as_node(at_the_edge, in_node)
    # what the cases pin down, so a change in Node's output does not go unnoticed
    assert all(same for _, same in in_node["globals.identity"]) and in_node["globals.buffer"] == [True, True]
    assert in_node["blob.stream"][0] == [["Uint8Array", 6], ["Uint8Array", 2], ["Uint8Array", 1], ["Uint8Array", 2],
                                         ["Uint8Array", 1]]
    assert in_node["messaging.order"][:3] == ["sync", "microtask", 'm:{"a":1,"d":"1970-01-01T00:00:00.000Z","list":[1,2],"m":{}}']
    assert in_node["messaging.closes"] == [["port1", "close"], ["port2", "close"]]


def test_http_requests_fail_through_their_error_event_as_in_node(http_sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    in_node = cases_in_node(http_sources)
    at_the_edge = run_at_the_edge(http_sources, tmp_path_factory, "http-errors")
    assert_same_as_node(at_the_edge, in_node)
    assert in_node["badProtocol"] == [["threw", "TypeError", "ERR_INVALID_PROTOCOL", 'Protocol "http:" not supported. Expected "https:"',
                                       'TypeError [ERR_INVALID_PROTOCOL]: Protocol "http:" not supported. Expected "https:"']]
    assert in_node["unreachable"] == [["returned", "ClientRequest", True], "sync", "microtask",
                                      ["error", "Error", "Error", "string", False], "close"]


def test_a_request_error_reaches_the_packages_listener_or_fails_the_invocation(tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "fetch"
    source.mkdir()
    (source / "index.js").write_text(FETCH_JS)
    wasm = build("fetch", tmp_path, source=source)
    code, answer, log = invoke(wasm, "/")
    assert code == 0 and answer is not None, log
    name, message = json.loads(answer["body"])
    assert name == "FetchError"
    assert message == ("Failed to fetch https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x/.well-known/jwks.json: "
                       "https.request() is not available in edge functions: they cannot make network calls (move the "
                       "request to the origin, or put the data in the function's package, e.g. a JSON file require()d "
                       "at build time)")
    code, answer, log = invoke(wasm, "/unheard")
    assert code != 0, answer
    assert "https.get() is not available in edge functions" in log and "not reached" not in log


def test_each_global_goes_only_into_functions_naming_it(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "index.js").write_text("exports.handler = async () => new Blob(['x']).size;\n")
    assert {"blob.js", "stream_web.js"} <= set(_on_demand(tmp_path))
    assert not {"formdata.js", "messaging.js"} & set(_on_demand(tmp_path))
    (tmp_path / "index.js").write_text("const { port1 } = new MessageChannel();\n")
    assert {"messaging.js", "abort.js"} <= set(_on_demand(tmp_path))
    (tmp_path / "index.js").write_text("const s = new TransformStream();\n")
    assert "stream_web.js" in _on_demand(tmp_path) and "blob.js" not in _on_demand(tmp_path)
    (tmp_path / "index.js").write_text("exports.handler = async () => ({});\n")
    assert not {"blob.js", "formdata.js", "messaging.js", "stream_web.js"} & set(_on_demand(tmp_path))


def test_a_function_naming_none_of_them_has_none_of_them(tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "plain"
    source.mkdir()
    names = ["Blob", "File", "FormData", "MessageChannel", "MessagePort", "ReadableStream", "TextEncoderStream"]
    (source / "index.js").write_text(
        "const names = %s.map((n) => n.split('').reverse().join(''));\n"  # not named in the source
        "exports.handler = async () => ({ status: '200', body: JSON.stringify([names.map((n) => typeof globalThis[n]),\n"
        "  (() => { try { return new (require('buffer')['B' + 'lob'])([]); } catch (e) { return [e.code, e.message]; } })()]) });\n"
        % json.dumps([n[::-1] for n in names]))
    wasm = build("plain", tmp_path, source=source)
    code, answer, log = invoke(wasm)
    assert code == 0 and answer is not None, log
    types, missing = json.loads(answer["body"])
    assert types == ["undefined"] * len(names)
    assert missing == ["ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "buffer.Blob is put in a function whose sources name "
                       "Blob, File or FormData: this one names none of them"]
