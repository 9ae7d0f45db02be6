"""Micro-benchmark of one invocation: warm `reuse`, `per-request`, first call after loading
a precompiled artifact, and compile vs deserialize. Run: python -m bench.runtime_micro

A trivial handler (echo without logging) gets a ~1 KB event and returns it (~1 KB result).
Timings are medians of repeated runs in one process; see bench/README.md for the method.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from edge.runtime import EngineSettings, FunctionConfig, Runtime
from edge.runtime.capi import WASMTIME_VERSION
from edge.runtime.module import to_wasm

ECHO_NO_LOG = """
(module
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    ;; reset per call: a reactor that reuses its buffer
    (global.set $heap (i32.const 1024))
    (local.get $p))
  (func (export "edge_handle") (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))
"""

SPIN = """
(module
  (memory (export "memory") 2)
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param $n i32) (result i32) (i32.const 1024))
  (func (export "edge_handle") (param $p i32) (param $n i32) (result i64)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const 31))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const ITERATIONS))))
    (i32.store (i32.const 2000) (i32.const 0x7d7b)) ;; "{}" little-endian
    (i64.or (i64.shl (i64.const 2000) (i64.const 32)) (i64.const 2))))
"""

EVENT = json.dumps(
    {"Records": [{"cf": {"config": {"eventType": "viewer-request"}, "request": {"uri": "/" + "x" * 940}}}]}
).encode()


def per_call_us(fn, n: int, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5000, help="invocations per sample")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write results here")
    args = parser.parse_args()

    results: dict[str, float] = {}
    rt = Runtime()
    wasm = to_wasm(ECHO_NO_LOG)

    reuse = rt.function(wasm, FunctionConfig(isolation="reuse"))
    assert reuse.invoke(EVENT).result == EVENT
    results["reuse_invoke_us"] = per_call_us(lambda: reuse.invoke(EVENT), args.n, args.repeats)

    fresh = rt.function(wasm, FunctionConfig(isolation="per-request", prewarm=1))

    def prepared() -> None:  # the request sees an instance prepared ahead; replenish is untimed
        fresh.invoke(EVENT)

    samples = []
    for _ in range(args.repeats):
        total = 0.0
        for _ in range(args.n):
            fresh.replenish()
            t = time.perf_counter()
            prepared()
            total += time.perf_counter() - t
        samples.append(total / args.n * 1e6)
    results["per_request_invoke_us"] = statistics.median(samples)

    def instantiate_and_invoke() -> None:
        fresh.replenish()
        fresh.invoke(EVENT)

    results["per_request_with_instantiation_us"] = per_call_us(instantiate_and_invoke, args.n, args.repeats)

    # As the server runs it: on the event loop with the inline budget, the used instance
    # handed to the invoker and renewed for the next request (finding 32)
    used: list = []

    def inline_and_renew() -> None:
        fresh.invoke(EVENT, 100_000, used.append)
        for slot in used:
            if not fresh.set_aside(slot):
                slot.delete()
        used.clear()
        fresh.renew_set_aside()
        fresh.replenish(False)

    results["per_request_inline_renewed_us"] = per_call_us(inline_and_renew, args.n, args.repeats)

    # Compile vs deserialize, and first invocation of a freshly loaded precompiled module.
    with tempfile.TemporaryDirectory() as tmp:
        compile_ms = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            Runtime(artifact_dir=None).load(wasm)
            compile_ms.append((time.perf_counter() - t) * 1000)
        results["compile_ms"] = statistics.median(compile_ms)
        Runtime(artifact_dir=tmp).load(wasm)  # writes the artifact
        loader = Runtime(artifact_dir=tmp)
        deser, first = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            compiled = loader.load(wasm)
            t1 = time.perf_counter()
            fn = loader.function(compiled, FunctionConfig(prewarm=0))
            out = fn.invoke(EVENT)
            t2 = time.perf_counter()
            assert compiled.from_artifact and out.ok
            deser.append((t1 - t) * 1000)
            first.append((t2 - t) * 1000)
        results["deserialize_ms"] = statistics.median(deser)
        results["first_invoke_after_artifact_load_ms"] = statistics.median(first)

    # The price of fuel metering and epoch interruption on compute-heavy guest code.
    spin = SPIN.replace("ITERATIONS", "20000000")
    base = None
    for label, settings in (
        ("neither", EngineSettings(fuel=False, epochs=False)),
        ("fuel", EngineSettings(fuel=True, epochs=False)),
        ("epochs", EngineSettings(fuel=False, epochs=True)),
        ("fuel+epochs", EngineSettings()),
    ):
        spinner = Runtime(settings).function(spin, FunctionConfig(isolation="reuse"))
        ms = statistics.median(
            [spinner.invoke(EVENT).duration_ms for _ in range(max(3, args.repeats))]
        )
        base = base or ms
        results[f"spin_20M_{label}_ms"] = ms
        results[f"spin_20M_{label}_slowdown"] = ms / base

    results["pooling"] = float(rt.engine.pooling)
    meta = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "wasmtime": WASMTIME_VERSION,
        "n": args.n,
        "repeats": args.repeats,
        "event_bytes": len(EVENT),
    }
    for key, value in results.items():
        print(f"{key:40s} {value:10.3f}")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
