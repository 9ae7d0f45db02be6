"""JavaScript functions through the real server: handler styles at every hook, context, errors,
limits (the hostile catalogue in JS), isolation, ES modules, console logs and an upload of
JavaScript source through the admin API."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, Runtime
from edge.runtime.invoker import INLINE_FUEL

from .control_helpers import SITE, ControlServer
from .js_helpers import JS, build
from .polling import eventually
from .test_samples import make_event, viewer_request

HOOKS = ("viewer_request", "origin_request", "origin_response", "viewer_response")
STYLES = {"callback": "index.callback", "async": "index.asyncStyle", "promise": "index.promise"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> ControlServer:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("js-build")
    functions, behaviors = [], []
    for style, handler in STYLES.items():
        wasm = build("styles", out, handler)
        for hook in HOOKS:
            name = f"{style}-{hook.replace('_', '-')}"
            functions.append(f'[functions.{name}]\nsource = "{wasm}"\n')
            behaviors.append(f'[[behaviors]]\npath = "/{style}/{hook}/*"\norigin = "echo"\ncache = "disabled"\n{hook} = "{name}"\n')
    hostile = build("hostile", out)
    functions.append(f'[functions.hostile]\nsource = "{hostile}"\nlimits = {{ fuel = 400000000, memory_bytes = 33554432, timeout_ms = 3000 }}\n')
    functions.append(f'[functions.hostile-reuse]\nsource = "{hostile}"\nisolation = "reuse"\n')
    # the same limits with the longest viewer timeout: its fuel runs out first even when a busy
    # machine (the parallel suite) gives the loop a fraction of a core
    functions.append(f'[functions.hostile-fuel]\nsource = "{hostile}"\nlimits = {{ fuel = 400000000, memory_bytes = 33554432, timeout_ms = 5000 }}\n')
    # the same code with fuel to spare and a short timeout: a busy loop meets the wall-clock timeout
    functions.append(f'[functions.hostile-slow]\nsource = "{hostile}"\nlimits = {{ fuel = 100000000000, timeout_ms = 300 }}\n')
    functions.append(f'[functions.sync-return]\nsource = "{build("styles", out, "index.syncReturn")}"\n')
    functions.append(f'[functions.form-replace]\nsource = "{build("form-replace", out)}"\n')
    functions.append(f'[functions.esm]\nsource = "{build("esm", out)}"\n')
    behaviors.append('[[behaviors]]\npath = "/hostile/*"\norigin = "site"\ncache = "disabled"\nviewer_request = "hostile"\n')
    behaviors.append('[[behaviors]]\npath = "/reuse/*"\norigin = "site"\ncache = "disabled"\nviewer_request = "hostile-reuse"\n')
    behaviors.append('[[behaviors]]\npath = "/fuel/*"\norigin = "site"\ncache = "disabled"\nviewer_request = "hostile-fuel"\n')
    behaviors.append('[[behaviors]]\npath = "/slow/*"\norigin = "site"\ncache = "disabled"\nviewer_request = "hostile-slow"\n')
    behaviors.append('[[behaviors]]\npath = "/sync/*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "sync-return"\n')
    behaviors.append('[[behaviors]]\npath = "/form/*"\norigin = "echo"\ncache = "disabled"\n'
                     'methods = ["GET", "HEAD", "POST"]\nviewer_request = { function = "form-replace", include_body = true }\n')
    behaviors.append('[[behaviors]]\npath = "/esm/*"\norigin = "site"\ncache = "disabled"\nviewer_request = "esm"\n')
    manifest = tmp_path_factory.mktemp("js-manifest") / "manifest.toml"
    manifest.write_text(
        f'[origins.site]\nroot = "{SITE}"\nindex = "index.html"\n\n[origins.echo]\ntype = "echo"\n\n' + "\n".join(functions) + "\n" + "\n".join(behaviors)
        + '\n[[behaviors]]\npath = "*"\norigin = "site"\n'
    )
    # the operator has not asked for error details on pages: a function error must not show there
    srv = ControlServer(manifest, tmp_path_factory.mktemp("js-state"), debug_errors=False).start()
    yield srv
    srv.stop()


def logs_for(server: ControlServer, function: str, request_id: str) -> list[dict]:
    r = server.admin.get("/v1/logs", params={"function": function, "request_id": request_id})
    return r.json()["records"]


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("hook", HOOKS)
def test_handler_styles_at_every_hook(server, style, hook):
    r = server.edge.get(f"/{style}/{hook}/x")
    assert r.status_code == 200, r.text
    expected = f"{style}:{hook.replace('_', '-')}"
    if hook.endswith("response"):
        assert r.headers["x-style"] == expected
    else:  # request hooks: the changed request reached the (echo) origin
        assert [expected] == [v for k, v in r.json()["headers"] if k.lower() == "x-style"]


def test_request_hook_changes_reach_the_origin(server):
    r = server.admin.post("/v1/functions/async-viewer-request/invoke",
                          content=(Path(__file__).parents[1] / "samples/events/viewer-request.json").read_bytes())
    out = r.json()
    assert out["ok"], out
    headers = out["result"]["headers"]
    assert headers["x-style"] == [{"key": "X-Style", "value": "async:viewer-request"}]
    name, version, same_id, remaining, waits = headers["x-context"][0]["value"].split("|")
    assert (name, version, same_id, remaining, waits) == ("async-viewer-request", "1", "true", "true", "true")


def test_es_module_with_builtins_and_relative_imports(server):
    r = server.edge.get("/esm/x", params={"text": "hello"})
    assert r.status_code == 200 and r.text == "HELLO! xx"


@pytest.mark.parametrize("mode,kind,message", [
    ("throw", "handler_error", "boom from the handler"),
    ("reject", "handler_error", "rejected on purpose"),
    ("callbackError", "handler_error", "callback error"),
])
def test_function_errors_are_503_with_message_and_stack_in_the_log(server, mode, kind, message):
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 503 and "LambdaExecutionError" in r.headers["x-cache"]
    assert message not in r.text  # never on the viewer's page
    records = logs_for(server, "hostile", r.headers["x-amz-cf-id"])
    text = "\n".join(rec["message"] for rec in records)
    assert message in text and "Invoke Error" in text
    if mode in ("throw", "reject"):
        assert "/var/task/index.js" in text  # the stack, with Lambda's paths


@pytest.mark.parametrize("mode,log_line", [
    ("floating", 'Unhandled Promise Rejection \t{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"Error: nobody waits for me"'),
    ("timerThrows", 'Uncaught Exception \t{"errorType":"Error","errorMessage":"thrown in a timer"'),
    # a function's own listener does not stop it: Lambda's runtime has its own, which fails the invocation
    ("listened", 'Unhandled Promise Rejection \t{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"Error: a rejection someone listens for"'),
])
def test_unhandled_rejections_and_uncaught_exceptions_fail_the_invocation(server, mode, log_line):
    """As in Lambda's Node.js runtime: a rejection nothing handles once the jobs have run, or an
    exception thrown by a timer, ends the invocation as a function error, logged in Lambda's format."""
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 503 and "LambdaExecutionError" in r.headers["x-cache"]
    text = "\n".join(rec["message"] for rec in logs_for(server, "hostile", r.headers["x-amz-cf-id"]))
    assert log_line in text and "/var/task/index.js" in text


