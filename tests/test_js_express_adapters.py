"""express and koa apps inside a Lambda@Edge function, through @codegenie/serverless-express and
serverless-http, answer as in Node 20.

Both adapters make the request and the response in memory, with no socket: `new http.IncomingMessage(socketLike)`
and a subclass of `http.ServerResponse` whose in-memory socket collects the head and the body. Those
constructors threw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM ('they cannot make network calls'), which
serverless-express turned into a 500 with an empty body. express 4 and 5 (through serverless-express, which
takes Lambda@Edge events) and koa 2 and 3 (through serverless-http, which takes API Gateway events: the
handler converts), installed from npm at test time, answer viewer-request and origin-request events (JSON,
cookies, redirects, headers, a binary body, an ETag's 304, a 204, a streamed body, a JSON and a form body
sent with includeBody, an error-handling middleware, the frameworks' own 404 and error pages, HEAD) with
Node's status, headers, body and bodyEncoding (express 4's bodies needed string_decoder's StringDecoder
to be a constructor function, koa's streamed bodies fs.ReadStream, koa 3's object bodies the Response
global: each was a 500 here). IncomingMessage,
OutgoingMessage and ServerResponse are also compared with Node directly (headers, errors, writeHead's forms,
what reaches an in-memory socket, the events' order). A server can be made (in memory) but cannot listen:
listen() is refused through an 'error' event, and one nothing listens for fails the invocation. Skipped,
saying so, when npm cannot reach its registry."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import build_js
from edge.runtime import FunctionConfig

from .js_helpers import (
    assert_same_as_node,
    case_package,
    cases_in_node,
    node,
    npm_install,
    quick_runtime,
)
from .test_js_builtins_more import invoke
from .test_samples import header, make_event, origin_request, viewer_request

JS = Path(__file__).resolve().parent / "js" / "express_adapters"
PACKAGES = ["express4@npm:express@4", "express5@npm:express@5", "koa2@npm:koa@2", "koa3@npm:koa@3",
            "@codegenie/serverless-express@4", "serverless-http@4"]
HANDLERS = ("express4", "express5", "koa2", "koa3")
# The four handlers in one function (one build, one compile; each module's top level runs in it as in
# its own): the invocation's HANDLER environment variable names the handler it runs, with the arguments
# the runtime gave. Node runs each handler's own module.
ALL_JS = ("'use strict';\nconst handlers = {\n" + "".join(f"  {name}: require('./{name}').handler,\n" for name in HANDLERS)
          + "};\nexports.handler = (...args) => handlers[process.env.HANDLER](...args);\n")


def body_event(uri: str, content_type: str, data: str, encoding: str) -> dict:
    """An origin-request POST with its body (the behavior's includeBody), as CloudFront sends it."""
    request = origin_request(uri=uri, method="POST", headers=header("Content-Type", content_type))
    request["body"] = {"inputTruncated": False, "action": "read-only", "encoding": encoding, "data": data}
    return make_event("origin-request", request)


def express_etag(body: bytes) -> str:
    """The weak ETag express gives a body (its etag package: length and SHA-1, both shortened)."""
    return f'W/"{len(body):x}-{base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]}"'


EVENTS = {
    "hello": make_event("viewer-request", viewer_request(uri="/api/hello", querystring="name=edge&tag=a&tag=b")),
    "item": make_event("viewer-request", viewer_request(uri="/api/items/42", headers=header("Accept", "text/html"))),
    "moved": make_event("viewer-request", viewer_request(uri="/old")),
    "login": make_event("viewer-request", viewer_request(uri="/login", headers=header("Accept", "text/html"))),
    "binary": make_event("viewer-request", viewer_request(uri="/api/bin")),
    "page": make_event("viewer-request", viewer_request(uri="/api/page")),
    "cached": make_event("viewer-request", viewer_request(uri="/api/cached")),
    "notModified": make_event("viewer-request", viewer_request(
        uri="/api/cached", headers=header("If-None-Match", express_etag(b"same body")))),
    "notModifiedKoa": make_event("viewer-request", viewer_request(uri="/api/cached", headers=header("If-None-Match", 'W/"9-koa"'))),
    "nothing": make_event("viewer-request", viewer_request(uri="/api/nothing")),
    "stream": make_event("viewer-request", viewer_request(uri="/api/stream")),
    "echo": body_event("/api/echo", "application/json", base64.b64encode(b'{"a":1,"b":["x","\xc3\xa9"]}').decode(), "base64"),
    "form": body_event("/api/form", "application/x-www-form-urlencoded", "name=edge&city=S%C3%A3o+Paulo", "text"),
    "boom": make_event("viewer-request", viewer_request(uri="/boom")),
    "teapot": make_event("viewer-request", viewer_request(uri="/teapot", headers=header("Accept", "text/html"))),
    "missing": make_event("origin-request", origin_request(uri="/nope", querystring="q=1")),
    "head": make_event("viewer-request", viewer_request(uri="/api/hello", method="HEAD")),
}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("js-express-adapters") / "adapters"
    root.mkdir()
    npm_install(root, *PACKAGES)
    for source in JS.glob("*.js"):
        (root / source.name).write_text(source.read_text())
    (root / "all.js").write_text(ALL_JS)
    (root / "events.json").write_text(json.dumps(list(EVENTS.values())))
    return root


@pytest.fixture(scope="module")
def answers(package, tmp_path_factory):  # type: ignore[no-untyped-def]
    """answers(handler): each event's answer at the edge and in Node, the handler run once (all the
    handlers built into one function, all.js, compiled once)."""
    runtime = quick_runtime()
    made: dict = {}
    built: list = []

    def get(handler: str) -> tuple[dict, dict]:
        if not built:
            wasm = build_js(package, out=tmp_path_factory.mktemp("all") / "all.wasm", handler="all.handler")
            built.append(runtime.load(wasm.read_bytes()))
        if handler not in made:
            made[handler] = (at_the_edge(built[0], handler, runtime), in_node(package, handler))
        return made[handler]

    yield get
    runtime.close()


def in_node(package: Path, handler: str) -> dict:
    answers = json.loads(node(str(package / "run_node.js"), str(package / f"{handler}.js"), str(package / "events.json")))
    return dict(zip(EVENTS, answers))


def at_the_edge(compiled, handler: str, runtime) -> dict:  # type: ignore[no-untyped-def]
    """Each event's answer from the handler in a function (or what failed, for an invocation that did)."""
    function = runtime.function(compiled, FunctionConfig(name=handler, env=(("HANDLER", handler),)))
    answers = {}
    try:
        for name, event in EVENTS.items():
            outcome = function.invoke(json.dumps(event).encode())
            answers[name] = outcome.value if outcome.ok else ["failed", str(outcome.error), outcome.message]
    finally:
        function.close()
    return answers


def compared(answers, handler: str) -> dict:  # type: ignore[no-untyped-def]
    """The handler's answers at the edge, checked against Node's for every event."""
    edge, in_node_ = answers(handler)
    assert_same_as_node({name: edge[name] for name in EVENTS}, {name: in_node_[name] for name in EVENTS})
    return edge


def text_of(answer: dict) -> str:
    return base64.b64decode(answer["body"]).decode("latin1") if answer["bodyEncoding"] == "base64" else answer["body"]


@pytest.mark.parametrize("handler", HANDLERS[:2])
def test_express_through_serverless_express_answers_as_in_node(answers, handler):  # type: ignore[no-untyped-def]
    edge = compared(answers, handler)
    # what the comparison covers, pinned
    hello = edge["hello"]
    assert hello["status"] == 200 and json.loads(hello["body"])["tags"] == ["a", "b"]
    assert [h["value"] for h in hello["headers"]["set-cookie"]] == ["seen=1; Path=/; HttpOnly", "theme=dark; Path=/; Secure; SameSite=Lax"]
    assert hello["headers"]["x-multi"] == [{"key": "x-multi", "value": "a"}, {"key": "x-multi", "value": "b"}]
    assert edge["moved"]["status"] == 301 and edge["moved"]["headers"]["location"][0]["value"] == "/new?from=old"
    assert edge["binary"]["bodyEncoding"] == "base64" and base64.b64decode(edge["binary"]["body"])[:4] == b"\x89PNG"
    assert edge["notModified"]["status"] == 304 and edge["notModified"]["body"] == ""
    assert edge["nothing"]["status"] == 204 and edge["stream"]["body"] == "one two three"
    assert edge["boom"]["status"] == 500 and json.loads(edge["boom"]["body"]) == {"error": "kaboom"}
    assert edge["teapot"]["status"] == 418 and "<pre>I&#39;m a Teapot</pre>" in edge["teapot"]["body"]
    assert edge["missing"]["status"] == 404 and "Cannot GET /nope" in edge["missing"]["body"]
    assert edge["head"]["status"] == 200 and edge["head"]["body"] == ""
    if handler == "express5":
        assert edge["echo"]["status"] == 201 and json.loads(edge["echo"]["body"])["got"] == {"a": 1, "b": ["x", "é"]}
        assert json.loads(edge["form"]["body"]) == {"name": "edge", "city": "São Paulo"}


@pytest.mark.parametrize("handler", HANDLERS[2:])
def test_koa_through_serverless_http_answers_as_in_node(answers, handler):  # type: ignore[no-untyped-def]
    edge = compared(answers, handler)
    assert edge["moved"]["status"] == "301" and edge["login"]["status"] == "302"
    assert edge["binary"]["bodyEncoding"] == "base64" and base64.b64decode(edge["binary"]["body"])[:4] == b"\x89PNG"
    assert edge["notModifiedKoa"]["status"] == "304" and edge["page"]["body"] == "<h1>héllo</h1>"
    assert edge["teapot"]["status"] == "418" and text_of(edge["teapot"]) == "short and stout"
    assert edge["missing"]["status"] == "404" and edge["missing"]["body"] == "Not Found"
    if handler in ("koa2", "koa3"):
        hello = edge["hello"]
        assert hello["status"] == "200" and json.loads(hello["body"])["secure"] is True
        assert [h["value"] for h in hello["headers"]["set-cookie"]] == ["seen=1; path=/; secure; httponly",
                                                                         "theme=dark; path=/; samesite=lax; secure"]
        assert edge["echo"]["status"] == "201" and json.loads(edge["echo"]["body"])["got"] == {"a": 1, "b": ["x", "é"]}
        assert json.loads(edge["form"]["body"]) == {"name": "edge", "city": "São Paulo"}
        assert edge["boom"]["status"] == "500" and json.loads(edge["boom"]["body"]) == {"error": "kaboom"}


def test_edge_invoke_runs_an_express_handler_as_a_user_would(package, tmp_path):  # type: ignore[no-untyped-def]
    wasm = build_js(package, out=tmp_path / "express5.wasm", handler="express5.handler")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(EVENTS["echo"]))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == 201
    assert "Status: ok" in result.stderr and "Fuel:" in result.stderr


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> Path:
    return case_package(tmp_path_factory, "http-messages", {"cases.js": (JS / "messages" / "cases.js").read_text(),
                                                            "index.js": (JS / "messages" / "index.js").read_text()})


