"""The clock JavaScript reads, on virtual time: every way of reading it agrees with the timers.

Timers run on virtual time (the host cannot sleep: the timer due soonest fires at once and the
clock moves on by the time skipped). `new Date()` and `Date()` read QuickJS's own clock, which
ignored that time, so a loop waiting for a `new Date()` deadline never ended (the invocation timed
out where Node returns after a second), and neither did `p-retry`'s `maxRetryTime` (its `retry`
dependency reads `new Date().getTime()`). Now QuickJS's Date reads the engine's clock
(engine/edge_js.c, "the clock"): such loops end after as many attempts as in Node (the same loops
run in `node`), and within an invocation `Date.now()`, `new Date()`, `Date()`,
`performance.now()`/`performance.timeOrigin` (the global one and perf_hooks'), `process.hrtime()`,
`process.hrtime.bigint()`, `process.uptime()` and `context.getRemainingTimeInMillis()` move
together, by the time a timer skipped. `Date` is still the engine's own (name, length,
subclassing, native source text), as in Node.

In a `reuse` instance each invocation starts on the host's wall clock again: the virtual time an
invocation skipped is not carried into the next (it was: six invocations each awaiting a 2 s timer
drifted 2, 4, ... 12 s ahead), so `Date.now()` may step back between invocations, while the
monotonic clocks (`performance.now()`, `process.hrtime`, `process.uptime()`) never do; the timeout
still counts each invocation's own virtual time. Nothing of the build's clock is kept: a top-level
`await` of a 3 s timer moves the clock while the module loads, as in Node, and the first request
still starts on the wall clock."""

from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .js_helpers import build, case_package, cases_in_node, node, npm_install
from .test_samples import make_event, viewer_request

# Node-compared cases, run together (each waits in real time in Node; margins of >= 100 ms keep
# the counts away from the boundaries)
CASES_JS = r"""'use strict';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// the tester's loop: new Date() against a deadline a second away
async function deadlineLoop() {
  const deadline = new Date(Date.now() + 1000);
  let n = 0;
  while (new Date() < deadline) {
    n++;
    await sleep(300);
  }
  return n;
}
// the same against Date.now()
async function dateNowLoop() {
  const deadline = Date.now() + 1000;
  let n = 0;
  while (Date.now() < deadline) {
    n++;
    await sleep(300);
  }
  return n;
}
// what `retry` (p-retry's dependency) does with maxRetryTime: attempts until new Date().getTime()
// is maxRetryTime past the first, waiting minTimeout * 2^k in between
async function retryLike() {
  const start = new Date().getTime();
  let attempts = 0;
  let wait = 100;
  for (;;) {
    attempts++;
    if (new Date().getTime() - start >= 1000) return attempts;
    await sleep(wait);
    wait *= 2;
  }
}
// an interval checking elapsed time with Date objects' subtraction
function intervalTicks() {
  return new Promise((resolve) => {
    const start = new Date();
    let ticks = 0;
    const id = setInterval(() => {
      ticks++;
      if (new Date() - start >= 1000) {
        clearInterval(id);
        resolve(ticks);
      }
    }, 300);
  });
}
// Date() (called as a function) and the performance clock move with the wait too
async function otherClocks() {
  const before = Date.parse(Date());
  const perf = performance.now();
  const hr = process.hrtime.bigint();
  await sleep(2000);
  return [Date.parse(Date()) - before >= 2000, performance.now() - perf >= 2000, process.hrtime.bigint() - hr >= 2000000000n];
}
// Date is the engine's own, as V8's is
function identity() {
  class Later extends Date {}
  const later = new Later();
  const nativeText = (f) => /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(f));
  return [Date.name, Date.length, Date.prototype.constructor === Date, nativeText(Date), Date.now.name, Date.now.length,
    nativeText(Date.now), typeof Date(), Date().length > 20, new Date() instanceof Date, later instanceof Date,
    later instanceof Later, Math.abs(later.getTime() - Date.now()) < 50, Object.getPrototypeOf(Later) === Date,
    typeof Date.UTC, typeof Date.parse];
}

exports.run = async () => {
  const [deadline, dateNow, retry, interval, others] = await Promise.all([deadlineLoop(), dateNowLoop(), retryLike(),
    intervalTicks(), otherClocks()]);
  return { deadline, dateNow, retry, interval, others, identity: identity() };
};
"""

