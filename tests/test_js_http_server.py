"""http.Server and https.Server in a function, compared with Node 20.

`http.createServer()`, `new http.Server()` and their https forms threw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM,
so a function ported as `serverless(http.createServer(app))` (serverless-http takes a server and emits
'request' on it), or a module that makes its server for local development next to its handler, failed
to load. The server now exists in memory as Node's does for a server that never listens: its options
and their checks (the same errors), its listeners, setTimeout and the timeouts, closeAllConnections,
closeIdleConnections, address() (null), listening (false), getConnections, ref and unref, and
captureRejections' 500. listen() checks its arguments as Node does and then fails as a listen fails in
Node, with an 'error' on the next tick (ERR_FEATURE_UNAVAILABLE_ON_PLATFORM here, saying why); close()
on it gives ERR_SERVER_NOT_RUNNING. End to end, an express 4 and a koa 2 app wrapped as
`serverless(http.createServer(app))` answer CloudFront events as in Node, as does serverless-express
handed the app of a module that also makes its server; serverless-express refuses a server itself, as
in Node. Skipped, saying so, when npm cannot reach its registry."""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path

import pytest

from edge.cli.invoke import check_result
from edge.js.build import JsBuildError, build_js
from edge.runtime import FunctionConfig

from .js_helpers import (
    VIEWER_EVENT,
    answer_and_fuel,
    assert_same_as_node,
    build,
    case_package,
    cases_in_node,
    node,
    npm_install,
    quick_runtime,
)
from .test_js_express_adapters import body_event
from .test_samples import header, make_event, origin_request, viewer_request

ADAPTERS = Path(__file__).resolve().parent / "js" / "express_adapters"

