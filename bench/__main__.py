"""`python -m bench` (also `edge bench`): the server's benchmark, on this machine, in one command.

Starts a loopback origin and `edge serve` (a real subprocess, the chosen ASGI server and
worker count), deploys the sample functions through the admin API's upload endpoint, drives
load with `wrk` (or a built-in asyncio generator), prints a table, and writes
`bench.json` and `bench.png` to the output directory. Everything listens on 127.0.0.1
only, and the whole run has a hard deadline. See bench/README.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import procs, report
from .scenarios import SPECS, Bench, Settings, run_all

QUICK = dict(duration=1.0, warmup=0.3, rounds=1, cold_n=3, deploy_n=2)


def parse_scenarios(text: str) -> list[int]:
    keys = {spec.key: spec.number for spec in SPECS}
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if part == "all":
            numbers.update(keys.values())
        elif not part:
            continue
        elif part in keys:
            numbers.add(keys[part])
        elif "-" in part:
            low, high = part.split("-", 1)
            numbers.update(range(int(low), int(high) + 1))
        else:
            numbers.add(int(part))
    bad = sorted(n for n in numbers if n not in keys.values())
    if bad:
        raise argparse.ArgumentTypeError(f"no scenario {bad[0]}; scenarios are {', '.join(f'{n} {k}' for k, n in keys.items())}")
    return sorted(numbers)


def build_parser(prog: str = "python -m bench") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    scenario_help = "; ".join(f"{s.number} {s.key}" for s in SPECS)
    parser.add_argument("-s", "--scenarios", type=parse_scenarios, default=parse_scenarios("all"),
                        help=f"comma-separated numbers, ranges or names (default: all): {scenario_help}")
    parser.add_argument("-d", "--duration", type=float, help="seconds per measured load (default 5)")
    parser.add_argument("-r", "--rounds", type=int, help="interleaved rounds per paired measurement (default 3)")
    parser.add_argument("--warmup", type=float, help="seconds of unmeasured load per path (default 1)")
    parser.add_argument("-c", "--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("-t", "--threads", type=int, default=2, help="load generator threads (wrk) (default 2)")
    parser.add_argument("-w", "--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--server", default="granian", choices=["granian", "hypercorn", "uvicorn"],
                        help="ASGI server for scenarios 1-9 (default granian, as edge serve)")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="event loop for scenarios 1-9 (default auto: uvloop when installed)")
    parser.add_argument("--servers", default=",".join(Settings().servers),
                        help="server:loop list compared in scenario 10")
    parser.add_argument("--tool", default="auto", choices=["auto", "wrk", "builtin"],
                        help="load generator (default: wrk when installed)")
    parser.add_argument("--cold-n", type=int, help="deploys timed in scenario 7 (default 20)")
    parser.add_argument("--deploy-n", type=int, help="deploys timed in scenario 8 (default 10)")
    parser.add_argument("-o", "--out", type=Path, default=Path("bench-results"),
                        help="output directory for bench.json and bench.png (default ./bench-results)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 1 s loads, one round, few deploys")
    parser.add_argument("--deadline", type=float, help="hard limit for the whole run in seconds (default: estimated)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state directory and server logs")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    s = Settings(connections=args.connections, threads=args.threads, workers=args.workers, server=args.server,
                 loop=args.loop, tool=args.tool, servers=tuple(x for x in args.servers.split(",") if x))
    if args.quick:
        for key, value in QUICK.items():
            setattr(s, key, value)
    for key in ("duration", "rounds", "warmup", "cold_n", "deploy_n"):
        value = getattr(args, key)
        if value is not None:
            setattr(s, key, value)
    return s


def estimate(s: Settings, numbers: list[int]) -> float:
    """A generous upper bound of the run's length, for the watchdog."""
    load = s.duration + 2
    per = {1: 2 * s.rounds, 2: 2 * s.rounds, 3: 0, 4: 3 * s.rounds, 5: 2 * s.rounds, 6: 2 * s.rounds,
           9: 4 * s.rounds, 10: 2 * s.rounds * len(s.servers), 12: 10 * s.rounds + 8}
    seconds = sum(per.get(n, 0) * load for n in numbers) + 6 * s.warmup * len(numbers)
    seconds += (s.cold_n * 2 if 7 in numbers else 0) + (s.deploy_n * 3 if 8 in numbers else 0)
    seconds += (s.rounds * 40 if 9 in numbers else 0) + 90 * (1 + (len(s.servers) if 10 in numbers else 0))
    return 2 * seconds + 120


def main(argv: list[str] | None = None, prog: str = "python -m bench") -> int:
    args = build_parser(prog).parse_args(argv)
    settings = settings_from(args)
    from .load import run_load  # noqa: F401  (fail early on import problems)

    tool = settings.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "builtin"
    elif tool == "wrk" and not shutil.which("wrk"):
        print("bench: wrk is not installed (apt-get install wrk); use --tool builtin", file=sys.stderr)
        return 2
    settings.tool = tool
    args.out.mkdir(parents=True, exist_ok=True)
    deadline = args.deadline or estimate(settings, args.scenarios)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.time()
    info = report.machine()
    say(f"edge bench: scenarios {','.join(map(str, args.scenarios))} on {info['cpu']} ({info['cores']} cores); "
        f"{tool}, {settings.connections} connections, {settings.duration:g} s x {settings.rounds} rounds; "
        f"server {settings.server} x {settings.workers} worker(s); deadline {deadline:.0f} s")
    workdir = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    outcomes = []
    try:
        with procs.Watchdog(deadline):
            origin, origin_url = procs.start_origin(workdir)
            try:
                bench = Bench(settings, workdir, origin_url, say)
                outcomes = run_all(bench, args.scenarios, say)
            finally:
                procs.stop_all()
    except KeyboardInterrupt:
        say("bench: interrupted")
        return 130
    finally:
        procs.stop_all()
        if args.keep:
            say(f"bench: state and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    command = f"{prog} " + " ".join(argv if argv is not None else sys.argv[1:])
    doc = report.results_document(outcomes, settings, tool, command.strip(), started)
    json_path = args.out / "bench.json"
    report.write_json(doc, json_path)
    subtitle = (f"{info['cores']} cores, {info['cpu']}; {tool} -c{settings.connections}, "
                f"{settings.duration:g} s x {settings.rounds}; {settings.server} x {settings.workers} worker(s)")
    png = args.out / "bench.png"
    drew = report.write_png(outcomes, png, subtitle)
    print(report.table(outcomes))
    say(f"\nresults: {json_path}" + (f", {png}" if drew else " (no PNG: pip install matplotlib)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