# What an invocation reads of every clock; `wait` awaits a timer between two readings.
INDEX_JS = r"""'use strict';
const { run } = require('./cases.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readings(context) {
  const now1 = Date.now();
  const date = new Date().getTime();
  const called = Date.parse(Date());
  const perf = performance.now();
  const origin = performance.timeOrigin;
  const hr = process.hrtime();
  const big = String(process.hrtime.bigint());
  const uptime = process.uptime();
  const remaining = context.getRemainingTimeInMillis();
  const now2 = Date.now();
  return { now1, date, called, perf, origin, hr, big, uptime, remaining, now2 };
}

exports.handler = async (event, context) => {
  const q = new URLSearchParams(event.Records[0].cf.request.querystring);
  let body;
  if (q.get('mode') === 'cases') {
    body = await run();
  } else {
    const before = readings(context);
    await sleep(Number(q.get('ms')));
    body = { before, after: readings(context), sameObject: PERF_HOOKS_SAME };
  }
  return { status: '200', body: JSON.stringify(body) };
};
"""
PLAIN_PERFORMANCE = "const PERF_HOOKS_SAME = null;\n"
WITH_PERF_HOOKS = "const PERF_HOOKS_SAME = require('perf_hooks').performance === performance;\n"


def sources(tmp_path_factory, name: str, perf_hooks: bool) -> Path:  # type: ignore[no-untyped-def]
    index = INDEX_JS.replace("exports.handler", (WITH_PERF_HOOKS if perf_hooks else PLAIN_PERFORMANCE) + "exports.handler", 1)
    return case_package(tmp_path_factory, name, {"cases.js": CASES_JS, "index.js": index})


@pytest.fixture(scope="module")
def runtime():  # type: ignore[no-untyped-def]
    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def plain(tmp_path_factory, runtime):  # type: ignore[no-untyped-def]
    """(sources, compiled module) of the function whose sources do not name perf_hooks"""
    src = sources(tmp_path_factory, "clock", perf_hooks=False)
    return src, runtime.load(build("clock", tmp_path_factory.mktemp("js-clock"), source=src).read_bytes())


@pytest.fixture(scope="module")
def with_perf_hooks(tmp_path_factory, runtime):  # type: ignore[no-untyped-def]
    src = sources(tmp_path_factory, "clock_perf_hooks", perf_hooks=True)
    return runtime.load(build("clock_perf_hooks", tmp_path_factory.mktemp("js-clock-perf"), source=src).read_bytes())


def function(runtime, compiled, isolation: str = "per-request"):  # type: ignore[no-untyped-def]
    """A viewer trigger's 5 s timeout, as the tester's function had."""
    limits = Limits(fuel=4_000_000_000, timeout_ms=5_000)
    return runtime.function(compiled, FunctionConfig(name=f"clock-{isolation}", limits=limits, isolation=isolation))


def call(fn, query: str):  # type: ignore[no-untyped-def]
    return fn.invoke(json.dumps(make_event("viewer-request", viewer_request(querystring=query))).encode(), None)


def answer(fn, query: str) -> tuple[dict, float, float]:  # type: ignore[no-untyped-def]
    """The handler's body, with the host's wall clock (ms) read just before and after the call."""
    t0 = time.time() * 1000
    outcome = call(fn, query)
    t1 = time.time() * 1000
    assert outcome.ok, (query, outcome.error, outcome.message, [line.message for line in outcome.logs])
    return json.loads(outcome.value["body"]), t0, t1


def test_loops_on_new_date_deadlines_end_after_as_many_attempts_as_in_node(plain, runtime):  # type: ignore[no-untyped-def]
    src, compiled = plain
    fn = function(runtime, compiled)
    try:
        edge, _, _ = answer(fn, "mode=cases")
    finally:
        fn.close()
    in_node = cases_in_node(src)
    assert edge == in_node
    assert (edge["deadline"], edge["dateNow"], edge["retry"], edge["interval"]) == (4, 4, 5, 4)
    assert edge["others"] == [True, True, True]


