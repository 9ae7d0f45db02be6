"""A trap's message gives advice that fits the function that trapped (runtime/failures.py).

A C or Zig function's stack comes first in linear memory: outgrowing it is an out-of-bounds
trap, and the message says how edge-build.toml raises the stack. A JavaScript function has no
such setting: deep recursion, also inside the engine's native code (JSON, regular expressions,
sort comparators, toString), is a catchable RangeError; only the engine's own paths past that
check trap (the native stack exhausted, here by a lowered `max_wasm_stack`), and their advice is
about the code's recursion and nesting. Real builds and invocations."""

from __future__ import annotations

import copy
import json

import orjson
import pytest

from edge import toolchain
from edge.runtime import EngineSettings, ErrorKind, FunctionConfig, Limits, Runtime
from edge.runtime.failures import JS_FAULT_HINT, JS_STACK_HINT, STACK_HINT, trap_hint
from edge.runtime.module import built_from_javascript, to_wasm

from . import modules as M
from .js_helpers import VIEWER_EVENT, build
from .test_sdk_c import BIG_STACK_FRAME  # a frame bigger than the default 48 KiB stack

RANGE_ERROR = "RangeError: Maximum call stack size exceeded"
ROOMY = Limits(fuel=20_000_000_000, timeout_ms=60_000)
# recursion through the engine's native code, each caught by the handler
NATIVE_RECURSION = {
    "json_stringify_objects": "let a = {}; for (let i = 0; i < 1e5; i++) a = { a }; JSON.stringify(a);",
    "to_json": "let a = {}; for (let i = 0; i < 1e5; i++) a = { a, toJSON() { return this.a; } }; JSON.stringify(a);",
    "json_parse_reviver": "JSON.parse('['.repeat(1e5) + ']'.repeat(1e5), (k, v) => v);",
    "regexp_lookaheads": "new RegExp('(?='.repeat(1e4) + 'a' + ')'.repeat(1e4)).exec('a');",
    "sort_comparator": "const s = (n) => [2, 1].sort(() => s(n + 1)); s(0);",
    "to_string": "const o = { toString() { return String(o); } }; String(o);",
}
SOURCE = "\n".join([
    "const recurse = (n) => recurse(n + 1) + 1;",
    "const cases = {",
    *(f"  {name}: () => {{ {code} }}," for name, code in NATIVE_RECURSION.items()),
    "};",
    "exports.handler = async (event) => {",
    "  if (event.Records[0].cf.request.uri === '/recurse') recurse(0);",
    "  const results = {};",
    "  for (const [name, run] of Object.entries(cases)) {",
    "    try { run(); results[name] = 'no error'; } catch (e) { results[name] = String(e); }",
    "  }",
    "  return { status: '200', body: JSON.stringify(results) };",
    "};",
    "",
])



def _event(uri: str) -> bytes:
    event = copy.deepcopy(VIEWER_EVENT)
    event["Records"][0]["cf"]["request"]["uri"] = uri
    return json.dumps(event).encode()


@pytest.fixture(scope="module")
def js_wasm(tmp_path_factory) -> bytes:  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("trap-hints-src") / "trap_hints"
    src.mkdir()
    (src / "index.js").write_text(SOURCE)
    return build("trap_hints", tmp_path_factory.mktemp("trap-hints"), source=src).read_bytes()


@pytest.fixture(scope="module", params=["cranelift", "winch"])
def runtime(request):  # type: ignore[no-untyped-def]
    """Both compilers: a deploy serves Winch's code until Cranelift's is ready (tiering)."""
    rt = Runtime(EngineSettings(strategy=request.param))
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def past_the_native_stack(js_wasm):  # type: ignore[no-untyped-def]
    """A JavaScript function recursing on a native stack too small for the engine's own check
    (256 KiB, not 2 MiB): wasmtime's stack runs out before QuickJS throws."""
    rt = Runtime(EngineSettings(max_wasm_stack=256 * 1024))
    fn = rt.function(js_wasm, FunctionConfig(name="deep", limits=ROOMY))
    try:
        yield fn.compiled, fn.invoke(_event("/recurse"))
    finally:
        fn.close()
        rt.close()


def test_the_runtime_knows_a_javascript_function_by_its_builders_note(js_wasm, runtime):
    assert built_from_javascript(js_wasm) and runtime.load(js_wasm).javascript
    assert not built_from_javascript(to_wasm(M.ECHO)) and not runtime.load(M.ECHO).javascript
    assert not built_from_javascript(js_wasm[:12])  # cut short: no section to read


