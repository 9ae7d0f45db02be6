"""A JavaScript handler's failure reads as it does on Lambda's Node.js runtime, with nothing of ours
in it: the failure message is the logged `Invoke Error {...}` line alone (no `(error code -1)` after
it: the JavaScript runtime returns the ABI's reserved GUEST_FAILED_AS_LOGGED, docs/abi.md), an ES
module's frames are file URLs (`file:///var/task/index.mjs:2:9`) where a CommonJS file's are paths,
as in Node, and the Node layer's frames beneath the handler (the runtime that called it) are left
out. Each handler runs through `edge invoke`, and under real Node, as Lambda's runtime calls it;
the records are compared (QuickJS counts columns differently: frames are compared by function
name, file and line)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.logs import LogStore
from edge.runtime import ErrorKind, FunctionConfig
from edge.runtime.outcome import GUEST_FAILED_AS_LOGGED, LogLine, Outcome

from . import modules as M
from .control_helpers import ControlServer
from .js_helpers import build, quick_runtime
from .test_js_porting import EVENT
from .test_js_stacks import (
    IN_NODE,  # Node calling the handler as Lambda's runtime does, printing the failure
)
from .test_js_stacks import event_file as _event_file

event_file = _event_file  # the fixture (the Lambda@Edge event in a file, for edge invoke), shared

FRAME = re.compile(r"^ {4}at (\S+) \(((?:file://)?/[^\s()]+):(\d+):\d+\)$")

# name: (the source's body, whether the engine's message is V8's). Each is written into a CommonJS
# (index.js, `exports.handler = ...`) and an ES module (index.mjs, `export const handler = ...`) handler.
BODIES = {
    "sync-error": ("""function (event, context, callback) {
  const uri = event.Records[0].cf.request.uri;
  throw new Error(`no route for ${uri}`);
}""", True),
    "async-error": ("""async (event) => {
  await null;
  throw new RangeError('after an await');
}""", True),
    "sync-throw-in-async": ("""async (event) => {
  throw new Error('before any await');
}""", True),
    "type-error": ("""async (event) => {
  const request = event.Records[0].cf.request;
  return request.notAFunction();
}""", True),  # V8 and the engine: `request.notAFunction is not a function`
    "string": ("""async (event) => {
  throw 'a plain string';
}""", True),
    "callback-string": ("""(event, context, callback) => {
  callback('denied');
}""", True),
}
CASES = [(module, body) for module in ("cjs", "esm") for body in BODIES]

def source(module: str, body: str) -> tuple[str, str]:
    if module == "esm":
        return "index.mjs", f"export const handler = {body};\n"
    return "index.js", f"exports.handler = {body};\n"


def frames(stack: list[str], root: str) -> list[tuple[str, str, int]]:
    """(name, location with the package's directory as /var/task, line) of the frames in it."""
    found = []
    for line in stack[1:]:
        m = FRAME.match(line)
        if m and root + "/" in m.group(2):
            found.append((m.group(1), m.group(2).replace(root + "/", "/var/task/"), int(m.group(3))))
    return found


@pytest.mark.parametrize("module,body", CASES)
def test_a_failing_handler_is_logged_as_on_lambda_with_nothing_of_ours(module, body, tmp_path, event_file):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    text, same_message = BODIES[body]
    package = tmp_path / "fn"
    package.mkdir()
    filename, code = source(module, text)
    (package / filename).write_text(code)

    result = CliRunner().invoke(cli, ["invoke", str(package), "--event", str(event_file)])
    assert result.exit_code == 1, result.output
    logged = [line for line in result.stderr.splitlines() if line.startswith("ERROR\tInvoke Error \t")]
    assert len(logged) == 1, result.stderr
    said = logged[0].split("\t", 1)[1]
    # the failure's message is the logged line, and only it: printed once, then referred to
    assert said and "error: handler_error: as logged above" in result.stderr.splitlines(), result.stderr
    assert "error code" not in result.stderr
    edge = json.loads(said.split("\t", 1)[1])

    out = subprocess.run([node, "-e", IN_NODE, str(package / filename), json.dumps(EVENT)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    expected = json.loads(out)
    if not isinstance(expected, dict):  # a thrown string: Lambda logs the value itself, `"a plain string"`
        assert edge == expected
        return
    assert list(edge) == list(expected) == ["errorType", "errorMessage", "stack"]
    assert edge["errorType"] == expected["errorType"]
    if same_message:
        assert edge["errorMessage"] == expected["errorMessage"]
    assert edge["stack"][0] == f"{edge['errorType']}: {edge['errorMessage']}"
    # every frame is the user's: none of the layer's (`dispatch (node:internal/boot:...)`), none native
    assert edge["stack"][1:] and all(FRAME.match(line) for line in edge["stack"][1:]), edge["stack"]
    where = "file:///var/task/" if module == "esm" else "/var/task/"
    assert all(f"({where}{filename}:" in line for line in edge["stack"][1:]), edge["stack"]
    # the same frames as Node's for the function's file: name, path or URL, line
    assert frames(edge["stack"], "/var/task") == frames(expected["stack"], str(package)), (edge["stack"], expected["stack"])


# What Lambda's runtime logs beyond a plain Error: an Error's code and own enumerable properties (an
# Error among them formatted alike), a subclass's own name, any other value as JSON.stringify gives it
# (a number, an object that only looks like an Error), and for what JSON cannot hold (a cycle) the
# name, message and trace alone.
RECORDS = {
    "properties": """async () => {
  throw Object.assign(new Error('expired'), { code: 'ERR_JWT_EXPIRED', claim: 'exp', cause: new TypeError('inner') });
}""",
    "subclass": """async () => {
  class AuthError extends Error { constructor(m) { super(m); this.name = 'AuthError'; this.status = 401; } }
  class Expired extends AuthError {}
  throw new Expired('no token');
}""",
    "number": "async () => Promise.reject(42)",
    "aggregate": "async () => Promise.any([Promise.reject(new Error('first')), Promise.reject(new Error('second'))])",
    "object": "(event, context, callback) => callback({ message: 'not an Error', detail: 1 })",
    "cycle": """async () => {
  const err = new Error('looped');
  err.self = err;
  throw err;
}""",
}


@pytest.mark.parametrize("body", RECORDS)
def test_the_logged_record_holds_what_lambdas_runtime_logs(body, tmp_path, event_file):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    (tmp_path / "index.js").write_text(f"exports.handler = {RECORDS[body]};\n")
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event_file)])
    logged = [line for line in result.stderr.splitlines() if line.startswith("ERROR\tInvoke Error \t")]
    assert len(logged) == 1, result.stderr
    edge = json.loads(logged[0].split("\t", 2)[2])
    script = IN_NODE.replace("JSON.parse(JSON.stringify(err, (key, v)", "JSON.parse(stringified(err, (key, v)")
    script = "const stringified = (e, f) => { try { return JSON.stringify(e, f); } catch (x) { return JSON.stringify(" \
             "{ errorType: e.name, errorMessage: e.message, trace: e.stack.split('\\n') }); } };\n" + script
    out = subprocess.run([node, "-e", script, str(tmp_path / "index.js"), json.dumps(EVENT)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    expected = json.loads(out)
    if not isinstance(expected, dict):
        assert edge == expected
        return
    assert list(edge) == list(expected), (edge, expected)
    stacks = [key for key in expected if key in ("stack", "trace")]
    for key in stacks:
        assert edge[key][0] == expected[key][0]
        # the same frames: a subclass's constructors are not among them (V8 starts at new.target's caller)
        assert [f.split(" (")[0] for f in edge[key][1:] if "index.js" in f] == \
            [f.split(" (")[0] for f in expected[key][1:] if "index.js" in f]
    if "cause" in expected:
        assert {k: v for k, v in edge["cause"].items() if k != "stack"} == \
            {k: v for k, v in expected["cause"].items() if k != "stack"}
        assert edge["cause"]["stack"][0] == expected["cause"]["stack"][0]
    same = [key for key in expected if key not in (*stacks, "cause")]
    assert {k: edge[k] for k in same} == {k: expected[k] for k in same}


def test_frames_of_the_function_stay_around_the_layers_own(tmp_path, event_file):
    """Only the layer's frames beneath the function's last frame go: a built-in calling back into
    the function (an EventEmitter's emit) keeps its frame between the function's, as Node's does;
    an error made in a timer's callback ends at that callback (the timers' loop is the runtime's)."""
    (tmp_path / "index.mjs").write_text("""import { EventEmitter } from 'events';
const emitter = new EventEmitter();
emitter.on('go', () => { throw new Error('from a listener'); });
export const handler = async (event) => {
  if (event.timer) return new Promise(() => setTimeout(function tick() { throw new Error('in a timer'); }, 1));
  emitter.emit('go');
};
""")
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event_file)])
    logged = [line for line in result.stderr.splitlines() if line.startswith("ERROR\tInvoke Error \t")]
    stack = json.loads(logged[0].split("\t", 2)[2])["stack"]
    # as Node's: the listener an anonymous method of the emitter, the handler Lambda's Runtime's
    assert stack[1].startswith("    at EventEmitter.<anonymous> (file:///var/task/index.mjs:3:"), stack  # the listener
    assert re.fullmatch(r" {4}at EventEmitter\.emit \(node:internal/boot:\d+:\d+\)", stack[-2]), stack  # the emitter's frame
    assert stack[-1].startswith("    at Runtime.handler (file:///var/task/index.mjs:6:"), stack  # and nothing beneath
    timer_event = tmp_path / "timer.json"
    timer_event.write_text(json.dumps({**EVENT, "timer": True}))
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(timer_event)])
    logged = [line for line in result.stderr.splitlines() if line.startswith("ERROR\tUncaught Exception \t")]
    assert len(logged) == 1, result.stderr
    stack = json.loads(logged[0].split("\t", 2)[2])["stack"]
    assert len(stack) == 2 and FRAME.match(stack[1]).group(1, 2) == ("tick", "file:///var/task/index.mjs"), stack
    assert "error code" not in result.stderr


