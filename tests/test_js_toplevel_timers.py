"""Timers set while a function loads (its top level runs at build time), against real Node.

In Node (and Lambda's Node.js runtime) the event loop runs while the module loads and before the
first event arrives: an ES module's `await new Promise(r => setTimeout(r, 0))` at the top level
finishes, and a CommonJS module's `setTimeout(() => { ready = true }, 0)` or `setImmediate` has run
when the handler is first called. Each case package here is loaded by `node` the way Lambda's runtime
loads it (require, or an awaited import), the first event coming 100 ms later, and built and invoked
as an edge function; the handler's answers must be the same. Timers due far later (a minute) and
intervals stay pending on both sides. The edge's own bounds (docs/javascript.md, *Timers*): a
top-level await on a timer due past 10 s of virtual time fails the build naming the timer, a timer's
uncaught exception fails it too, and an immediate that sets itself forever does not hang it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edge.js.build import JsBuildError

from .js_helpers import VIEWER_EVENT, build, node

CASES = {
    "cjs_timeout0": ("index.js", r"""
let ready = false;
setTimeout(() => { ready = true; }, 0);
exports.handler = async () => ({ status: '200', body: JSON.stringify({ ready }) });
"""),
    "cjs_immediate_chain": ("index.js", r"""
const seen = [];
setImmediate(() => {
  seen.push('immediate');
  Promise.resolve().then(() => seen.push('job after immediate'));
  setTimeout(() => {
    seen.push('timeout set by immediate');
    setImmediate(() => seen.push('immediate set by timeout'));
  }, 0);
});
process.nextTick(() => seen.push('tick'));
exports.handler = async () => ({ status: '200', body: JSON.stringify(seen) });
"""),
    "cjs_far_and_interval": ("index.js", r"""
let far = false;
let ticks = 0;
let soon = 0;
setTimeout(() => { far = true; }, 60000);
setInterval(() => { ticks++; }, 5000);
for (const ms of [1, 5, 20]) setTimeout(() => { soon += ms; }, ms);
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  callback(null, { status: '200', body: JSON.stringify({ far, ticks, soon }) });
};
"""),
    "cjs_promisified": ("index.js", r"""
const util = require('util');
const sleep = util.promisify(setTimeout);
let state = 'loading';
sleep(10).then(() => { state = 'warmed'; });
exports.handler = async () => ({ status: '200', body: JSON.stringify({ state }) });
"""),
    "esm_await_timeout0": ("index.mjs", r"""
await new Promise((r) => setTimeout(r, 0));
export const handler = async () => ({ status: '200', body: JSON.stringify({ loaded: true }) });
"""),
    "esm_await_sleeps": ("index.mjs", r"""
