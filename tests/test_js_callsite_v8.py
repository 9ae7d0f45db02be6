"""V8's CallSite API completed, and a `v8` built-in: express, body-parser, http-errors, send and koa
failed to load.

`depd` (which all of them load) reads the stack as CallSite objects when it is required and calls
isEval() and getEvalOrigin() on them, which the engine's CallSites lacked (`TypeError: callSite.isEval
is not a function` at build time); koa 3 requires 'node:v8' at its top level (`Cannot find module
'node:v8'`). The CallSite methods and the `v8` module are compared with Node 20 case by case (the
engine reports other columns than V8, so locations are compared without them), and the packages,
installed from npm at test time, load and answer as in Node."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .js_helpers import VIEWER_EVENT, cases_in_node, node, npm_install
from .test_js_builtins_more import HANDLER, invoke, package

CASES = r"""'use strict';
const v8 = require('node:v8');
const sites = () => {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_err, callSites) => callSites;
  const holder = {};
  Error.captureStackTrace(holder);
  const stack = holder.stack;
  Error.prepareStackTrace = saved;
  return stack;
};
const described = (f) => { try { return ['ok', f()]; } catch (e) { return [e.name, e.code, e.message]; } };
const noColumn = (text) => text.replace(/:(\d+):\d+\)?$/, ':$1').replace(/\/[^\s()]*\/(cases\.js)/, '$1');
function named() { return sites()[1]; }
class Made { constructor() { this.site = sites()[1]; } }
exports.run = async () => {
  const out = {};
  const site = named();
  out.methods = ['getThis', 'getTypeName', 'getFunction', 'getFunctionName', 'getMethodName', 'getFileName',
    'getLineNumber', 'getColumnNumber', 'getEvalOrigin', 'isToplevel', 'isEval', 'isNative', 'isConstructor',
    'isAsync', 'isPromiseAll', 'getPromiseIndex', 'getScriptNameOrSourceURL', 'getScriptHash',
    'getEnclosingColumnNumber', 'getEnclosingLineNumber', 'getPosition', 'toString']
    .map((m) => [m, typeof site[m]]);
  out.values = [site.getThis(), site.getTypeName(), site.getMethodName(), site.getEvalOrigin(), site.isEval(),
    site.isNative(), site.isConstructor(), site.isAsync(), site.isPromiseAll(), site.getPromiseIndex(),
    site.isToplevel(), site.getFunctionName(), site.getScriptNameOrSourceURL() === site.getFileName(),
    typeof site.getPosition()];
  out.text = noColumn(String(site));
  out.made = noColumn(String(new Made().site));
  out.tag = Object.prototype.toString.call(site);
  // what depd does with a caller's site as it is required (callSiteLocation)
  const file = site.getFileName() || '<anonymous>';
  out.depd = [site.isEval() ? `${site.getEvalOrigin()}, ${file}` : 'not eval', typeof site.getLineNumber()];
  out.v8keys = Object.keys(v8).sort();
  out.snapshot = [v8.startupSnapshot.isBuildingSnapshot(), described(() => v8.startupSnapshot.addSerializeCallback(() => {})),
    described(() => v8.startupSnapshot.setDeserializeMainFunction(() => {}))];
  out.flags = [described(() => v8.setFlagsFromString('--max-old-space-size=10')), described(() => v8.setFlagsFromString(1))];
  const stats = v8.getHeapStatistics();
  out.stats = Object.keys(stats);
  out.statsNumbers = Object.values(stats).every((n) => typeof n === 'number');
  out.sane = stats.used_heap_size > 0 && stats.used_heap_size <= stats.heap_size_limit;
  out.spaces = Array.isArray(v8.getHeapSpaceStatistics());
  out.code = Object.keys(v8.getHeapCodeStatistics());
  out.tag2 = typeof v8.cachedDataVersionTag();
  out.require = require('v8') === v8;
  return out;
};
"""

PACKAGES = ["express@4", "body-parser@1", "http-errors@2", "send@0", "koa@2", "koa3@npm:koa@3"]

USES = r"""'use strict';
const express = require('express');
const bodyParser = require('body-parser');
const createError = require('http-errors');
const send = require('send');
const Koa = require('koa');
const Koa3 = require('koa3');
const app = express();
app.use(bodyParser.json());
app.get('/x', (req, res) => res.json({ ok: true }));
const koa = new Koa();
koa.use(async (ctx) => { ctx.body = 'hi'; });
const koa3 = new Koa3();
exports.handler = async (event) => {
  const err = createError(404, `no ${event.Records[0].cf.request.uri}`);
  const body = {
    express: [typeof app.handle, app._router.stack.length, typeof express.static],
    err: [err.status, err.message, err.name, err.expose, err instanceof createError.HttpError],
    send: typeof send,
    koa: [typeof koa.callback(), koa.middleware.length],
    koa3: [typeof koa3.callback(), koa3.env],
    bad: createError(500).message,
  };
  return { status: '200', body: JSON.stringify(body) };
};
"""


def test_call_sites_and_the_v8_module_are_as_in_node(tmp_path):
    source = package(tmp_path / "callsites", {"cases.js": CASES, "index.js": HANDLER})
    in_node = cases_in_node(source)
    at_the_edge, _ = invoke(source, tmp_path)
    wrong = {key: (at_the_edge.get(key), value) for key, value in in_node.items() if at_the_edge.get(key) != value}
    assert not wrong, wrong
    assert at_the_edge["text"] == "named (cases.js:14" and at_the_edge["made"] == "new Made (cases.js:15"
    assert at_the_edge["depd"] == ["not eval", "number"]


def test_the_v8_module_refuses_what_needs_v8_saying_what_to_use(tmp_path):
    source = package(tmp_path / "refusals", {"index.js": r"""
const v8 = require('v8');
exports.handler = async () => {
  const out = [];
  for (const f of [() => v8.serialize({ a: 1 }), () => v8.deserialize(Buffer.alloc(2)), () => new v8.Serializer(),
    () => v8.writeHeapSnapshot(), () => v8.getHeapSnapshot(), () => v8.promiseHooks.onInit(() => {})]) {
    try { f(); out.push('ok'); } catch (e) { out.push([e.code, e.message]); }
  }
  return { status: '200', body: JSON.stringify(out) };
};
"""})
    refused, _ = invoke(source, tmp_path)
    assert all(code == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" for code, _ in refused), refused
    assert refused[0][1].startswith("v8.serialize() is not available in edge functions: the engine is not V8")
    assert "structuredClone(value)" in refused[0][1]
    assert "no promise hooks" in refused[5][1]


@pytest.fixture(scope="module")
def web_frameworks(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("js-frameworks") / "frameworks"
    root.mkdir()
    npm_install(root, *PACKAGES)
    (root / "index.js").write_text(USES)
    return root


def test_express_koa_and_depd_users_load_and_answer_as_in_node(web_frameworks, tmp_path):
    at_the_edge, log = invoke(web_frameworks, tmp_path)
    script = (f"require({json.dumps(str(web_frameworks / 'index.js'))}).handler({json.dumps(VIEWER_EVENT)})"
              ".then((r) => console.log(r.body))")
    assert at_the_edge == json.loads(node("-e", script))
    assert at_the_edge["express"][0] == "function" and at_the_edge["koa3"][0] == "function"
    assert at_the_edge["err"][:2] == [404, "no /x"]
    assert not re.search(r"TypeError|is not a function", log), log
