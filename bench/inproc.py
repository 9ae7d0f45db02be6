"""In-process timing of the app's request path: no server, no sockets to the viewer.

    python -m bench.inproc                       # function, cache hit and proxy routes
    python -m bench.inproc -n 5000 -r 5 hit      # one route, more requests and rounds
    python -m bench.inproc cold                  # first request after a deploy, in-process

The app (`create_app`) is driven directly with ASGI messages, so a figure is the Python and
sandbox cost of one request, without the ASGI server's. Each route reports wall and CPU
time per request (CPU: this process, all threads — the native preparer's included), the
fastest of `--rounds` rounds. The proxy route reaches bench/origin.py, started here. `cold` deploys new bytes of the
`/fn` function 20 times (through the control plane, as the admin API does) and reports the
median of the first request after each deploy, of warm requests, and of a request after a
no-op deploy (the same bytes again: what any admin call costs the next request).
For A/B, run it on two checkouts one after the other, a few times (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from . import functions, procs

ROUTES = {"function": "/fn", "reuse": "/reuse", "hit": "/hit", "proxy": "/proxy"}
COLD_DEPLOYS = 20


def manifest(directory: Path, origin_url: str) -> Path:
    wasm = directory / "static-content.wasm"
    wasm.write_bytes(functions.static_content())
    path = directory / "manifest.toml"
    path.write_text(f"""
[origins.bench]
url = "{origin_url}"

[functions.sc]
source = "{wasm}"

[[behaviors]]
path = "/fn"
origin = "bench"
cache = "disabled"
viewer_request = "sc"

[functions.sc-reuse]
source = "{wasm}"
isolation = "reuse"

[[behaviors]]
path = "/reuse"
origin = "bench"
cache = "disabled"
viewer_request = "sc-reuse"

[[behaviors]]
path = "/proxy"
origin = "bench"
cache = "disabled"

[[behaviors]]
path = "*"
origin = "bench"
""")
    return path


class Driver:
    """The app, started and stopped through its lifespan, called with one request at a time."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.lifespan: asyncio.Queue[dict] = asyncio.Queue()
        self.events: list[dict] = []

    async def start(self) -> None:
        await self.lifespan.put({"type": "lifespan.startup"})

        async def send(message: dict) -> None:
            self.events.append(message)

        self.task = asyncio.ensure_future(self.app({"type": "lifespan"}, self.lifespan.get, send))
        while not self.events:
            await asyncio.sleep(0.01)
        if self.events[0]["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the app did not start: {self.events[0]}")

    async def stop(self) -> None:
        await self.lifespan.put({"type": "lifespan.shutdown"})
        await self.task

    async def get(self, path: str) -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"bench"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
        status = 0

        async def receive() -> dict:
            await asyncio.sleep(3600)  # a GET has no body; the app waits here only for a disconnect
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        # A server's loop turns between requests (the next one comes from a socket), which runs
        # what a response left for its next turn (a used instance's teardown, the next fresh
        # one); without this, a route that never waits would never let those run.
        await asyncio.sleep(0)
        return status


async def measure(routes: list[str], n: int, rounds: int, warm: int) -> None:
    from edge.server.app import create_app
    from edge.server.state import ServerOptions

    # (a background compile may still be writing its artifacts when the app has stopped)
    with tempfile.TemporaryDirectory(prefix="edge-inproc-", ignore_cleanup_errors=True) as tmp:
        directory = Path(tmp)
        (directory / "logs").mkdir()
        origin, origin_url = procs.start_origin(directory / "logs")
        try:
            options = ServerOptions(manifest=str(manifest(directory, origin_url)), state_dir=str(directory / "state"),
                                    metrics=False)
            driver = Driver(create_app(options))
            await driver.start()
            try:
                await wait_optimized(driver.app.state.edge)
                if "cold" in routes:
                    await measure_cold(driver, driver.app.state.edge)
                for route in (r for r in routes if r != "cold"):
                    path = ROUTES[route]
                    status = await driver.get(path)
                    if status != 200:
                        raise RuntimeError(f"{route}: {path} answered {status}")
                    for _ in range(warm):
                        await driver.get(path)
                    best = []
                    for _ in range(rounds):
                        wall, cpu = time.perf_counter(), time.process_time()
                        for _ in range(n):
                            await driver.get(path)
                        best.append(((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6))
                    print(f"{route:>9}: {min(b[0] for b in best):7.1f} us wall, {min(b[1] for b in best):7.1f} us CPU "
                          f"per request (fastest of {rounds} x {n})")
            finally:
                await driver.stop()
        finally:
            origin.stop()


async def wait_optimized(state, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Until every loaded version serves its optimized code: a deploy serves baseline (Winch)
    code at once and compiles the optimized code in the background, whose CPU (this process's)
    and slower code would otherwise fall into the first rounds."""
    compiler = state.plane.compiler
    deadline = time.monotonic() + timeout
    while any(compiler.is_baseline(published.compiled)
              for versions in state.registry.versions.values() for published in versions.values()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the optimized code was not ready within {timeout:g} s")
        await asyncio.sleep(0.05)


async def measure_cold(driver: Driver, state) -> None:  # type: ignore[no-untyped-def]
    """First request after a deploy of new bytes, warm requests, and a request after a no-op deploy."""
    import functools
    import statistics

    base = functions.static_content()

    async def deploy(wasm: bytes) -> None:
        await state.control(functools.partial(state.plane.deploy, alias="live"), "sc", wasm, None)

    async def timed() -> float:
        started = time.perf_counter()
        if await driver.get("/fn") != 200:
            raise RuntimeError("cold: /fn did not answer 200")
        return (time.perf_counter() - started) * 1e6

    await deploy(functions.with_tag(base, "cold-base"))
    for _ in range(50):
        await timed()
    first, warm, control = [], [], []
    for i in range(COLD_DEPLOYS):
        wasm = functions.with_tag(base, f"cold-{i}")
        await deploy(wasm)
        first.append(await timed())
        warm.extend([await timed() for _ in range(10)])
        await deploy(wasm)  # the same bytes: nothing compiled or loaded
        control.append(await timed())
        await asyncio.sleep(0.05)
    f, w, c = statistics.median(first), statistics.median(warm), statistics.median(control)
    print(f"     cold: first request after a deploy {f:6.0f} us, warm {w:6.0f} us ({f / w:.2f} x), "
          f"after a no-op deploy {c:6.0f} us ({c / w:.2f} x); medians of {COLD_DEPLOYS} deploys")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.splitlines()[0])
    parser.add_argument("routes", nargs="*", metavar="ROUTE",
                        help=f"any of {', '.join(ROUTES)}, cold (default: the routes)")
    parser.add_argument("-n", type=int, default=3000, help="requests per round")
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=500, help="unmeasured requests first")
    args = parser.parse_args()
    unknown = [route for route in args.routes if route not in ROUTES and route != "cold"]
    if unknown:
        parser.error(f"unknown route {unknown[0]!r}; choose from {', '.join(ROUTES)}, cold")
    asyncio.run(measure(args.routes or list(ROUTES), args.n, args.rounds, args.warm))


if __name__ == "__main__":
    main()
