"""The globals Event, EventTarget, AbortController and AbortSignal (edge/js/node/abort.js), put into a
function whose sources name one of them: @middy/core 6 makes an AbortController as it loads, so it
failed to build with `ReferenceError: AbortController is not defined`. Compared with real Node 20;
then a fixture package doing what @middy/core does at its top level, and unref'd timers (the one
AbortSignal.timeout sets) firing when due while a referenced timer keeps the loop going, as in Node."""

from __future__ import annotations

import json

from .js_helpers import node
from .test_js_builtins_more import HANDLER, invoke, package

CASES = r"""
const util = require('util');
exports.run = async () => {
  const out = {};
  const c = new AbortController();
  const log = [];
  c.signal.addEventListener('abort', (e) => log.push([e.type, e.constructor.name, e.isTrusted, e.target === c.signal]));
  c.signal.onabort = () => log.push('onabort');
  out.before = [c.signal.aborted, c.signal.reason, c.signal.onabort !== null];
  c.abort();
  c.abort('again');
  out.after = [c.signal.aborted, c.signal.reason.name, c.signal.reason.message, c.signal.reason.code, log];
  try { c.signal.throwIfAborted(); } catch (e) { out.thrown = e.name; }
  try { new AbortSignal(); } catch (e) { out.illegal = [e.code, e.name, e.message]; }
  const t = AbortSignal.timeout(10);
  out.timeout = await new Promise((resolve) => { t.onabort = () => resolve([t.reason.name, t.reason.message]); setTimeout(() => resolve('not yet'), 50); });
  out.static = [AbortSignal.abort().reason.name, AbortSignal.abort('r').reason, AbortSignal.any([AbortSignal.abort(1)]).reason];
  const a = new AbortController();
  const any = AbortSignal.any([a.signal, new AbortController().signal]);
  a.abort('why');
  out.any = [any.aborted, any.reason];
  out.inspect = [util.inspect(new AbortController()), util.inspect(AbortSignal.abort())];
  const e = new Event('x', { cancelable: true });
  e.preventDefault();
  out.event = [e.type, e.defaultPrevented, e.cancelable, e.bubbles, typeof e.timeStamp, e.isTrusted, e.eventPhase, Event.AT_TARGET];
  const et = new EventTarget();
  const calls = [];
  const h = { handleEvent(ev) { calls.push('obj:' + ev.type); } };
  et.addEventListener('y', h);
  et.addEventListener('y', (ev) => calls.push('once'), { once: true });
  et.addEventListener('y', (ev) => { calls.push('fn'); ev.stopImmediatePropagation(); });
  et.addEventListener('y', () => calls.push('never'));
  et.dispatchEvent(new Event('y'));
  et.removeEventListener('y', h);
  out.dispatch = [et.dispatchEvent(new Event('y')), calls];
  const sig = new AbortController();
  et.addEventListener('z', () => calls.push('z'), { signal: sig.signal });
  sig.abort();
  et.dispatchEvent(new Event('z'));
  out.signalOption = calls.includes('z');
  out.errors = [() => et.addEventListener('a', 5), () => et.dispatchEvent('a'), () => AbortSignal.timeout(-1), () => AbortSignal.timeout(1.5), () => new Event()]
    .map((f) => { try { f(); } catch (err) { return [err.code, err.message]; } });
  return out;
};
"""


def test_abort_controller_signal_and_event_target_behave_as_in_node(tmp_path):
    source = package(tmp_path / "abort", {"cases.js": CASES, "index.js": HANDLER})
    in_node = json.loads(node("-e", "require(%s).run().then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(source / "cases.js"))))
    at_the_edge, _ = invoke(source, tmp_path)
    for key in in_node:
        assert at_the_edge.get(key) == in_node[key], key
    assert at_the_edge["timeout"] == ["TimeoutError", "The operation was aborted due to timeout"]
    assert at_the_edge["illegal"] == ["ERR_ILLEGAL_CONSTRUCTOR", "TypeError", "Illegal constructor"]


MIDDY = {
    # @middy/core 6's index.js: a shared AbortController made at the top level, web streams imported
    "node_modules/fakemiddy/package.json": '{"name": "fakemiddy", "type": "module", "exports": "./index.js"}',
    "node_modules/fakemiddy/index.js": """
import { ReadableStream } from 'node:stream/web';
import { setTimeout } from 'node:timers';
let handlerAbort = new AbortController();
export default (base) => async (event, context) => {
  if (handlerAbort.signal.aborted) handlerAbort = new AbortController();
  const result = await base(event, context, { signal: handlerAbort.signal });
  return { ...result, web: result.body instanceof ReadableStream };
};
""",
    "index.mjs": """
import middy from 'fakemiddy';
export const handler = middy(async (event, context, { signal }) =>
  ({ status: '200', body: JSON.stringify({ aborted: signal.aborted, uri: event.Records[0].cf.request.uri }) }));
""",
}


def test_a_package_making_an_abort_controller_as_it_loads_builds_and_runs(tmp_path):
    from click.testing import CliRunner

    from edge.cli.main import cli
    from edge.js.build import build_js

    from .js_helpers import VIEWER_EVENT

    source = package(tmp_path / "middy", MIDDY)
    wasm = build_js(source, out=tmp_path / "middy.wasm")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert json.loads(answer["body"]) == {"aborted": False, "uri": "/x"} and answer["web"] is False


UNREF = """
exports.run = () => new Promise((resolve) => {
  const order = [];
  setTimeout(() => order.push('unref 10'), 10).unref();
  setTimeout(() => order.push('unref 100'), 100).unref();
  setTimeout(() => { order.push('ref 50'); setTimeout(() => resolve(order), 1).unref(); }, 50);
  setTimeout(() => resolve(order), 60);
});
"""


def test_unrefd_timers_fire_when_due_while_a_referenced_one_is_pending(tmp_path):
    source = package(tmp_path / "unref", {"cases.js": UNREF, "index.js": HANDLER})
    in_node = json.loads(node("-e", "require(%s).run().then((r) => console.log(JSON.stringify(r)))"
                              % json.dumps(str(source / "cases.js"))))
    at_the_edge, _ = invoke(source, tmp_path)
    assert at_the_edge == in_node == ["unref 10", "ref 50"]
