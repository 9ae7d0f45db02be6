"""Differential check of the SDKs: this checkout's against those of a git revision, on thousands
of mutated events. Not a benchmark: it shows that a change to an SDK's parser or writer kept
every result byte, error code and log line.

    python -m bench.sdk_diff --baseline 70b58a1              # C and Zig, ~18,000 events each
    python -m bench.sdk_diff --baseline 70b58a1 --lang zig --mutations 200

The SDK test functions (tests/test_sdk_c.py, tests/test_sdk_zig.py; they read a header first, so
the whole event is parsed) are built against both SDK directories (bench/sdk_fuel.py's builds)
and run through the real runtime on the same inputs: events the way the host writes them, the
same escaped or indented, events a test operation changes, every prefix of those (truncations)
and random splices of JSON-significant bytes (quotes, escapes, brackets, bad UTF-8, surrogates).
Exit status 1 if any outcome differs (the first few are printed).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

import orjson

from .sdk_fuel import REPO, Case, build, sdk_at

SPLICES = [b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b" ", b"\t", b"\x00", b"\x1f", b"\xff", b"\xc3",
           b"\xe2\x82", b"\xed\xa0\x80", b"\\u00e9", b"\\u00E9", b"\\u001F", b"\\u001f", b"\\u0041", b"\\/", b"\\n",
           b"\\u", b"\\ud800", b"\\udc00", b"\\uD83D\\uDE00", b"\\x", b"0", b"-", b"1e", b".", b"t", b"n", b"x",
           b"01", b'"a"', b"\xef\xbb\xbf"]
OPS = (("modify", "origin-request"), ("response-modify", "origin-response"), ("header-copy", "origin-response"),
       ("paths", "viewer-request"), ("origin-to-s3", "origin-request"), ("body-text", "origin-request"))


def inputs(mutations: int, seed: int) -> list[bytes]:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests import test_sdk_zig as t

    ev = t.event("origin-request", body=dict(t.BODY))
    ev["Records"][0]["cf"]["request"]["headers"]["x-t"] = [{"key": "X-T", "value": 'é😀 \\ " \u2028 \x01'}]
    bases = [orjson.dumps(ev), json.dumps(ev, ensure_ascii=True).encode(), json.dumps(ev, indent=1).encode(),
             orjson.dumps(t.event("origin-response"))]
    for op, hook in OPS:
        changed = t.event(hook, op=op) if hook.endswith("response") else t.event(hook, op=op, body=dict(t.BODY))
        if op == "header-copy":
            changed["Records"][0]["cf"]["response"]["headers"]["x-amz-meta-last-modified"] = [
                {"key": "X-Amz-Meta-Last-Modified", "value": "Thu, 01 Jan 2015 00:00:00 GMT"}]
        bases += [orjson.dumps(changed), json.dumps(changed, ensure_ascii=True).encode()]
    rnd = random.Random(seed)
    out = []
    for base in bases:
        out += [base[:i] for i in range(0, len(base), 3)]
        for _ in range(mutations):
            i = rnd.randrange(len(base))
            out.append(base[:i] + rnd.choice(SPLICES) + base[i + rnd.choice([0, 1, 1, 2, 5]):])
    return out


def source(lang: str, sdk: Path) -> str:
    from tests import test_sdk_c, test_sdk_zig

    if lang == "c":
        return test_sdk_c.TEST_FUNCTION
    text = test_sdk_zig.TEST_FUNCTION
    if "pub fn root(" not in (sdk / "zig" / "edge.zig").read_text():  # before root() replaced the field
        text = text.replace("ev.root().", "ev.root.")
    return text


def compare(lang: str, sides: dict[str, Path], events: list[bytes], work: Path) -> int:
    from edge.runtime.limits import FunctionConfig
    from edge.runtime.runtime import Runtime

    rt = Runtime()
    try:
        fns = []
        for side, sdk in sides.items():
            d = work / f"{lang}-{side}"
            d.mkdir()
            if lang == "c":
                (d / "main.c").write_text(source(lang, sdk))
                wasm = build(Case(f"{lang}-{side}", "c", d, b""), sdk, d)
            else:
                wasm = build(Case(f"{lang}-{side}", "zig", source(lang, sdk), b""), sdk, d)
            fns.append(rt.function(wasm, FunctionConfig(name=f"{lang}-{side}", isolation="reuse")))
        differ = 0
        for raw in events:
            a, b = (f.invoke(raw) for f in fns)
            ka = (a.error, a.message, [(x.level, x.message) for x in a.logs], a.result)
            kb = (b.error, b.message, [(x.level, x.message) for x in b.logs], b.result)
            if ka != kb:
                differ += 1
                if differ <= 5:
                    print(f"{lang}: differs for {raw[:160]!r}\n  before: {ka[:3]}\n  after:  {kb[:3]}", file=sys.stderr)
        print(f"{lang}: {len(events):,} events, {differ} with a different outcome")
        return differ
    finally:
        rt.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sdk_diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, metavar="REV", help="the git revision whose SDKs to compare with")
    parser.add_argument("--lang", choices=["c", "zig", "both"], default="both")
    parser.add_argument("--mutations", type=int, default=700, help="random splices per base event (default 700)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sdk-diff-"))
    try:
        sides = {"before": sdk_at(args.baseline, work / "baseline"), "after": REPO / "sdk"}
        events = inputs(args.mutations, args.seed)
        langs = ["c", "zig"] if args.lang == "both" else [args.lang]
        return 1 if sum(compare(lang, sides, events, work) for lang in langs) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
