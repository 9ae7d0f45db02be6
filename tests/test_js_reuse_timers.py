"""Timers a handler leaves pending when it returns, in a `reuse` (warm) instance, resume at its next
invocation, as in a warm Lambda environment (its runtime freezes the process after the answer; the
event loop's timers then fire, when due, once it is thawed for the next invocation).

The same invocations, with the same real pauses between them, run in the edge function and in Node
20 (a driver calling the handler as Lambda's runtime would, its timers firing during the pauses):
what fired between two invocations, in order (due time, then creation; a promise job a timer queues
before the next timer; arguments; clearTimeout; unref'd timers too), must match. Then what only a
frozen environment shows: an interval fires once per resume, not once per period missed; timers a
resumed timer sets wait their turn. A `per-request` instance's timers die with it. A resumed timer
that throws fails the invocation in progress as an uncaught exception (Lambda's runtime does, then
exits), with a line saying where the timer came from, even when the function listens with
process.on('uncaughtException') (Lambda's runtime has its own listener, which fails the invocation;
the function's is called too); a rejection it leaves unhandled likewise. Its work is charged to the invocation's fuel,
and a callback-style handler still waits for an earlier invocation's timer (Lambda's event loop
must empty), timing out at once with the timer named."""

from __future__ import annotations

import json
import time

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .js_helpers import build, node
from .test_samples import make_event, viewer_request

INDEX_JS = r"""'use strict';
const log = [];
const note = (what) => log.push(what);
let invocations = 0;
let interval = null;
const MODES = {
  arm() { // one-shot timers of every kind, due between 0 and 60 ms, and one far later
    setTimeout(() => {
      note('a10');
      Promise.resolve().then(() => note('a10-job'));
    }, 10);
    setTimeout(() => note('b50'), 50);
    setTimeout((x, y) => note(`d30:${x}${y}`), 30, 'x', 'y');
    setTimeout(() => note('e30'), 30);
    const cleared = setTimeout(() => note('cleared'), 20);
    clearTimeout(cleared);
    setTimeout(() => note('unref40'), 40).unref();
    setTimeout(() => note('late'), 5000);
    setImmediate(() => note('immediate'));
  },
  interval() { interval = setInterval(() => note('tick'), 20); },
  stop() { clearInterval(interval); },
  nested() { setTimeout(() => { note('outer'); setTimeout(() => note('inner'), 1); }, 5); },
  throws() { setTimeout(function lateFailure() { throw new Error('late failure'); }, 5); },
  listener() {
    process.on('uncaughtException', (err) => note(`caught:${err.message}`));
    setTimeout(() => { throw new Error('late failure'); }, 5);
  },
  rejects() { setTimeout(() => { Promise.reject(new Error('rejected later')); }, 5); },
  heavy() { setTimeout(() => { let s = 0; for (let i = 0; i < 200000; i++) s += i; note(`heavy:${s}`); }, 5); },
  far() { setTimeout(function farAway() { note('far'); }, 60000); },
  none() {},
};
exports.handler = (event, context, callback) => {
  const q = new URLSearchParams(event.Records[0].cf.request.querystring);
  invocations++;
  const seen = log.splice(0); // what fired since the last invocation returned
  MODES[q.get('mode')]();
  const response = { status: '200', body: JSON.stringify({ seen, invocations }) };
  if (q.get('style') === 'callback') {
    callback(null, response);
    return undefined;
  }
  return Promise.resolve(response);
};
"""