def test_err_stack_read_by_the_function_has_no_frame_of_ours(tmp_path, event_file):
    """What the function reads itself (`err.stack`, console.error(err)) ends at its own frames too."""
    (tmp_path / "index.js").write_text("""exports.handler = async (event) => {
  const err = new Error('caught');
  console.error(err);
  return { status: '200', body: err.stack };
};
""")
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event_file)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["body"] == "Error: caught\n    at exports.handler (/var/task/index.js:2:19)"
    assert "node:internal" not in result.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-errors-src")
    out = tmp_path_factory.mktemp("js-errors-build")
    functions, behaviors = [], []
    for module in ("cjs", "esm"):
        package = src / module
        package.mkdir()
        filename, code = source(module, BODIES["sync-throw-in-async"][0])
        (package / filename).write_text(code)
        wasm = build(module, out, source=package)
        functions.append(f'[functions.{module}]\nsource = "{wasm}"\n')
        behaviors.append(f'[[behaviors]]\npath = "/{module}/*"\norigin = "site"\ncache = "disabled"\n'
                         f'viewer_request = "{module}"\n')
    manifest = tmp_path_factory.mktemp("js-errors-manifest") / "manifest.toml"
    manifest.write_text('[origins.site]\ntype = "echo"\n\n' + "\n".join(functions) + "\n" + "\n".join(behaviors)
                        + '\n[[behaviors]]\npath = "*"\norigin = "site"\n')
    srv = ControlServer(manifest, tmp_path_factory.mktemp("js-errors-state")).start()  # details on the page
    yield srv
    srv.stop()


