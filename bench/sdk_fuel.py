"""Fuel and time per invocation of the SDK functions: the ten samples (C) and the Zig functions.

    python -m bench.sdk_fuel                       # this checkout's SDKs
    python -m bench.sdk_fuel --baseline 70b58a1    # A/B: the SDKs of that commit against this checkout's

Each function is built (ReleaseSmall, like `edge build`) against an SDK directory — this checkout's
`sdk/`, or `sdk/` as of `--baseline REV` (read with `git show`, so the working tree is untouched) —
and invoked through the real runtime (`Runtime.function(...).invoke`, `reuse` isolation unless
`--isolation per-request`) with an
event shaped by the server's own event builder (`edge generate-event`). Fuel is deterministic
(wasm instructions, `Outcome.fuel_used`); time is the fastest of `--rounds` interleaved rounds
(A B A B ...) of the mean wall time of `-n` invocations, measured around `invoke` (so it includes
the runtime's own cost per call: the "(floor)" row, a constant answer without an SDK). Results must
be the same JSON in A and B (except for functions that pick at random): the script checks.
See bench/README.md, "The SDKs' own cost".
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
ZIG_TESTS = REPO / "tests" / "functions"
SDK_FILES = ("c/edge.h", "zig/edge.zig", "zig/entry.zig")

# The Zig port of samples/static-content (a generated response that never reads the event).
ZIG_STATIC_CONTENT = r'''
const edge = @import("edge");
const content =
    \\
    \\<!DOCTYPE html>
    \\<html lang="en">
    \\  <head>
    \\    <meta charset="utf-8">
    \\    <title>Simple Lambda@Edge Static Content Response</title>
    \\  </head>
    \\  <body>
    \\    <p>Hello from Lambda@Edge!</p>
    \\  </body>
    \\</html>
    \\
;
pub fn handle(ev: *edge.Event) !void {
    try ev.respond(200, "OK");
    const h = ev.responseHeaders();
    try h.set("Cache-Control", "max-age=100");
    try h.set("Content-Type", "text/html");
    try ev.setBody(content);
}
'''

# A Zig function that returns the request unchanged after reading one header.
ZIG_READ_ONE_HEADER = r'''
const edge = @import("edge");
pub fn handle(ev: *edge.Event) !void {
    if (ev.requestHeaders().get("x-debug")) |_| edge.info("debug", .{});
}
'''


# The floor: a reactor without an SDK that answers every event with a constant response. Its time
# is the runtime's own cost per call (copy the event in, call, copy the result out, parse it).
WAT_CONSTANT = r"""
(module
  (memory (export "memory") 2)
  (data (i32.const 16) "{\"status\":\"200\",\"statusDescription\":\"OK\",\"headers\":{}}")
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param i32) (result i32) (select (i32.const 1024) (i32.const 0) (i32.le_u (local.get 0) (i32.const 65536))))
  (func (export "edge_handle") (param i32 i32) (result i64) (i64.const 0x1000000036)))
