"""The processes a benchmark run starts: the edge server (`edge serve`, a real subprocess
under the chosen ASGI server) and the loopback origin (`bench/origin.py`).

Every process gets its own process group (so stopping it stops its workers too), is
stopped with SIGTERM and then SIGKILL after a hard timeout, and is registered so that a
run that ends early (an exception, Ctrl-C, the run's own deadline) leaves nothing behind.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"

_live: set["Proc"] = set()
_lock = threading.Lock()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A subprocess in its own process group, with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], log: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.name = name
        self.log_path = log
        self._log = open(log, "wb")
        self.popen = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd or REPO, start_new_session=True,
        )
        with _lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the group, then SIGKILL if it is not gone within `timeout` seconds."""
        try:
            if self.alive():
                _signal_group(self.pid, signal.SIGTERM)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(self.pid, signal.SIGKILL)
                    self.popen.wait(5)
            _signal_group(self.pid, signal.SIGKILL)  # workers the leader left behind
        finally:
            self._log.close()
            with _lock:
                _live.discard(self)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    with _lock:
        procs = list(_live)
    for proc in procs:
        proc.stop(timeout=5)


atexit.register(stop_all)


class Watchdog:
    """The run's hard deadline: past it, every started process is killed and the run exits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        print(f"\nbench: the run exceeded its {self.seconds:.0f} s deadline; stopping everything", file=sys.stderr)
        stop_all()
        os._exit(3)

    def __enter__(self) -> "Watchdog":
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def start_origin(log_dir: Path, port: int | None = None) -> tuple[Proc, str]:
    port = port or free_port()
    proc = Proc("origin", [sys.executable, "-m", "bench.origin", "--port", str(port)], log_dir / "origin.log")
    url = f"http://127.0.0.1:{port}"
    _wait(lambda: httpx.get(url + "/ready", timeout=1).status_code == 200, proc, 15)
    return proc, url


class Server:
    """`edge serve` as a subprocess; `edge`/`admin` are its base URLs."""

    def __init__(self, proc: Proc, port: int, admin_port: int, server: str, loop: str, workers: int) -> None:
        self.proc = proc
        self.port = port
        self.admin_port = admin_port
        self.server = server
        self.loop = loop
        self.workers = workers
        self.edge = f"http://127.0.0.1:{port}"
        self.admin = f"http://127.0.0.1:{admin_port}"

    @property
    def label(self) -> str:
        return f"{self.server} ({self.loop})"

    def admin_client(self, timeout: float = 60) -> httpx.Client:
        return httpx.Client(base_url=self.admin, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=timeout)

    def stop(self) -> None:
        self.proc.stop()


def start_server(
    manifest: Path, state_dir: Path, log_dir: Path, *, server: str = "hypercorn", loop: str = "auto",
    workers: int = 1, extra: list[str] | None = None, timeout: float = 120,
    env: dict[str, str] | None = None, cwd: Path | None = None,
) -> Server:
    """Start `edge serve` and wait until every listener answers (first start may build samples).
    `env` adds to this process's environment; `cwd` runs it from another source tree (bench/ab.py)."""
    port, admin_port = free_port(), free_port()
    cmd = [
        sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest), "--state-dir", str(state_dir),
        "--port", str(port), "--admin-port", str(admin_port), "--workers", str(workers),
        "--server", server, "--loop", loop, "--bench-native", "--log-level", "warning", *(extra or []),
    ]
    environment = dict(os.environ, **(env or {}), EDGE_ADMIN_TOKEN=TOKEN)
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    tag = f"{server}-{loop}-{int(time.time() * 1000) % 100000}"
    proc = Proc(f"edge serve ({server})", cmd, log_dir / f"server-{tag}.log", env=environment, cwd=cwd)
    handle = Server(proc, port, admin_port, server, loop, workers)

    def ready() -> bool:
        status = httpx.get(handle.admin + "/v1/status", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=2)
        return status.status_code == 200 and httpx.get(handle.edge + "/_native/static-content", timeout=2).status_code == 200

    _wait(ready, proc, timeout)
    handle.loop = _effective_loop(proc, loop)
    return handle


def _effective_loop(proc: Proc, loop: str) -> str:
    """`auto` as the server reported it (`... hypercorn on uvloop)`)."""
    text = proc.tail(50)
    for candidate in ("uvloop", "asyncio"):
        if f" on {candidate})" in text:
            return candidate
    return loop


def wait_until(check, proc: Proc, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Poll `check` until it is true; the process exiting or the timeout is an error naming it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with status {proc.popen.returncode}:\n{proc.tail()}")
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"{proc.name} not ready within {timeout:.0f} s:\n{proc.tail()}")


_wait = wait_until
