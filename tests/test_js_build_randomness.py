"""Random bytes drawn while a JavaScript function is built.

The top level runs once, at build time, and every instance starts from that snapshot. A package
that keeps a pool of random bytes (nanoid, uuid) and is first called at the top level put the
same pool in every instance: each one handed out the same "random" IDs. The engine keeps the
pools (buffers of 128 bytes or more) filled at build time and refills them when an instance
starts, as every Lambda execution environment runs the top level with its own randomness; a
smaller draw (a seed the top level built a table with) keeps its value, and the build warns
that those and values already made from any draw are shared.
"""

from __future__ import annotations

import json

from edge.js.build import build_js
from edge.runtime import FunctionConfig, Runtime

from .test_samples import make_event, viewer_request

POOLED = """'use strict';
const crypto = require('crypto');
// a pool as nanoid and uuid keep one: filled when it runs out, read without a new draw
const pool = Buffer.allocUnsafe(256);
let offset = pool.length;
function id() {
  if (offset + 8 > pool.length) { crypto.randomFillSync(pool); offset = 0; }
  offset += 8;
  return pool.subarray(offset - 8, offset).toString('hex');
}
const BOOT = id(); // warming the package at the top level fills the pool while the function is built
// a seed the top level builds on (a hash table keyed with it): it must keep its value
const seed = crypto.getRandomValues(new Uint32Array(4));
const table = new Map([[`k${seed[0]}`, 'found']]);
exports.handler = async () => ({ status: '200', body: JSON.stringify({ boot: BOOT, id: id(), pool: pool.toString('hex'),
  lookup: table.get(`k${seed[0]}`) || 'lost', seed: Array.from(seed) }) });
"""


def build(tmp_path, source: str):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.js").write_text(source)
    warnings: list[str] = []
    wasm = build_js(src, out=tmp_path / "fn.wasm", log=warnings.append)
    return wasm.read_bytes(), warnings


def answers(runtime: Runtime, compiled, isolation: str, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    fn = runtime.function(compiled, FunctionConfig(name="pooled", isolation=isolation))
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
    runtime = Runtime()
    compiled = runtime.load(wasm)  # compiled once; each function below has its own instances
    fresh = answers(runtime, compiled, "per-request", 5)
    assert len({a["id"] for a in fresh}) == 5, fresh  # each instance its own pool (one ID for all before)
    assert len({a["boot"] for a in fresh}) == 1  # a value made at the top level is the snapshot's
    # a small draw (a seed, a key) keeps its value: what the top level built on it still works
    assert {a["lookup"] for a in fresh} == {"found"} and len({str(a["seed"]) for a in fresh}) == 1
    warm = answers(runtime, compiled, "reuse", 3)
    assert len({a["id"] for a in warm}) == 3
    assert len({a["pool"] for a in warm}) == 1, warm  # refilled once, when the instance started
    assert warm[0]["pool"] != fresh[0]["pool"]
    [warning] = [w for w in warnings if "random" in w]
    assert "the top level drew random bytes while the function was built (2 times, first at id (/var/task/index.js:7:" in warning
    assert "refills the buffers of 128 bytes or more (a package's random pool)" in warning
    assert "smaller draws (a seed, a key, an ID)" in warning and "make them in the handler" in warning


def test_a_function_that_draws_nothing_at_the_top_level_builds_without_the_warning(tmp_path):
    _, warnings = build(tmp_path, "const c = require('crypto');\n"
                                     "exports.handler = async () => ({ status: '200', body: c.randomUUID() });\n")
    assert not [w for w in warnings if "random" in w], warnings
