"""Shared fixtures: real Hypercorn servers on loopback ports (an origin and the edge)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from edge.server.app import create_app
from edge.server.state import ServerOptions


# The suite runs on two processes that keep both cores busy: a background (optimizing)
# compile at nice 19 would get ~1.5 % of a core, and tests waiting for one would wait minutes;
# guest code on worker threads at nice 19 could meet its wall-clock cap by waiting alone (a
# 0.3 s invocation timed out). The servers the tests start inherit these (edge/runtime/priority.py);
# tests/test_tiering.py checks the default, test_native_calls.py and test_preparer.py the lowering.
os.environ.setdefault("EDGE_OPTIMIZE_NICE", "0")
os.environ.setdefault("EDGE_GUEST_NICE", "0")


def _shared_bytecode_cache() -> None:
    """The servers and CLIs the tests start (~90 `edge serve` starts, each with its workers) compile
    the package from source when the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE,
    set on some CI machines): ~0.5 s of CPU a process. They share one cache outside the checkout
    instead (PYTHONPYCACHEPREFIX), written once; the test processes themselves are unchanged."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    import hashlib
    import tempfile

    checkout = hashlib.sha256(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"edge-tests-pycache-{os.getuid()}-{checkout}"
    try:
        cache.mkdir(mode=0o700, exist_ok=True)
        owner = cache.lstat()
    except OSError:
        return
    # only a directory of this user's that nobody else can write to: another user could plant bytecode
    if not cache.is_dir() or cache.is_symlink() or owner.st_uid != os.getuid() or owner.st_mode & 0o022:
        return
    os.environ.pop("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache)


_shared_bytecode_cache()


def _port_range() -> range:
    """This test process's own block of server ports, below the kernel's ephemeral range
    (32768-60999 by default): with the suite on several processes (pytest-xdist), a port one
    process picked with bind(0) and released before its server bound it could be the next
    bind(0) of another process (a server then failed with "Address already in use"), and a
    port in the ephemeral range could be taken meanwhile by any outgoing connection. Each
    process counts through its own block instead."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) + 1 if worker.startswith("gw") and worker[2:].isdigit() else 0
    start = 12000 + (index % 8) * 2500
    return range(start, start + 2500)


_PORTS = _port_range()
_next_port = 0


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports from this process's block, handed out in turn (the
    block wraps after 2,500): a port is checked free by binding it, and is not handed out again
    until the block has gone round."""
    global _next_port
    chosen: list[int] = []
    for _ in range(len(_PORTS)):
        port = _PORTS[_next_port % len(_PORTS)]
        _next_port += 1
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use (a server of an earlier test, or another program)
        chosen.append(port)
        if len(chosen) == count:
            return chosen
    raise RuntimeError(f"no {count} free ports in {_PORTS.start}-{_PORTS.stop - 1}")


def free_port() -> int:
    return free_ports(1)[0]


class ServerThread:
    """An ASGI app under a real Hypercorn server on 127.0.0.1, in a thread with its own loop."""

    def __init__(self, app, port: int | None = None, *, date_header: bool = True,  # type: ignore[no-untyped-def]
                 certfile: str | None = None, keep_alive_timeout: float | None = None, stop_wait: float = 10,
                 startup: float = 30) -> None:
        """`certfile` (certificate and key in one file): TLS, with HTTP/2 offered by ALPN;
        `stop_wait`: how long stop() waits for the server's thread; `startup`: how long the
        app's boot (its lifespan startup) may take before the server listens."""
        self.app = app
        self.date_header = date_header  # the edge sets Date itself, as `edge serve` configures Hypercorn
        self.certfile = certfile
        self.keep_alive_timeout = keep_alive_timeout
        self.stop_wait = stop_wait
        self.startup = startup
        self.port = port or free_port()
        self.url = f"{'https' if certfile else 'http'}://127.0.0.1:{self.port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            config = Config()
            config.bind = [f"127.0.0.1:{self.port}"]
            config.loglevel = "WARNING"
            config.graceful_timeout = 1
            config.startup_timeout = self.startup
            config.include_date_header = self.date_header
            config.include_server_header = self.date_header
            if self.certfile:
                config.certfile = config.keyfile = self.certfile
            if self.keep_alive_timeout is not None:
                config.keep_alive_timeout = self.keep_alive_timeout
            await serve(self.app, config, shutdown_trigger=self._stop.wait)

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by start()
            self._error = exc

    def start(self) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if self._error is not None:
                raise RuntimeError(f"server failed to start: {self._error}") from self._error
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"server did not start within {self.startup:g} s")

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(self.stop_wait)


class Origin:
    """A real origin server for tests; counts requests per path and records their headers."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.requests: list[dict] = []
        self.gate: asyncio.Event | None = None
        routes = [Route("/{path:path}", self.handle, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"])]
        self.server = ServerThread(Starlette(routes=routes))

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.hits[path] += 1
        body = await request.body()
        self.requests.append(
            {"method": request.method, "path": path, "query": request.url.query,
             "headers": list(request.headers.items()), "body": body}
        )
        params = request.query_params
        if path.startswith("/slow"):
            await asyncio.sleep(float(params.get("s", "2")))
        if path.startswith("/wait"):  # held until the test opens the gate (coalescing)
            await asyncio.sleep(float(params.get("s", "0.3")))
        status = int(params.get("status", "200"))
        headers = {}
        if "cc" in params:
            headers["Cache-Control"] = params["cc"]
        if "lm" in params:
            headers["Last-Modified"] = params["lm"]
        if "server" in params:
            headers["Server"] = params["server"]
        if "age" in params:  # the answer was already in another cache this long
            headers["Age"] = params["age"]
        if "etag" in params:
            headers["ETag"] = params["etag"]
            if request.headers.get("if-none-match") == params["etag"]:
                if "cookie304" in params:  # a 304 that sets this viewer's cookie
                    headers["Set-Cookie"] = f"{params['cookie304']}-{self.hits[path]}"
                return Response(status_code=304, headers=headers)
        if path.startswith("/echo"):
            return JSONResponse(self.requests[-1] | {"body": body.decode("latin-1"), "headers": dict(request.headers)},
                                status_code=status, headers=headers)
        if path.startswith("/ranged"):  # an origin that honours one byte range, as S3 does
            data = b"0123456789" * 10
            wanted = request.headers.get("range", "")
            if wanted.startswith("bytes=") and "," not in wanted:
                first, _, last = wanted[6:].partition("-")
                if first.isdigit():
                    end = min(int(last), 99) if last.isdigit() else 99
                    headers["Content-Range"] = f"bytes {first}-{end}/100"
                    return Response(data[int(first):end + 1], status_code=206, headers=headers,
                                    media_type="application/octet-stream")
            return Response(data, status_code=status, headers=headers, media_type="application/octet-stream")
        if path.startswith("/big"):
            size = int(params.get("n", str(4 * 1024 * 1024)))
            return Response(b"x" * size, status_code=status, headers=headers, media_type="application/octet-stream")
        text = f"origin {path} #{self.hits[path]}"
        return Response(text, status_code=status, headers=headers, media_type="text/plain")


@pytest.fixture(scope="session")
def origin() -> Iterator[Origin]:
    o = Origin()
    o.server.start()
    yield o
    o.server.stop()


@pytest.fixture
def fresh_origin(origin: Origin) -> Origin:
    origin.hits.clear()
    origin.requests.clear()
    return origin


@functools.cache
def plain_http_tls() -> ssl.SSLContext:
    """The `verify` of the tests' clients of plain-http loopback servers: httpx makes a new
    default SSL context for every client, ~20 ms of CPU reading certifi's CA bundle, and a client
    of an http:// base URL never uses it (one shared context, httpx's default, made once)."""
    return httpx.create_ssl_context()


class Edge:
    """The edge app under a real Hypercorn server, configured by a manifest written to disk."""

    def __init__(self, manifest: Path, state_dir: Path, port: int | None = None, startup: float = 30,  # type: ignore[no-untyped-def]
                 **options) -> None:
        options.setdefault("debug_errors", True)  # tests read the failure's detail off the page
        self.options = ServerOptions(manifest=str(manifest), state_dir=str(state_dir), **options)
        self.app = create_app(self.options)
        self.server = ServerThread(self.app, port, date_header=False, startup=startup)
        self.url = self.server.url
        self.client = httpx.Client(base_url=self.url, timeout=30, verify=plain_http_tls())  # http://

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state.edge

    def get(self, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        return self.client.get(path, **kw)

    def request(self, method: str, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        return self.client.request(method, path, **kw)

    def close(self) -> None:
        self.client.close()
        self.server.stop()


@pytest.fixture(scope="session")
def sample_distribution(tmp_path_factory) -> Iterator[Edge]:
    """`samples/manifest.toml` under a real server: every sample and its JavaScript twin built
    and compiled once for the session (test_samples_e2e.py, the C samples and their JavaScript twins)."""
    # its boot builds every sample and twin (and, on a fresh machine, may wait for the JavaScript
    # engine another test process is building): minutes on a loaded 2-core machine, not seconds
    edge = Edge(Path(__file__).resolve().parents[1] / "samples" / "manifest.toml", tmp_path_factory.mktemp("samples-state"),
                startup=300)
    edge.server.start()
    yield edge
    edge.close()


@pytest.fixture
def edge_factory(tmp_path: Path) -> Iterator:
    started: list[Edge] = []

    def make(manifest_text: str, files: dict[str, str | bytes] | None = None, **options) -> Edge:  # type: ignore[no-untyped-def]
        for name, content in (files or {}).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(manifest_text)
        if any(name.endswith((".c", ".zig", ".js", ".mjs")) for name in files or {}):
            # its start builds functions from source: tens of seconds on a loaded 2-core machine
            options.setdefault("startup", 120)
        edge = Edge(manifest, tmp_path / "state", **options)
        edge.server.start()
        started.append(edge)
        return edge

    yield make
    for edge in started:
        edge.close()


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    out: list[float] = []
    start = time.perf_counter()
    yield out
    out.append(time.perf_counter() - start)


from .pgfixtures import pg_database, pg_url  # noqa: E402,F401  (a real PostgreSQL for the fleet tests)


def pytest_collection_finish(session: pytest.Session) -> None:
    from . import warmup

    warmup.start(len(session.items))  # zig's libc, Zig's runtime, the JS engine: side by side


def pytest_sessionfinish(session: pytest.Session) -> None:
    from . import warmup

    warmup.finish()


@pytest.fixture(scope="session")
def scaffolds(request, tmp_path_factory) -> dict:
    """Every `edge new` starter (language x hook), built once per run (tests/scaffolds.py)."""
    from .scaffolds import shared_scaffolds

    return shared_scaffolds(request.config, tmp_path_factory)