"""


@dataclass
class Case:
    name: str
    lang: str  # "c", "zig" or "wat"
    source: Path | str  # a directory (C sample, Zig test function) or Zig source text
    event: bytes
    env: tuple = ()
    note: str = ""
    random: bool = False  # picks its result at random: A and B may differ


@dataclass
class Measure:
    fuel: int = 0
    result: bytes = b""
    times: list[float] = field(default_factory=list)  # µs per invocation, one per round

    @property
    def us(self) -> float:
        """The fastest round: other work on the machine only ever adds time."""
        return min(self.times)


def _events():
    from edge.cli.events import build

    def ev(hook: str, **kw) -> bytes:
        return orjson.dumps(build(hook, request_id="4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==", **kw))

    return ev


def cases() -> list[Case]:
    ev = _events()
    device = [("CloudFront-Is-Desktop-Viewer", "false"), ("CloudFront-Is-Mobile-Viewer", "true"),
              ("CloudFront-Is-SmartTV-Viewer", "false"), ("CloudFront-Is-Tablet-Viewer", "false")]
    auth = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    out = [
        Case("(floor)", "wat", WAT_CONSTANT, ev("viewer-request"), note="constant response, no SDK: the runtime's own cost"),
        Case("ab-testing", "c", SAMPLES / "ab-testing",
             ev("viewer-request", uri="/experiment-pixel.jpg", headers=[("Cookie", "X-Experiment-Name=B")]),
             note="reads the URI and cookies, sets the URI"),
        Case("static-content", "c", SAMPLES / "static-content", ev("viewer-request"),
             note="generated response, never reads the event"),
        Case("redirect", "c", SAMPLES / "redirect", ev("viewer-request"), note="WASI command, no SDK"),
        Case("country-redirect", "c", SAMPLES / "country-redirect",
             ev("origin-request", headers=[("CloudFront-Viewer-Country", "US")]),
             note="reads one header, generated response"),
        Case("device-variant", "c", SAMPLES / "device-variant", ev("origin-request", headers=device),
             note="reads headers, sets the URI"),
        Case("country-origin", "c", SAMPLES / "country-origin",
             ev("origin-request", headers=[("CloudFront-Viewer-Country", "DE")]),
             note="reads a header, changes the origin and a header"),
        Case("form-body", "c", SAMPLES / "form-body",
             ev("viewer-request", method="POST", body=b"name=Jane&comment=hello+edge",
                headers=[("Content-Type", "application/x-www-form-urlencoded")]),
             note="reads the body, request unchanged"),
        Case("security-headers", "c", SAMPLES / "security-headers", ev("origin-response"),
             note="sets six response headers"),
        Case("directory-index", "c", SAMPLES / "directory-index", ev("origin-request", uri="/about/"),
             note="reads and sets the URI"),
        Case("basic-auth", "c", SAMPLES / "basic-auth", ev("viewer-request", headers=[("Authorization", auth)]),
             env=(("EDGE_BASIC_AUTH", "alice:s3cret"),), note="reads one header, request unchanged"),
        Case("zig static-content", "zig", ZIG_STATIC_CONTENT, ev("viewer-request"),
             note="generated response, never reads the event"),
        Case("zig read-one-header", "zig", ZIG_READ_ONE_HEADER, ev("viewer-request"),
             note="reads one header, request unchanged"),
    ]
    out += _zig_aws_cases()
    return out


def _zig_aws_cases() -> list[Case]:
    """The Zig ports of AWS's examples in tests/functions, each with the first event of its test cases."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests import aws_examples

    first: dict[str, bytes] = {}
    for case in aws_examples.CASES:
        first.setdefault(case.function, orjson.dumps(case.event))
    first["s3-traffic-shift"] = orjson.dumps(aws_examples.traffic_shift_event())
    notes = {"override-response-header": "copies a response header (origin-response)",
             "modify-form-body": "reads the form body, replaces it", "s3-origin-by-query": "custom origin to S3",
             "s3-region-by-country": "reads a header, changes the S3 origin",
             "s3-traffic-shift": "80 % of requests to another bucket (random)"}
    return [Case(f"zig {name}", "zig", ZIG_TESTS / name / "zig", first[name], note=notes[name],
                 random=name == "s3-traffic-shift") for name in aws_examples.NAMES]


# ---- building against an SDK directory ------------------------------------------------------------------------


def sdk_at(rev: str, into: Path) -> Path:
    """sdk/ as of git revision `rev`, written under `into` (the working tree is not touched)."""
    for rel in SDK_FILES:
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:sdk/{rel}"], check=True,
                              capture_output=True).stdout
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        (into / rel).write_bytes(text)
    return into