CASES_JS = r"""'use strict';
const http = require('http');
const https = require('https');
const EventEmitter = require('events');
const util = require('util');

// Node's listen fails with the system's error (a socket path in a missing directory, which no user
// can create), the edge's with ERR_FEATURE_UNAVAILABLE_ON_PLATFORM: the cases compare when and how
// a listen fails, and the edge's own error is pinned by the test module.
const NOWHERE = '/nonexistent-edge-http-server-dir/server.sock';
const refusal = (e) => (e.code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' || e.syscall === 'listen' ? 'refused' : e.code);
// an immediate first: under load Node's loop may reach a due 5 ms timer before the check phase
const tick = () => new Promise((resolve) => setImmediate(() => setTimeout(resolve, 5)));
const errorOf = (e) => [e.name, e.code, e.message, String(e)];
const outcome = (f) => {
  try {
    return ['ok', shown(f())];
  } catch (e) {
    return errorOf(e);
  }
};
// a value as JSON carries it: functions by name, buffers as hex, sets as lists
function shown(v) {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return `function ${v.name}`;
  if (Buffer.isBuffer(v)) return `Buffer ${v.toString('hex')}`;
  if (util.types.isSet(v)) return ['Set', ...v]; // Node's own sets are not instances of the global Set
  if (Array.isArray(v)) return v.map(shown);
  if (v instanceof EventEmitter) return `emitter ${v.constructor.name}`;
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, shown(v[k])]));
  return v;
}
const symbolValue = (obj, description) => {
  const key = Object.getOwnPropertySymbols(obj).find((s) => s.description === description);
  return key === undefined ? 'no such symbol' : shown(obj[key]);
};
// A server as code sees it: its own properties (but _events, and https's _sharedCreds, Node's secure
// context, and sessionIdContext, a hash of Node's argv), its listeners and its state
function described(server) {
  const props = {};
  for (const key of Object.keys(server)) {
    if (!['_events', '_sharedCreds', 'sessionIdContext'].includes(key)) props[key] = shown(server[key]);
  }
  return {
    props,
    events: server.eventNames().map((name) => [name, server.listeners(name).map(shown)]),
    state: [server.listening, server.address(), server.getMaxListeners(), symbolValue(server, 'IncomingMessage'),
      symbolValue(server, 'ServerResponse'), symbolValue(server, 'kUniqueHeaders')],
    kinds: [server instanceof http.Server, server instanceof https.Server, server instanceof EventEmitter,
      server.constructor.name, Object.getPrototypeOf(server.constructor).name],
  };
}
const app = function app(req, res) { res.end('hi'); };
class MyRequest extends http.IncomingMessage {}
class MyResponse extends http.ServerResponse {}
// what a response with no socket holds to send (its head's Date made steady)
const written = (res) => res.outputData.map((chunk) => String(chunk.data)).join('').replace(/Date: [^\r]*/, 'Date: <now>');
function request(url) {
  const req = new http.IncomingMessage(null);
  Object.assign(req, { method: 'GET', url, httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1' });
  return req;
}

async function failedListen(make, args) {
  const server = make();
  const log = [];
  server.on('error', (e) => log.push(['error', e instanceof Error, refusal(e), server.listening, server.address()]));
  server.on('listening', () => log.push('listening'));
  server.on('close', () => log.push('close'));
  const returned = server.listen(...args, () => log.push('listen callback'));
  log.push(['returned', returned === server, server.listening]);
  setImmediate(() => log.push('immediate'));
  await tick();
  log.push(['after', server.listening, server.address(), server.listenerCount('listening'), server.listenerCount('error')]);
  await new Promise((resolve) => server.close((err) => resolve(log.push(['close callback', err && errorOf(err)]))));
  return log;
}

exports.run = async (fixtures) => {
  const { key, cert } = fixtures;
  const out = {};
  out.made = {
    createServer: described(http.createServer(app)),
    newServer: described(new http.Server(app)),
    calledServer: described(http.Server(app)),
    noListener: described(http.createServer()),
    nullOptions: described(http.createServer(null, app)),
    falsyListener: described(http.createServer({}, 0)),
    options: described(http.createServer({ maxHeaderSize: 8192, insecureHTTPParser: true, requestTimeout: 1000,
      keepAliveTimeout: 0, connectionsCheckingInterval: 10, requireHostHeader: false, joinDuplicateHeaders: true,
      rejectNonStandardBodyWrites: true, noDelay: false, keepAlive: true, keepAliveInitialDelay: 2500, highWaterMark: 1024,
      uniqueHeaders: ['X-A', 'set-cookie'], IncomingMessage: MyRequest, ServerResponse: MyResponse, somethingElse: 1 }, app)),
    noRequestTimeout: described(http.createServer({ requestTimeout: 0, headersTimeout: 90000 })),
    negatives: described(http.createServer({ highWaterMark: -5, keepAliveInitialDelay: -1 })),
    https: described(https.createServer()),
    httpsListener: described(https.createServer(app)),
    httpsOptions: described(https.createServer({ key, cert, ca: [cert], ciphers: 'HIGH', honorCipherOrder: false,
      minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: 5000, keepAliveTimeout: 7, allowHalfOpen: true, sessionTimeout: 30 }, app)),
    httpsAlpnCallback: described(https.createServer({ ALPNCallback: () => 'h2' })),
    httpsAlpnBytes: [https.createServer({ ALPNProtocols: Buffer.from('\x02h2') }).ALPNProtocols.toString('hex'),
      https.createServer({ ALPNProtocols: new Uint8Array([1, 97]).subarray(0, 2) }).ALPNProtocols.toString('hex')],
  };
  out.classes = {
    prototypes: [Object.keys(http.Server.prototype), Object.keys(https.Server.prototype),
      Object.getPrototypeOf(http.Server).name, Object.getPrototypeOf(https.Server).name, http.createServer.length,
      https.createServer.length, http.Server.length],
    methods: ['listen', 'close', 'address', 'getConnections', 'ref', 'unref', 'setTimeout', 'closeAllConnections',
      'closeIdleConnections', 'setSecureContext', 'on', 'emit'].map((name) => [name, typeof http.createServer()[name],
      typeof https.createServer()[name]]),
    listeningIsAGetter: typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(http.Server.prototype), 'listening').get,
    connectionListener: http.createServer().listeners('connection')[0] === http._connectionListener,
    httpsSecureConnection: https.createServer().listeners('secureConnection')[0] === http._connectionListener,
    subclass: (() => {
      class Api extends http.Server {
        constructor() {
          super({ keepAliveTimeout: 1 }, (req, res) => res.end());
          this.extra = 1;
        }
      }
      return described(new Api());
    })(),
    inherited: (() => {
      function Legacy() { http.Server.call(this, app); }
      util.inherits(Legacy, http.Server);
      const legacy = new Legacy();
      return [legacy instanceof http.Server, legacy.listenerCount('request'), legacy.timeout, legacy.eventNames()];
    })(),
  };

  // the server as an EventEmitter: what serverless-http does with one is emit('request', req, res)
  const server = http.createServer(app);
  const seen = [];
  const second = (req, res) => seen.push(['second', req.url, res.writableEnded, res.statusCode]);
  server.on('request', second);
  server.once('request', (req) => seen.push(['once', req.url]));
  const res1 = new http.ServerResponse(request('/a'));
  const res2 = new http.ServerResponse(request('/b'));
  seen.push(['emitted', server.emit('request', res1.req, res1)]);
  server.off('request', second);
  seen.push(['emitted', server.emit('request', res2.req, res2), server.listenerCount('request')]);
  server.prependListener('request', function first() {});
  seen.push(['listeners', server.listeners('request').map(shown), server.rawListeners('request').length]);
  server.removeAllListeners('request');
  seen.push(['after removeAllListeners', server.emit('request', res2.req, res2), server.eventNames()]);
  out.emitter = { seen, ended: [res1.writableEnded, written(res1)] };

  const timed = http.createServer();
  const onTimeout = () => {};
  out.timeouts = [
    timed.setTimeout(1000, onTimeout) === timed, timed.timeout, timed.listeners('timeout').map(shown),
    timed.setTimeout(2000) === timed, timed.timeout, timed.listenerCount('timeout'),
    shown(timed.setTimeout()), shown(timed.timeout),
    [timed.headersTimeout, timed.requestTimeout, timed.keepAliveTimeout, timed.maxHeadersCount, timed.maxRequestsPerSocket],
    (timed.headersTimeout = 10, timed.maxHeadersCount = 5, timed.keepAliveTimeout = 3,
    [timed.headersTimeout, timed.maxHeadersCount, timed.keepAliveTimeout]),
  ];
  out.connections = [shown(timed.closeAllConnections()), shown(timed.closeIdleConnections()), timed.ref() === timed,
    timed._unref, timed.unref() === timed, timed._unref, timed.ref() === timed, timed._unref, timed.setMaxListeners(3) === timed,
    timed.getMaxListeners(), await new Promise((resolve) => timed.getConnections((err, n) => resolve([err, n]))),
    timed.getConnections(() => {}) === timed, outcome(() => timed.getConnections())];

  out.errors = Object.fromEntries(Object.entries({
    arrayOptions: () => http.createServer([]),
    stringOptions: () => http.createServer('options'),
    numberOptions: () => new http.Server(42),
    trueOptions: () => http.createServer(true),
    listenerNotAFunction: () => http.createServer({}, 'app'),
    listenerAnObject: () => http.createServer(null, {}),
    maxHeaderSizeString: () => http.createServer({ maxHeaderSize: '8k' }),
    maxHeaderSizeFraction: () => http.createServer({ maxHeaderSize: 1.5 }),
    maxHeaderSizeNegative: () => http.createServer({ maxHeaderSize: -1 }),
    maxHeaderSizeHuge: () => http.createServer({ maxHeaderSize: 2 ** 53 }),
    maxHeaderSizeNaN: () => http.createServer({ maxHeaderSize: NaN }),
    insecureParser: () => http.createServer({ insecureHTTPParser: 1 }),
    requestTimeout: () => http.createServer({ requestTimeout: null }),
    headersTimeout: () => http.createServer({ headersTimeout: Infinity }),
    headersOverRequest: () => http.createServer({ headersTimeout: 70000, requestTimeout: 60000 }),
    headersOverDefault: () => http.createServer({ headersTimeout: 300001 }),
    keepAliveTimeout: () => http.createServer({ keepAliveTimeout: '5s' }),
    checkingInterval: () => http.createServer({ connectionsCheckingInterval: -1 }),
    requireHostHeader: () => http.createServer({ requireHostHeader: 'yes' }),
    joinDuplicateHeaders: () => http.createServer({ joinDuplicateHeaders: 0 }),
    rejectNonStandard: () => http.createServer({ rejectNonStandardBodyWrites: null }),
    keepAliveInitialDelay: () => http.createServer({ keepAliveInitialDelay: '1' }),
    highWaterMark: () => http.createServer({ highWaterMark: {} }),
    uniqueHeadersNotStrings: () => http.createServer({ uniqueHeaders: [1] }),
    httpsArray: () => https.createServer([]),
    httpsString: () => new https.Server('x'),
    httpsAlpnBoth: () => https.createServer({ ALPNCallback: () => {}, ALPNProtocols: ['h2'] }),
    httpsAlpnTooLong: () => https.createServer({ ALPNProtocols: ['h2', 'a'.repeat(256)] }),
    httpsHandshakeTimeout: () => https.createServer({ handshakeTimeout: 'x' }),
    httpsSNICallback: () => https.createServer({ SNICallback: 1 }),
    httpsPskCallback: () => https.createServer({ pskCallback: 'f' }),
    httpsPskIdentityHint: () => https.createServer({ pskIdentityHint: 1 }),
    httpsListener: () => https.createServer({}, 'app'),
    httpsMaxHeaderSize: () => https.createServer({ maxHeaderSize: -1 }),
    httpsHighWaterMark: () => https.createServer({ highWaterMark: 'big' }),
    listenNoPortOrPath: () => http.createServer().listen({}),
    listenPortTrue: () => http.createServer().listen({ port: true }),
    listenPortTooBig: () => http.createServer().listen(70000),
    listenPortStringTooBig: () => http.createServer().listen('65536'),
    listenPortBlank: () => http.createServer().listen(' '),
    listenPortNegative: () => http.createServer().listen(-1),
    listenPortFraction: () => http.createServer().listen({ port: 1.5 }),
    listenPortObject: () => http.createServer().listen({ port: {} }),
    listenSignal: () => http.createServer().listen({ port: 0, signal: 1 }),
    listenAbstractReadable: () => http.createServer().listen({ path: '\0abc', readableAll: true }),
    listenEmptyPath: () => http.createServer().listen({ path: '' }),
    httpsListenBadPort: () => https.createServer().listen(65536, () => {}),
  }).map(([name, f]) => [name, outcome(f)]));

  // listen: what it returns, then an 'error' before the next turn of the loop, and no 'listening'
  out.listen = {
    path: await failedListen(() => http.createServer(app), [NOWHERE]),
    pathBacklog: await failedListen(() => http.createServer(app), [NOWHERE, 511]),
    options: await failedListen(() => http.createServer(app), [{ path: NOWHERE, backlog: 5, exclusive: true }]),
    https: await failedListen(() => https.createServer(app), [{ path: NOWHERE }]),
    aborted: await failedListen(() => http.createServer(app), [{ path: NOWHERE, signal: AbortSignal.abort() }]),
    abortedLater: await (async () => {
      const controller = new AbortController();
      const server = http.createServer(app);
      const log = [];
      server.on('error', (e) => log.push(['error', refusal(e)]));
      server.on('close', () => log.push('close'));
      server.listen({ path: NOWHERE, signal: controller.signal });
      await tick();
      controller.abort();
      await tick();
      return log;
    })(),
    callbackOnlyArgument: (() => {
      const server = http.createServer();
      const before = server.listenerCount('listening');
      try { server.listen({}, () => {}); } catch (e) { return [before, server.listenerCount('listening'), e.code]; }
      return 'listened';
    })(),
  };

  // close() on a server that never listened: 'close' on a later tick, the callback told it was not running
  const closing = async (make) => {
    const server = make();
    const log = [];
    server.on('close', () => log.push('close event'));
    const returned = server.close((err) => log.push(['callback', err && errorOf(err)]));
    log.push(['returned', returned === server]);
    server.close();
    log.push('sync end');
    await tick();
    server.close('not a function');
    await tick();
    let disposed;
    await server[Symbol.asyncDispose]().then(() => { disposed = 'resolved'; }, (e) => { disposed = errorOf(e); });
    return [log, disposed, server.listenerCount('close')];
  };
  out.close = { http: await closing(() => http.createServer(app)), https: await closing(() => https.createServer(app)) };

  // captureRejections: a request listener's rejection answers 500, its headers dropped (Node's rule)
  EventEmitter.captureRejections = true;
  let capturing;
  try {
    capturing = http.createServer(async (req, res) => {
      res.setHeader('X-Secret', 'token');
      throw new Error('handler failed');
    });
  } finally {
    EventEmitter.captureRejections = false;
  }
  const failing = new http.ServerResponse(request('/fail'));
  capturing.emit('request', failing.req, failing);
  await tick();
  out.captured = [failing.statusCode, failing.getHeaderNames(), failing.writableEnded, written(failing)];
  return out;
};
"""

