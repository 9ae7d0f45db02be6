"""Load generation against loopback only: `wrk` when installed (Debian package `wrk`),
otherwise a built-in asyncio generator. Every run is bounded by its duration.

Both report the same figures: requests/s, p50/p90/p99 latency in ms, errors, non-2xx/3xx,
and the latency distribution as (percentile, ms) points for CDF plots.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int = 0
    non_2xx: int = 0
    tool: str = "wrk"
    latencies_ms: list[float] = field(default_factory=list, repr=False)  # builtin only
    cdf: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (percentile, ms)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("latencies_ms")
        data.pop("cdf")
        return data


# The percentiles a CDF is drawn from (dense in the tail).
CDF_PERCENTILES = (
    [float(p) for p in range(1, 100)]
    + [99.1, 99.2, 99.3, 99.4, 99.5, 99.6, 99.7, 99.8, 99.9, 99.95, 99.99, 100.0]
)


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"benchmarks only send traffic to loopback addresses, not {host!r}")


def run_load(
    url: str,
    *,
    duration: float = 5.0,
    connections: int = 32,
    threads: int = 2,
    unique_paths: bool = False,
    headers: dict[str, str] | None = None,
    tool: str = "auto",
    pace_ms: float = 0.0,
) -> LoadResult:
    """Drive `url` for `duration` seconds. unique_paths appends ?n=<counter> (cache misses);
    pace_ms > 0 waits that long between a connection's requests (light, steady traffic)."""
    check_loopback(url)
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") and not pace_ms else "builtin"
    if tool == "wrk":
        return _wrk(url, duration, connections, threads, unique_paths, headers or {})
    return asyncio.run(_builtin(url, duration, connections, unique_paths, headers or {}, pace_ms))


# -- wrk --------------------------------------------------------------------------------

_UNIQUE_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?n=" .. counter .. "-" .. math.random(1, 1000000000))
end
"""

# After the run: the latency distribution, one "PCT <percentile> <microseconds>" line each.
_DONE_LUA = """
done = function(summary, latency, requests)
  for _, p in ipairs({%s}) do
    local v = p >= 100 and latency.max or latency:percentile(p)
    io.write(string.format("PCT %%g %%d\\n", p, v))
  end
end
""" % ", ".join(f"{p:g}" for p in CDF_PERCENTILES)


def _wrk(url: str, duration: float, connections: int, threads: int, unique: bool, headers: dict[str, str]) -> LoadResult:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.lua"
        script.write_text((_UNIQUE_LUA if unique else "") + _DONE_LUA)
        args += ["-s", str(script)]
        out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    return parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(out: str) -> LoadResult:
    def pct(p: str) -> float:
        m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return _ms(*m.groups()) if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rps or not total:
        raise RuntimeError(f"could not parse wrk output:\n{out}")
    cdf = [(float(p), int(us) / 1000) for p, us in re.findall(r"^PCT ([\d.]+) (\d+)$", out, re.M)]
    exact = dict(cdf)
    return LoadResult(
        rps=float(rps.group(1)),
        p50_ms=exact.get(50.0, pct("50")),
        p90_ms=exact.get(90.0, pct("90")),
        p99_ms=exact.get(99.0, pct("99")),
        requests=int(total.group(1)),
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        tool="wrk",
        cdf=cdf,
    )


# -- built-in generator ----------------------------------------------------------------------


async def _builtin(url: str, duration: float, connections: int, unique: bool, headers: dict[str, str],
                   pace_ms: float = 0.0) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    base = parts.path or "/"
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    latencies: list[float] = []
    errors = non2xx = 0
    counter = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors, non2xx, counter
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                counter += 1
                path = f"{base}?n={counter}" if unique else (base + (f"?{parts.query}" if parts.query else ""))
                started = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")  # type: ignore[union-attr]
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)  # type: ignore[union-attr]
                latencies.append((time.perf_counter() - started) * 1000)
                if not 200 <= status < 400:
                    non2xx += 1
                if pace_ms:
                    await asyncio.sleep(pace_ms / 1000)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    if not latencies:
        return LoadResult(0, float("nan"), float("nan"), float("nan"), 0, errors, non2xx, "builtin")
    ordered = sorted(latencies)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return LoadResult(
        rps=len(latencies) / elapsed,
        p50_ms=statistics.median(ordered),
        p90_ms=q(0.90),
        p99_ms=q(0.99),
        requests=len(latencies),
        errors=errors,
        non_2xx=non2xx,
        tool="builtin",
        latencies_ms=ordered,
        cdf=[(p, q(p / 100)) for p in CDF_PERCENTILES],
    )


def main() -> None:
    """`python -m bench.load URL`: one bounded load run from its own process; prints JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--pace-ms", type=float, default=0.0)
    parser.add_argument("--tool", default="auto")
    args = parser.parse_args()
    result = run_load(args.url, duration=args.duration, connections=args.connections, tool=args.tool,
                      pace_ms=args.pace_ms)
    print(json.dumps(result.to_dict()))


if __name__ == "__main__":
    main()
