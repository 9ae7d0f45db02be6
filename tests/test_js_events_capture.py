"""events: `new EventEmitter({ captureRejections: true })` routes an async listener's rejection to
the emitter's Symbol.for('nodejs.rejection') method or its 'error' event, on the next tick, as Node
does (it was an unhandled rejection), EventEmitter.captureRejections sets the default; and
`emit('error', value)` with no listener throws Node's ERR_UNHANDLED_ERROR (`code`, `context`, the
value inspected in the message) for a value that is not an Error. Compared with real Node 20."""

from __future__ import annotations

import json

from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import build_js

from .js_helpers import VIEWER_EVENT, assert_same_as_node, cases_in_node
from .test_js_builtins_more import HANDLER, invoke, package

CASES = r"""
const EventEmitter = require('events');
const described = (e) => [e.code, e.name, e.message, String(e), Object.keys(e), e.context === undefined ? 'undef' : e.context];
exports.run = async () => {
  const out = {};
  out.unhandled = ['str', 42, undefined, { a: 1 }, null].map((v) => { try { new EventEmitter().emit('error', v); } catch (e) { return described(e); } });
  try { new EventEmitter().emit('error', new TypeError('t')); } catch (e) { out.errorItself = [e.name, e.message, e.code]; }
  const ee = new EventEmitter({ captureRejections: true });
  const order = [];
  out.routed = await new Promise((resolve) => {
    ee.on('error', (err) => { order.push('error'); resolve([err.message, order]); });
    ee.on('evt', async (x) => { order.push('listener ' + x); throw new Error('async boom'); });
    ee.emit('evt', 1);
    order.push('after emit');
  });
  const custom = new EventEmitter({ captureRejections: true });
  out.custom = await new Promise((resolve) => {
    custom[EventEmitter.captureRejectionSymbol] = (err, type, ...args) => resolve([err.message, type, args]);
    custom.on('x', async () => { throw new Error('to symbol'); });
    custom.emit('x', 'a', 'b');
  });
  const off = new EventEmitter();
  let rejected;
  off.on('y', () => Promise.reject(new Error('not captured')).catch((e) => { rejected = e.message; }));
  off.emit('y');
  await null; await null;
  out.notCaptured = rejected;
  out.statics = [EventEmitter.captureRejections, String(EventEmitter.captureRejectionSymbol)];
  try { new EventEmitter({ captureRejections: 1 }); } catch (e) { out.badOption = described(e); }
  try { EventEmitter.captureRejections = 'yes'; } catch (e) { out.badStatic = described(e); }
  EventEmitter.captureRejections = true;
  const global = new EventEmitter();
  out.globalDefault = await new Promise((resolve) => {
    global.on('error', (err) => resolve(err.message));
    global.on('z', async () => { throw new Error('by default'); });
    global.emit('z');
  });
  EventEmitter.captureRejections = false;
  return out;
};
"""


def test_capture_rejections_and_unhandled_error_events_behave_as_in_node(tmp_path):
    source = package(tmp_path / "events", {"cases.js": CASES, "index.js": HANDLER})
    in_node = cases_in_node(source)
    at_the_edge, _ = invoke(source, tmp_path)
    assert_same_as_node(at_the_edge, in_node)
    assert at_the_edge["routed"] == ["async boom", ["listener 1", "after emit", "error"]]
    assert at_the_edge["unhandled"][0][:3] == ["ERR_UNHANDLED_ERROR", "Error", "Unhandled error. ('str')"]


def test_a_captured_rejection_with_no_error_listener_is_an_uncaught_exception(tmp_path):
    """Node's process dies of it; here the invocation fails as for any uncaught exception."""
    source = package(tmp_path / "uncaught", {"index.js": """
const EventEmitter = require('events');
exports.handler = async () => {
  const ee = new EventEmitter({ captureRejections: true });
  ee.on('evt', async () => { throw new Error('nobody listens'); });
  ee.emit('evt');
  await new Promise((r) => setTimeout(r, 5));
  return { status: '200', body: 'survived' };
};
"""})
    wasm = build_js(source, out=tmp_path / "uncaught.wasm")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code != 0
    assert 'Uncaught Exception \t{"errorType":"Error","errorMessage":"nobody listens"' in result.output
