"""`edge serve --server hypercorn|uvicorn|granian`: the same app, edge traffic and the admin
API on both listeners, a clean stop on SIGTERM; and the benchmark's native endpoint
(`--bench-native`) answering exactly what the static-content function answers."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_ports, plain_http_tls

REPO = Path(__file__).resolve().parents[1]
STATIC_CONTENT = REPO / "samples" / "static-content" / "build" / "static-content.wasm"


@pytest.fixture(scope="module")
def static_content() -> Path:
    """The sample these servers run, built here if no earlier test built it (a clean clone)."""
    from bench.functions import static_content as build_static_content

    build_static_content()
    return STATIC_CONTENT


@pytest.fixture(scope="module", autouse=True)
def crash_loop_server(tmp_path_factory, static_content: Path) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """The server of the crash-loop test below, started with the module's first test: that test
    needs both workers past their 10 s start window, and that wait passes while the tests before
    it run instead of alone (~11 s of the file). (process, edge URL, when it served)."""
    proc, edge, _ = serve(tmp_path_factory.mktemp("crash-loop"), "--workers", "2")
    serving = time.monotonic()  # both workers started before this
    try:
        yield proc, edge, serving
    finally:
        stop(proc)


def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(
        f'[origins.echo]\ntype = "echo"\n\n[functions.sc]\nsource = "{STATIC_CONTENT}"\n\n'
        '[[behaviors]]\npath = "/sc"\norigin = "echo"\ncache = "disabled"\nviewer_request = "sc"\n\n'
        '[[behaviors]]\npath = "*"\norigin = "echo"\n'
    )
    return path


def serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str, str]:
    port, admin = free_ports(2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest(tmp_path)), "--state-dir",
         str(tmp_path / "state"), "--port", str(port), "--admin-port", str(admin), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
    )
    edge, api = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode()}")  # type: ignore[union-attr]
        try:
            if httpx.get(api + "/v1/status", timeout=1, verify=plain_http_tls()).status_code == 200 and \
                    httpx.get(edge + "/x", timeout=1, verify=plain_http_tls()).status_code == 200:
                return proc, edge, api
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise AssertionError("server did not become ready in 40 s")


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            return proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
            raise AssertionError("server did not stop on SIGTERM") from None
    return proc.returncode


@pytest.mark.parametrize("server", ["hypercorn", "uvicorn", "granian"])
@pytest.mark.timeout(90)
def test_every_server_serves_edge_traffic_and_the_admin_api(tmp_path: Path, server: str, static_content: Path) -> None:
    if server != "hypercorn" and importlib.util.find_spec(server) is None:
        pytest.skip(f"{server} is not installed (pip install 'edge-wasm[bench]')")
    proc, edge, api = serve(tmp_path, "--server", server, "--workers", "2")
    try:
        r = httpx.get(edge + "/sc")
        assert r.status_code == 200 and r.headers["x-cache"] == "LambdaGeneratedResponse from edge"
        assert httpx.get(api + "/v1/functions").json()  # the admin API answers on its own port…
        assert httpx.get(edge + "/v1/functions").headers["x-cache"] != ""  # …and is not on the edge port
    finally:
        assert stop(proc) in (0, -signal.SIGTERM)


@pytest.mark.timeout(60)
def test_native_endpoint_answers_what_the_function_answers(tmp_path: Path, static_content: Path) -> None:
    proc, edge, _ = serve(tmp_path, "--bench-native")
    try:
        function, native = httpx.get(edge + "/sc"), httpx.get(edge + "/_native/static-content")
        assert native.status_code == function.status_code == 200
        assert native.content == function.content
        skip = {"x-amz-cf-id", "date"}  # per request
        assert [(k, v) for k, v in native.headers.items() if k not in skip] == \
            [(k, v) for k, v in function.headers.items() if k not in skip]
        assert native.headers["x-amz-cf-id"] != function.headers["x-amz-cf-id"]
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def default_server(tmp_path_factory, static_content: Path) -> Iterator[str]:
    """`edge serve` with its defaults (Granian, one worker, no --bench-native), for the tests that only
    send it requests (the edge URL)."""
    proc, edge, _ = serve(tmp_path_factory.mktemp("default-server"))
    try:
        yield edge
    finally:
        assert stop(proc) in (0, -signal.SIGTERM)


def test_the_native_endpoint_is_off_by_default(default_server: str) -> None:
    assert httpx.get(default_server + "/_native/static-content").headers["x-cache"] == "Miss from edge"  # the echo origin


@pytest.mark.timeout(60)
def test_a_stop_while_workers_start_is_a_clean_exit(tmp_path: Path, static_content: Path) -> None:
    """SIGTERM to the process group (docker stop, systemd) while workers are still booting."""
    for delay, stop_signal in ((0.3, signal.SIGTERM), (0.5, signal.SIGTERM), (0.7, signal.SIGINT), (1.0, signal.SIGTERM),
                               (1.5, signal.SIGTERM)):
        port, admin = free_ports(2)
        proc = subprocess.Popen(
            [sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest(tmp_path)), "--state-dir",
             str(tmp_path / "state"), "--port", str(port), "--admin-port", str(admin), "--workers", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(proc.pid, stop_signal)  # both the main process and its booting workers get it
        code = stop(proc)
        output = proc.stdout.read().decode()  # type: ignore[union-attr]
        assert code in (0, -signal.SIGTERM, -signal.SIGINT), (delay, code, output)
        assert "Unexpected exit" not in output, (delay, output)


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
            and b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker processes from /proc (Linux)")
@pytest.mark.timeout(120)  # with the module's server start (the first build on a fresh machine)
def test_a_worker_that_dies_after_booting_is_replaced_and_one_that_keeps_dying_backs_off(
        crash_loop_server: tuple[subprocess.Popen, str, float]) -> None:
    """A worker killed on its own after it booted (the OOM killer) is replaced while the other
    serves; its replacement killed at once, before it booted, does not stop the node (a worker
    in that slot booted before): the next replacement waits 1 s (respawn.py), and the node
    serves on with two workers."""
    proc, edge, serving = crash_loop_server  # `edge serve --workers 2`, started with the module
    try:
        workers = worker_pids(proc.pid)
        assert len(workers) == 2, workers
        time.sleep(max(0.0, serving + 11 - time.monotonic()))  # both booted long since
        os.kill(workers[0], signal.SIGKILL)
        replacement = wait_for_new_worker(proc, edge, set(workers))
        os.kill(replacement, signal.SIGKILL)  # again, at once: before it boots
        killed_at = time.monotonic()
        third = wait_for_new_worker(proc, edge, {*workers, replacement})
        assert time.monotonic() - killed_at >= 0.9  # it waited its 1 s
        assert proc.poll() is None and sorted(worker_pids(proc.pid)) == sorted([workers[1], third])
        assert httpx.get(edge + "/sc", timeout=10).status_code == 200
    finally:
        code = stop(proc)
    output = proc.stdout.read().decode()  # type: ignore[union-attr]
    assert code in (0, -signal.SIGTERM), (code, output)
    assert "Unexpected exit from worker-" in output and "(signal 9); a new one starts" in output, output
    assert "(signal 9) while starting; a new one starts in 1 s (2 deaths, each within 60 s" in output, output
    assert "the server stops" not in output and "crash loop" not in output, output


def wait_for_new_worker(proc: subprocess.Popen, edge: str, known: set[int]) -> int:
    """The pid of the worker started after those in `known`; the other worker serves meanwhile."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None
        new = [pid for pid in worker_pids(proc.pid) if pid not in known]
        if new:
            return new[0]
        assert httpx.get(edge + "/", timeout=10).status_code == 200
        time.sleep(0.02)
    raise AssertionError(f"no new worker within 30 s: {worker_pids(proc.pid)}")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker processes from /proc (Linux)")