def test_deep_recursion_in_javascript_is_a_range_error_not_a_trap(js_wasm, runtime):
    fn = runtime.function(js_wasm, FunctionConfig(name="deep", limits=ROOMY))
    try:
        caught = fn.invoke(_event("/"))
        uncaught = fn.invoke(_event("/recurse"))
    finally:
        fn.close()
    assert caught.ok, (caught.error, caught.message)
    assert json.loads(caught.value["body"]) == dict.fromkeys(NATIVE_RECURSION, RANGE_ERROR)
    assert uncaught.error is ErrorKind.HANDLER_ERROR and uncaught.trap_code is None, (uncaught.error, uncaught.message)
    assert RANGE_ERROR in uncaught.message


def test_a_javascript_trap_past_the_native_stack_gives_no_c_or_zig_advice(past_the_native_stack):
    compiled, out = past_the_native_stack
    assert compiled.javascript
    assert out.error is ErrorKind.TRAP and out.trap_code == "stack_overflow", (out.error, out.message)
    assert "stack-size" not in out.message and "zigflags" not in out.message, out.message


def test_a_javascript_trap_past_the_native_stack_says_what_to_change_in_the_code(past_the_native_stack):
    _, out = past_the_native_stack
    assert out.message.endswith(JS_STACK_HINT), out.message


def test_a_javascript_out_of_bounds_trap_is_the_engines_fault_not_a_stack_to_raise():
    """No JavaScript function is known to trap out of bounds (the engine's own faults did): the
    C and Zig stack settings would be no answer to one."""
    assert trap_hint("memory_out_of_bounds", javascript=True) == JS_FAULT_HINT
    assert "stack-size" not in JS_FAULT_HINT and "zigflags" not in JS_FAULT_HINT
    assert trap_hint("unreachable", javascript=True) == ""


def test_a_c_function_that_outgrows_its_stack_keeps_the_build_advice(tmp_path, runtime):
    (tmp_path / "main.c").write_text(BIG_STACK_FRAME)
    compiled = runtime.load(toolchain.build(tmp_path).read_bytes())
    assert not compiled.javascript
    fn = runtime.function(compiled, FunctionConfig())
    try:
        out = fn.invoke(orjson.dumps({"Records": []}))
    finally:
        fn.close()
    assert out.error is ErrorKind.TRAP and out.trap_code == "memory_out_of_bounds", (out.error, out.message)
    assert out.message.endswith(STACK_HINT), out.message


@pytest.mark.parametrize(("module", "code", "hint"), [
    (M.OUT_OF_BOUNDS, "memory_out_of_bounds", STACK_HINT),
    (M.RECURSION, "stack_overflow", ""),
], ids=["out-of-bounds", "recursion"])
def test_a_module_not_built_from_javascript_keeps_todays_messages(module, code, hint, runtime):  # type: ignore[no-untyped-def]
    fn = runtime.function(module, FunctionConfig())
    try:
        out = fn.invoke(b"{}")
    finally:
        fn.close()
    assert out.trap_code == code, (out.error, out.message)
    assert out.message.endswith(hint) and JS_STACK_HINT not in out.message and JS_FAULT_HINT not in out.message


def test_a_restart_still_knows_a_javascript_function_loaded_from_its_artifact(tmp_path, js_wasm):
    """A restart loads a version from its compiled artifact, which keeps no custom section: the
    loader reads the stored module's first bytes, so its traps keep the JavaScript advice."""
    import threading

    from edge.control import routing
    from edge.control.plane import ControlPlane
    from edge.control.registry import Registry
    from edge.control.store import Store

    from .control_helpers import manifest_text

    (tmp_path / "m.toml").write_text(manifest_text())

    def plane() -> ControlPlane:
        runtime = Runtime(artifact_dir=tmp_path / "artifacts")
        started = ControlPlane(Store(tmp_path / "store"), runtime, Registry(runtime),
                               routing.load_manifest(str(tmp_path / "m.toml"), set()))
        started.sync()
        return started

    first = plane()
    first.deploy("js", js_wasm)
    first.deploy("wat", to_wasm(M.ECHO))
    for thread in threading.enumerate():  # the optimized artifacts written
        if thread.name.startswith("edge-optimize"):
            thread.join(120)
    first.registry.close()
    first.runtime.close()

    again = plane()
    try:
        js, wat = again.target("js", "1"), again.target("wat", "1")  # loaded as an invoke loads them
        assert js.compiled.from_artifact and js.compiled.javascript
        assert wat.compiled.from_artifact and not wat.compiled.javascript
    finally:
        again.registry.close()
        again.runtime.close()