@pytest.mark.parametrize("mode,body", [
    ("handledLater", "caught: handled a moment later"),  # a handler attached before the jobs ran out
])
def test_rejections_handled_in_time(server, mode, body):
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 200 and r.text == body


def test_a_rejection_nothing_handles_while_loading_fails_the_build(tmp_path):
    from edge.js.build import JsBuildError

    (tmp_path / "index.js").write_text("Promise.reject(new Error('at load time'));\nexports.handler = async () => ({});\n")
    with pytest.raises(JsBuildError) as failure:
        build("rejects-at-load", tmp_path / "out", source=tmp_path)
    assert "rejected while the function loaded" in str(failure.value) and "at load time" in str(failure.value)


@pytest.mark.parametrize("mode,rule", [
    ("badShape", "must be an object"),
    ("badHeaders", "must be an array"),
])
def test_bad_result_shapes_are_502_naming_the_rule(server, mode, rule):
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 502 and rule in r.text


def test_unserializable_result_is_an_error(server):
    r = server.edge.get("/hostile/x", params={"mode": "circular"})
    assert r.status_code == 503
    text = "\n".join(rec["message"] for rec in logs_for(server, "hostile", r.headers["x-amz-cf-id"]))
    assert "cannot be serialized to JSON" in text


@pytest.mark.parametrize("path,mode,message", [
    ("/hostile/x", "never", "The handler returned a promise that never settled"),
    ("/hostile/x", "nothing", "The handler returned without calling its callback"),
    # a callback-style handler that returns its result: Lambda ignores the value (the old message
    # said it "neither called its callback nor returned a value", which was wrong)
    ("/hostile/x", "syncValue", "The handler returned a value that is not a promise and never called its callback"),
    ("/sync/x", None, "The handler returned a value that is not a promise and never called its callback"),
])
def test_no_result_is_null_and_cloudfront_refuses_it(server, path, mode, message):
    """As in Lambda's Node.js runtime: once nothing is left to run, a handler that never called back
    nor settled a promise has the result null (a non-promise return value, even from a plain 1- or
    2-argument handler, does not count), which CloudFront refuses with a 502; the log says why."""
    r = server.edge.get(path, params={"mode": mode} if mode else None)
    assert r.status_code == 502 and "LambdaValidationError" in r.headers["x-cache"]
    function = "sync-return" if path.startswith("/sync") else "hostile"
    records = logs_for(server, function, r.headers["x-amz-cf-id"])
    warnings = [rec["message"] for rec in records if rec["level"] == "WARN"]
    assert len(warnings) == 1 and warnings[0].startswith(message), records
    if mode != "never":
        assert "Make the handler async" in warnings[0] and "callback(null, result)" in warnings[0]
    assert any("must be an object type" in rec["message"] for rec in records if rec["level"] == "ERROR"), records


