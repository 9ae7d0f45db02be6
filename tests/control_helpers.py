"""Helpers for the control-plane tests: a real server with edge and admin listeners (in a
thread, or as an `edge serve` process), and small WAT modules that say which version ran."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from hypercorn.asyncio import serve

from edge.server.app import create_app
from edge.server.listeners import hypercorn_config
from edge.server.state import ServerOptions

from .conftest import free_ports, plain_http_tls
from .modules import returning

TOKEN = "s3cret-admin-token"
SITE = Path(__file__).resolve().parents[1] / "samples" / "site"


def manifest_text(extra_behaviors: str = "", functions: str = "") -> str:
    """A static-site manifest; `/fn/*` has no function until the API associates one."""
    return f"""
[origins.site]
root = "{SITE}"
index = "index.html"

{functions}

{extra_behaviors}

[[behaviors]]
path = "*"
origin = "site"
"""


def generated(body: str, status: int = 200) -> str:
    """A viewer-request module that answers every request with `body` (a generated response)."""
    return returning(
        '{"status":"%d","statusDescription":"OK","headers":{"content-type":[{"key":"Content-Type",'
        '"value":"text/plain"}]},"body":"%s"}' % (status, body)
    )


def padded(wat: str, size: int) -> bytes:
    """Binary wasm of about `size` bytes: the module plus a custom section of padding."""
    from edge.runtime.module import to_wasm

    wasm = to_wasm(wat)
    pad = max(0, size - len(wasm) - 16)
    name = b"pad"
    payload = bytes([len(name)]) + name + b"\0" * pad
    return wasm + b"\x00" + _leb(len(payload)) + payload


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class ControlServer:
    """The real app under Hypercorn with the same binds as `edge serve`, in a thread."""

    def __init__(self, manifest: Path, state_dir: Path, *, token: str | None = TOKEN, **options) -> None:  # type: ignore[no-untyped-def]
        options.setdefault("debug_errors", True)  # tests read the failure's detail off the page
        self.port, self.admin_port = free_ports(2)
        self.options = ServerOptions(
            manifest=str(manifest), state_dir=str(state_dir), admin_host="127.0.0.1",
            admin_port=self.admin_port, admin_token=token, **options,
        )
        self.app = create_app(self.options)
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_url = f"http://127.0.0.1:{self.admin_port}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # both http:// (the shared context is never used: it saves making one per client)
        self.edge = httpx.Client(base_url=self.url, timeout=30, verify=plain_http_tls())
        self.admin = httpx.Client(base_url=self.admin_url, timeout=30, headers=headers, verify=plain_http_tls())
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state.edge

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            config = hypercorn_config(self.options, "127.0.0.1", self.port)
            config.loglevel = "WARNING"
            config.graceful_timeout = 1
            await serve(self.app, config, shutdown_trigger=self._stop.wait)

        try:
            asyncio.run(main())
        except BaseException as exc:
            self._error = exc

    def start(self) -> "ControlServer":
        self._thread.start()
        wait_port(self.admin_port, lambda: self._error)
        wait_port(self.port, lambda: self._error)
        return self

    def stop(self) -> None:
        self.edge.close()
        self.admin.close()
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def deploy(self, name: str, module: str | bytes, *, alias: str | None = None, settings: str | None = None,
               expect: int | tuple[int, ...] = (200, 201)) -> dict:
        params = {"alias": alias} if alias else {}
        headers = {"X-Edge-Settings": settings} if settings else {}
        body = module.encode() if isinstance(module, str) else module
        r = self.admin.post(f"/v1/functions/{name}/versions", content=body, params=params, headers=headers)
        expected = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in expected, r.text
        return r.json()

    def associate(self, pattern: str, function: str, event: str = "viewer_request") -> None:
        behaviors = self.admin.get("/v1/behaviors").json()["behaviors"]
        behaviors = [b for b in behaviors if b["path"] != pattern]
        behaviors.insert(0, {"path": pattern, "origin": "site", "cache": "disabled", event: function})
        r = self.admin.put("/v1/behaviors", json={"behaviors": behaviors})
        assert r.status_code == 200, r.text


def wait_port(port: int, error=lambda: None, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        err = error()
        if err is not None:
            raise RuntimeError(f"server failed to start: {err}") from err
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listening on port {port} after {timeout} s")


class ServeProcess:
    """`edge serve` as a child process (its own session, so it and its workers can be killed)."""

    def __init__(self, cwd: Path, manifest: Path | None, state_dir: Path, *extra: str, token: str = TOKEN,
                 command: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        """`command`: how to run `edge` (default: this interpreter's edge.cli.main); manifest None:
        the samples."""
        self.port, self.admin_port = free_ports(2)
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_url = f"http://127.0.0.1:{self.admin_port}"
        self.token = token
        args = [
            *(command or [sys.executable, "-m", "edge.cli.main"]), "serve",
            *(["-m", str(manifest)] if manifest is not None else []), "--state-dir", str(state_dir),
            "--port", str(self.port), "--admin-port", str(self.admin_port), *extra,
        ]
        env = dict(env if env is not None else os.environ, EDGE_ADMIN_TOKEN=token)
        self.log = cwd / f"serve-{self.port}.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                     start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.admin_url, timeout=30, headers={"Authorization": f"Bearer {self.token}"},
                            verify=plain_http_tls())  # http://

    def wait_ready(self, timeout: float = 60) -> "ServeProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited ({self.proc.returncode}): {self.output()}")
            try:
                with self.admin() as client:
                    if client.get("/v1/status", timeout=1).status_code == 200:
                        return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not ready in {timeout} s: {self.output()}")

    def kill9(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers left behind, if any
        self._out.close()


@contextlib.contextmanager
def serving(*args, **kw) -> Iterator[ServeProcess]:  # type: ignore[no-untyped-def]
    proc = ServeProcess(*args, **kw)
    try:
        yield proc
    finally:
        proc.stop()