# What Lambda's Node.js runtime does, in plain Node: call the handler, answer, wait, call again. Its
# timers fire during the waits (nothing is frozen), which for one-shot timers is what a thawed
# environment fires before its next invocation.
DRIVER_JS = r"""
const { handler } = require(process.argv[1]);
const steps = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  const out = [];
  for (const [query, pause] of steps) {
    const event = { Records: [{ cf: { config: { eventType: 'viewer-request' }, request: { uri: '/', querystring: query } } }] };
    const result = await new Promise((resolve, reject) => {
      const returned = handler(event, {}, (err, value) => (err ? reject(err) : resolve(value)));
      if (returned) returned.then(resolve, reject);
    });
    out.push(JSON.parse(result.body).seen);
    await sleep(pause);
  }
  console.log(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def wasm(tmp_path_factory):  # type: ignore[no-untyped-def]
    """(the function's source directory, its module compiled once, the runtime)"""
    src = tmp_path_factory.mktemp("js-reuse-timers-src") / "reuse_timers"
    src.mkdir()
    (src / "index.js").write_text(INDEX_JS)
    runtime = Runtime()
    compiled = runtime.load(build("reuse_timers", tmp_path_factory.mktemp("js-reuse-timers"), source=src).read_bytes())
    yield src, compiled, runtime
    runtime.close()


def function(wasm, isolation: str):  # type: ignore[no-untyped-def]
    _, compiled, runtime = wasm
    limits = Limits(fuel=2_000_000_000, timeout_ms=5_000)
    return runtime.function(compiled, FunctionConfig(name=f"timers-{isolation}", limits=limits, isolation=isolation))


@pytest.fixture
def warm(wasm):  # type: ignore[no-untyped-def]
    """A fresh `reuse` function (one warm instance, invoked one call at a time)."""
    fn = function(wasm, "reuse")
    yield fn
    fn.close()


def call(fn, query: str):  # type: ignore[no-untyped-def]
    return fn.invoke(json.dumps(make_event("viewer-request", viewer_request(querystring=query))).encode(), None)


def seen(fn, query: str) -> list:  # type: ignore[no-untyped-def]
    outcome = call(fn, query)
    assert outcome.ok, (query, outcome.error, outcome.message, [line.message for line in outcome.logs])
    return json.loads(outcome.value["body"])["seen"]


def run_steps(fn, steps: list) -> list:  # type: ignore[no-untyped-def]
    out = []
    for query, pause in steps:
        out.append(seen(fn, query))
        time.sleep(pause / 1000)
    return out


STEPS = [["mode=arm", 300], ["mode=none", 0]]


def test_timers_of_a_returned_handler_fire_at_the_next_invocation_as_in_node(wasm, warm):  # type: ignore[no-untyped-def]
    edge = run_steps(warm, STEPS)
    expected = json.loads(node("-e", DRIVER_JS, str(wasm[0] / "index.js"), json.dumps(STEPS)))
    assert edge == expected
    assert edge[1] == ["immediate", "a10", "a10-job", "d30:xy", "e30", "unref40", "b50"]


def test_a_callback_handler_runs_its_own_timers_before_answering(warm):  # type: ignore[no-untyped-def]
    """With callbackWaitsForEmptyEventLoop (the default) the callback's answer waits for every
    timer (on virtual time), so nothing is left to resume."""
    assert seen(warm, "mode=nested&style=callback") == []
    assert seen(warm, "mode=none") == ["outer", "inner"]


def test_an_interval_fires_once_per_resume_and_stops_when_cleared(warm):  # type: ignore[no-untyped-def]
    assert seen(warm, "mode=interval") == []
    time.sleep(0.2)  # ten periods: a frozen loop fires it once on thaw, then reschedules it
    assert seen(warm, "mode=none") == ["tick"]
    time.sleep(0.2)
    assert seen(warm, "mode=stop") == ["tick"]
    time.sleep(0.1)
    assert seen(warm, "mode=none") == []


def test_a_timer_set_by_a_resumed_timer_waits_its_turn(warm):  # type: ignore[no-untyped-def]
    seen(warm, "mode=nested")
    time.sleep(0.05)
    assert seen(warm, "mode=none") == ["outer"]  # `inner` was set while this invocation resumed
    time.sleep(0.05)
    assert seen(warm, "mode=none") == ["inner"]


def test_timers_not_due_stay_pending(warm):  # type: ignore[no-untyped-def]
    seen(warm, "mode=far")
    assert seen(warm, "mode=none") == []
    assert seen(warm, "mode=none") == []


def test_per_request_instances_take_their_timers_with_them(wasm):  # type: ignore[no-untyped-def]
    fn = function(wasm, "per-request")
    try:
        assert seen(fn, "mode=arm") == []
        time.sleep(0.1)
        assert seen(fn, "mode=none") == []
    finally:
        fn.close()


def test_a_resumed_timer_that_throws_fails_the_invocation_in_progress(warm):  # type: ignore[no-untyped-def]
    seen(warm, "mode=throws")
    time.sleep(0.03)
    outcome = call(warm, "mode=none")
    assert not outcome.ok and outcome.error.value == "handler_error", outcome
    lines = [(line.level, line.message) for line in outcome.logs]
    warning = [m for _, m in lines if "left pending when an earlier invocation" in m]
    assert warning and warning[0].startswith("setTimeout(lateFailure, 5), left pending"), lines
    error = lines[-1][1]
    assert error.startswith("Uncaught Exception \t{") and '"errorMessage":"late failure"' in error, lines
    # the instance is replaced after a failure, as Lambda's runtime exits: the next invocation is a fresh one
    after = call(warm, "mode=none")
    assert after.ok and json.loads(after.value["body"]) == {"seen": [], "invocations": 1}


def test_an_uncaught_exception_listener_is_told_and_the_invocation_still_fails(warm):  # type: ignore[no-untyped-def]
    """As on Lambda, whose runtime's own listener fails the invocation in progress and exits."""
    seen(warm, "mode=listener")
    time.sleep(0.03)
    outcome = call(warm, "mode=none")
    assert not outcome.ok and outcome.error.value == "handler_error", outcome
    messages = [line.message for line in outcome.logs]
    failed = next(i for i, m in enumerate(messages) if m.startswith("Uncaught Exception \t{"))
    assert '"errorMessage":"late failure"' in messages[failed], messages
    after = call(warm, "mode=none")  # a fresh instance: the listener's note went with the old one
    assert after.ok and json.loads(after.value["body"]) == {"seen": [], "invocations": 1}


def test_a_rejection_a_resumed_timer_leaves_unhandled_fails_the_invocation(warm):  # type: ignore[no-untyped-def]
    seen(warm, "mode=rejects")
    time.sleep(0.03)
    outcome = call(warm, "mode=none")
    assert not outcome.ok
    assert "Runtime.UnhandledPromiseRejection" in outcome.logs[-1].message and "rejected later" in outcome.logs[-1].message


def test_a_resumed_timers_work_is_the_invocations_fuel(warm):  # type: ignore[no-untyped-def]
    seen(warm, "mode=heavy")
    time.sleep(0.03)
    resumed = call(warm, "mode=none")
    plain = call(warm, "mode=none")
    assert json.loads(resumed.value["body"])["seen"] == ["heavy:19999900000"]
    assert resumed.fuel_used - plain.fuel_used > 50_000_000, (resumed.fuel_used, plain.fuel_used)


def test_a_callback_handler_waits_for_an_earlier_invocations_timer(warm):  # type: ignore[no-untyped-def]
    """Lambda's event loop must empty before a callback's answer is sent (callbackWaitsForEmptyEventLoop),
    an earlier invocation's timer included: due past the timeout, it times out at once (virtual time)."""
    seen(warm, "mode=far")
    outcome = call(warm, "mode=none&style=callback")
    assert not outcome.ok and outcome.error.value == "timeout", outcome
    assert "setTimeout(farAway, 60000) (set by an earlier invocation) was still pending" in outcome.logs[-1].message
