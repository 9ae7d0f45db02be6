"""util.promisify(setTimeout) and setImmediate (Node's util.promisify.custom: `const sleep =
util.promisify(setTimeout); await sleep(10)` threw ERR_INVALID_ARG_TYPE, the callback being taken for
the delay), and timers/promises' setInterval (an async iterator) and scheduler (wait, yield), with
their signal and ref options and Node's errors, compared with real Node 20 through the real runtime."""

from __future__ import annotations

from .js_helpers import assert_same_as_node, cases_in_node
from .test_js_builtins_more import HANDLER, invoke, package

CASES = r"""
const util = require('util');
const timersPromises = require('timers/promises');
const { setInterval: every, scheduler } = require('node:timers/promises');
const described = (e) => ({ name: e.name, code: e.code, message: e.message, cause: e.cause });
exports.run = async () => {
  const out = {};
  const sleep = util.promisify(setTimeout);
  const t0 = Date.now();
  out.sleep = [await sleep(10), await sleep(10, 'v'), Date.now() - t0 >= 20];
  out.same = [sleep === timersPromises.setTimeout, util.promisify(setImmediate) === timersPromises.setImmediate,
    require('timers').promises === timersPromises, typeof setTimeout[util.promisify.custom]];
  out.names = [timersPromises.setTimeout.name, timersPromises.setImmediate.name, timersPromises.setInterval.name];
  out.immediate = await util.promisify(setImmediate)('imm');
  out.keys = Object.keys(timersPromises);
  const order = [];
  const ticks = [];
  let n = 0;
  for await (const v of every(5, 'tick')) {
    ticks.push(v);
    if (++n === 3) break;
  }
  out.interval = ticks;
  const ac = new AbortController();
  const seen = [];
  const loop = (async () => {
    try {
      for await (const v of every(5, 'x', { signal: ac.signal })) { seen.push(v); if (seen.length === 2) ac.abort('stop'); }
    } catch (e) { return described(e); }
  })();
  out.intervalAbort = [await loop, seen];
  out.wait = [await scheduler.wait(5), await scheduler.yield()];
  const c2 = new AbortController();
  const p = timersPromises.setTimeout(50, 'late', { signal: c2.signal });
  c2.abort('why');
  try { await p; } catch (e) { out.abortTimeout = described(e); }
  try { await timersPromises.setTimeout(5, 'v', { signal: AbortSignal.abort('pre') }); } catch (e) { out.preAborted = described(e); }
  out.badArgs = [];
  for (const f of [() => timersPromises.setTimeout('5'), () => timersPromises.setTimeout(5, 1, null), () => timersPromises.setTimeout(5, 1, { ref: 1 }),
    () => timersPromises.setTimeout(5, 1, { signal: 1 }), () => timersPromises.setImmediate(1, 'x')]) {
    try { await f(); out.badArgs.push('ok'); } catch (e) { out.badArgs.push([e.code, e.message]); }
  }
  try { await every('x').next(); } catch (e) { out.badInterval = [e.code, e.message]; }
  try { new scheduler.constructor(); } catch (e) { out.illegal = [e.code, e.message]; }
  try { scheduler.wait.call({}, 1); } catch (e) { out.invalidThis = [e.code, e.message]; }
  out.order = await new Promise((resolve) => {
    const seq = [];
    // delays far apart: Node orders timers by wall-clock expiry, so 1 and 2 ms swap on a busy machine
    timersPromises.setTimeout(40).then(() => seq.push('t40'));
    timersPromises.setImmediate().then(() => seq.push('imm'));
    setTimeout(() => seq.push('cb10'), 10);
    setTimeout(() => resolve(seq), 60);
  });
  return out;
};
"""


def test_promisified_timers_and_timers_promises_behave_as_in_node(tmp_path):
    source = package(tmp_path / "timers", {"cases.js": CASES, "index.js": HANDLER})
    in_node = cases_in_node(source)
    at_the_edge, _ = invoke(source, tmp_path)
    assert_same_as_node(at_the_edge, in_node)
    assert at_the_edge["sleep"] == [None, "v", True]
    assert at_the_edge["interval"] == ["tick", "tick", "tick"]
    assert at_the_edge["keys"] == ["setTimeout", "setImmediate", "setInterval", "scheduler"]