@pytest.mark.parametrize("server", ["granian", "hypercorn"])
@pytest.mark.timeout(60)
def test_a_worker_that_dies_before_any_booted_stops_the_server(tmp_path: Path, server: str,
                                                               static_content: Path) -> None:
    """A worker that dies before it booted, in a slot where none ever booted, means the node
    cannot start (replacing it would fail for ever): the server says so and exits 1 for its
    supervisor, under Granian's own supervisor and edge's (Hypercorn, uvicorn) alike."""
    port, admin = free_ports(2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest(tmp_path)), "--state-dir",
         str(tmp_path / "state"), "--port", str(port), "--admin-port", str(admin), "--workers", "2",
         "--server", server],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            workers = worker_pids(proc.pid) if Path(f"/proc/{proc.pid}").exists() else []
            if workers:
                os.kill(workers[0], signal.SIGKILL)  # a worker booting takes a second or more
                break
            time.sleep(0.01)
        code = proc.wait(30)
    finally:
        stop(proc)
    output = proc.stdout.read().decode()  # type: ignore[union-attr]
    assert code == 1, (code, output)
    assert "(signal 9) before it finished starting; the server stops" in output, output


def test_granians_stop_signal_handler_never_blocks_on_its_event(tmp_path: Path) -> None:
    """Granian's main process sets a threading.Event from its signal handler; a second signal
    arriving inside the first handler's `set()` (or the first, while the main thread holds the
    event's lock) blocked for ever. The handlers edge installs return at once and the event is
    set as soon as the lock is free."""
    from granian import Granian

    from edge.server.serverhooks import calm_granian_signals

    server = Granian("edge.server.sidecar:granian_app", factory=True, address="127.0.0.1", port=free_ports(1)[0])
    calm_granian_signals(server)
    event = server.main_loop_interrupt
    with event._cond:  # the main thread holds the lock, as inside set(), wait() or clear()
        started = time.monotonic()
        server.signal_handler_interrupt(signal.SIGTERM, None)
        server.signal_handler_interrupt(signal.SIGTERM, None)  # and a second signal on top
        assert time.monotonic() - started < 1 and not event.is_set()
    assert event.wait(5) and server.interrupt_signal
    event.clear()
    server.signal_handler_interrupt(signal.SIGTERM, None)  # the usual case: set before the handler returns,
    assert event.is_set()  # so the main loop stops the workers before their own signal ends them


