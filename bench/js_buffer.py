"""Buffer's conversions in a JavaScript function: fuel and time per operation, optionally A/B
against the Node layer and engine of another revision (bench/README.md, JavaScript findings).

    python -m bench.js_buffer                     # this tree
    python -m bench.js_buffer --against HEAD~1    # and the same function built from that revision, interleaved

One function (FUNCTION below) runs an operation `reps` times on one input made beforehand, so
(fuel(reps=R) - fuel(reps=1)) / (R - 1) is the operation alone; the same for the time. Each
build runs in this process on the runtime (wasmtime, fuel metering), three interleaved rounds,
the median shown. `--against` exports that revision's edge/ with `git archive` and builds the
function with it (its engine is built and cached once, like this tree's).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FUNCTION = r"""'use strict';
const zlib = require('zlib');
const querystring = require('querystring');
let all256 = ''; for (let i = 0; i < 256; i++) all256 += String.fromCharCode(i);
function sized(unit, n) { return unit.repeat(Math.ceil(n / unit.length) + 1).slice(0, n); }
function text(kind, size) {
  return sized(kind === 'mixed' ? 'héllo wörld ✓ 😀 ' : kind === 'latin1' ? all256 : 'The quick brown fox jumps over the lazy dog. ', size);
}
function bytesOf(size) {
  const u = Buffer.alloc(size); const chunk = new Uint8Array(256).map((_, i) => (i * 7) & 255);
  for (let i = 0; i < size; i += 256) u.set(chunk.subarray(0, Math.min(256, size - i)), i);
  return u;
}
const fields = (n) => { const p = []; let t = 0; for (let i = 0; t < n; i++) { const s = `f${i}=value+${i}+with+spaces+%26+symbols+%3D+%C3%A9`; p.push(s); t += s.length + 1; } return p.join('&'); };
const OPS = {
  from_utf8: [(n, k) => text(k, n), (s) => Buffer.from(s).length],
  byte_length: [(n, k) => text(k, n), (s) => Buffer.byteLength(s)],
  from_base64: [(n) => btoa(text('latin1', n)), (s) => Buffer.from(s, 'base64').length],
  from_base64_mime: [(n) => btoa(text('latin1', n)).replace(/.{76}/g, '$&\n'), (s) => Buffer.from(s, 'base64').length],
  from_hex: [(n) => sized('00ff7a3c', n * 2), (s) => Buffer.from(s, 'hex').length],
  from_latin1: [(n) => text('latin1', n), (s) => Buffer.from(s, 'latin1').length],
  to_utf8: [(n, k) => Buffer.from(text(k, n)), (b) => b.toString().length],
  to_base64: [(n) => bytesOf(n), (b) => b.toString('base64').length],
  to_hex: [(n) => bytesOf(n), (b) => b.toString('hex').length],
  to_latin1: [(n) => bytesOf(n), (b) => b.toString('latin1').length],
  write_utf8: [(n, k) => [Buffer.alloc(n * 3), text(k, n)], ([b, s]) => b.write(s)],
  form_decode: [(n) => btoa(unescape(encodeURIComponent(text('mixed', n)))), (s) => Buffer.from(s, 'base64').toString().length],
  gzip: [(n, k) => text(k, n), (s) => zlib.gzipSync(s).length],
  qs_parse: [(n) => JSON.parse(JSON.stringify(fields(n))), (s) => Object.keys(querystring.parse(s, null, null, { maxKeys: 0 })).length],
  from_arraybuffer: [(n) => bytesOf(n), (b) => Buffer.from(b.buffer, b.byteOffset, b.length).length + Buffer.from(new Uint8Array(b)).length],
  concat_100: [(n) => bytesOf(n), (b) => { const parts = []; const m = (b.length / 100) | 0; for (let i = 0; i < 100; i++) parts.push(b.subarray(i * m, (i + 1) * m)); return Buffer.concat(parts).length; }],
  slice_1000: [(n) => bytesOf(n), (b) => { let t = 0; for (let i = 0; i < 1000; i++) t += b.slice(i, i + 100).length + b.subarray(i, i + 10).length; return t; }],
  read_uint_1000: [(n) => bytesOf(n), (b) => { let t = 0; for (let i = 0; i < 1000; i++) t += b.readUInt32LE(i) + b.readUInt16BE(i) + b.readUInt8(i); return t; }],
  write_uint_1000: [(n) => bytesOf(n), (b) => { for (let i = 0; i < 1000; i++) { b.writeUInt32BE(i, i); b.writeUInt16LE(i & 0xffff, i); b.writeUInt8(i & 255, i); } return 0; }],
  index_of: [(n) => Buffer.from(text('ascii', n) + '--boundary--'), (b) => b.indexOf('--boundary--')],
  equals: [(n) => [bytesOf(n), bytesOf(n)], ([a, b]) => a.equals(b)],
};
exports.handler = async (event) => {
  const q = new URLSearchParams(event.Records[0].cf.request.querystring);
  const [make, run] = OPS[q.get('op')];
  const input = make(Number(q.get('size')), q.get('kind') || 'ascii');
  let r;
  for (let i = Number(q.get('reps') || 1); i > 0; i--) r = run(input);
  return { status: '200', body: String(r) };
};
"""

# (operation, bytes, text kind)
CASES = [
    ("from_utf8", 10_240, "ascii"), ("from_utf8", 102_400, "ascii"), ("from_utf8", 102_400, "mixed"),
    ("byte_length", 102_400, "mixed"), ("from_base64", 102_400, "ascii"), ("from_base64_mime", 102_400, "ascii"),
    ("from_hex", 102_400, "ascii"), ("from_latin1", 102_400, "latin1"), ("to_utf8", 102_400, "mixed"),
    ("to_base64", 102_400, "ascii"), ("to_hex", 102_400, "ascii"), ("to_latin1", 102_400, "ascii"),
    ("write_utf8", 102_400, "mixed"), ("form_decode", 768_000, "mixed"), ("gzip", 10_240, "ascii"),
    ("qs_parse", 204_800, "ascii"), ("from_arraybuffer", 102_400, "ascii"), ("concat_100", 102_400, "ascii"),
    ("slice_1000", 102_400, "ascii"), ("read_uint_1000", 102_400, "ascii"), ("write_uint_1000", 102_400, "ascii"),
    ("index_of", 102_400, "ascii"), ("equals", 102_400, "ascii"),
]

BUILD = ("import sys; from pathlib import Path; from edge.js.build import build_js; "
         "build_js(Path(sys.argv[1]), out=Path(sys.argv[2]))")


def build(source: Path, out: Path, edge_root: Path | None = None) -> bytes:
    env = dict(os.environ)
    if edge_root is not None:
        env["PYTHONPATH"] = f"{edge_root}{os.pathsep}{env.get('PYTHONPATH', '')}"
    subprocess.run([sys.executable, "-c", BUILD, str(source), str(out)], check=True, env=env, cwd=edge_root or REPO)
    return out.read_bytes()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also build from this git revision's edge/, interleaved")
    parser.add_argument("--reps", type=int, default=11, help="repetitions per measured call (the slow build: 3)")
    parser.add_argument("--only", nargs="*", help="operation names")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from edge.runtime import FunctionConfig, Limits, Runtime

    sample_event = json.loads((REPO / "samples" / "events" / "viewer-request.json").read_text())

    with tempfile.TemporaryDirectory(prefix="edge-bench-buffer-") as tmp:
        src = Path(tmp) / "fn"
        src.mkdir()
        (src / "index.js").write_text(FUNCTION)
        modules = {"this tree": build(src, Path(tmp) / "after.wasm")}
        if args.against:
            old = Path(tmp) / "old"
            old.mkdir()
            archive = subprocess.run(["git", "archive", args.against, "edge"], cwd=REPO, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            modules = {args.against: build(src, Path(tmp) / "before.wasm", old), **modules}
        runtime = Runtime()
        limits = Limits(fuel=400_000_000_000, timeout_ms=600_000, memory_bytes=512 * 1024 * 1024)
        fns = {name: runtime.function(wasm, FunctionConfig(name="buffer-bench", limits=limits)) for name, wasm in modules.items()}

        def call(fn, op: str, size: int, kind: str, reps: int) -> tuple[int, float, str]:  # type: ignore[no-untyped-def]
            sample_event["Records"][0]["cf"]["request"]["querystring"] = f"op={op}&size={size}&kind={kind}&reps={reps}"
            outcome = fn.invoke(json.dumps(sample_event).encode(), None)
            if not outcome.ok:
                raise SystemExit(f"{op}: {outcome.error} {outcome.message}")
            return outcome.fuel_used, outcome.duration_ms, outcome.value["body"]

        print("| operation | size | " + " | ".join(f"{name}: fuel, ms" for name in fns) + " |")
        print("|---|---:|" + "---:|" * len(fns))
        for op, size, kind in CASES:
            if args.only and op not in args.only:
                continue
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
            answers = set()
            for _ in range(3):
                for name, fn in fns.items():
                    reps = 3 if (name != "this tree") else args.reps
                    f1, t1, answer = call(fn, op, size, kind, 1)
                    fr, tr, _ = call(fn, op, size, kind, reps)
                    samples[name].append(((fr - f1) / (reps - 1), (tr - t1) / (reps - 1)))
                    answers.add(answer)
            cells = []
            for name in fns:
                fuel = statistics.median(s[0] for s in samples[name])
                ms = statistics.median(s[1] for s in samples[name])
                cells.append(f"{fuel / 1e6:,.1f} M, {max(ms, 0):.2f}")
            note = "" if len(answers) == 1 else " (results differ!)"
            print(f"| {op}{' ' + kind if kind != 'ascii' else ''} | {size // 1024} KB | " + " | ".join(cells) + f" |{note}", flush=True)
        for fn in fns.values():
            fn.close()


if __name__ == "__main__":
    main()