def test_p_retry_max_retry_time_ends_as_in_node(tmp_path_factory, runtime):  # type: ignore[no-untyped-def]
    """p-retry@6 (ES module) with maxRetryTime: its `retry` dependency compares new Date().getTime()
    with the first attempt's; the attempts, their numbering and the error are Node's."""
    src = tmp_path_factory.mktemp("js-clock-pretry-src") / "pretry"
    src.mkdir()
    npm_install(src, "p-retry@6")
    (src / "retrying.mjs").write_text(r"""import pRetry from 'p-retry';
export async function run() {
  const seen = [];
  const started = Date.now();
  try {
    await pRetry(async (attempt) => { throw new Error(`attempt ${attempt} failed`); }, {
      retries: 10, minTimeout: 100, factor: 2, randomize: false, maxRetryTime: 1000,
      onFailedAttempt: (error) => { seen.push([error.attemptNumber, error.retriesLeft, error.message]); },
    });
    return { seen, result: 'resolved' };
  } catch (error) {
    return { seen, result: error.message, waitedPastMax: Date.now() - started >= 1000 };
  }
}
""")
    (src / "index.mjs").write_text("import { run } from './retrying.mjs';\n"
                                   "export const handler = async () => ({ status: '200', body: JSON.stringify(await run()) });\n")
    compiled = runtime.load(build("pretry", tmp_path_factory.mktemp("js-clock-pretry"), source=src).read_bytes())
    fn = function(runtime, compiled)
    try:
        edge, _, _ = answer(fn, "")
    finally:
        fn.close()
    url = (src / "retrying.mjs").as_uri()
    in_node = json.loads(node("-e", f"import({json.dumps(url)}).then((m) => m.run()).then((r) => console.log(JSON.stringify(r)))"))
    assert edge == in_node
    assert len(edge["seen"]) == 5 and edge["result"] == "attempt 5 failed" and edge["waitedPastMax"]


def hr_ms(r: dict) -> float:
    return r["hr"][0] * 1e3 + r["hr"][1] / 1e6


# each clock of a reading, in ms on its own scale
CLOCKS = {
    "Date.now()": lambda r: r["now1"],
    "new Date()": lambda r: r["date"],
    "performance.now()": lambda r: r["perf"],
    "timeOrigin + performance.now()": lambda r: r["origin"] + r["perf"],
    "process.hrtime()": hr_ms,
    "process.hrtime.bigint()": lambda r: int(r["big"]) / 1e6,
    "process.uptime()": lambda r: r["uptime"] * 1e3,
    "elapsed by getRemainingTimeInMillis()": lambda r: -r["remaining"],
}


def assert_agrees(r: dict, t0: float, t1: float) -> None:
    """One reading: the wall clocks are the host's, and agree with each other."""
    assert math.floor(t0) <= r["now1"] <= r["date"] <= r["now2"] <= math.ceil(t1), (t0, r, t1)
    assert r["now1"] // 1000 * 1000 <= r["called"] <= r["now2"], r  # Date(): whole seconds
    assert r["now1"] - 1 <= r["origin"] + r["perf"] <= r["now2"] + 1, r


@pytest.mark.parametrize("variant", ["global performance", "perf_hooks"])
def test_every_clock_reading_agrees_within_an_invocation(variant, plain, with_perf_hooks, runtime):  # type: ignore[no-untyped-def]
    compiled = plain[1] if variant == "global performance" else with_perf_hooks
    fn = function(runtime, compiled)
    try:
        body, t0, t1 = answer(fn, "mode=wait&ms=2500")
    finally:
        fn.close()
    assert body["sameObject"] is (None if variant == "global performance" else True)
    before, after = body["before"], body["after"]
    assert_agrees(before, t0, t1)
    assert before["remaining"] <= 5000
    # the timer skipped 2.5 s: every clock moved by it (and the little real time the call took)
    assert after["now1"] - 2500 <= math.ceil(t1)
    moved = {name: clock(after) - clock(before) for name, clock in CLOCKS.items()}
    assert all(2500 - 1 <= delta < 2500 + (t1 - t0) + 2 for delta in moved.values()), moved
    # and by the same time, give or take how long each reading took
    spread = before["now2"] - before["now1"] + after["now2"] - after["now1"]
    assert max(moved.values()) - min(moved.values()) < 5 + spread, moved
    assert after["called"] - before["called"] in (2000, 3000), (before, after)


