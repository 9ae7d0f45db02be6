"""The Fetch API's Response and Request globals compared with real Node 20 (undici 6) case by case:
bodies of every kind and their Content-Types, FormData written as multipart and read back, the body
methods and a body read once, clone(), the statics, Request's init options, undici's errors and
inspect output; fetch() still refuses (no network), a Request as it refuses a URL. Then a
Workers-style handler answering with a Response, and a function not naming them not getting them."""

from __future__ import annotations

import json

import pytest

from edge.js.build import _on_demand

from .js_helpers import assert_same_as_node, case_package, cases_in_node, node
from .test_js_builtins_more import HANDLER, invoke

CASES = r"""
const util = require('util');
const BOUNDARY = /----formdata-undici-0\d{11}/g;
const err = (e) => [e.name, e.message];
const attempt = async (f) => { try { return await f(); } catch (e) { return err(e); } };
const headersOf = (h) => [...h];
const describe = async (r) => ({ status: r.status, statusText: r.statusText, ok: r.ok, type: r.type, url: r.url,
  redirected: r.redirected, headers: headersOf(r.headers), body: r.body === null ? null : 'stream', bodyUsed: r.bodyUsed });
const bytes = (u8) => Array.from(u8);

const cases = {
  // Response bodies and the Content-Type each implies
  stringBody: async () => [await describe(new Response('hi')), await new Response('hi').text()],
  nullBody: async () => [await describe(new Response(null)), await new Response(null).text(), await describe(new Response())],
  undefinedBody: async () => describe(new Response(undefined)),
  arrayBufferBody: async () => bytes(new Uint8Array(await new Response(new Uint8Array([1, 2, 3]).buffer).arrayBuffer())),
  viewBody: async () => {
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    const r = new Response(view);
    view[0] = 7; // copied when the body is made
    return [headersOf(r.headers), bytes(new Uint8Array(await r.arrayBuffer()))];
  },
  dataViewBody: async () => new Response(new DataView(new TextEncoder().encode('dv').buffer)).text(),
  bufferBody: async () => [await new Response(Buffer.from('buf')).text(), headersOf(new Response(Buffer.from('x')).headers)],
  blobBody: async () => { const r = new Response(new Blob(['a', 'b'], { type: 'Text/Plain' })); return [headersOf(r.headers), await r.text()]; },
  blobNoType: async () => headersOf(new Response(new Blob(['x'])).headers),
  searchParamsBody: async () => { const r = new Response(new URLSearchParams({ a: '1 2', b: 'é' })); return [headersOf(r.headers), await r.text()]; },
  formDataBody: async () => {
    const fd = new FormData();
    fd.append('a', '1\n2');
    fd.append('q"\r\nx', 'v');
    fd.append('f', new Blob(['xx'], { type: 'text/plain' }), 'n"\n.txt');
    fd.append('g', new Blob([new Uint8Array([0, 255])]));
    const r = new Response(fd);
    return [r.headers.get('content-type').replace(BOUNDARY, 'B'), (await r.text()).replace(BOUNDARY, 'B')];
  },
  boundaryShape: async () => /^multipart\/form-data; boundary=----formdata-undici-0\d{11}$/.test(new Response(new FormData()).headers.get('content-type')),
  emptyFormData: async () => (await new Response(new FormData()).text()).replace(BOUNDARY, 'B'),
  streamBody: async () => {
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('ab')); c.enqueue(new TextEncoder().encode('c')); c.close(); } });
    const r = new Response(stream);
    return [r.body === stream, headersOf(r.headers), await r.text(), r.bodyUsed];
  },
  streamOfStrings: async () => attempt(() => new Response(new ReadableStream({ start(c) { c.enqueue('s'); c.close(); } })).text()),
  asyncIterableBody: async () => new Response((async function* () { yield new TextEncoder().encode('it'); })()).text(),
  // an async iterable's strings are UTF-8 and Buffers bytes; a number is Buffer.from's TypeError
  asyncIterableMixed: async () => new Response((async function* () { yield 'ab'; yield new Uint8Array([99]); yield Buffer.from('é'); })()).text(),
  asyncIterableNumber: async () => attempt(() => new Response((async function* () { yield 1; })()).text()),
  blobOfManyParts: async () => new Blob([new Blob(Array.from({ length: 70000 }, () => 'x'))]).size,
  numberBody: async () => { const r = new Response(42); return [headersOf(r.headers), await r.text()]; },
  objectBody: async () => new Response({ a: 1 }).text(),
  lockedStream: async () => attempt(() => { const s = new ReadableStream(); s.getReader(); return new Response(s); }),
  explicitContentType: async () => headersOf(new Response('x', { headers: { 'Content-Type': 'a/b' } }).headers),
  // init
  status: async () => [201, 299, 300, 404, 599].map((status) => { const r = new Response('x', { status }); return [r.status, r.ok]; }),
  statusConversion: async () => [new Response(null, { status: '404' }).status, new Response(null, { status: 200.9 }).status, new Response(null, { status: 65736 }).status],
  statusTooLow: async () => attempt(() => new Response('x', { status: 99 })),
  statusTooHigh: async () => attempt(() => new Response('x', { status: 600 })),
  statusNaN: async () => attempt(() => new Response('x', { status: 'abc' })),
  nullBodyStatus: async () => [204, 205, 304].map((status) => [new Response(null, { status }).status, err((() => { try { new Response('', { status }); } catch (e) { return e; } })())]),
  statusText: async () => [new Response(null, { statusText: 'Not Found' }).statusText, new Response(null, { statusText: 'é' }).statusText],
  badStatusText: async () => attempt(() => new Response('x', { statusText: 'a\nb' })),
  initHeaders: async () => [headersOf(new Response('x', { headers: [['X-A', '1'], ['x-a', '2'], ['Set-Cookie', 'a'], ['set-cookie', 'b']] }).headers),
    headersOf(new Response('x', { headers: new Headers({ b: '2' }) }).headers)],
  badHeaders: async () => attempt(() => new Response('x', { headers: 5 })),
  badHeaderName: async () => attempt(() => new Response('x', { headers: { 'a b': '1' } })),
  badInit: async () => attempt(() => new Response('x', 5)),
  withoutNew: async () => { try { Response(); return 'no error'; } catch (e) { return e.name; } },
  headersMutable: async () => { const r = new Response('x'); r.headers.set('x-y', 'z'); return headersOf(r.headers); },
  // body methods
  json: async () => new Response('{"a":[1,2],"b":null}').json(),
  badJson: async () => { try { await new Response('{').json(); return 'no error'; } catch (e) { return e.name; } },
  bomText: async () => [await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])).text(), await new Response(new Uint8Array([0xff, 0x61])).text()],
  blobMethod: async () => { const b = await new Response('x', { headers: { 'content-type': 'Text/HTML; Charset="utf-8"' } }).blob(); return [b instanceof Blob, b.type, b.size, await b.text()]; },
  blobMethodNoType: async () => (await new Response(new Uint8Array([1])).blob()).type,
  bytesMethod: async () => { const u = await new Response('ab').bytes(); return [u instanceof Uint8Array, bytes(u)]; },
  arrayBufferMethod: async () => { const a = await new Response('abc').arrayBuffer(); return [a instanceof ArrayBuffer, a.byteLength]; },
  readTwice: async () => { const r = new Response('hi'); await r.text(); return [r.bodyUsed, await attempt(() => r.text()), await attempt(() => r.json())]; },
  nullBodyTwice: async () => { const r = new Response(null); await r.text(); return [r.bodyUsed, await r.text()]; },
  lockedBody: async () => { const r = new Response('x'); r.body.getReader(); return [r.bodyUsed, await attempt(() => r.text())]; },
  readByReader: async () => { const r = new Response('x'); const reader = r.body.getReader(); const first = await reader.read(); return [bytes(first.value), r.bodyUsed]; },
  bodyIterated: async () => { const r = new Response('xyz'); const chunks = []; for await (const c of r.body) chunks.push(bytes(c)); return [chunks, r.bodyUsed]; },
  formDataUrlencoded: async () => [...await new Response('a=1&b=x+y&a=%C3%A9', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData()],
  formDataRoundTrip: async () => {
    const fd = new FormData();
    fd.append('a', 'one');
    fd.append('é', 'ü');
    fd.append('f', new Blob(['file body'], { type: 'text/csv' }), 'data.csv');
    const back = await new Response(fd).formData();
    return Promise.all([...back].map(async ([k, v]) => [k, typeof v === 'string' ? v : [v.constructor.name, v.name, v.type, await v.text()]]));
  },
  formDataRequest: async () => [...await new Request('http://a/', { method: 'POST', body: new URLSearchParams('x=1') }).formData()],
  formDataWrongType: async () => attempt(() => new Response('a=1').formData()),
  formDataNoBoundary: async () => attempt(() => new Response('x', { headers: { 'content-type': 'multipart/form-data' } }).formData()),
  formDataMalformed: async () => attempt(() => new Response('--b\r\nbad', { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData()),
  // clone
  cloneResponse: async () => { const r = new Response('twice', { status: 201, headers: { a: '1' } }); const c = r.clone(); c.headers.set('a', '2');
    return [await r.text(), await c.text(), c.status, r.headers.get('a'), c.headers.get('a'), c instanceof Response]; },
  cloneNull: async () => describe(new Response(null).clone()),
  cloneUsed: async () => { const r = new Response('x'); await r.text(); return attempt(() => r.clone()); },
  // statics
  responseJson: async () => { const r = Response.json({ a: 1 }, { status: 202, headers: { 'x-b': '2' } }); return [await describe(r), await r.json()]; },
  responseJsonContentType: async () => headersOf(Response.json([1], { headers: { 'content-type': 'application/vnd+json' } }).headers),
  responseJsonUndefined: async () => attempt(() => Response.json(undefined)),
  responseJsonBigInt: async () => { try { Response.json(1n); return 'no error'; } catch (e) { return e.name; } },
  responseError: async () => { const r = Response.error(); return [await describe(r), await attempt(() => r.headers.set('a', 'b')), await attempt(() => r.headers.append('a', 'b')), await attempt(() => r.headers.delete('a'))]; },
  redirect: async () => [await describe(Response.redirect('https://example.com/a b')), Response.redirect('http://x/', 301).status, await attempt(() => Response.redirect('http://x/').headers.set('location', 'y'))],
  redirectBadStatus: async () => attempt(() => Response.redirect('http://a/', 200)),
  redirectRelative: async () => attempt(() => Response.redirect('/x')),
  // Request
  requestDefaults: async () => { const q = new Request('https://example.com/p?q=1#h');
    return [q.method, q.url, headersOf(q.headers), q.destination, q.referrer, q.referrerPolicy, q.mode, q.credentials, q.cache,
      q.redirect, q.integrity, q.keepalive, q.isReloadNavigation, q.isHistoryNavigation, q.body, q.bodyUsed, q.duplex, q.signal instanceof AbortSignal, q.signal.aborted]; },
  requestUrlObject: async () => new Request(new URL('http://EXAMPLE.com/a/../b')).url,
  requestRelative: async () => attempt(() => new Request('/x')),
  requestNoArgs: async () => attempt(() => new Request()),
  requestCredentialsInUrl: async () => attempt(() => new Request('http://u:p@a/x')),
  methods: async () => ['get', 'post', 'Put', 'delete', 'options', 'head', 'patch', 'PATCH', 'custom'].map((method) => new Request('http://a/', { method }).method),
  forbiddenMethods: async () => Promise.all(['CONNECT', 'trace', 'Track'].map((method) => attempt(() => new Request('http://a/', { method })))),
  badMethod: async () => attempt(() => new Request('http://a/', { method: 'b d' })),
  getWithBody: async () => attempt(() => new Request('http://a/', { body: 'x' })),
  headWithBody: async () => attempt(() => new Request('http://a/', { method: 'HEAD', body: 'x' })),
  getWithNullBody: async () => new Request('http://a/', { body: null }).body,
  postBody: async () => { const q = new Request('http://a/', { method: 'POST', body: 'data', headers: { 'x-a': '1' } });
    return [headersOf(q.headers), await q.text(), q.bodyUsed, await attempt(() => q.text())]; },
  postJson: async () => new Request('http://a/', { method: 'POST', body: JSON.stringify({ k: 'v' }) }).json(),
  streamNeedsDuplex: async () => attempt(() => new Request('http://a/', { method: 'POST', body: new ReadableStream() })),
  streamWithDuplex: async () => { const q = new Request('http://a/', { method: 'POST', duplex: 'half', body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104])); c.close(); } }) });
    return [q.duplex, headersOf(q.headers), await q.text()]; },
  badDuplex: async () => attempt(() => new Request('http://a/', { method: 'POST', body: 'x', duplex: 'full' })),
  options: async () => { const q = new Request('http://a/', { mode: 'same-origin', credentials: 'include', cache: 'no-store', redirect: 'manual',
    integrity: 'sha256-x', keepalive: true, referrer: '', referrerPolicy: 'no-referrer' });
    return [q.mode, q.credentials, q.cache, q.redirect, q.integrity, q.keepalive, q.referrer, q.referrerPolicy]; },
  referrers: async () => [new Request('http://a/', { referrer: 'about:client' }).referrer, new Request('http://a/', { referrer: 'http://r.example/x' }).referrer],
  badReferrer: async () => attempt(() => new Request('http://a/', { referrer: '::' })),
  badMode: async () => attempt(() => new Request('http://a/', { mode: 'bad' })),
  navigateMode: async () => attempt(() => new Request('http://a/', { mode: 'navigate' })),
  badCredentials: async () => attempt(() => new Request('http://a/', { credentials: 'x' })),
  badCache: async () => attempt(() => new Request('http://a/', { cache: 'x' })),
  badRedirect: async () => attempt(() => new Request('http://a/', { redirect: 'x' })),
  onlyIfCached: async () => [await attempt(() => new Request('http://a/', { cache: 'only-if-cached' })), new Request('http://a/', { cache: 'only-if-cached', mode: 'same-origin' }).cache],
  badSignal: async () => attempt(() => new Request('http://a/', { signal: {} })),
  badRequestInit: async () => attempt(() => new Request('http://a/', 5)),
  signalFollows: async () => { const ac = new AbortController(); const q = new Request('http://a/', { signal: ac.signal });
    const before = q.signal.aborted; ac.abort('why'); return [before, q.signal.aborted, q.signal.reason, q.signal === ac.signal]; },
  abortedSignal: async () => { const q = new Request('http://a/', { signal: AbortSignal.abort('r') }); return [q.signal.aborted, q.signal.reason]; },
  fromRequest: async () => { const a = new Request('http://a/x', { method: 'POST', body: 'moved', headers: { h: '1' }, redirect: 'error' });
    const b = new Request(a); return [a.bodyUsed, b.bodyUsed, b.method, b.url, headersOf(b.headers), b.redirect, await b.text()]; },
  fromRequestOverride: async () => { const a = new Request('http://a/x', { method: 'PUT', body: 'old', headers: { h: '1' } });
    const b = new Request(a, { method: 'POST', body: 'new', headers: { k: '2' } }); return [a.bodyUsed, b.method, headersOf(b.headers), await b.text(), await a.text()]; },
  fromUsedRequest: async () => { const a = new Request('http://a/', { method: 'POST', body: 'x' }); await a.text(); return attempt(() => new Request(a)); },
  fromRequestGetWithBody: async () => attempt(() => new Request(new Request('http://a/', { method: 'POST', body: 'x' }), { method: 'GET' })),
  cloneRequest: async () => { const q = new Request('http://a/', { method: 'POST', body: 'c', headers: { a: '1' } }); const c = q.clone();
    return [await q.text(), await c.text(), c.method, c.url, headersOf(c.headers), c instanceof Request]; },
  cloneUsedRequest: async () => { const q = new Request('http://a/', { method: 'POST', body: 'x' }); await q.text(); return attempt(() => q.clone()); },
  // shapes, tags and inspect
  prototypes: async () => [Object.getOwnPropertyNames(Response.prototype), Object.keys(Response.prototype),
    Object.getOwnPropertyNames(Request.prototype).filter((n) => n !== 'attribute'), typeof Response.json, typeof Response.error, typeof Response.redirect],
  tags: async () => [Object.prototype.toString.call(new Response()), Object.prototype.toString.call(new Request('http://a')), String(new Response())],
  instanceOf: async () => [new Response() instanceof Response, new Request('http://a') instanceof Request, new Response().headers instanceof Headers, new Response('x').body instanceof ReadableStream],
  illegalInvocation: async () => { try { Object.getOwnPropertyDescriptor(Response.prototype, 'status').get.call({}); return 'no error'; } catch (e) { return e.name; } },
  inspectResponse: async () => [util.inspect(new Response(null, { status: 404, statusText: 'Nope', headers: { a: '1' } })), util.inspect(Response.error())],
  inspectRequest: async () => util.inspect(new Request('http://a/x?y', { method: 'post', headers: { 'x-z': '1' } })),
  inspectHeaders: async () => util.inspect(new Headers([['set-cookie', 'a'], ['set-cookie', 'b'], ['b', '1'], ['a', '2']])),
  // fetch refuses, as before, a Request too; bad input gets Node's errors first
  fetchRelative: async () => attempt(() => fetch('/x')),
  fetchUsedRequest: async () => { const a = new Request('http://a/', { method: 'POST', body: 'x' }); await a.text(); return attempt(() => fetch(a)); },
  fetchBadMethod: async () => attempt(() => fetch('http://a/', { method: 'CONNECT' })),
  fetchRequestRejects: async () => { try { await fetch(new Request('http://a/')); return 'resolved'; } catch (e) { return e instanceof Error; } },
};

exports.run = async () => {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) out[name] = await attempt(fn);
  return out;
};
"""