def test_messages_in_memory_are_as_in_node(messages, tmp_path):  # type: ignore[no-untyped-def]
    edge, _ = invoke(messages, tmp_path)
    assert_same_as_node(edge, cases_in_node(messages))
    assert edge["inMemorySocket"]["json"]["chunks"][0][1].startswith("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n")
    assert edge["adapterSubclass"]["buffer"]["body"] == base64.b64encode(bytes([0, 1, 2, 255])).decode()


def test_a_function_naming_only_http_has_the_messages_and_servers_that_cannot_listen(tmp_path):  # type: ignore[no-untyped-def]
    """The messages are streams: a function whose sources name http (and not stream) gets stream with it.
    Servers are made in memory; listen() refuses through an 'error' on the next tick, and one that nothing
    listens for fails the invocation."""
    source = tmp_path / "server"
    source.mkdir()
    (source / "index.js").write_text(r"""'use strict';
const http = require('http');
const https = require('https');
exports.handler = async (event) => {
  if (event.Records[0].cf.request.uri === '/listen') require('express')().listen(3000); // no 'error' listener
  const out = [];
  const req = new http.IncomingMessage(null);
  req.push('body');
  req.push(null);
  const res = new http.ServerResponse(req).setHeader('X-A', '1');
  out.push([typeof req.pipe, await new Promise((resolve) => req.on('data', (chunk) => resolve(String(chunk)))), res.getHeaderNames()]);
  for (const make of [() => http.createServer(() => {}), () => new http.Server(), () => https.createServer({})]) {
    const server = make();
    const returned = server.listen(3000) === server; // not thrown: the refusal comes as 'error', later
    const error = await new Promise((resolve) => server.once('error', resolve));
    out.push([server instanceof http.Server || server instanceof https.Server, returned, server.listening,
      server.address(), error.code, error.message]);
  }
  return { status: '200', body: JSON.stringify(out) };
};
""")
    (source / "node_modules" / "express").mkdir(parents=True)
    (source / "node_modules" / "express" / "index.js").write_text(
        "const http = require('http');\nmodule.exports = () => ({ listen: (port) => http.createServer(() => {}).listen(port) });\n")
    wasm = build_js(source, out=tmp_path / "server.wasm")
    runtime = quick_runtime()
    try:
        fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="server"))
        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/x"))).encode())
        assert outcome.ok, (outcome.error, outcome.message, outcome.logs[:5])
        made, *servers = json.loads(outcome.value["body"])
        assert made == ["function", "body", ["x-a"]]
        why = "is not available in edge functions: they cannot listen for connections"
        for (is_server, returned, listening, address, code, message), name in zip(servers, ["http", "http", "https"]):
            assert [is_server, returned, listening, address, code] == [True, True, False, None, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"]
            assert message.startswith(f"{name}.Server.listen() {why}") and "serverless-express or serverless-http" in message
        assert len(servers) == 3
        # an app's listen() with nothing listening for 'error': an uncaught exception that fails the invocation
        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/listen"))).encode())
        assert not outcome.ok
        assert f"http.Server.listen() {why}" in f"{outcome.message} {outcome.logs}"
    finally:
        runtime.close()