def test_a_reuse_instance_starts_each_invocation_on_the_wall_clock(plain, runtime):  # type: ignore[no-untyped-def]
    """Six invocations of one warm instance, each awaiting a 2 s timer: each starts on the host's
    wall clock (it drifted 2 s further each time), while the monotonic clocks keep counting up."""
    fn = function(runtime, plain[1], "reuse")
    try:
        seen = [answer(fn, "mode=wait&ms=2000") for _ in range(6)]
        # each invocation still measures its own virtual time against its timeout
        long_wait, w0, w1 = answer(fn, "mode=wait&ms=4000")
        timed_out = call(fn, "mode=wait&ms=6000")
    finally:
        fn.close()
    for body, t0, t1 in seen:
        assert_agrees(body["before"], t0, t1)
        assert body["after"]["now1"] - body["before"]["now2"] >= 2000
        assert_agrees(body["after"], t0 + 2000, t1 + 2000)
    for (earlier, _, _), (later, _, _) in itertools.pairwise(seen):
        # the wall clock steps back by the time the earlier invocation skipped, the monotonic ones never do
        assert later["before"]["now1"] < earlier["after"]["now2"]
        for name in ("performance.now()", "process.hrtime()", "process.hrtime.bigint()", "process.uptime()"):
            assert CLOCKS[name](later["before"]) > CLOCKS[name](earlier["after"]), name
    assert 5000 - (w1 - w0) - 1 <= long_wait["before"]["remaining"] <= 5000
    assert long_wait["before"]["remaining"] - long_wait["after"]["remaining"] >= 4000 - 1
    assert not timed_out.ok and timed_out.error.value == "timeout", timed_out


BUILT_MJS = r"""const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const builtAt = Date.now();
const builtDate = new Date().getTime();
const builtPerf = performance.now();
await sleep(3000);
const waited = [Date.now() - builtAt, new Date().getTime() - builtDate, performance.now() - builtPerf];
export const handler = async () => ({ status: '200', body: JSON.stringify({
  builtAt, builtDate, waited, now: Date.now(), date: new Date().getTime(), perf: performance.now(),
  origin: performance.timeOrigin }) });
"""


def test_nothing_of_the_build_clock_is_kept(tmp_path_factory, runtime):  # type: ignore[no-untyped-def]
    """A top-level `await` of a 3 s timer moves every clock while the module loads, as in Node; the
    snapshot keeps the dates the top level made (the build warns), and each instance's clocks start
    on the host's: the wall clock at the request, the monotonic one near 0, the 3 s not in them."""
    src = case_package(tmp_path_factory, "clock_build", {"index.mjs": BUILT_MJS})
    b0 = time.time() * 1000
    wasm = build("clock_build", tmp_path_factory.mktemp("js-clock-build"), source=src)
    b1 = time.time() * 1000
    compiled = runtime.load(wasm.read_bytes())
    for _ in range(2):  # two instances
        fn = function(runtime, compiled)
        try:
            body, t0, t1 = answer(fn, "")
        finally:
            fn.close()
        assert math.floor(b0) <= body["builtAt"] <= body["builtDate"] <= math.ceil(b1), (b0, body, b1)
        assert all(3000 <= w < 3000 + (b1 - b0) for w in body["waited"]), body
        assert math.floor(t0) <= body["now"] <= body["date"] <= math.ceil(t1), (t0, body, t1)
        assert 0 <= body["perf"] < 3000, body  # from the instance's start, without the loading's 3 s
        assert body["now"] - 1 <= body["origin"] + body["perf"] <= body["date"] + 1, body