WORKER_STYLE = r"""
// A Workers-style handler: builds a Response, then answers Lambda@Edge with its status, headers and text
async function respond(request) {
  const url = new URL(request.url);
  return new Response(JSON.stringify({ path: url.pathname, method: request.method }), {
    status: 201, statusText: 'Created', headers: { 'content-type': 'application/json', 'x-powered-by': 'edge' } });
}

exports.handler = async (event) => {
  const cf = event.Records[0].cf.request;
  const response = await respond(new Request(`https://example.com${cf.uri}`, { method: cf.method }));
  const headers = {};
  for (const [key, value] of response.headers) headers[key] = [{ key, value }];
  return { status: String(response.status), statusDescription: response.statusText, headers, body: await response.text() };
};
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    return case_package(tmp_path_factory, "fetch-classes", {"cases.js": CASES, "index.js": HANDLER})


def test_response_and_request_behave_as_in_node(sources, tmp_path):
    in_node = cases_in_node(sources)
    assert len(in_node) >= 60
    at_edge, _ = invoke(sources, tmp_path)
    assert_same_as_node(at_edge, in_node)


def test_a_workers_style_handler_answers_with_its_response(tmp_path_factory, tmp_path):
    from click.testing import CliRunner

    from edge.cli.main import cli
    from edge.js.build import build_js

    from .js_helpers import VIEWER_EVENT

    source = case_package(tmp_path_factory, "worker-style", {"index.js": WORKER_STYLE})
    wasm = build_js(source, out=tmp_path / "worker-style.wasm")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "201"
    assert answer["statusDescription"] == "Created"
    assert answer["headers"] == {"content-type": [{"key": "content-type", "value": "application/json"}],
                                 "x-powered-by": [{"key": "x-powered-by", "value": "edge"}]}
    assert json.loads(answer["body"]) == {"path": "/x", "method": "GET"}
    in_node = json.loads(node("-e", f"require({json.dumps(str(source / 'index.js'))}).handler({json.dumps(VIEWER_EVENT)})"
                                    ".then((r) => console.log(JSON.stringify(r)))"))
    assert answer == in_node


def test_a_function_not_naming_them_does_not_get_them(tmp_path_factory, tmp_path):
    plain = case_package(tmp_path_factory, "no-fetch-classes", {
        "index.js": "exports.handler = async () => ({ status: '200', body: JSON.stringify("
                    "[typeof globalThis['Resp' + 'onse'], typeof globalThis['Req' + 'uest'], typeof fetch]) });\n"})
    assert not {"fetch_body.js", "response.js", "request.js"} & set(_on_demand(plain))
    body, _ = invoke(plain, tmp_path)
    assert body == ["undefined", "undefined", "function"]
    named = case_package(tmp_path_factory, "fetch-classes-named", {"index.js": "exports.handler = () => new Response('x');\n"})
    assert {"fetch_body.js", "response.js", "request.js", "headers.js", "stream_web.js", "abort.js", "blob.js",
            "formdata.js"} <= set(_on_demand(named))
