"""JavaScript uploads through the admin API of a real server on loopback, against what a hostile
tester did: top-level logging held in the worker's memory, a module far past --max-upload-mb,
two looping builds that held up every deploy for two minutes, hostile archives answered 500,
valid JavaScript mis-detected (CommonJS called an ES module, an IIFE bundle called WAT), and
errors naming temporary directories. Every bad input is a 4xx naming the problem."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from edge.control.errors import ControlError
from edge.server import jsupload
from edge.server.jsupload import has_module_syntax, looks_like_wat, upload_kind
from edge.server.uploads import Uploads, UploadSettings

from .control_helpers import ControlServer, generated, manifest_text
from .test_js_archives import HOSTILE, archive
from .test_js_build_limits import PeakRss

MiB = 1024 * 1024
EVENT = (Path(__file__).parents[1] / "samples/events/viewer-request.json").read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uploads-js")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state", max_upload_bytes=16 * MiB).start()
    yield s
    s.stop()


def upload(server, name: str, body: bytes, **params):  # type: ignore[no-untyped-def]
    return server.admin.post(f"/v1/functions/{name}/versions", content=body, params=params)


def invoked(server, name: str) -> dict:  # type: ignore[no-untyped-def]
    out = server.admin.post(f"/v1/functions/{name}/invoke", content=EVENT).json()
    assert out["ok"], out
    return out["result"]


def refused(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code, error
    assert "/tmp" not in error["message"] and "edge-js-" not in error["message"] and "edge-upload-" not in error["message"]
    return error["message"]


# -- what top-level code does at build time ---------------------------------------------------------------


def test_top_level_logging_does_not_take_the_workers_memory(server):
    body = (b"for (let i = 0; i < 256; i++) console.log('x'.repeat(1 << 20));\n"
            b"exports.handler = async () => ({ status: '200', body: 'logged' });\n")
    with PeakRss() as memory:
        r = upload(server, "chatty", body)
    assert r.status_code == 201, r.text
    assert memory.rise < 200 * MiB, memory.rise  # kept whole it was 512 MiB and more (bytes, then text)
    assert invoked(server, "chatty")["body"] == "logged"


def test_a_module_past_the_upload_cap_is_422_whatever_the_memory_setting(server):
    body = (b"globalThis.keep = [];\n"
            b"for (let i = 0; i < 2; i++) { const b = new Uint8Array(16 << 20); b.fill(1); keep.push(b); }\n"
            b"exports.handler = async () => ({ status: '200' });\n")
    r = server.admin.post("/v1/functions/hoarder/versions", content=body,
                          headers={"X-Edge-Settings": json.dumps({"limits": {"memory_bytes": 2147483648}})})
    message = refused(r, 422, "build_failed")
    assert "the built module is larger than the 16 MiB limit for a module" in message, message
    assert server.admin.get("/v1/functions/hoarder").status_code == 404


def test_looping_javascript_builds_do_not_hold_up_other_deploys(server, monkeypatch):
    """Two builds whose top-level code never ends: a third is 503 at once, a WAT deploy goes
    through at once, and the two end as 422 after the upload build time limit."""
    monkeypatch.setattr(jsupload, "UPLOAD_TIMEOUT", 4)
    spin = b"while (true) {}\nexports.handler = async () => ({});\n"
    results: dict[int, httpx.Response] = {}

    def post(i: int) -> None:
        with httpx.Client(base_url=server.admin_url, headers=server.admin.headers, timeout=60) as client:
            while True:  # a probe below may hold a build slot for a moment
                results[i] = client.post(f"/v1/functions/spin{i}/versions", content=spin)
                if results[i].status_code != 503:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while True:  # a probe that holds a build slot only for a moment: an archive refused at once
        busy = upload(server, "probe", b"PK\x03\x04 not an archive", filename="probe.zip")
        if busy.status_code == 503 or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # the two have not started building yet
    message = refused(busy, 503, "uploads_busy")
    assert "2 JavaScript builds are in progress on this worker" in message and busy.headers["retry-after"]
    started = time.monotonic()
    deployed = server.deploy("quick", generated("quick"))
    assert deployed["version"] >= 1 and time.monotonic() - started < 3
    for thread in threads:
        thread.join(30)
    for i in range(2):
        assert "loading the function took longer than 4 s at build time" in refused(results[i], 422, "build_failed")


def test_a_deploy_waiting_for_the_build_budget_gets_503_soon():
    uploads = Uploads(UploadSettings(build_budget=100, queue_wait=0.2))

    async def main() -> None:
        async with uploads.budget(100):
            started = time.monotonic()
            with pytest.raises(ControlError) as refusal:
                async with uploads.budget(10):
                    pass
            assert time.monotonic() - started < 2
        assert (refusal.value.status, refusal.value.code) == (503, "uploads_busy")
        assert refusal.value.headers["Retry-After"]
        async with uploads.budget(100):  # free again
            pass

    asyncio.run(main())


# -- archives and handlers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(set(HOSTILE) - {"too-many-files"}))
def test_a_hostile_archive_is_422_naming_the_problem(server, case):
    make, expected = HOSTILE[case]
    message = refused(upload(server, "hostile-zip", make(), filename="fn.zip"), 422, "build_failed")
    assert message.startswith("the JavaScript function did not build: ") and expected in message, message


def test_an_archive_without_the_default_handler_says_how_to_name_it(server):
    body = archive({"app.js": b"exports.main = async () => ({ status: '200', body: 'app' });\n"})
    message = refused(upload(server, "pkg", body), 422, "build_failed")
    assert ("no index.js, index.mjs or index.cjs at the top of the archive for handler 'index.handler' "
            "(there is app.js): name the handler's file and function, e.g. ?handler=app.handler") in message, message
    assert upload(server, "pkg", body, handler="app.main").status_code == 201
    assert invoked(server, "pkg")["body"] == "app"


def test_the_same_javascript_sent_twice_is_one_version(server):
    """A build depends on the sources only: QuickJS's context seed and time origin, wasi-libc's
    clock() start and the Node layer's clock used to put the build's moment in the snapshot, so
    a retried upload made a second version. Maps, timers and Math.random still work after it."""
    body = (b"const seen = new Map([['a', 1], ['b', 2]]);\n"
            b"const started = performance.now();\n"
            b"exports.handler = async () => ({ status: '200', body: JSON.stringify("
            b"{ map: [...seen], random: typeof Math.random(), early: started <= performance.now() }) });\n")
    first = upload(server, "twice", body, alias="live")
    assert first.status_code == 201, first.text
    again = upload(server, "twice", body, alias="live")
    assert again.status_code == 200 and again.json()["created"] is False, again.text
    assert again.json()["version"] == first.json()["version"] and again.json()["sha256"] == first.json()["sha256"]
    assert json.loads(invoked(server, "twice")["body"]) == {"map": [["a", 1], ["b", 2]], "random": "number", "early": True}


def test_a_single_file_is_named_after_the_handlers_module(server):
    body = b"exports.main = async () => ({ status: '200', body: 'single' });\n"
    assert upload(server, "single", body, handler="app.main").status_code == 201
    assert invoked(server, "single")["body"] == "single"

    # a module name no file system takes: 422 saying so, not a 500 with a traceback
    refused = upload(server, "long", body, handler="m" * 300 + ".main")
    assert refused.status_code == 422 and "at most 255 bytes a name" in refused.text, refused.text
    assert "Traceback" not in refused.text and "/work/" not in refused.text


# -- what an upload is -------------------------------------------------------------------------------------

COMMONJS_WITH_MODULE_WORDS = b"""/*
import { thing } from 'somewhere';
*/
// export default nothing
const usage = `
import handler from './index.js'
export { handler }
`;
exports.handler = async () => ({ status: '200', body: usage.trim().split('\\n')[0] });
"""
IIFE = b"""(function () {
  'use strict';
  exports.handler = async () => ({ status: '200', body: 'iife' });
})();
"""
UMD = b"""(function (root, factory) {
  if (typeof exports === 'object') module.exports = factory(); else root.fn = factory();
}(this, function () { return { handler: async () => ({ status: '200', body: 'umd' }) }; }));
"""


@pytest.mark.parametrize("name,body,params,expected", [
    ("cjs-words", COMMONJS_WITH_MODULE_WORDS, {}, "import handler from './index.js'"),
    ("cjs-words-js", COMMONJS_WITH_MODULE_WORDS, {"filename": "index.js"}, "import handler from './index.js'"),
    ("iife", IIFE, {}, "iife"),
    ("umd", UMD, {}, "umd"),
    ("esm-js", b"export const handler = async () => ({ status: '200', body: 'esm' });\n", {"filename": "x.js"}, "esm"),
])
def test_valid_javascript_is_detected(server, name, body, params, expected):
    r = upload(server, name, body, **params)
    assert r.status_code == 201, r.text
    assert invoked(server, name)["body"] == expected


def test_text_that_is_neither_says_so_and_names_filename(server):
    message = refused(upload(server, "neither", b"(function () { return 1; })();\n"), 400, "not_wasm")
    assert "is not a WebAssembly module" in message and "nor WAT text, nor JavaScript: it is text" in message, message
    assert "?filename=name.js, ?filename=name.mjs or ?filename=name.zip" in message, message
    assert server.admin.get("/v1/functions/neither").status_code == 404


def test_detection_rules():
    assert upload_kind(IIFE, "", None) == "js" and upload_kind(UMD, "", None) == "js"
    assert upload_kind(COMMONJS_WITH_MODULE_WORDS, "", None) == "js"
    assert upload_kind(b"import x from './x.mjs';\nexport const handler = x;\n", "", None) == "mjs"
    assert upload_kind(b"(module (func (export \"x\")))", "", None) is None
    assert upload_kind(b";; a comment\n(; block ;)\n( module)", "", None) is None
    assert upload_kind(b"(func (export \"edge_handle\"))", "", None) is None  # fields without (module ...)
    assert upload_kind(b"hello world", "", None) is None and upload_kind(b"\xff\xfe\x00junk", "", None) is None
    assert upload_kind(b"anything", "text/javascript", None) == "js"
    assert upload_kind(b"export default 1", "", "f.cjs") == "js" and upload_kind(b"x", "", "f.mjs") == "mjs"
    assert looks_like_wat(b";; only a comment so far") and not looks_like_wat(b"(function(){})()")
    for source, module in [
        ("const s = 'export default 1'; exports.handler = 1;", False),
        ("exports.handler = async () => (await import('./x.mjs')).y;", False),
        ("const r = /'`/g; export const handler = 1;", True),
        ("const a = 4 / 2; const b = `x`; export default a", True),
        ("const d = `a ${ `b ${1 + {a: 1}.a}` }\nexport const z = 1`;\nmodule.exports.handler = 1;", False),
        ("const t = `${`${1}`}`\nexport const handler = () => t;", True),
        ("const u = import.meta.url;", True),
        ("import{a}from'b';export{a as handler}", True),
    ]:
        assert has_module_syntax(source.encode()) is module, source
