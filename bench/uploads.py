"""Upload memory benchmark: what large module uploads cost the server in resident memory,
and whether it gives the memory back. Run: python -m bench.uploads [--size-mb 60] [--concurrent 4]

`edge serve` (one worker, Hypercorn) runs as a subprocess on 127.0.0.1; the client posts
modules to the admin API's deploy endpoint from threads, all at once. Measured from
/proc/PID/status: the resident set before (VmRSS, after a settle), the peak during the
uploads (VmHWM, reset through /proc/PID/clear_refs just before them) and the resident set
again after the uploads plus a settle. Cases:

- binary: valid Wasm binaries of --size-mb each (a small module plus a custom section of
  padding; each upload distinct, so each one is stored and compiled as a new version),
- wat: the same size of WAT text (a module with one large data segment),
- one binary alone, for the per-upload figure.

Traffic goes to loopback only; the server is stopped at the end (or on any error).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import procs

MiB = 1024 * 1024
MANIFEST = '[origins.echo]\ntype = "echo"\n\n[[behaviors]]\npath = "*"\norigin = "echo"\n'
SMALL = """(module (memory (export "memory") 1)
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "edge_handle") (param i32 i32) (result i64) (i64.const 0)))"""


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def binary_module(size: int, tag: int) -> bytes:
    from edge.runtime.module import to_wasm

    wasm = to_wasm(SMALL)
    name = f"pad{tag}".encode()
    pad = max(0, size - len(wasm) - len(name) - 8)
    payload = _leb(len(name)) + name + b"\0" * pad
    return wasm + b"\x00" + _leb(len(payload)) + payload


def wat_module(size: int, tag: int) -> bytes:
    """WAT text of `size` bytes: the small module plus one data segment."""
    head = SMALL[:-1] + f'\n  (data (i32.const 0) "tag{tag} '
    room = size - len(head) - 4
    return (head + "x" * room + '"))').encode()


def status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def settle(pid: int, seconds: float) -> int:
    """The resident set once it stayed within 1 MiB for 3 s (or after `seconds`): background
    compiles of the new versions finish first."""
    deadline = time.monotonic() + seconds
    last, steady = status(pid)["VmRSS"], 0
    while time.monotonic() < deadline and steady < 6:
        time.sleep(0.5)
        now = status(pid)["VmRSS"]
        steady = steady + 1 if abs(now - last) < MiB else 0
        last = now
    return last


def run_case(server: procs.Server, label: str, bodies: list[bytes]) -> dict:
    pid = server.proc.pid
    before = settle(pid, 10)
    reset_peak(pid)
    answers: list[tuple[int, str, float]] = []
    peak_sampled = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_sampled[0] = max(peak_sampled[0], status(pid)["VmRSS"])
            time.sleep(0.01)

    def upload(i: int, body: bytes) -> None:
        started = time.perf_counter()
        with server.admin_client(timeout=300) as admin:
            r = admin.post(f"/v1/functions/upload-{label}-{i}/versions", content=body)
        code = r.json().get("error", {}).get("code", "") if r.status_code >= 400 else ""
        answers.append((r.status_code, code, time.perf_counter() - started))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=upload, args=(i, body)) for i, body in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    peak = max(status(pid)["VmHWM"], peak_sampled[0])
    after = settle(pid, 60)
    row = {
        "case": label, "uploads": len(bodies), "size_mb": round(len(bodies[0]) / MiB, 1),
        "before_mb": round(before / MiB, 1), "peak_mb": round(peak / MiB, 1),
        "peak_added_mb": round((peak - before) / MiB, 1), "after_mb": round(after / MiB, 1),
        "held_mb": round((after - before) / MiB, 1), "seconds": round(elapsed, 2),
        "answers": sorted(f"{s} {c}".strip() for s, c, _ in answers),
    }
    print(f"  {label:<16} {row['uploads']} x {row['size_mb']} MB: RSS {row['before_mb']} MB -> peak "
          f"{row['peak_mb']} MB (+{row['peak_added_mb']}) -> {row['after_mb']} MB after "
          f"(held {row['held_mb']:+}); {elapsed:.1f} s; answers {row['answers']}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uploads", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=60)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--cases", default="binary,wat,one", help="comma-separated: binary, wat, one")
    parser.add_argument("--server", default="hypercorn", choices=["hypercorn", "uvicorn", "granian"])
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = parser.parse_args(argv)
    size = int(args.size_mb * MiB)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="edge-bench-uploads-") as tmp:
        work = Path(tmp)
        (work / "m.toml").write_text(MANIFEST)
        with procs.Watchdog(900):
            server = procs.start_server(work / "m.toml", work / "state", work, server=args.server,
                                        extra=["--max-upload-mb", str(int(args.size_mb) + 4)])
            try:
                print(f"edge serve ({args.server}), pid {server.proc.pid}", flush=True)
                tag = 0
                for case in cases:
                    if case == "one":
                        bodies = [binary_module(size, tag)]
                    else:
                        make = binary_module if case == "binary" else wat_module
                        bodies = [make(size, tag + i) for i in range(args.concurrent)]
                    tag += len(bodies)
                    rows.append(run_case(server, case, bodies))
                    del bodies
            finally:
                server.stop()
                procs.stop_all()
    result = {"machine": {"python": sys.version.split()[0], "platform": platform.platform()},
              "size_mb": args.size_mb, "concurrent": args.concurrent, "rows": rows}
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