@pytest.mark.parametrize("mode,pending", [
    # set a moment after the invocation started (real time passes before the handler's line runs)
    ("sleep", r"setTimeout\(<anonymous>, 10000\) was still pending, due 100\d\d ms into the invocation"),
    ("interval", r"setInterval\(<anonymous>, 1\) was still pending"),
    ("intervalAfterCallback", "callbackWaitsForEmptyEventLoop is true"),
])
def test_timers_past_the_timeout_fail_the_invocation_as_a_timeout_does(server, mode, pending):
    """Virtual time meets the function's timeout (3 s here): a timer due later, or an interval still
    running after the callback while the invocation waits for the event loop, ends the invocation at
    once, answered as a wall-clock timeout is, with Lambda's 'Task timed out' naming the timer."""
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 503 and "LambdaExecutionError" in r.headers["x-cache"]
    records = logs_for(server, "hostile", r.headers["x-amz-cf-id"])
    errors = [rec["message"] for rec in records if rec["level"] == "ERROR"]
    assert len(errors) == 2 and errors[1] == "timeout: as logged above", records  # the host's line does not repeat it
    assert "Task timed out after 3.00 seconds: " in errors[0] and re.search(pending, errors[0]), records
    report = next(rec["message"] for rec in records if rec["level"] == "REPORT")
    assert "Status: error=timeout" in report  # its kind is a timeout's, not handler_error
    assert "out_of_fuel" not in report  # an interval no longer burns the whole budget
    fuel = int(report.split("Fuel: ")[1].split()[0].lstrip(">="))
    assert fuel < 100_000_000
    wall_clock = server.edge.get("/slow/x", params={"mode": "loop"})  # a real timeout, for comparison
    assert (wall_clock.status_code, wall_clock.headers["x-cache"]) == (r.status_code, r.headers["x-cache"])
    assert any("timeout" in rec["message"] for rec in logs_for(server, "hostile-slow", wall_clock.headers["x-amz-cf-id"])
               if rec["level"] == "REPORT")


@pytest.mark.parametrize("mode,body", [
    ("withinTimeout", "1000"),  # remaining time follows virtual time: 3000 - 2000, less what really elapsed
    ("intervalNoWait", "called back without waiting"),
])
def test_timers_within_the_timeout_or_not_waited_for(server, mode, body):
    r = server.edge.get("/hostile/x", params={"mode": mode})
    assert r.status_code == 200, r.text
    if mode == "withinTimeout":
        assert 500 <= int(r.text) <= 1000  # (what really elapsed is small, but not nil on a busy machine)
    else:
        assert r.text == body


