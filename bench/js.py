"""Scenario 12, JavaScript: the JavaScript twins of the samples beside the same functions in C.

Measured:
- the cold path of a fresh JavaScript instance: instantiate + first call of a trivial handler
  (it returns the request), timed in this process on the server's runtime settings (pooling,
  fuel, epochs), like bench/runtime_micro.py; the C static-content sample and warm (`reuse`)
  calls beside it for scale. Target: median <= 0.5 ms.
- AWS's static-content example as a `per-request` function, `samples/js/static-content`
  against `samples/static-content`, under the default server, interleaved. Target: JS >= 0.5 x C.
- a function at each hook, C and JavaScript, interleaved with the above: ab-testing
  (viewer-request, no cookie: the dice), directory-index (origin-request), security-headers
  (origin-response, and again at viewer-response), all to the benchmark origin, cache off.

Every function is built from `samples/` (C with the toolchain, JavaScript with edge.js) and
deployed through the admin API's upload endpoint as .wasm, like the other scenarios'. Without
the JavaScript toolchain (the `build` extra) the scenario is reported as skipped.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .functions import REPO
from .scenarios import BEHAVIORS, TARGETS, Bench, Outcome, Row, Target

SAMPLES = REPO / "samples"
TARGETS["js_cold"] = ("JS fresh instance + first call of a trivial handler (median, ms)", "<=", 0.5)
TARGETS["js_static"] = ("JS / C throughput, per-request static-content", ">=", 0.5)

TRIVIAL = "'use strict';\nexports.handler = async (event) => event.Records[0].cf.request;\n"
# (label, hook, sample, C route, JavaScript route): one function at one hook, the rest of the
# behavior plain. ab-testing compares the whole URI, so its routes are the ones it answers to.
HOOKS = [
    ("viewer-request: ab-testing", "viewer_request", "ab-testing", "/experiment-pixel.jpg", "/js/experiment-pixel.jpg"),
    ("origin-request: directory-index", "origin_request", "directory-index", "/hooks/or/c/*", "/hooks/or/js/*"),
    ("origin-response: security-headers", "origin_response", "security-headers", "/hooks/ors/c/*", "/hooks/ors/js/*"),
    ("viewer-response: security-headers", "viewer_response", "security-headers", "/hooks/vrs/c/*", "/hooks/vrs/js/*"),
]
STATIC = ("static-content, per-request", "/js-bench/static/c", "/js-bench/static/js")
# The same JavaScript module with `reuse` isolation (a warm instance, as a warm Lambda
# environment): how much of a per-request call is the fresh instance (docs/javascript.md).
REUSE = ("static-content, reuse", "/js-bench/static/js-reuse")


def _build(source: Path) -> bytes:
    from edge.toolchain import build, needs_build, output_path

    wasm = output_path(source)
    if needs_build(source, wasm):
        build(source, out=wasm)
    return wasm.read_bytes()


def _path(route: str) -> str:
    return route.replace("*", "about/")


def s12_javascript(b: Bench, out: Outcome) -> None:
    try:
        from edge.js.build import build_js

        modules = {f"c-{name}": _build(SAMPLES / name) for name in ("static-content", "ab-testing",
                                                                     "directory-index", "security-headers")}
        modules.update({f"js-{name}": _build(SAMPLES / "js" / name) for name in ("static-content", "ab-testing",
                                                                                "directory-index", "security-headers")})
        with tempfile.TemporaryDirectory(prefix="edge-bench-js-") as tmp:
            (Path(tmp) / "index.js").write_text(TRIVIAL)
            trivial = build_js(Path(tmp), out=Path(tmp) / "build" / "trivial.wasm").read_bytes()
    except Exception as exc:  # no toolchain (ziglang, Wizer) here: nothing to compare
        out.notes.append(f"skipped: the JavaScript functions could not be built ({str(exc).splitlines()[0][:200]})")
        b.say(f"    skipped: {str(exc).splitlines()[0][:160]}")
        return
    _cold_path(b, out, trivial, modules["c-static-content"])
    _served(b, out, modules)
    out.notes.append(f"a JavaScript function module is {len(modules['js-static-content']) / 1e6:.2f} MB "
                     f"(the engine's code and the function's memory snapshot); the C static-content "
                     f"{len(modules['c-static-content']) / 1e3:.0f} KB")


def _cold_path(b: Bench, out: Outcome, trivial: bytes, c_static: bytes) -> None:
    """Instantiate + first call, in this process, on the server's runtime settings."""
    from edge.runtime import FunctionConfig, Runtime

    event = (SAMPLES / "events" / "viewer-request.json").read_bytes()
    n = max(50, min(500, int(b.settings.duration * 100)))
    runtime = Runtime()
    results: dict[str, dict[str, Any]] = {}
    try:
        for label, wasm in (("JavaScript (trivial handler)", trivial), ("C (static-content)", c_static)):
            compiled = runtime.load(wasm)
            fresh = runtime.function(compiled, FunctionConfig(isolation="per-request", prewarm=0))
            warm = runtime.function(compiled, FunctionConfig(isolation="reuse"))
            for fn in (fresh, warm):  # page in the code and the pool's slots
                for _ in range(20):
                    assert fn.invoke(event).ok
            cold, hot = [], []
            fuel = 0
            for _ in range(n):  # alternating: a slow patch of the machine hits both
                started = time.perf_counter()
                outcome = fresh.invoke(event)
                cold.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                warm.invoke(event)
                hot.append((time.perf_counter() - started) * 1000)
                fuel = outcome.fuel_used
            results[label] = {"cold": sorted(cold), "warm": sorted(hot), "fuel": fuel}
            fresh.close()
            warm.close()
    finally:
        runtime.close()
    for label, r in results.items():
        cold, hot = r["cold"], r["warm"]
        row = Row(f"{label}: fresh instance + first call", p50_ms=statistics.median(cold),
                  p99_ms=cold[min(len(cold) - 1, int(len(cold) * 0.99))], requests=len(cold),
                  note=f"warm call {statistics.median(hot) * 1000:.0f} µs; {r['fuel']:,} fuel",
                  extra={"lang": "js" if label.startswith("Java") else "c", "kind": "cold",
                         "warm_ms": statistics.median(hot), "fuel": r["fuel"]})
        out.rows.append(row)
        b.say(f"    {label}: fresh instance + first call {row.p50_ms * 1000:.0f} µs (p99 "
              f"{row.p99_ms * 1000:.0f}), warm call {statistics.median(hot) * 1000:.0f} µs, {r['fuel']:,} fuel")
    js_cold = statistics.median(results["JavaScript (trivial handler)"]["cold"])
    out.targets.append(Target("js_cold", js_cold, f"median of {n}, in-process, pooling allocator"))