import { setTimeout as sleep, setImmediate as immediate } from 'timers/promises';
const steps = [];
steps.push(await sleep(50, 'slept'));
steps.push(await immediate('immediate'));
let ticks = 0;
await new Promise((resolve) => {
  const poll = setInterval(() => { if (++ticks === 3) { clearInterval(poll); resolve(); } }, 20);
});
steps.push(`ticks ${ticks}`);
let after = false;
setTimeout(() => { after = true; }, 0);  // set once the await is over: it runs before the first event too
export const handler = async () => ({ status: '200', body: JSON.stringify({ steps, after }) });
"""),
}

NODE_HARNESS = r"""
const path = require('path');
const { pathToFileURL } = require('url');
(async () => {
  const [dir, file] = process.argv.slice(-2);
  const full = path.join(dir, file);
  const mod = file.endsWith('.mjs') ? await import(pathToFileURL(full)) : require(full);
  await new Promise((r) => setTimeout(r, 100));  // the first event
  const event = %s;
  const result = await new Promise((resolve, reject) => {
    const context = { callbackWaitsForEmptyEventLoop: true };
    const p = mod.handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (p && typeof p.then === 'function') p.then(resolve, reject);
  });
  console.log(JSON.stringify(result));
  process.exit(0);
})();
""" % json.dumps(VIEWER_EVENT)


def _package(root: Path, name: str) -> Path:
    file, source = CASES[name]
    src = root / name
    src.mkdir()
    (src / file).write_text(source.lstrip())
    return src


def _invoke(wasm: Path) -> dict:
    from edge.runtime import FunctionConfig

    from .js_helpers import quick_runtime

    fn = quick_runtime().function(wasm.read_bytes(), FunctionConfig(name="toplevel-timers"))
    try:
        outcome = fn.invoke(json.dumps(VIEWER_EVENT).encode(), None)
        assert outcome.ok, (outcome.error, outcome.message, outcome.logs[:5])
        return outcome.value
    finally:
        fn.close()


@pytest.mark.parametrize("name", list(CASES))
def test_timers_set_while_loading_run_as_in_node(name, tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "src").mkdir()
    src = _package(tmp_path / "src", name)
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    in_node = json.loads(node(str(harness), str(src), CASES[name][0]))
    at_edge = _invoke(build(name, tmp_path / "out", source=src))
    assert at_edge == in_node


def test_the_cases_test_what_they_say(tmp_path):  # type: ignore[no-untyped-def]
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    (tmp_path / "src").mkdir()
    body = lambda name: json.loads(json.loads(node(str(harness), str(_package(tmp_path / "src", name)),  # noqa: E731
                                                    CASES[name][0]))["body"])
    assert body("cjs_timeout0") == {"ready": True}
    assert body("cjs_far_and_interval") == {"far": False, "ticks": 0, "soon": 26}
    assert body("esm_await_sleeps")["after"] is True


def _build_error(tmp_path: Path, file: str, source: str) -> str:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / file).write_text(source)
    with pytest.raises(JsBuildError) as info:
        build("failing", tmp_path / "out", source=src)
    return str(info.value)


def test_a_top_level_await_past_the_init_limit_fails_the_build_naming_the_timer(tmp_path):  # type: ignore[no-untyped-def]
    message = _build_error(tmp_path, "index.mjs", "await new Promise(function later(r) { setTimeout(r, 60000); });\n"
                                                  "export const handler = async () => ({ status: '200' });\n")
    assert "the ES module never finished evaluating" in message
    assert "setTimeout(r, 60000)" in message or "setTimeout(<anonymous>, 60000)" in message
    assert "10 s" in message


def test_a_timer_that_throws_while_loading_fails_the_build(tmp_path):  # type: ignore[no-untyped-def]
    message = _build_error(tmp_path, "index.js", "setTimeout(function warm() { throw new Error('warm-up failed'); }, 0);\n"
                                                 "exports.handler = async () => ({ status: '200' });\n")
    assert "setTimeout(warm, 1), set while the function loaded, threw" in message
    assert "warm-up failed" in message


def test_it_fails_the_build_even_when_the_function_listens_for_uncaught_exceptions(tmp_path):  # type: ignore[no-untyped-def]
    """Lambda's runtime installs its own 'uncaughtException' listener before the function loads; it
    fails the start (an init error) whatever listeners the function adds."""
    message = _build_error(tmp_path, "index.js", "process.on('uncaughtException', () => {});\n"
                                                 "setTimeout(() => { throw new Error('boom at load'); }, 0);\n"
                                                 "exports.handler = async () => ({ status: '200' });\n")
    assert "set while the function loaded, threw" in message and "boom at load" in message
    assert "whatever 'uncaughtException' listeners it has" in message


def test_an_endless_immediate_chain_does_not_hang_the_build(tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.js").write_text(r"""
let n = 0;
(function again() { n++; setImmediate(again); })();
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  callback(null, { status: '200', body: JSON.stringify({ n }) });
};
""")
    body = json.loads(_invoke(build("endless", tmp_path / "out", source=src))["body"])
    assert 1000 < body["n"] <= 100_001
    message = _build_error(tmp_path / "esm", "index.mjs", "(function again() { setImmediate(again); })();\n"
                                                          "await new Promise((r) => setTimeout(r, 10));\n"
                                                          "export const handler = async () => ({ status: '200' });\n")
    assert "100,000 timers and immediates fired" in message


def test_a_top_level_wait_takes_virtual_time_only(tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.mjs").write_text(r"""
const before = performance.now();
await new Promise((r) => setTimeout(r, 3000));
const waited = performance.now() - before;
export const handler = async () => ({ status: '200', body: JSON.stringify({ waited }) });
""")
    assert json.loads(_invoke(build("waits", tmp_path / "out", source=src))["body"]) == {"waited": 3000}


def test_without_timers_nothing_changes(tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.js").write_text("exports.handler = async () => ({ status: '200', body: String(typeof setTimeout) });\n")
    assert _invoke(build("plain", tmp_path / "out", source=src))["body"] == "function"
    shutil.rmtree(src)