INDEX_JS = """const cases = require('./cases');
const fixtures = require('./fixtures.json');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run(fixtures)) });
"""


def key_and_cert() -> dict:
    """An EC key and its self-signed certificate (Node's https.createServer parses them; the edge keeps them)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edge.example")])
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return {"key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode(),
            "cert": cert.public_bytes(serialization.Encoding.PEM).decode()}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "http_server",
                        {"cases.js": CASES_JS, "index.js": INDEX_JS, "fixtures.json": json.dumps(key_and_cert())})


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    return cases_in_node(sources)


@pytest.fixture(scope="module")
def runtime():  # type: ignore[no-untyped-def]
    """Winch (js_helpers.quick_runtime): what these tests check is the behaviour, not the optimizing compiler."""
    rt = quick_runtime()
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def function(sources, runtime, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The case package built and loaded with room to run (as js_helpers.roomy_function, on Winch)."""
    from edge.runtime import Limits

    wasm = build("http_server", tmp_path_factory.mktemp("js-http_server"), source=sources)
    limits = Limits(fuel=20_000_000_000, timeout_ms=120_000, max_result_bytes=16 * 1024 * 1024)
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="http-server", limits=limits))
    yield fn
    fn.close()


@pytest.fixture(scope="module")
def edge_results(function) -> dict:  # type: ignore[no-untyped-def]
    return answer_and_fuel(function, "/cases")[0]


