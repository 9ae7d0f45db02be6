"""Build warnings for what the top level reads while the function is built that differs when it
runs: process.env names unset then (the environment is set only when the handler runs; Lambda sets
it before the module loads), the clock (the snapshot keeps the build's time), and Intl or the
toLocale...String()/localeCompare() methods named in the sources (no ICU). Each names the first
place in the function's own files; node_modules is left alone (packages read NODE_ENV and the
clock as they load), as are reads in the handler. The same sources still build the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

from edge.js.build import build_js
from edge.runtime import FunctionConfig, Limits, Runtime

from .test_samples import make_event, viewer_request

TOP_LEVEL = """const lib = require('lib');
const REGION = process.env.AWS_REGION;
const FN = process.env.AWS_LAMBDA_FUNCTION_NAME;
process.env.MINE = 'set at the top level';
const mine = process.env.MINE + ('MINE' in process.env);
const STARTED = new Date().toISOString(); const DEBUG = process.env.NODE_DEBUG;  // a bundled package's debug switch
// Intl is named in this comment only
exports.handler = async (event) => ({ status: '200', body: JSON.stringify({ REGION, FN, mine, lib,
  region: process.env.AWS_REGION, now: Date.now() > 0, n: (1234.5).toLocaleString() }) });
"""
LIBRARY = "module.exports = { dev: process.env.NODE_ENV !== 'production', t: Date.now() > 0, d: new Date().getTime() > 0 };\n"
QUIET = """const lib = require('lib');
const EPOCH = new Date(0).toISOString();
const GENERIC = Date.prototype.toJSON.call({ toISOString: () => 'not a date' });  // generic, as in Node
exports.handler = async (event) => ({ status: '200', body: JSON.stringify({ lib, EPOCH, GENERIC, at: new Date().toISOString(),
  region: process.env.AWS_REGION, sorted: ['b', 'a'].sort() }) });
"""


def package(root: Path, source: str) -> Path:
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / "node_modules" / "lib" / "index.js").write_text(LIBRARY + "const s = (1).toLocaleString();\n")
    (root / "index.js").write_text(source)
    return root


def built(tmp_path: Path, source: str, name: str = "fn") -> tuple[Path, list[str]]:
    warnings: list[str] = []
    root = package(tmp_path / name, source)
    wasm = build_js(root, out=tmp_path / f"{name}.wasm", log=warnings.append)
    return wasm, [w.removeprefix(f"warning: {root}: ") for w in warnings]


def answer(wasm: Path) -> dict:
    fn = Runtime().function(wasm.read_bytes(), FunctionConfig(name="warned", limits=Limits()))
    try:
        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/x"))).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message)
    return json.loads(outcome.value["body"])


def test_top_level_reads_that_differ_at_run_time_are_warned_about(tmp_path):
    wasm, warnings = built(tmp_path, TOP_LEVEL)
    assert len(warnings) == 3, warnings
    locale, env, clock = sorted(warnings, key=lambda w: ("toLocale" not in w, "process.env" not in w))
    assert locale == ("index.js:9: uses toLocaleString(), but the engine has no ICU: Intl is absent, the "
                      "toLocale...String() methods ignore locales and options (no digit grouping, dates in UTC) and "
                      "localeCompare() compares code points. Format dates and numbers explicitly (toISOString(), "
                      "toFixed()) and compare strings with < or a table of your own")
    assert ("the top level read process.env.AWS_REGION (index.js:2:16), process.env.AWS_LAMBDA_FUNCTION_NAME "
            "(index.js:3:12) while the function was built, when they are undefined") in env
    assert "MINE" not in env and "NODE_ENV" not in env  # set by the top level itself; read by a package
    assert "NODE_DEBUG" not in env  # a debug switch packages read as they load, also bundled into the function's file
    assert "set only when the handler runs, while Lambda sets it before the module loads. Read process.env inside " \
           "the handler." in env
    assert "the top level read the clock while the function was built (first at index.js:6:28): the snapshot keeps " \
           "the build's time" in clock and "Call Date.now() or new Date() inside the handler." in clock
    body = answer(wasm)  # what was read at the top level is as it was then; the handler reads the environment
    assert "REGION" not in body and "FN" not in body and body["mine"] == "set at the top leveltrue"
    assert body["region"] == "us-east-1" and body["now"] is True and body["lib"]["dev"] is True


def test_reads_in_the_handler_and_in_packages_are_not(tmp_path):
    wasm, warnings = built(tmp_path, QUIET)
    assert warnings == []
    body = answer(wasm)
    assert body["EPOCH"] == "1970-01-01T00:00:00.000Z" and body["region"] == "us-east-1"
    assert body["GENERIC"] == "not a date"
    assert body["at"].endswith("Z") and body["sorted"] == ["a", "b"]


def test_intl_by_name_is_warned_about_and_the_same_sources_build_the_same_bytes(tmp_path):
    source = "const fmt = typeof Intl === 'undefined' ? null : new Intl.NumberFormat('en-US');\n" \
             "exports.handler = async () => ({ status: '200' });\n"
    first, warnings = built(tmp_path, source, "a")
    again, _ = built(tmp_path, source, "b")
    assert len(warnings) == 1 and warnings[0].startswith("index.js:1: uses Intl, but the engine has no ICU: Intl is absent")
    assert first.read_bytes() == again.read_bytes()