@pytest.mark.parametrize("mode,kind", [("loop", "out_of_fuel"), ("memory", "memory_limit")])
def test_hostile_functions_end_with_their_error_kind(server, mode, kind):
    r = server.edge.get("/fuel/x", params={"mode": mode})
    assert r.status_code == 503
    reports: list[str] = []

    def reported() -> bool:  # the REPORT line may reach the log store just after the answer
        reports[:] = [rec["message"] for rec in logs_for(server, "hostile-fuel", r.headers["x-amz-cf-id"])
                      if rec["level"] == "REPORT"]
        return bool(reports)

    assert eventually(reported, timeout=5), "no REPORT line"
    assert kind in reports[0], reports
    errors = [rec["message"] for rec in logs_for(server, "hostile-fuel", r.headers["x-amz-cf-id"]) if rec["level"] == "ERROR"]
    assert errors and not any("error code" in message for message in errors), errors  # the engine's code is no reason
    assert server.edge.get("/index.html").status_code == 200  # the server is unharmed


def test_unbounded_recursion_is_a_catchable_range_error(server):
    r = server.edge.get("/hostile/x", params={"mode": "catchRecursion"})
    assert r.status_code == 200 and r.text.startswith("RangeError"), r.text
    uncaught = server.edge.get("/hostile/x", params={"mode": "recursion"})
    assert uncaught.status_code == 503


def test_reuse_keeps_module_state_and_per_request_does_not(server):
    fresh = {server.edge.get("/hostile/x", params={"mode": "counter"}).text for _ in range(3)}
    assert fresh == {"1"}
    kept = [int(server.edge.get("/reuse/x", params={"mode": "counter"}).text) for _ in range(3)]
    assert kept == sorted(kept) and kept[-1] - kept[0] == 2


def test_math_random_differs_in_every_fresh_instance(server):
    values = {server.edge.get("/hostile/x", params={"mode": "random"}).text for _ in range(5)}
    assert len(values) == 5


def test_console_lines_at_their_levels(server, tmp_path):
    builtins = build("builtins", tmp_path)
    server.deploy("console-fn", builtins.read_bytes())
    event = (Path(__file__).parents[1] / "samples/events/viewer-request.json").read_text().replace('"uri": "/"', '"uri": "/console"')
    out = server.admin.post("/v1/functions/console-fn/invoke", content=event).json()
    assert out["ok"], out
    lines = [(rec["level"], rec["message"]) for rec in out["logs"] if rec["level"] not in ("START", "END", "REPORT")]
    levels = [level for level, _ in lines]
    assert levels == ["INFO", "INFO", "WARN", "ERROR", "DEBUG"], lines
    assert lines[0][1] == "log line { nested: { deep: { deeper: [Object] } } } [ 1, 2 ]"
    assert lines[2][1] == "warn Map(1) { 1 => 2 }"
    assert lines[3][1].startswith("error Error: shown with its stack\n    at ")


def test_err_stack_starts_with_name_and_message_as_in_node(server, tmp_path):
    """console.log(err.stack) shows `Error: boom` and then the frames, as Node (QuickJS keeps the frames only)."""
    builtins = build("builtins", tmp_path)
    server.deploy("stack-fn", builtins.read_bytes())
    event = (Path(__file__).parents[1] / "samples/events/viewer-request.json").read_text().replace('"uri": "/"', '"uri": "/stack"')
    out = server.admin.post("/v1/functions/stack-fn/invoke", content=event).json()
    assert out["ok"], out
    [line] = [rec["message"] for rec in out["logs"] if rec["level"] == "INFO"]
    first, frame = line.split("\n")[:2]
    assert first == "Error: boom" and frame.startswith("    at ") and "/var/task/index.js" in line


