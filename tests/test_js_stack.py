"""Stack exhaustion is a catchable `RangeError: Maximum call stack size exceeded`, as in Node,
never a wasm trap: at run time (JSON.parse of an untrusted body nested a million deep trapped,
the edge answered 503) and while the function is built (unbounded recursion at the top level,
even inside try/catch, failed the build with Wizer's Rust backtrace). QuickJS measures its linear
stack; edge/js/engine.py's STACK_CHARGES keep that a conservative measure of wasmtime's native
stack on every recursive path (bench/README.md, finding J13). Real builds and invocations; the
message is compared with real Node's wherever Node throws too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import JsBuildError, _load_failure, build_js

from .js_helpers import VIEWER_EVENT, node

MESSAGE = "RangeError: Maximum call stack size exceeded"
# name: code run at run time (and at the top level), evaluating to the thing to throw
CASES = {
    "recursion": "(function f(n) { return f(n + 1) + 1; })(0)",
    "json_parse": "JSON.parse('['.repeat(1e6) + ']'.repeat(1e6))",
    "json_parse_object": "JSON.parse('{\"a\":'.repeat(1e5) + '1' + '}'.repeat(1e5))",
    "json_stringify": "(() => { let a = []; for (let i = 0; i < 1e5; i++) a = [a]; return JSON.stringify(a); })()",
    "regexp": "new RegExp('(?:'.repeat(1e5) + 'a' + ')'.repeat(1e5))",
    "eval_array": "eval('['.repeat(1e5) + ']'.repeat(1e5))",
    "eval_parens": "eval('('.repeat(1e5) + '1' + ')'.repeat(1e5))",
    "eval_functions": "eval('(function(){return '.repeat(2e4) + '1' + '})()'.repeat(2e4))",
    "eval_blocks": "eval('{'.repeat(1e5) + '}'.repeat(1e5))",
    "new_function": "new Function('return ' + '['.repeat(1e5) + ']'.repeat(1e5))",
    "map": "(function g(n) { return [0].map(() => g(n + 1))[0]; })(0)",
    "apply": "(function h(n) { return h.apply(null, [n + 1]); })(0)",
    "getter": "(() => { const o = { get x() { return o.x; } }; return o.x; })()",
    "value_of": "(() => { const o = { valueOf() { return +o; } }; return +o; })()",
    "proxy_chain": "(() => { let p = {}; for (let i = 0; i < 1e5; i++) p = new Proxy(p, {}); return p.x; })()",
    "flat": "(() => { let a = [1]; for (let i = 0; i < 1e5; i++) a = [a]; return a.flat(Infinity); })()",
    "array_to_string": "(() => { let a = []; for (let i = 0; i < 1e5; i++) a = [a]; return String(a); })()",
    "generator": "(() => { function* g() { yield* g(); } return [...g()]; })()",
    "structured_clone": "(() => { let a = {}; for (let i = 0; i < 1e5; i++) a = { a }; return structuredClone(a); })()",
}
# where Node does not overflow (V8's JSON.parse, regexp parser, flat and bound chains are not recursive)
NODE_SUCCEEDS = {"json_parse", "json_parse_object", "regexp", "flat", "structured_clone"}
DEPTH = "function f(n) { return n ? f(n - 1) + 1 : 0; }\n" \
        "function depth() { let lo = 0, hi = 1e6; while (lo < hi) { const mid = (lo + hi + 1) >> 1; " \
        "try { f(mid); lo = mid; } catch (e) { hi = mid - 1; } } return lo; }\n"


def _source(top_level: bool) -> str:
    cases = ",\n".join(f"  {name}: () => {code}" for name, code in CASES.items())
    run = ("const results = {};\nfor (const [name, run] of Object.entries(cases)) {\n"
           "  try { run(); results[name] = 'no error'; } catch (e) { results[name] = String(e); }\n}\n")
    if top_level:
        return f"const cases = {{\n{cases}\n}};\n{run}{DEPTH}const buildDepth = depth();\n" \
               "exports.handler = async () => ({ status: '200', body: JSON.stringify({ results, buildDepth }) });\n"
    return f"const cases = {{\n{cases}\n}};\n{DEPTH}exports.handler = async () => {{\n{run}" \
           "  return { status: '200', body: JSON.stringify({ results, depth: depth() }) };\n};\n"


def _invoke(wasm: Path, tmp: Path) -> dict:
    event = tmp / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event), "--fuel", "100000000000"])
    assert result.exit_code == 0, result.output
    return json.loads(json.loads(result.stdout)["body"])


@pytest.fixture(scope="module")
def node_results(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("node") / "cases.js"
    src.write_text(_source(top_level=False))
    return json.loads(node("-e", f"require({json.dumps(str(src))}).handler().then(r => console.log(r.body))"))


@pytest.mark.parametrize("top_level", [False, True], ids=["run-time", "build-time"])
def test_stack_exhaustion_is_a_catchable_range_error(top_level, node_results, tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "index.js"
    src.write_text(_source(top_level))
    got = _invoke(build_js(src, out=tmp_path / "f.wasm"), tmp_path)  # a trap at the top level fails the build
    for name in CASES:
        assert got["results"][name] == MESSAGE, (name, got["results"][name])
        if name not in NODE_SUCCEEDS:
            assert node_results["results"][name] == MESSAGE, (name, node_results["results"][name])
    # useful depth: Node 20 reaches ~11,000 frames of f; the engine ~1,500 in a request (a 2 MiB
    # native stack) and ~330 while the function is built (Wizer's 512 KiB)
    if top_level:
        assert got["buildDepth"] >= 250, got
    else:
        assert got["depth"] >= 1200, got
        assert node_results["depth"] > got["depth"]


def test_uncaught_at_the_top_level_is_a_build_error_with_its_place(tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "index.js"
    src.write_text("exports.handler = async () => ({ status: '200' });\nfunction f() { return f() + 1; }\nf();\n")
    with pytest.raises(JsBuildError) as info:
        build_js(src, out=tmp_path / "f.wasm")
    assert str(info.value).startswith(f"index.js:2:23: {MESSAGE}\n    at f (/var/task/index.js:2:23)"), str(info.value)
    assert "backtrace" not in str(info.value).lower()


def test_a_deeply_nested_literal_fails_the_build_as_node_fails_to_parse_it(tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "index.js"
    src.write_text("exports.handler = async () => ({ status: '200' });\nvar a = " + "[" * 100000 + "]" * 100000 + ";\n")
    with pytest.raises(JsBuildError) as info:
        build_js(src, out=tmp_path / "f.wasm")
    assert str(info.value).splitlines()[0] == MESSAGE, str(info.value)
    with pytest.raises(Exception) as failed:
        node(str(src))
    assert MESSAGE in failed.value.stderr  # type: ignore[attr-defined]


# Wizer 10's stderr when the engine trapped while the function loaded (the engine before this fix,
# `function f(n){return f(n+1)+1}` in a try at the top level): no trap is left to reproduce it with
WIZER_TRAP = """Error: the `wizer.initialize` function trapped

Caused by:
    0: error while executing at wasm backtrace:
           0:  0x4c0eb - <unknown>!<wasm function 458>
        1059: 0x10c269 - <unknown>!<wasm function 1489>
    1: wasm trap: call stack exhausted

Stack backtrace:
   0: anyhow::error::<impl core::convert::From<E> for anyhow::Error>::from
   1: wasmtime::runtime::trap::from_runtime_box
   3: wizer::Wizer::initialize
  12: _start
"""


def test_a_trap_while_building_is_one_line_without_wizers_backtrace():  # type: ignore[no-untyped-def]
    error = _load_failure(WIZER_TRAP)
    assert str(error).startswith("pre-initialising the function failed: wasm trap: call stack exhausted"), str(error)
    assert "\n" not in str(error) and "anyhow" not in str(error) and "wasm function" not in str(error)
