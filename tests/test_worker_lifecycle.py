"""Worker processes and what they start end with the process that started them.

- `kill -9` of `edge serve`'s main process while its workers still boot: each worker exits
  within a few seconds (edge/server/parent_watch.py), with every process it started, instead
  of booting on and only then stopping through its server's stop signal, which Granian on
  uvloop can lose (the worker then waited in Granian's shutdown for good).
- killed at any moment of the workers' start, booting or serving: every worker ends.
- a JavaScript upload's build process (python -m edge.server.jsupload) and its Wizer die with
  the server process that started them, however it died (edge/server/jsupload.py's lifeline),
  instead of running on up to the build's time limit.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from .control_helpers import manifest_text
from .serve_output import serve_output

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads processes from /proc (Linux)")

EXIT_BOUND = 5.0  # seconds within which a booting worker whose main process was killed must be gone

# Loaded by every process of the server (PYTHONPATH): in a spawned worker (`--multiprocessing-fork`,
# its main process named in EDGE_MAIN_PID), the boot's store and compile step (state._start_plane,
# run off the event loop) first starts a child process, as a build does, then takes two minutes.
SLOW_BOOT = '''
import os, sys
if "--multiprocessing-fork" in sys.argv and os.environ.get("EDGE_MAIN_PID", str(os.getpid())) != str(os.getpid()):
    import subprocess, time
    from pathlib import Path
    import edge.server.state as state

    real = state._start_plane

    def slow(*args, **kwargs):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        marker = Path(os.environ["EDGE_TEST_BOOTING"]) / str(os.getpid())
        marker.with_suffix(".tmp").write_text(str(child.pid))
        marker.with_suffix(".tmp").rename(marker)
        time.sleep(120)
        return real(*args, **kwargs)

    state._start_plane = slow
'''


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def workers_of(pid: int) -> list[int]:
    return [child for child in children(pid)
            if b"--multiprocessing-fork" in _cmdline(child) and b"resource_tracker" not in _cmdline(child)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def session(sid: int) -> list[int]:
    """The live processes of session `sid` (`edge serve` here starts one of its own: its main
    process, workers, what they started, multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[3] == str(sid) and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after waiting up to `seconds` for them all to end."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


def serve_args(tmp_path: Path, server: str, workers: int = 2) -> tuple[str, ...]:
    from .conftest import free_ports

    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)
    return ("-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--port", str(port),
            "--admin-port", str(admin_port), "--workers", str(workers), "--server", server)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("server", ["granian", "hypercorn", "uvicorn"])
def test_workers_whose_main_process_is_killed_while_they_boot_exit_at_once(tmp_path, server):
    if server == "uvicorn":
        pytest.importorskip("uvicorn")
    hooks, booting = tmp_path / "hooks", tmp_path / "booting"
    hooks.mkdir()
    booting.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_BOOT)
    env = dict(os.environ, EDGE_TEST_BOOTING=str(booting),
               PYTHONPATH=os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])))
    with serve_output(tmp_path, *serve_args(tmp_path, server), env=env) as main:
        deadline = time.monotonic() + 60
        while len(list(booting.glob("[0-9]*[0-9]"))) < 2 and time.monotonic() < deadline:
            assert main.proc.poll() is None, main.seen
            time.sleep(0.05)
        markers = sorted(booting.glob("[0-9]*[0-9]"))
        assert len(markers) == 2, (markers, main.seen)
        workers = [int(m.name) for m in markers]
        started = [int(m.read_text()) for m in markers]  # what each worker started while booting
        assert sorted(workers) == sorted(workers_of(main.proc.pid)) and all(map(alive, started))
        os.kill(main.proc.pid, signal.SIGKILL)  # the main process alone, while both workers boot
        main.proc.wait(10)
        left = gone_within(workers + started, EXIT_BOUND)
        assert not left, [(p, _cmdline(p)) for p in left]
        left = gone_within(session(main.proc.pid), 2)  # nothing at all is left of the server
        assert not left, [(p, _cmdline(p)) for p in left]
        for worker in workers:  # each says so (in either order)
            said = f"worker pid {worker} was still starting: it exits"
            if not any(said in line for line in main.seen):
                main.until(said, timeout=5)
        assert not any("edge: serving" in line for line in main.seen), main.seen


