"""A queueMicrotask or process.nextTick callback that throws is an uncaught exception, as in Node:
the process's 'uncaughtException' (on Lambda the runtime's listener fails the invocation with the
error, logging `Uncaught Exception {...}`), as a timer's callback that throws already was here.
QuickJS only reported such a throw to the engine, which logged it and went on: the invocation
answered as if nothing had happened.

Each handler runs in real Node 20 under a harness that stands for Lambda's runtime (what its
'uncaughtException' listener gets, or the handler's result), and at the edge through `edge invoke`
(the failure's Lambda log line, or the result)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import JsBuildError, build_js

from .js_helpers import VIEWER_EVENT, node
from .test_js_builtins_more import package

HANDLERS = {
    "queueMicrotask": """
exports.handler = async () => {
  queueMicrotask(() => { throw new Error('x'); });
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: 'survived' };
};
""",
    "nextTick": """
exports.handler = async () => {
  process.nextTick(() => { throw new TypeError('from a tick'); });
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: 'survived' };
};
""",
    "nextTick with args, callback handler": """
exports.handler = (event, context, callback) => {
  process.nextTick((a, b) => { throw new RangeError(`bad ${a} ${b}`); }, 1, 2);
  setTimeout(() => callback(null, { status: '200', body: 'survived' }), 10);
};
""",
    "after an await": """
exports.handler = async () => {
  await null;
  queueMicrotask(() => { const e = new Error('later'); e.code = 'E_LATER'; throw e; });
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: 'survived' };
};
""",
    "inside a timer": """
exports.handler = async () => {
  await new Promise((r) => setTimeout(() => { process.nextTick(() => { throw new Error('tick in timer'); }); r(); }, 5));
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: 'survived' };
};
""",
    "the function's own listener": """
process.on('uncaughtException', (err, origin) => console.error(`heard ${err.message} (${origin})`));
exports.handler = async () => {
  queueMicrotask(() => { throw new Error('not taken'); });
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: 'survived' };
};
""",
    "caught inside": """
exports.handler = async () => {
  const seen = [];
  queueMicrotask(() => { try { throw new Error('caught'); } catch (e) { seen.push(e.message); } });
  queueMicrotask(() => seen.push('next'));
  process.nextTick(() => { try { throw new Error('caught in a tick'); } catch (e) { seen.push(e.message); } });
  await new Promise((r) => setTimeout(r, 10));
  return { status: '200', body: JSON.stringify(seen.sort()) }; // (Node runs ticks before other microtasks)
};
""",
    "not a function": """
exports.handler = async () => {
  const out = [];
  for (const v of [1, 'f', undefined]) {
    try { queueMicrotask(v); } catch (e) { out.push([e.name, e.code, e.message]); }
  }
  return { status: '200', body: JSON.stringify(out) };
};
""",
}

# Lambda's runtime, in short: its 'uncaughtException' listener, installed before the function loads,
# fails the invocation with the error whatever listeners the function adds (those run too, after it)
LAMBDA = r"""
const path = process.argv[1];
let done = false;
let failed = null;
const finish = (o) => { if (!done) { done = true; console.log(JSON.stringify(failed || o)); process.exit(0); } };
process.on('uncaughtException', (err) => {
  if (failed === null) { failed = { uncaught: [err.name, err.message] }; setTimeout(finish, 0); }
});
const { handler } = require(path);
const callback = (err, result) => setTimeout(() => finish(err ? { error: String(err) } : { result }), 50);
const r = handler({}, {}, callback);
if (r && typeof r.then === 'function') r.then((result) => finish({ result }), (err) => finish({ error: String(err) }));
"""


def in_node(source) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(node("-e", LAMBDA, str(source / "index.js")))


def at_the_edge(source, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    wasm = build_js(source, out=tmp_path / "f.wasm")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    if result.exit_code == 0:
        return {"result": json.loads(result.stdout)}
    found = re.search(r"Uncaught Exception \t(\{.*\})", result.output)
    assert found, result.output
    record = json.loads(found.group(1))
    return {"uncaught": [record["errorType"], record["errorMessage"]], "log": result.output}


@pytest.mark.parametrize("name", list(HANDLERS))
def test_a_microtask_that_throws_is_an_uncaught_exception_as_in_node(name, tmp_path):  # type: ignore[no-untyped-def]
    source = package(tmp_path / "fn", {"index.js": HANDLERS[name]})
    expected = in_node(source)
    got = at_the_edge(source, tmp_path)
    if "uncaught" in expected:
        assert got.get("uncaught") == expected["uncaught"], got
        assert "handler_error" in got["log"]  # the invocation failed, as Lambda's runtime fails it
        if name == "the function's own listener":  # called too, after the runtime's line
            assert got["log"].index("Uncaught Exception") < got["log"].index("heard not taken (uncaughtException)")
    else:
        assert "result" in got, got
        assert got["result"]["body"] == expected["result"]["body"], (got, expected)


def test_the_cases_test_what_they_say(tmp_path):  # type: ignore[no-untyped-def]
    results = {name: in_node(package(tmp_path / str(i), {"index.js": text}))
               for i, (name, text) in enumerate(HANDLERS.items())}
    assert results["queueMicrotask"] == {"uncaught": ["Error", "x"]}
    assert results["nextTick"] == {"uncaught": ["TypeError", "from a tick"]}
    assert results["nextTick with args, callback handler"] == {"uncaught": ["RangeError", "bad 1 2"]}
    assert results["the function's own listener"] == {"uncaught": ["Error", "not taken"]}
    assert results["not a function"]["result"]["body"].count("ERR_INVALID_ARG_TYPE") == 3


def test_one_while_the_function_loads_fails_the_build(tmp_path):  # type: ignore[no-untyped-def]
    """Node would exit before the first event (a timer's callback that throws fails the build too)."""
    source = package(tmp_path / "fn", {"index.js": """
process.nextTick(() => { throw new Error('at load'); });
exports.handler = async () => ({ status: '200' });
"""})
    with pytest.raises(JsBuildError, match="process.nextTick callback threw while the function loaded.*at load"):
        build_js(source, out=tmp_path / "f.wasm")