def test_granian_does_not_name_itself_in_responses(default_server: str) -> None:
    """Granian adds `server: granian` to a response without a Server header: the edge's own
    comes first, on generated and proxied responses alike (Granian is `edge serve`'s default)."""
    for path in ("/sc", "/x"):
        r = httpx.get(default_server + path, timeout=10)
        assert r.status_code == 200 and r.headers.get_list("server") == ["edge"], (path, r.headers)


def test_two_stop_signals_at_once_stop_granian(tmp_path: Path, static_content: Path) -> None:
    """`timeout` and a user both sending SIGTERM (the process group and the main process)."""
    proc, edge, _ = serve(tmp_path, "--server", "granian")
    os.kill(proc.pid, signal.SIGTERM)
    os.killpg(proc.pid, signal.SIGTERM)
    os.kill(proc.pid, signal.SIGTERM)
    try:
        assert proc.wait(20) in (0, -signal.SIGTERM)
    finally:
        stop(proc)


def test_a_ctrl_c_before_the_server_handles_signals_ends_as_a_sigint_stop() -> None:
    """A Ctrl-C that reaches `edge serve` before its server installed signal handlers (a loaded
    machine, the manifest still loading) used to end in click's "Aborted!" and status 1, as
    for a failure; the command now ends as a program stopped by SIGINT, after its cleanup."""
    code = (
        "from edge.cli.serve import stopped_by_interrupt\n"
        "@stopped_by_interrupt\n"
        "def serve():\n"
        "    try:\n"
        "        raise KeyboardInterrupt\n"
        "    finally:\n"
        "        print('cleanup ran', flush=True)\n"
        "serve()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -signal.SIGINT, (done.returncode, done.stderr)
    assert done.stdout == "cleanup ran\n"
    assert done.stderr == "edge: stopped while starting\n"