def test_the_invoke_error_log_keeps_lambdas_shape(server):
    """One `Name: message` line then the frames, as Lambda's Node.js runtime logs a handler's error."""
    r = server.edge.get("/hostile/x", params={"mode": "throw"})
    [text] = [rec["message"] for rec in logs_for(server, "hostile", r.headers["x-amz-cf-id"]) if "Invoke Error" in rec["message"]]
    record = json.loads(text.split("\t", 1)[1])
    assert list(record) == ["errorType", "errorMessage", "stack"]
    assert (record["errorType"], record["errorMessage"]) == ("TypeError", "boom from the handler")
    assert record["stack"][0] == "TypeError: boom from the handler"
    assert record["stack"][1].startswith("    at ") and "/var/task/index.js" in record["stack"][1]
    assert all(line.startswith("    at ") for line in record["stack"][1:])


def test_javascript_uploads_are_built_by_the_server(server):
    source = (JS / "esm" / "index.mjs").read_text()
    single = "exports.handler = async () => ({ status: '200', body: 'from a single file' });\n"
    deployed = server.deploy("uploaded-js", single.encode())
    assert deployed["version"] == 1
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.js", "const lib = require('./lib/util');\nexports.main = (e, c, cb) => cb(null, { status: '200', body: lib.say() });\n")
        zf.writestr("lib/util.js", "exports.say = () => 'from a zip';\n")
    r = server.admin.post("/v1/functions/uploaded-js/versions", content=archive.getvalue(), params={"handler": "app.main"})
    assert r.status_code == 201, r.text
    server.associate("/uploaded/*", "uploaded-js:2")
    assert server.edge.get("/uploaded/x").text == "from a zip"
    bad = server.admin.post("/v1/functions/uploaded-js/versions", content=b"const x = require('dgram');\nexports.handler = 1;\n",
                            params={"filename": "index.js"})
    assert bad.status_code == 422 and "index.js:1:11: Error: Cannot find module 'dgram'" in bad.json()["error"]["message"]
    missing = server.admin.post("/v1/functions/uploaded-js/versions", content=b"require('aws-sdk'); exports.handler = () => {};",
                                params={"filename": "index.js"})
    assert missing.status_code == 422 and "aws-sdk" in missing.json()["error"]["message"]
    assert source  # the ES module source above is also a valid upload


def test_a_changed_manifest_handler_rebuilds_the_function(tmp_path):
    """The module records the handler it was built for: a manifest naming another one rebuilds it
    on the next start, though no source changed."""
    import shutil

    from .conftest import Edge

    source = tmp_path / "styles"
    shutil.copytree(JS / "styles", source)
    served = []
    for handler in ("index.callback", "index.asyncStyle"):
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.styled]\nsource = "{source}"\n'
                            f'handler = "{handler}"\n\n[[behaviors]]\npath = "*"\norigin = "echo"\n'
                            'cache = "disabled"\nviewer_request = "styled"\n')
        edge = Edge(manifest, tmp_path / "state")
        edge.server.start()
        try:
            served += [v for k, v in edge.get("/x").json()["headers"] if k.lower() == "x-style"]
        finally:
            edge.close()
    assert served == ["callback:viewer-request", "async:viewer-request"]


def test_two_functions_from_one_package_with_different_handlers_keep_their_own_modules(tmp_path):
    """One package exporting a handler per hook, named twice in a manifest: each handler is
    built to a module of its own (they overwrote one file, so every start rebuilt both and a
    worker could read the module built for the other handler), and a second start builds
    neither again."""
    from .conftest import Edge

    source = tmp_path / "abtest"
    source.mkdir()
    (source / "index.js").write_text(
        "const answer = (who) => async () => ({ status: '200', body: who });\n"
        "exports.viewerRequest = answer('viewer-request export');\n"
        "exports.originRequest = answer('origin-request export');\n")
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        '[origins.echo]\ntype = "echo"\n\n'
        f'[functions.first]\nsource = "{source}"\nhandler = "index.viewerRequest"\n\n'
        f'[functions.second]\nsource = "{source}"\nhandler = "index.originRequest"\n\n'
        '[[behaviors]]\npath = "/a"\norigin = "echo"\ncache = "disabled"\nviewer_request = "first"\n\n'
        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "second"\n')
    built: dict[str, float] = {}
    for start in range(2):
        edge = Edge(manifest, tmp_path / "state")
        edge.server.start()
        try:
            assert edge.get("/a").text == "viewer-request export"
            assert edge.get("/b").text == "origin-request export"
        finally:
            edge.close()
        modules = {p.name: p.stat().st_mtime for p in (source / "build").glob("*.wasm")}
        assert sorted(modules) == ["abtest.index-originRequest.wasm", "abtest.index-viewerRequest.wasm"]
        if start:
            assert modules == built  # nothing rebuilt on the second start
        built = modules