@pytest.mark.parametrize("module", ["cjs", "esm"])
def test_the_error_page_and_edge_logs_show_the_error_alone(server, module):
    r = server.edge.get(f"/{module}/x")
    assert r.status_code == 503 and "LambdaExecutionError" in r.headers["x-cache"]
    records = server.admin.get("/v1/logs", params={"function": module, "request_id": r.headers["x-amz-cf-id"]}).json()["records"]
    errors = [rec["message"] for rec in records if rec["level"] == "ERROR"]
    assert len(errors) == 2 and errors[0].startswith("Invoke Error \t"), records
    assert errors[1] == "handler_error: as logged above", records  # `edge logs`: no code to add to the line
    where = "file:///var/task/index.mjs" if module == "esm" else "/var/task/index.js"
    assert json.loads(errors[0].split("\t", 1)[1])["stack"][1:] == [
        f"    at {'Runtime.handler' if module == 'esm' else 'exports.handler'} ({where}:2:13)"]
    # the page's detail (--debug-errors): the hook, the function and the logged line, nothing after it
    detail = re.search(r"viewer-request function [^\n]*", html.unescape(r.text)).group(0)
    assert re.fullmatch(rf"viewer-request function {module}:\S+: handler_error: {re.escape(errors[0])}", detail), detail
    assert "error code" not in r.text and "node:internal" not in r.text


def test_the_reserved_code_drops_the_code_and_any_other_keeps_it():
    """The ABI level: a reactor returning GUEST_FAILED_AS_LOGGED (-500) is reported with its last
    ERROR line alone; any other negative code (a C or Zig function's own) follows that line."""
    runtime = quick_runtime()
    logging = {"imports": '(import "edge" "log" (func $log (param i32 i32 i32)))',
               "extra": '(data (i32.const 64) "bad input: 42")'}
    for code, message in [(GUEST_FAILED_AS_LOGGED, "bad input: 42"), (-7, "bad input: 42 (error code -7)"),
                          (-1, "bad input: 42 (error code -1)")]:
        wat = M.reactor(f"(call $log (i32.const 3) (i32.const 64) (i32.const 13))\n    (i64.const {code})", **logging)
        out = runtime.function(wat, FunctionConfig(name="t")).invoke(json.dumps(EVENT).encode())
        assert (out.error, out.message) == (ErrorKind.HANDLER_ERROR, message)
    silent = runtime.function(M.reactor(f"(i64.const {GUEST_FAILED_AS_LOGGED})"), FunctionConfig(name="t")).invoke(json.dumps(EVENT).encode())
    assert silent.error is ErrorKind.HANDLER_ERROR and "error code" not in silent.message
    store = LogStore()
    said = 'Invoke Error \t{"errorType":"Error","errorMessage":"boom","stack":[]}'
    store.record_invocation("f", "1", "rid", "viewer-request",
                            Outcome(error=ErrorKind.HANDLER_ERROR, message=said, logs=[LogLine("ERROR", said)]))
    assert [r.message for r in store.query("f", "rid") if r.level == "ERROR"] == [said, "handler_error: as logged above"]