def build(case: Case, sdk: Path, out_dir: Path) -> bytes:
    from edge import toolchain

    out = out_dir / (case.name.replace(" ", "_") + ".wasm")
    if case.lang == "wat":
        import wasmtime

        return wasmtime.wat2wasm(case.source)
    if case.lang == "c":
        model = toolchain.exec_model(case.source)
        cmd = toolchain.compile_command(toolchain._sources(case.source), out, model=model, optimize="ReleaseSmall")
        cmd = [str(sdk / "c") if part == str(toolchain.SDK_C) else part for part in cmd]
    else:
        if isinstance(case.source, str):
            src = out_dir / (case.name.replace(" ", "_") + ".zig")
            src.write_text(case.source)
        else:
            src = toolchain.zig_main(case.source)
        cmd = toolchain.zig_command(src, out, optimize="ReleaseSmall", cache_dir=toolchain.zig_cache_dir())
        swap = {f"-Mroot={toolchain.SDK_ZIG_ENTRY}": f"-Mroot={sdk / 'zig' / 'entry.zig'}",
                f"-Medge={toolchain.SDK_ZIG_MODULE}": f"-Medge={sdk / 'zig' / 'edge.zig'}"}
        cmd = [swap.get(part, part) for part in cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{case.name}: build failed against {sdk}:\n{proc.stderr}")
    return out.read_bytes()


# ---- measuring ---------------------------------------------------------------------------------------------------


def measure_round(fn, event: bytes, n: int, into: Measure) -> None:
    out = fn.invoke(event)
    if not out.ok:
        raise SystemExit(f"invocation failed: {out.error} {out.message}")
    into.fuel, into.result = out.fuel_used, out.result
    started = time.perf_counter()
    for _ in range(n):
        fn.invoke(event)
    into.times.append((time.perf_counter() - started) / n * 1e6)


def run(sides: dict[str, Path], selected: list[Case], n: int, rounds: int, jobs: int,
        isolation: str = "reuse") -> dict[str, dict[str, Measure]]:
    from edge.runtime.limits import FunctionConfig
    from edge.runtime.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="sdk-fuel-"))
    try:
        builds = {}
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for side, sdk in sides.items():
                (work / side).mkdir()
                for case in selected:
                    builds[side, case.name] = pool.submit(build, case, sdk, work / side)
        rt = Runtime()
        results: dict[str, dict[str, Measure]] = {side: {} for side in sides}
        try:
            for case in selected:
                fns = {side: rt.function(builds[side, case.name].result(),
                                         FunctionConfig(name=case.name.replace(" ", "-"), isolation=isolation,
                                                        env=case.env)) for side in sides}
                for side, fn in fns.items():  # warm up: compile caches, the arena's first blocks
                    for _ in range(20):
                        fn.invoke(case.event)
                for _ in range(rounds):
                    for side, fn in fns.items():
                        measure_round(fn, case.event, n, results[side].setdefault(case.name, Measure()))
                for fn in fns.values():
                    fn.close()
        finally:
            rt.close()
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def same_result(a: bytes, b: bytes) -> bool:
    return a == b or orjson.loads(a) == orjson.loads(b)


def table(selected: list[Case], results: dict[str, dict[str, Measure]]) -> str:
    sides = list(results)
    rows = []
    if len(sides) == 2:
        a, b = sides
        rows.append("| function | what it does | fuel before | fuel after | µs before | µs after |")
        rows.append("|---|---|---:|---:|---:|---:|")
        for case in selected:
            ma, mb = results[a][case.name], results[b][case.name]
            mark = "" if ma.result == mb.result or case.random else (
                " (same JSON)" if same_result(ma.result, mb.result) else " **(different result!)**")
            rows.append(f"| {case.name} | {case.note}{mark} | {ma.fuel:,} | {mb.fuel:,} | {ma.us:.1f} | {mb.us:.1f} |")
    else:
        (a,) = sides
        rows.append("| function | what it does | fuel | µs |")
        rows.append("|---|---|---:|---:|")
        for case in selected:
            m = results[a][case.name]
            rows.append(f"| {case.name} | {case.note} | {m.fuel:,} | {m.us:.1f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sdk_fuel", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REV", help="also measure the SDKs of this git revision (A/B)")
    parser.add_argument("-n", type=int, default=300, help="invocations per round (default 300)")
    parser.add_argument("-r", "--rounds", type=int, default=30, help="interleaved rounds (default 30)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel builds (default 2)")
    parser.add_argument("--isolation", choices=["reuse", "per-request"], default="reuse",
                        help="reuse: one warm instance (the guest's own cost); per-request: a fresh one each time")
    parser.add_argument("--only", nargs="*", help="function names to measure (default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    selected = [c for c in cases() if not args.only or c.name in args.only]
    tmp = Path(tempfile.mkdtemp(prefix="sdk-rev-"))
    try:
        sides = {}
        if args.baseline:
            sides[f"before ({args.baseline})"] = sdk_at(args.baseline, tmp)
        sides["after" if args.baseline else "this checkout"] = REPO / "sdk"
        results = run(sides, selected, args.n, args.rounds, args.jobs, args.isolation)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(selected, results))
    if len(results) == 2:
        a, b = results
        differ = [c.name for c in selected
                  if not c.random and not same_result(results[a][c.name].result, results[b][c.name].result)]
        if differ:
            print(f"\nDIFFERENT RESULTS: {', '.join(differ)}", file=sys.stderr)
            return 1
    if args.json:
        args.json.write_text(json.dumps({
            side: {name: {"fuel": m.fuel, "us_per_invocation": round(m.us, 2), "rounds_us": [round(t, 2) for t in m.times]}
                   for name, m in per.items()} for side, per in results.items()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