@pytest.mark.timeout(120)
def test_a_main_process_killed_anywhere_in_its_workers_start_leaves_no_worker(tmp_path):
    """Granian on uvloop: a stop signal that lands between a worker's lifespan start and its
    serving loop is never handled; killed at moments spread over the start, each worker exits
    (booting: at once; serving: it drains, its stop signal sent again until taken)."""
    for attempt, delay in enumerate((0.3, 0.8, 1.2, 1.5, 1.8, 2.1, 2.5)):
        run = tmp_path / str(attempt)
        run.mkdir()
        with serve_output(run, *serve_args(run, "granian"), env=dict(os.environ)) as main:
            deadline = time.monotonic() + 30
            while len(workers_of(main.proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            workers = workers_of(main.proc.pid)
            assert len(workers) == 2, main.seen
            time.sleep(delay)
            os.kill(main.proc.pid, signal.SIGKILL)
            main.proc.wait(10)
            # booting: gone once its imports are done (seconds on a loaded machine); serving: drained at once.
            # Well within the 25 s (grace period + STOP_MARGIN) after which a stopping orphan exits regardless
            left = gone_within(workers, 15)
            assert not left, (delay, [(p, _cmdline(p)) for p in left], main.seen)


# -- a JavaScript upload's build dies with its server process -------------------------------------------


def builders(marker: str) -> list[int]:
    """Build processes (python -m edge.server.jsupload) whose request names `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and b"edge.server.jsupload" in _cmdline(int(entry.name)) \
                and marker.encode() in _cmdline(int(entry.name)):
            found.append(int(entry.name))
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.timeout(300)  # the first JavaScript upload may build the engine (about a minute)
@pytest.mark.parametrize("server,workers", [("hypercorn", 1), ("granian", 1)])
def test_a_js_build_dies_with_the_server_process_that_started_it(tmp_path, server, workers):
    """`edge serve --server hypercorn` with one worker is one process; under Granian the build's
    parent is a worker. Either, SIGKILLed mid-build, takes the build and its Wizer with it (before:
    they ran on up to the build's 30 s limit, the function's top-level code spinning in Wizer)."""
    args = serve_args(tmp_path, server, workers)
    admin_port = int(args[args.index("--admin-port") + 1])
    marker = f"lifeline{server}.handler"
    body = b"while (true) {}\nexports.handler = async () => ({});\n"
    request = (f"POST /v1/functions/lifeline/versions?filename=lifeline{server}.js&handler={marker} HTTP/1.1\r\n"
               f"Host: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with serve_output(tmp_path, *args, env=dict(os.environ)) as main:
        main.until("edge: serving", timeout=60)
        client = socket.create_connection(("127.0.0.1", admin_port))
        try:
            client.sendall(request + body)
            deadline = time.monotonic() + 240
            while not (found := builders(marker)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(found) == 1, (found, main.seen)
            builder = found[0]
            deadline = time.monotonic() + 30  # its Wizer, running the function's top-level code
            while not (wizer := children(builder)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert wizer, main.seen
            owner = parent_of(builder)
            assert owner == main.proc.pid if server == "hypercorn" else owner in workers_of(main.proc.pid)
            os.kill(owner, signal.SIGKILL)
            left = gone_within([builder, *wizer], 3)
            assert not left, [(p, _cmdline(p)) for p in left]
        finally:
            client.close()


@pytest.mark.timeout(30)
def test_a_stopping_orphan_that_does_not_stop_exits_anyway_with_what_it_started(tmp_path):
    """The backstop (parent_watch._stop): a worker whose stop signal is never acted on (here:
    ignored) exits once its bound has passed, killing what it started, status 1."""
    import subprocess
    import sys

    script = ("import signal, subprocess, sys\n"
              "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              "print(child.pid, flush=True)\n"
              "from edge.server import parent_watch\n"
              "parent_watch._stop(1.0)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    try:
        child = int(proc.stdout.readline())  # type: ignore[union-attr]
        assert proc.wait(10) == 1
        assert not gone_within([child], 2)
        assert "did not stop within 1 s of its main process going away; it exits now" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        proc.kill()