def _served(b: Bench, out: Outcome, modules: dict[str, bytes]) -> None:
    server = b.main_server()
    behaviors = [
        {"path": STATIC[1], "origin": "bench", "cache": "disabled", "viewer_request": "c-static-content:live"},
        {"path": STATIC[2], "origin": "bench", "cache": "disabled", "viewer_request": "js-static-content:live"},
        {"path": REUSE[1], "origin": "bench", "cache": "disabled", "viewer_request": "js-static-content-reuse:live"},
    ]
    for _, hook, sample, c_route, js_route in HOOKS:
        for lang, route in (("c", c_route), ("js", js_route)):
            behaviors.append({"path": route, "origin": "bench", "cache": "disabled", hook: f"{lang}-{sample}:live"})
    with server.admin_client() as admin:
        settings = {"X-Edge-Settings": json.dumps({"isolation": "per-request"})}
        versions = {}
        for name, wasm in modules.items():
            r = admin.post(f"/v1/functions/{name}/versions", content=wasm, params={"alias": "live"}, headers=settings)
            r.raise_for_status()
            versions[name] = r.json()["version"]
        reuse = {"X-Edge-Settings": json.dumps({"isolation": "reuse"})}
        r = admin.post("/v1/functions/js-static-content-reuse/versions", content=modules["js-static-content"],
                       params={"alias": "live"}, headers=reuse)
        r.raise_for_status()
        versions["js-static-content-reuse"] = r.json()["version"]
        # the other scenarios' behaviors stay, the catch-all last
        admin.put("/v1/behaviors", json={"behaviors": BEHAVIORS[:-1] + behaviors + BEHAVIORS[-1:]}).raise_for_status()
    b.wait_optimized(versions)  # a JavaScript module's optimizing compile takes ~1-2 s each, in the background
    paths = {f"{STATIC[0]}: C": STATIC[1], f"{STATIC[0]}: JavaScript": STATIC[2], f"{REUSE[0]}: JavaScript": REUSE[1]}
    for label, _, _, c_route, js_route in HOOKS:
        paths[f"{label}: C"] = _path(c_route)
        paths[f"{label}: JavaScript"] = _path(js_route)
    rows = b.interleaved(server.edge, paths)
    for label, row in rows.items():
        pair, _, lang = label.rpartition(": ")
        row.extra.update(pair=pair, lang="js" if lang == "JavaScript" else "c", kind="served")
        if pair == REUSE[0]:
            per_request = rows[f"{STATIC[0]}: JavaScript"]
            row.note = f"{row.rps / per_request.rps:.2f} x its per-request, {row.rps / rows[f'{STATIC[0]}: C'].rps:.2f} x C per-request"
        elif lang == "JavaScript":
            c_row = rows[f"{pair}: C"]
            row.note = f"{row.rps / c_row.rps:.2f} x C"
        out.rows.append(row)
        b.report_row(row, row.note)
    js, c = rows[f"{STATIC[0]}: JavaScript"], rows[f"{STATIC[0]}: C"]
    ratio = js.rps / c.rps
    out.targets.append(Target("js_static", ratio, f"{js.rps:,.0f} / {c.rps:,.0f} req/s under {server.label}"))
    b.say(f"    -> JavaScript / C, per-request static-content = {ratio:.2f} (target >= 0.5)")
    out.notes.append("every function per-request (a fresh instance per request) but the reuse row, built from samples/ and "
                     "samples/js/, deployed through the admin API; hook rows: the benchmark origin behind them, cache off")