def test_javascript_upload_without_the_toolchain_is_422_saying_what_to_install(server, monkeypatch, tmp_path):
    import sys

    monkeypatch.setenv("EDGE_JS_CACHE", str(tmp_path / "no-engine-built-here"))
    monkeypatch.setitem(sys.modules, "ziglang", None)  # as if the `build` extra were not installed
    r = server.admin.post("/v1/functions/no-toolchain/versions", params={"filename": "index.js"},
                          content=b"exports.handler = async () => ({ status: '200' });\n")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "js_toolchain_missing"
    assert "pip install 'edge-wasm[build]'" in error["message"] and "upload the .wasm" in error["message"]
    assert server.admin.get("/v1/functions/no-toolchain").status_code == 404  # nothing was created


@pytest.mark.parametrize("module,reason", [
    ("node:dgram", ": they cannot make network calls"),
    ("child_process", ": they cannot start processes or threads"),
    ("vm", ""),  # simply not in the Node layer: no reason to give (os was, until it became a built-in)
])
def test_a_missing_builtin_is_a_warning_and_fails_the_build_when_required_while_loading(tmp_path, module, reason):
    """The build warns, naming the file and line, why (a filesystem, the network, processes, or simply
    not provided) and what there is (stream included); the require() runs at the top level, so it
    throws while the function loads and the build fails there, saying where."""
    from edge.js.build import JsBuildError, build_js

    (tmp_path / "index.js").write_text(f"const m = require('{module}');\nexports.handler = async () => ({{}});\n")
    warnings: list[str] = []
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm", log=warnings.append)
    assert len(warnings) == 1, warnings
    assert f"index.js:1: module '{module}' is a Node.js built-in that edge functions do not have{reason}; " in warnings[0]
    assert "(" not in warnings[0].split("; require(")[0]  # one sentence, no aside repeating it
    assert f"require('{module}') there throws (MODULE_NOT_FOUND) if it runs" in warnings[0]
    assert "stream, stream/consumers, stream/promises" in warnings[0]
    assert failure.value.summary.startswith(
        f"index.js:1:11: Error: Cannot find module '{module}': it is a Node.js built-in that edge functions do not have{reason}")


def test_a_replaced_body_over_the_cap_is_truncated_as_on_aws(server):
    """A form over 40 KB reaches the viewer-request function truncated; re-serialised, it comes out a
    little longer than the cap. AWS truncates such a replacement body rather than refusing it, so the
    origin gets its first 40,960 bytes (it was a 502 naming the size rule)."""
    form = "a=" + "x" * 45_000
    r = server.edge.post("/form/submit", content=form, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    body = r.json()["body"]
    assert len(body.encode()) == 40 * 1024
    assert body.startswith("a=xxxx") and "seen=" not in body  # the function's addition fell past the cap
    small = server.edge.post("/form/submit", content="a=1&b=2")
    assert small.json()["body"] == "a=1&b=2&seen=whole"



def test_a_virtual_timeout_is_a_timeout_that_is_neither_retried_nor_counted_as_spinning(tmp_path):
    """The guest reports it with the ABI's reserved code: kind `timeout`, but not over budget (an
    inline attempt is not repeated on a thread with the full limits) and not a guest timeout that
    would shrink the function's concurrency like one that burned CPU until stopped."""
    wasm = build("hostile", tmp_path)
    runtime = Runtime()
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="hostile", limits=Limits(timeout_ms=3000)))
    event = json.dumps(make_event("viewer-request", viewer_request(querystring="mode=sleep"))).encode()
    for budget in (INLINE_FUEL, None):  # inline on the event loop, then with the full limits
        outcome = fn.invoke(event, budget)
        assert outcome.error is ErrorKind.TIMEOUT and outcome.guest_timeout, outcome
        assert not outcome.over_budget
        assert outcome.message.startswith("Task timed out after 3.00 seconds: ") and "error code" not in outcome.message
    fn.close()
