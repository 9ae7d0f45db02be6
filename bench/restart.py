"""Restart benchmark: how long `edge serve` takes to serve again with many JavaScript functions
deployed. Run: python -m bench.restart [-n 20] [--workers 1 2] [--rounds 3] [--state DIR]

Setup (once per state directory; `--state` keeps it between runs, so a change can be measured
against the same store): `edge serve` with an echo-origin manifest, then through the admin
API's upload endpoint, for each of N functions, a JavaScript handler deployed as version 1
with the alias `live` and a second handler deployed as version 2 without moving the alias
(a staged version nothing routes to yet); behaviors route `/js-i` to `js-i:live` for all but
`--unrouted` of them (deployed, but in no behavior). The server waits until no version is
still `optimizing` (every optimized artifact on disk), then stops.

Each round starts `edge serve` on that state and measures, from the moment the process is
started: the first 200 through a routed behavior, `/readyz` answering 200, every routed
behavior answering (one pass, after ready), and `/v1/status` showing nothing `optimizing`;
then how many versions the answering worker has loaded and its resident memory. `--cold`
removes the artifacts before each round (an upgrade to another wasmtime); `--fresh` deploys
into a new state directory before each round and restarts at once, with the optimized compiles
still running (a config change right after deploys); `--uncached` evicts the artifacts from
the page cache first (as after a reboot); `--source DIR` runs `edge serve` from another source
tree (a `git worktree` of the revision to compare with). Traffic is loopback only; every
process is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from . import procs

MANIFEST = '[origins.echo]\ntype = "echo"\n\n[[behaviors]]\npath = "*"\norigin = "echo"\n'


def handler(name: str, version: int) -> str:
    """A Lambda@Edge viewer-request handler generating a response that names its version."""
    return (
        "exports.handler = async (event) => ({status: '200', statusDescription: 'OK', headers: "
        "{'content-type': [{key: 'Content-Type', value: 'text/plain'}]}, "
        f"body: '{name} v{version} ' + event.Records[0].cf.request.uri}});\n"
    )


def _start(manifest: Path, state: Path, log_dir: Path, workers: int, tag: str,
           source: Path | None = None) -> tuple[procs.Proc, str, str]:
    port, admin_port = procs.free_port(), procs.free_port()
    cmd = [
        sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest), "--state-dir", str(state),
        "--port", str(port), "--admin-port", str(admin_port), "--workers", str(workers), "--log-level", "warning",
    ]
    env = dict(os.environ, EDGE_ADMIN_TOKEN=procs.TOKEN)
    proc = procs.Proc("edge serve", cmd, log_dir / f"serve-{tag}.log", env=env, cwd=source)
    return proc, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}"


def _admin(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {procs.TOKEN}"}, timeout=120)


def _wait_optimized(admin: httpx.Client, proc: procs.Proc, timeout: float) -> None:
    procs.wait_until(lambda: admin.get("/v1/status").json()["optimizing"] == [], proc, timeout)


def setup(state: Path, manifest: Path, log_dir: Path, n: int, unrouted: int, *, wait: bool = True,
          source: Path | None = None) -> None:
    """Deploy the functions through the upload endpoint and (`wait`) wait for their optimized artifacts."""
    proc, _, admin_url = _start(manifest, state, log_dir, 1, "setup", source)
    try:
        with _admin(admin_url) as admin:
            procs.wait_until(lambda: admin.get("/readyz").status_code == 200, proc, 60)
            for i in range(n):
                name = f"js-{i}"
                for version, alias in ((1, {"alias": "live"}), (2, {})):
                    r = admin.post(f"/v1/functions/{name}/versions", content=handler(name, version),
                                   params={"filename": "index.js", **alias})
                    if r.status_code not in (200, 201):
                        raise RuntimeError(f"deploy {name} v{version}: {r.status_code} {r.text}")
            behaviors = [{"path": f"/js-{i}", "origin": "echo", "viewer_request": f"js-{i}:live", "cache": "disabled"}
                         for i in range(n - unrouted)]
            r = admin.put("/v1/behaviors", json={"behaviors": [*behaviors, {"path": "*", "origin": "echo"}]})
            if r.status_code != 200:
                raise RuntimeError(f"behaviors: {r.status_code} {r.text}")
            if wait:
                _wait_optimized(admin, proc, 60 + 5 * n)
    finally:
        proc.stop()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def drop_cached(state: Path) -> None:
    """Evict the artifacts' and modules' pages from the page cache (as after a reboot)."""
    for path in [*(state / "artifacts").glob("*.cwasm"), *(state / "store" / "modules").glob("*.wasm")]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def setup_samples(state: Path, manifest: Path, log_dir: Path, source: Path | None) -> None:
    """The sample distribution's first start (builds the samples if needed, publishes them),
    until every optimized artifact is stored."""
    proc, _, admin_url = _start(manifest, state, log_dir, 1, "setup", source)
    try:
        with _admin(admin_url) as admin:
            procs.wait_until(lambda: admin.get("/readyz").status_code == 200, proc, 900)
            _wait_optimized(admin, proc, 300)
    finally:
        proc.stop()


def one_restart(state: Path, manifest: Path, log_dir: Path, routes: list[tuple[str, str]], workers: int, tag: str,
                source: Path | None = None) -> dict:
    """`routes`: (path, start of its body); the first is polled for the first 200."""
    proc, edge_url, admin_url = _start(manifest, state, log_dir, workers, tag, source)
    started = time.perf_counter()
    out: dict = {"workers": workers}
    try:
        with httpx.Client(base_url=edge_url, timeout=5) as edge, _admin(admin_url) as admin:
            while "first_200_s" not in out or "readyz_s" not in out:
                if not proc.alive():
                    raise RuntimeError(f"edge serve exited:\n{proc.tail()}")
                if time.perf_counter() - started > 300:
                    raise RuntimeError(f"not serving after 300 s:\n{proc.tail()}")
                try:
                    if "first_200_s" not in out and edge.get(routes[0][0]).status_code == 200:
                        out["first_200_s"] = time.perf_counter() - started
                    if "readyz_s" not in out and admin.get("/readyz").status_code == 200:
                        out["readyz_s"] = time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
            for path, body in routes:
                r = edge.get(path)
                if r.status_code != 200 or not r.text.startswith(body):
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
            out["all_routed_s"] = time.perf_counter() - started
            _wait_optimized(admin, proc, 300)
            out["optimized_s"] = time.perf_counter() - started
            status = admin.get("/v1/status").json()
            out["loaded"] = len(status["loaded"])
            out["rss_mib"] = round(_rss_kib(status["pid"]) / 1024, 1)
    finally:
        proc.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20, help="JavaScript functions (two versions each)")
    parser.add_argument("--unrouted", type=int, default=4, help="functions no behavior names")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--state", type=Path, help="state directory to set up once and keep")
    parser.add_argument("--cold", action="store_true", help="remove the artifacts before each round")
    parser.add_argument("--fresh", action="store_true",
                        help="each round: deploy into a new state directory and restart at once (optimized "
                             "compiles still running when the server stops)")
    parser.add_argument("--uncached", action="store_true", help="evict the artifacts from the page cache first")
    parser.add_argument("--source", type=Path, help="run edge serve from this source tree (a baseline worktree)")
    parser.add_argument("--samples", action="store_true",
                        help="restart the sample distribution (samples/manifest.toml: ten C functions and their "
                             "ten JavaScript twins) instead of deploying functions")
    parser.add_argument("--json", type=Path, help="write every round here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="edge-restart-"))
    state = args.state or work / "state"
    manifest = work / "m.toml"
    manifest.write_text(MANIFEST)
    routes = [(f"/js-{i}", f"js-{i} v1") for i in range(args.n - args.unrouted)]
    if args.samples:
        manifest = (args.source or procs.REPO).resolve() / "samples" / "manifest.toml"
        routes = [("/js/static-content", ""), ("/static-content", "")]
    with procs.Watchdog(1800):
        try:
            if not args.fresh and not (state / "store").exists():
                t = time.perf_counter()
                if args.samples:
                    setup_samples(state, manifest, work, args.source)
                else:
                    setup(state, manifest, work, args.n, args.unrouted, source=args.source)
                print(f"setup in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            artifacts = state / "artifacts"
            rounds: list[dict] = []
            for workers in args.workers:
                for r in range(args.rounds):
                    if args.fresh:
                        shutil.rmtree(state, ignore_errors=True)
                        setup(state, manifest, work, args.n, args.unrouted, wait=False, source=args.source)
                    size = sum(p.stat().st_blocks * 512 for p in artifacts.glob("*.cwasm"))
                    print(f"artifacts: {len(list(artifacts.glob('*.cwasm')))} files, {size / 2**20:.0f} MiB on disk",
                          file=sys.stderr)
                    if args.cold:
                        shutil.rmtree(artifacts, ignore_errors=True)
                    if args.uncached:
                        drop_cached(state)
                    result = one_restart(state, manifest, work, routes, workers, f"{workers}-{r}", args.source)
                    print(json.dumps(result), file=sys.stderr)
                    rounds.append(result)
        finally:
            procs.stop_all()
            shutil.rmtree(work, ignore_errors=True)
    what = "the sample distribution" if args.samples else f"{args.n} JavaScript functions x 2 versions, " \
        f"{args.n - args.unrouted} routed"
    print(f"{what}"
          f"{' (artifacts removed)' if args.cold else ''}{' (not in the page cache)' if args.uncached else ''}"
          f"{' (restarted right after the deploys)' if args.fresh else ''}"
          f"; medians of {args.rounds}:")
    print("| workers | first 200 | /readyz | every route | nothing optimizing | loaded | RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for workers in args.workers:
        mine = [r for r in rounds if r["workers"] == workers]

        def med(key: str, mine: list[dict] = mine) -> float:
            return statistics.median(r[key] for r in mine)

        print(f"| {workers} | {med('first_200_s'):.2f} s | {med('readyz_s'):.2f} s | {med('all_routed_s'):.2f} s | "
              f"{med('optimized_s'):.2f} s | {med('loaded'):.0f} | {med('rss_mib'):.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.node(), "n": args.n, "rounds": rounds}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