def test_servers_are_made_and_behave_as_in_node(edge_results, node_results):  # type: ignore[no-untyped-def]
    assert_same_as_node(edge_results, node_results)
    made = edge_results["made"]
    # what the comparison covers, pinned
    assert made["createServer"]["events"][0] == ["request", ["function app"]]
    assert made["createServer"]["state"][:2] == [False, None]
    assert made["createServer"]["kinds"] == [True, False, True, "Server", "Server"]
    assert made["options"]["props"]["headersTimeout"] == 1000 and made["options"]["props"]["keepAliveInitialDelay"] == 2
    assert made["options"]["state"][3:] == ["function MyRequest", "function MyResponse", ["Set", "x-a", "set-cookie"]]
    assert made["httpsOptions"]["props"]["key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert made["httpsOptions"]["props"]["ALPNProtocols"] == "Buffer " + (b"\x02h2\x08http/1.1").hex()
    assert [name for name, _ in made["httpsListener"]["events"]] == [
        "connection", "secureConnection", "request", "tlsClientError", "listening"]
    assert edge_results["emitter"]["seen"][:3] == [["second", "/a", True, 200], ["once", "/a"], ["emitted", True]]
    assert edge_results["emitter"]["ended"][1].startswith("HTTP/1.1 200 OK\r\n") and edge_results["emitter"]["ended"][1].endswith("hi")


def test_argument_errors_are_nodes(edge_results):  # type: ignore[no-untyped-def]
    errors = edge_results["errors"]
    assert errors["listenerNotAFunction"][1:3] == [
        "ERR_INVALID_ARG_TYPE", "The \"listener\" argument must be of type function. Received type string ('app')"]
    assert errors["arrayOptions"][2] == 'The "options" argument must be of type object. Received an instance of Array'
    assert errors["headersOverRequest"][1:3] == [
        "ERR_OUT_OF_RANGE", 'The value of "headersTimeout" is out of range. It must be <= requestTimeout. Received 70000']
    assert errors["listenPortTooBig"][1:3] == [
        "ERR_SOCKET_BAD_PORT", "options.port should be >= 0 and < 65536. Received type number (70000)."]
    assert errors["httpsAlpnBoth"][1] == "ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS"
    assert sum(1 for outcome in errors.values() if outcome[0] == "ok") == 0


def test_listen_fails_later_and_close_says_not_running(edge_results):  # type: ignore[no-untyped-def]
    listen = edge_results["listen"]
    where = "/nonexistent-edge-http-server-dir/server.sock"  # as in Node, address() gives the path once listen() had it
    assert listen["path"][:3] == [["returned", True, False], ["error", True, "refused", False, where], "immediate"]
    assert "listening" not in listen["path"] and "listen callback" not in listen["path"]
    assert listen["aborted"][1:3] == [["error", True, "refused", False, where], "close"]
    http_close = edge_results["close"]["http"]
    assert http_close[0][:4] == [["returned", True], "sync end", "close event", [
        "callback", ["Error", "ERR_SERVER_NOT_RUNNING", "Server is not running.", "Error [ERR_SERVER_NOT_RUNNING]: Server is not running."]]]
    assert http_close[1][1] == "ERR_SERVER_NOT_RUNNING"
    assert edge_results["captured"][:3] == [500, [], True] and edge_results["captured"][3].endswith("Internal Server Error")


# ---- at the edge only: the refusal itself --------------------------------------------------------------------

REFUSALS_JS = r"""'use strict';
const http = require('http');
const https = require('https');
const listened = (server, ...args) => new Promise((resolve) => {
  server.on('error', (e) => resolve([e.code, e.message]));
  server.on('listening', () => resolve('listening'));
  server.listen(...args);
});
exports.handler = async (event) => {
  const out = {};
  out.port = await listened(http.createServer(), 3000);
  out.none = await listened(http.createServer());
  out.host = await listened(http.createServer(), 8080, 'localhost', () => {});
  out.options = await listened(http.createServer(), { port: 0, host: '0.0.0.0' });
  out.fd = await listened(http.createServer(), { fd: 3 });
  out.https = await listened(https.createServer({ key: 'not parsed', cert: 'not parsed' }), 443);
  try { http.createServer().emit('connection', {}); } catch (e) { out.connection = [e.code, e.message]; }
  try { https.createServer().emit('connection', {}); } catch (e) { out.tlsConnection = [e.code, e.message]; }
  if (event.Records[0].cf.request.uri === '/unheard') http.createServer().listen(3000); // no 'error' listener
  return { status: '200', body: JSON.stringify(out) };
};
"""


def test_listen_refuses_saying_why(runtime, tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "refusals"
    source.mkdir()
    (source / "index.js").write_text(REFUSALS_JS)
    # built and compiled once for both events (as `edge invoke` runs it: on Winch, its answer checked as the server would)
    fn = runtime.function(build_js(source, out=tmp_path / "refusals.wasm").read_bytes(), FunctionConfig(name="refusals"))
    try:
        payload = json.dumps(VIEWER_EVENT).encode()
        answer = fn.invoke(payload)
        assert answer.ok, (answer.error, answer.message, answer.logs[:5])
        assert answer.value["status"] == "200" and check_result(payload, answer.value), answer.value
        out = json.loads(answer.value["body"])
        # with nothing listening for 'error', the refusal is an uncaught exception: the invocation fails, saying why
        unheard = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/unheard"))).encode())
    finally:
        fn.close()
    why = "is not available in edge functions: they cannot listen for connections (a function answers the event it is invoked with"
    for form in ("port", "none", "host", "options", "fd"):
        assert out[form][0] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", (form, out[form])
        assert out[form][1].startswith(f"http.Server.listen() {why}"), (form, out[form])
        assert "serverless-express or serverless-http" in out[form][1]
    assert out["https"][0] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" and out["https"][1].startswith(f"https.Server.listen() {why}")
    assert out["connection"][1].startswith(f"http._connectionListener() {why}")
    assert out["tlsConnection"][1].startswith(f"https.Server handling a connection {why}")
    assert not unheard.ok
    assert "http.Server.listen() is not available in edge functions" in f"{unheard.message} {unheard.logs}"


def test_listen_at_the_top_level_fails_the_build_saying_why(tmp_path):  # type: ignore[no-untyped-def]
    """`app.listen(3000)` left in the module: Node's process would listen; the function cannot, and says so at build."""
    (tmp_path / "index.js").write_text("const http = require('http');\n"
                                       "http.createServer((req, res) => res.end()).listen(3000);\n"
                                       "exports.handler = async () => ({ status: '200' });\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "listens.wasm")
    assert "http.Server.listen() is not available in edge functions: they cannot listen for connections" in str(failure.value)


# ---- end to end: adapters given a server ------------------------------------------------------------------------

PACKAGES = ["express4@npm:express@4", "koa2@npm:koa@2", "@codegenie/serverless-express@4", "serverless-http@4"]

HANDLERS = {
    # serverless-http emits 'request' on a server it is given (koa_edge turns the CloudFront event into API Gateway's)
    "http_express.js": "'use strict';\nconst http = require('http');\nconst makeApp = require('./express_app');\n"
                       "exports.handler = require('./koa_edge')(http.createServer(makeApp(require('express4'))));\n",
    "http_koa.js": "'use strict';\nconst http = require('http');\nconst makeApp = require('./koa_app');\n"
                   "exports.handler = require('./koa_edge')(http.createServer(makeApp(require('koa2')).callback()));\n",
    # a module that makes its server (for a local entry point to listen on) next to its handler
    "both_express.js": "'use strict';\nconst http = require('http');\n"
                       "const serverlessExpress = require('@codegenie/serverless-express');\n"
                       "const app = require('./express_app')(require('express4'));\n"
                       "const server = http.createServer(app);\n"
                       "server.keepAliveTimeout = 65000;\n"
                       "exports.server = server; // what a local entry point listens on\n"
                       "exports.handler = serverlessExpress({ app });\n",
    # serverless-express takes an app, not a server: in Node as here, it says so
    "server_to_serverless_express.js": "'use strict';\nconst http = require('http');\n"
                                       "const serverlessExpress = require('@codegenie/serverless-express');\n"
                                       "const server = http.createServer(require('./express_app')(require('express4')));\n"
                                       "let refused;\n"
                                       "try { serverlessExpress({ app: server }); } catch (e) { refused = e.message; }\n"
                                       "exports.handler = async () => ({ status: '500', body: String(refused) });\n",
}
# Every handler above in one function (one build, one compile; each module's top level runs in it as in
# its own): the invocation's HANDLER environment variable names the handler it runs, with the arguments
# the runtime gave. Node runs each handler's own module.
ALL_JS = ("'use strict';\nconst handlers = {\n" + "".join(
    f"  {Path(name).stem}: require('./{name}').handler,\n" for name in HANDLERS) +
    "};\nexports.handler = (...args) => handlers[process.env.HANDLER](...args);\n")


EVENTS = {
    "hello": make_event("viewer-request", viewer_request(uri="/api/hello", querystring="name=edge&tag=a&tag=b")),
    "item": make_event("viewer-request", viewer_request(uri="/api/items/42", headers=header("Accept", "text/html"))),
    "moved": make_event("viewer-request", viewer_request(uri="/old")),
    "binary": make_event("viewer-request", viewer_request(uri="/api/bin")),
    "stream": make_event("viewer-request", viewer_request(uri="/api/stream")),
    "echo": body_event("/api/echo", "application/json", base64.b64encode(b'{"a":1,"b":["x","\xc3\xa9"]}').decode(), "base64"),
    "boom": make_event("viewer-request", viewer_request(uri="/boom")),
    "missing": make_event("origin-request", origin_request(uri="/nope", querystring="q=1")),
    "head": make_event("viewer-request", viewer_request(uri="/api/hello", method="HEAD")),
}


@pytest.fixture(scope="module")
def adapters(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("js-http-server-adapters") / "adapters"
    root.mkdir()
    npm_install(root, *PACKAGES)
    for name in ("express_app.js", "koa_app.js", "koa_edge.js", "run_node.js"):
        (root / name).write_text((ADAPTERS / name).read_text())
    for name, text in HANDLERS.items():
        (root / name).write_text(text)
    (root / "all.js").write_text(ALL_JS)
    (root / "events.json").write_text(json.dumps(list(EVENTS.values())))
    return root


@pytest.fixture(scope="module")
def all_handlers(adapters, runtime, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The adapters' handlers built into one function (all.js), compiled once."""
    return runtime.load(build_js(adapters, out=tmp_path_factory.mktemp("js-http-server-all") / "all.wasm",
                                 handler="all.handler").read_bytes())


def answers(adapters: Path, runtime, all_handlers, handler: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """Each event's answer from the handler in a function, and from the handler in Node."""
    fn = runtime.function(all_handlers, FunctionConfig(name=handler.replace("_", "-"), env=(("HANDLER", handler),)))
    edge = {}
    try:
        for name, event in EVENTS.items():
            outcome = fn.invoke(json.dumps(event).encode())
            edge[name] = outcome.value if outcome.ok else ["failed", str(outcome.error), outcome.message]
    finally:
        fn.close()
    in_node = json.loads(node(str(adapters / "run_node.js"), str(adapters / f"{handler}.js"), str(adapters / "events.json")))
    return edge, dict(zip(EVENTS, in_node))


@pytest.mark.parametrize("handler", ["http_express", "http_koa"])
def test_serverless_http_given_a_server_answers_as_in_node(adapters, runtime, all_handlers, handler):  # type: ignore[no-untyped-def]
    edge, in_node = answers(adapters, runtime, all_handlers, handler)
    assert_same_as_node(edge, in_node)
    hello = edge["hello"]
    assert hello["status"] == "200" and json.loads(hello["body"])["tags"] == ["a", "b"]
    assert hello["headers"]["set-cookie"][0]["value"].startswith("seen=1; ")
    assert edge["moved"]["status"] == "301" and edge["binary"]["bodyEncoding"] == "base64"
    assert base64.b64decode(edge["binary"]["body"])[:4] == b"\x89PNG"
    assert edge["echo"]["status"] == "201" and json.loads(edge["echo"]["body"])["got"] == {"a": 1, "b": ["x", "é"]}
    assert edge["boom"]["status"] == "500" and json.loads(edge["boom"]["body"]) == {"error": "kaboom"}
    assert edge["missing"]["status"] == "404" and edge["head"]["body"] == ""
    if handler == "http_express":
        assert edge["stream"]["body"] == "one two three" and "Cannot GET /nope" in edge["missing"]["body"]


def test_serverless_express_next_to_a_server_answers_as_in_node(adapters, runtime, all_handlers):  # type: ignore[no-untyped-def]
    edge, in_node = answers(adapters, runtime, all_handlers, "both_express")
    assert_same_as_node(edge, in_node)
    assert edge["hello"]["status"] == 200 and json.loads(edge["hello"]["body"])["hello"] == "edge"
    assert edge["echo"]["status"] == 201 and edge["stream"]["body"] == "one two three"


def test_serverless_express_given_a_server_refuses_it_as_in_node(adapters, runtime, all_handlers):  # type: ignore[no-untyped-def]
    edge, in_node = answers(adapters, runtime, all_handlers, "server_to_serverless_express")
    assert_same_as_node(edge, in_node)
    assert edge["hello"] == {"status": "500", "body": "Invalid app supplied. Valid frameworks include: Express, Koa, Hapi"}
