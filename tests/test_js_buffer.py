"""Buffer's string conversions in the sandbox against real Node: tests/js/buffer/cases.js runs in
the edge function and in `node`, and every result must match (utf8 with lone surrogates,
utf16le, latin1, ascii, lenient base64/base64url and hex decoding, buf.write with partial
characters, toString ranges, indexOf/compare and Node's errors, sizes up to 300 KB, and
querystring.parse on generated form bodies). Then AWS's form-body pattern on a body of about
750 KB at origin-request, within the default fuel."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .conftest import Edge
from .js_helpers import JS, build, node
from .test_samples import make_event, origin_request, viewer_request

CASES = JS / "buffer" / "cases.js"
DEFAULT_FUEL = Limits().fuel


PARTS = ["encodeStrings", "decodeLenient", "writes", "decodeBytes", "large", "api", "formBodies"]  # cases.js's parts


@pytest.fixture(scope="module")
def node_results() -> dict:
    script = (f"const c = require({json.dumps(str(CASES))});"
              "console.log(JSON.stringify(Object.fromEntries(c.parts.map((p) => [p, c.run(p)]))))")
    return json.loads(node("-e", script))


@pytest.fixture(scope="module")
def function(tmp_path_factory):  # type: ignore[no-untyped-def]
    wasm = build("buffer", tmp_path_factory.mktemp("js-buffer"))
    runtime = Runtime()
    limits = Limits(fuel=60_000_000_000, timeout_ms=120_000, max_result_bytes=16 * 1024 * 1024)
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="buffer", limits=limits))
    yield fn
    fn.close()


@pytest.fixture(scope="module")
def edge_results(function) -> dict:  # type: ignore[no-untyped-def]
    results = {}
    for part in PARTS:
        outcome = function.invoke(json.dumps(make_event("viewer-request", viewer_request(uri=f"/{part}"))).encode(), None)
        assert outcome.ok, (part, outcome.error, outcome.message, outcome.logs[:5])
        results[part] = json.loads(outcome.value["body"])
    return results


@pytest.mark.parametrize("part", PARTS)
def test_buffer_matches_node(part, edge_results, node_results):
    edge, expected = edge_results[part], node_results[part]
    assert sorted(edge) == sorted(expected)
    wrong = [key for key in expected if edge[key] != expected[key]]
    if wrong:
        got, want = edge[wrong[0]], expected[wrong[0]]
        if isinstance(want, list) and isinstance(got, list) and len(got) == len(want):  # the first differing item
            index = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
            got, want = f"[{index}] {got[index]!r}", f"[{index}] {want[index]!r}"
        pytest.fail(f"{len(wrong)} of {len(expected)} differ, e.g. {wrong[0]}: edge {str(got)[:1500]} node {str(want)[:1500]}")


def test_the_cases_cover_what_they_say(node_results):
    assert sorted(node_results) == sorted(PARTS)
    enc = node_results["encodeStrings"]
    assert enc["lone_high_mid/utf8"][0] == "61efbfbd62" and enc["emoji/utf8"][1] == 50
    lenient = node_results["decodeLenient"]
    assert len([k for k in lenient if k.startswith("base64_")]) > 400 and len([k for k in lenient if k.startswith("hex_")]) > 200
    assert node_results["large"]["roundtrip"] == [True] * 6


FORM_HANDLER = """'use strict';
// AWS's "Reading a form body" at origin-request, answering with what it read
const querystring = require('querystring');
const crypto = require('crypto');
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri === '/event-only') return { status: '200', body: String(request.body.data.length) };
  const body = Buffer.from(request.body.data, 'base64').toString();
  if (request.uri === '/decode-only') return { status: '200', body: String(body.length) };
  const params = querystring.parse(body);
  const summary = { truncated: request.body.inputTruncated, length: body.length, fields: Object.keys(params).length,
    sha256: crypto.createHash('sha256').update(body).digest('hex'), note: params.note };
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify(summary) };
};
"""


def form_body(size: int) -> bytes:
    fields, n = [], 0
    while n < size:
        value = f"value {len(fields)} with spaces & symbols = é ✓ 😀 " * 40  # fewer than querystring.parse's 1000 keys
        fields.append(f"field{len(fields)}={urllib.parse.quote_plus(value)}")
        n += len(fields[-1]) + 1
    fields.append("note=" + urllib.parse.quote_plus("the end"))
    return "&".join(fields).encode()


def test_a_large_form_body_is_read_within_the_default_fuel(tmp_path):
    src = tmp_path / "form"
    src.mkdir()
    (src / "index.js").write_text(FORM_HANDLER)
    wasm = build("form", tmp_path, source=src)
    body = form_body(750 * 1024)
    assert len(body) > 500 * 1024
    text = body.decode()
    expected = {"truncated": False, "length": len(text), "fields": text.count("&") + 1,
                "sha256": hashlib.sha256(body).hexdigest(), "note": "the end"}

    # straight on the runtime, with the server's default limits: the fuel it takes
    runtime = Runtime()
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="form", limits=Limits.origin()))
    fuel = {}
    for uri in ("/event-only", "/decode-only", "/submit"):
        request = origin_request(uri=uri, method="POST", body={"inputTruncated": False, "action": "read-only",
                                                               "encoding": "base64", "data": base64.b64encode(body).decode()})
        outcome = fn.invoke(json.dumps(make_event("origin-request", request)).encode(), None)
        assert outcome.ok, (uri, outcome.error, outcome.message)
        fuel[uri] = outcome.fuel_used
    fn.close()
    assert json.loads(outcome.value["body"]) == expected
    # Buffer.from(base64).toString() of 750 KB: ~1e10 fuel when it was JavaScript (out of fuel
    # from ~150 KB); the whole example, querystring.parse included, well inside the default
    assert fuel["/decode-only"] < DEFAULT_FUEL // 20, fuel
    assert fuel["/submit"] < DEFAULT_FUEL // 2, fuel

    # through the server: a POST to a behavior with include_body at origin-request
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.form]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\n'
                        'methods = ["GET", "HEAD", "POST"]\norigin_request = { function = "form", include_body = true }\n')
    server = Edge(manifest, tmp_path / "state")
    server.server.start()
    try:
        r = server.request("POST", "/submit", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200, r.text[:500]
        assert r.json() == expected
    finally:
        server.close()
