"""A JavaScript function's built module is made again when what it is made of is newer than it:
its sources, the Node layer, and the engine (its C sources, the headers and the edits
engine.py puts into QuickJS). `edge invoke DIR` and `edge build` reuse `build/` otherwise: a
module built before an engine change kept running the old engine."""

from __future__ import annotations

import os
import time

from edge.js import build as js_build
from edge.js import engine


def test_a_newer_engine_makes_the_module_stale(tmp_path, monkeypatch):
    src = tmp_path / "fn"
    src.mkdir()
    (src / "index.js").write_text("exports.handler = async () => ({ status: '200' });\n")
    wasm = js_build.build_js(src)
    assert not js_build.needs_build(src, wasm)

    # only the engine's parts stand in the layer: each made older, then one newer, than the module
    now = time.time()
    os.utime(wasm, (now, now))
    edits = tmp_path / "engine.py"  # stands in for engine.py, the QuickJS edits
    edits.write_text("# edits\n")
    os.utime(edits, (now - 10, now - 10))
    monkeypatch.setattr(engine, "__file__", str(edits))
    monkeypatch.setattr(engine, "OWN_SOURCES", ())
    monkeypatch.setattr(engine, "QUICKJS_INCLUDES", ())
    monkeypatch.setattr(js_build, "NODE", tmp_path / "no-layer")
    assert not js_build.needs_build(src, wasm)
    os.utime(edits, (now + 10, now + 10))  # the edits changed after the build
    assert js_build.needs_build(src, wasm)
    header = tmp_path / "error_messages.h"
    header.write_text("/* */\n")
    os.utime(edits, (now - 10, now - 10))
    os.utime(header, (now + 10, now + 10))
    monkeypatch.setattr(engine, "QUICKJS_INCLUDES", (header,))
    assert js_build.needs_build(src, wasm)
