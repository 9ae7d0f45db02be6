"""Random bytes drawn while a JavaScript function is built.

The top level runs once, at build time, and every instance starts from that snapshot. A package
that keeps a pool of random bytes (nanoid, uuid) and is first called at the top level put the
same pool in every instance: each one handed out the same "random" IDs. The engine keeps the
buffers filled at build time and refills them when an instance starts, as every Lambda
execution environment runs the top level with its own randomness, and the build warns that
values already made from them are shared.
"""

from __future__ import annotations

import json

from edge.js.build import build_js
from edge.runtime import FunctionConfig, Runtime

from .test_samples import make_event, viewer_request

POOLED = """'use strict';
const crypto = require('crypto');
// a pool as nanoid and uuid keep one: filled when it runs out, read without a new draw
const pool = Buffer.allocUnsafe(64);
let offset = pool.length;
function id() {
  if (offset + 8 > pool.length) { crypto.randomFillSync(pool); offset = 0; }
  offset += 8;
  return pool.subarray(offset - 8, offset).toString('hex');
}
const BOOT = id(); // warming the package at the top level fills the pool while the function is built
exports.handler = async () => ({ status: '200', body: JSON.stringify({ boot: BOOT, id: id(), pool: pool.toString('hex') }) });
"""


def build(tmp_path, source: str):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.js").write_text(source)
    warnings: list[str] = []
    wasm = build_js(src, out=tmp_path / "fn.wasm", log=warnings.append)
    return wasm.read_bytes(), warnings


def answers(wasm: bytes, isolation: str, count: int) -> list[dict]:
    runtime = Runtime()
    fn = runtime.function(wasm, FunctionConfig(name="pooled", isolation=isolation))
    event = json.dumps(make_event("viewer-request", viewer_request())).encode()
    try:
        out = []
        for _ in range(count):
            outcome = fn.invoke(event, None)
            assert outcome.ok, (outcome.error, outcome.message)
            out.append(json.loads(json.loads(outcome.result)["body"]))
        return out
    finally:
        fn.close()


def test_a_pool_filled_at_the_top_level_is_new_in_every_instance(tmp_path):
    wasm, warnings = build(tmp_path, POOLED)
    fresh = answers(wasm, "per-request", 5)
    assert len({a["id"] for a in fresh}) == 5, fresh  # each instance its own pool (one ID for all before)
    assert len({a["boot"] for a in fresh}) == 1  # a value made at the top level is the snapshot's
    warm = answers(wasm, "reuse", 3)
    assert len({a["id"] for a in warm}) == 3
    assert len({a["pool"] for a in warm}) == 1, warm  # refilled once, when the instance started
    assert warm[0]["pool"] != fresh[0]["pool"]
    [warning] = [w for w in warnings if "random" in w]
    assert "the top level drew random bytes while the function was built (1 time, first at id (/var/task/index.js:7:" in warning
    assert "the same in every instance: make them in the handler" in warning


def test_a_function_that_draws_nothing_at_the_top_level_builds_without_the_warning(tmp_path):
    _, warnings = build(tmp_path, "const c = require('crypto');\n"
                                     "exports.handler = async () => ({ status: '200', body: c.randomUUID() });\n")
    assert not [w for w in warnings if "random" in w], warnings
