"""Side-by-side A/B of two checkouts as real servers: the same routes, interleaved rounds.

    python -m bench.ab --baseline HEAD~1                 # this checkout (B) against HEAD~1 (A)
    python -m bench.ab --baseline 60bc7ee -w 2 -r 6 function hit

Both servers run at once (`edge serve`, the default server, one bench origin behind both),
each from its own source tree: A from a temporary `git worktree` of the baseline, B from
this checkout. Loads alternate A, B, A, B... so drift of a noisy machine falls on both
sides alike; the ratio B ÷ A of the medians is the figure to quote. Routes are the ones of
`python -m bench.inproc` (a `per-request` and a `reuse` static-content function, a cache
hit, a proxied miss). Each side builds the functions with its own toolchain (a change to
how functions are compiled shows too). Traffic stays on loopback and every run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import procs
from .load import run_load

ROOT = Path(__file__).resolve().parent.parent
ROUTES = {"function": "/fn", "reuse": "/reuse", "hit": "/hit", "proxy": "/proxy"}


def worktree(revision: str, directory: Path) -> Path:
    """The baseline's source tree (a detached worktree, removed again by `drop_worktree`)."""
    path = directory / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), revision], check=True)
    return path


def drop_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)


def start(tree: Path, manifest: Path, state: Path, logs: Path, workers: int) -> procs.Server:
    env = {"PYTHONPATH": str(tree) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return procs.start_server(manifest, state, logs, server="granian", workers=workers, env=env, cwd=tree)


def side_manifest(tree: Path, directory: Path, origin_url: str) -> Path:
    """The routes' manifest with the functions built by `tree`'s own toolchain."""
    directory.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tree) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = "import sys; from pathlib import Path; from bench import inproc; inproc.manifest(Path(sys.argv[1]), sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, str(directory), origin_url], check=True, cwd=tree, env=env)
    return directory / "manifest.toml"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.splitlines()[0])
    parser.add_argument("routes", nargs="*", metavar="ROUTE", help=f"any of {', '.join(ROUTES)} (default: all)")
    parser.add_argument("--baseline", required=True, help="git revision to compare this checkout with")
    parser.add_argument("-w", "--workers", type=int, default=1)
    parser.add_argument("-r", "--rounds", type=int, default=4, help="loads per side and route")
    parser.add_argument("-d", "--duration", type=float, default=4.0, help="seconds per load")
    parser.add_argument("-c", "--connections", type=int, default=32)
    args = parser.parse_args()
    unknown = [route for route in args.routes if route not in ROUTES]
    if unknown:
        parser.error(f"unknown route {unknown[0]!r}; choose from {', '.join(ROUTES)}")
    routes = args.routes or list(ROUTES)
    with tempfile.TemporaryDirectory(prefix="edge-ab-") as tmp, procs.Watchdog(600 + 4 * args.rounds * args.duration * len(routes)):
        directory = Path(tmp)
        logs = directory / "logs"
        logs.mkdir()
        baseline = worktree(args.baseline, directory)
        servers: dict[str, procs.Server] = {}
        try:
            origin, origin_url = procs.start_origin(logs)
            manifest_a = side_manifest(baseline, directory / "functions-a", origin_url)
            manifest_b = side_manifest(ROOT, directory / "functions-b", origin_url)
            servers["A"] = start(baseline, manifest_a, directory / "state-a", logs, args.workers)
            servers["B"] = start(ROOT, manifest_b, directory / "state-b", logs, args.workers)
            print(f"A: {args.baseline} · B: this checkout · granian, {args.workers} worker(s), "
                  f"{args.rounds} x {args.duration:g} s per side, interleaved")
            for route in routes:
                rates: dict[str, list[float]] = {"A": [], "B": []}
                for side in ("A", "B"):  # warm both: instances, caches, the cache entry of /hit
                    run_load(servers[side].edge + ROUTES[route], duration=1, connections=args.connections)
                for _ in range(args.rounds):
                    for side in ("A", "B"):
                        result = run_load(servers[side].edge + ROUTES[route], duration=args.duration,
                                          connections=args.connections)
                        if result.errors or result.non_2xx:
                            raise RuntimeError(f"{route} on {side}: {result.errors} errors, {result.non_2xx} non-2xx")
                        rates[side].append(result.rps)
                a, b = statistics.median(rates["A"]), statistics.median(rates["B"])
                print(f"{route:>9}: A {a:9,.0f} req/s   B {b:9,.0f} req/s   B/A {b / a:5.2f}   "
                      f"(A {' '.join(f'{x:,.0f}' for x in rates['A'])}; B {' '.join(f'{x:,.0f}' for x in rates['B'])})")
        finally:
            for server in servers.values():
                server.stop()
            procs.stop_all()
            drop_worktree(baseline)


if __name__ == "__main__":
    sys.exit(main())
