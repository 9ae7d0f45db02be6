"""What the `edge` command line loads: only what the chosen command needs.

Every `edge` command imports every command's module (the dispatcher, and the project's
defaults matched to every command's options), so those modules declare their options with
click alone and import their implementation when they run. `edge --help` or an admin command
must not load the Wasm runtime or the server; the main process of `edge serve`, which checks
the configuration and starts the workers, must not load the app that serves requests.
Checked by the modules a real process holds at its exit, not by timing it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from edge.server.app import OPTIONS_ENV as APP_OPTIONS_ENV
from edge.server.options_env import OPTIONS_ENV

from .conftest import free_port
from .control_helpers import SITE

# runs `edge ARGS...` as the console script does; at exit, writes the modules it imported
RECORDING_EDGE = (
    "import atexit, json, os, sys\n"
    "def record():\n"
    "    with open(os.environ['EDGE_TEST_MODULES'], 'w') as out:\n"
    "        json.dump(sorted(sys.modules), out)\n"
    "atexit.register(record)\n"
    "from edge.cli.entry import main\n"
    "main()\n"
)
SERVER_STACK = ("wasmtime", "httpx", "starlette", "hypercorn", "granian", "prometheus_client",
                "edge.pipeline", "edge.runtime", "edge.server", "edge.control", "edge.upstream", "edge.cache")
REQUEST_PATH = ("edge.server.app", "edge.server.handler", "edge.server.sending")


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Those of `names` (packages: with any of their submodules) that are in `modules`."""
    return sorted({name for name in names for module in modules if module == name or module.startswith(name + ".")})


def run_edge(tmp_path: Path, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    record = tmp_path / f"modules-{time.monotonic_ns()}.json"
    done = subprocess.run([sys.executable, "-c", RECORDING_EDGE, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path, env={**os.environ, "EDGE_TEST_MODULES": str(record)},
                          check=False)
    return done, json.loads(record.read_text())


def test_importing_the_command_line_loads_no_command_implementation():
    code = "import json, sys; import edge.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    modules = json.loads(done.stdout)
    assert "edge.cli.serve" in modules and "edge.cli.deploy" in modules  # every command is declared
    assert loaded(modules, SERVER_STACK) == []


def test_help_of_the_command_line_and_of_each_kind_of_command_loads_no_server(tmp_path):
    for args in (["--help"], ["logs", "--help"], ["versions", "--help"], ["serve", "--help"],
                 ["generate-event", "--help"], ["invoke", "--help"]):
        done, modules = run_edge(tmp_path, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.startswith("Usage: edge"), args
        assert loaded(modules, SERVER_STACK) == [], args


def test_an_admin_command_loads_its_http_client_but_not_the_runtime_or_the_server(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: the command's one-line error
    for args in (["versions", "fn", "--server", closed], ["logs", "fn", "--server", closed],
                 ["deploy", str(SITE / "index.html"), "--name", "fn", "--server", closed]):
        done, modules = run_edge(tmp_path, *args)
        assert done.returncode == 1 and "cannot reach the admin API" in done.stderr, (args, done.stderr)
        assert "httpx" in modules, args
        assert loaded(modules, ("wasmtime", "edge.runtime", "edge.server", "edge.pipeline", "starlette")) == [], args


RECORD = {"time": 1700000000.5, "function": "fn", "version": "3", "request_id": "r-1", "event_type": "viewer-request",
          "level": "INFO", "message": "hello from fn"}


class _AdminStub(BaseHTTPRequestHandler):
    """The two admin API answers `edge logs fn` reads: the function exists, and one record."""

    def do_GET(self) -> None:
        body = {"records": [RECORD]} if urlsplit(self.path).path == "/v1/logs" else {"name": "fn"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_edge_logs_prints_records_without_loading_the_runtime(tmp_path):
    """Records are formatted by control/logs.py, which takes the outcome types from the runtime
    package: its names are imported when first used, so none of them loads wasmtime."""
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _AdminStub)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        done, modules = run_edge(tmp_path, "logs", "fn", "--server", f"http://127.0.0.1:{stub.server_port}")
    finally:
        stub.shutdown()
        stub.server_close()
        thread.join(10)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "fn:3\t2023-11-14T22:13:20.500Z\tr-1\tINFO\thello from fn\n", done.stdout
    assert "edge.control.logs" in modules and "edge.runtime.outcome" in modules
    assert loaded(modules, ("wasmtime", "edge.runtime.engine", "edge.runtime.capi", "edge.server", "edge.pipeline",
                            "starlette")) == []


def test_the_runtime_packages_outcome_and_limit_types_load_no_engine():
    code = ("import json, sys; from edge.runtime import ErrorKind, FunctionConfig, Limits, LogLine, Outcome; "
            "import edge.control.logs; print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    modules = json.loads(done.stdout)
    assert [m for m in modules if m.startswith("edge.runtime")] == ["edge.runtime", "edge.runtime.limits",
                                                                     "edge.runtime.outcome"]
    assert "wasmtime" not in modules
    # the engine's names still come from the package, loaded when asked for
    code = "from edge.runtime import Runtime, capi; import sys; print(Runtime.__module__, 'wasmtime' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["edge.runtime.runtime", "True"]


def test_generate_event_loads_the_event_builder_but_not_the_runtime_or_the_server(tmp_path):
    done, modules = run_edge(tmp_path, "generate-event", "viewer-request", "--uri", "/a?b=1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Records"][0]["cf"]["request"]["querystring"] == "b=1"
    assert "edge.pipeline.events" in modules
    assert loaded(modules, ("wasmtime", "edge.runtime", "edge.server", "httpx", "starlette")) == []


def test_the_main_process_of_edge_serve_starts_workers_without_loading_the_app(tmp_path):
    """Granian's workers import the app (edge.server.sidecar:granian_app); the main process
    checks the manifest, the store and the ports, and starts them."""
    (tmp_path / "edge.toml").write_text(f'[origins.site]\nroot = "{SITE}"\n\n[[behaviors]]\npath = "*"\norigin = "site"\n')
    port, admin_port = free_port(), free_port()
    record = tmp_path / "modules.json"
    server = subprocess.Popen(
        [sys.executable, "-c", RECORDING_EDGE, "serve", "-m", "edge.toml", "--port", str(port), "--admin-port",
         str(admin_port), "--state-dir", str(tmp_path / "state")],
        cwd=tmp_path, env={**os.environ, "EDGE_TEST_MODULES": str(record)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # until a worker answers: the main process has done all it does before serving
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "edge serve did not get ready in 60 s"
            try:
                if httpx.get(f"http://127.0.0.1:{admin_port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/index.html", timeout=10).status_code == 200
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    modules = json.loads(record.read_text())
    assert "edge.server.servers" in modules and "granian" in modules
    assert loaded(modules, REQUEST_PATH) == []
    # nor the request path's machinery: the options, the manifest and the store are read without it
    assert loaded(modules, ("wasmtime", "httpx", "starlette", "edge.pipeline", "edge.runtime", "edge.upstream",
                            "edge.cache")) == []


def test_a_worker_spawned_from_python_m_edge_cli_entry_loads_no_command():
    """multiprocessing's spawn imports the module the main process was started from again, as
    __mp_main__, in every worker: `edge dev` starts its server as `python -m edge.cli.entry`."""
    code = ("import json, runpy, sys; ran = runpy.run_module('edge.cli.entry', run_name='__mp_main__', alter_sys=True); "
            "print(json.dumps(sorted(sys.modules))); print(callable(ran['main']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    listed, ran = done.stdout.splitlines()
    modules = json.loads(listed)
    assert ran == "True" and "edge.cli" in modules  # the module ran (as multiprocessing runs it)
    assert loaded(modules, ("click", "edge.cli.main", "edge.cli.serve", *SERVER_STACK)) == []


def test_the_options_reach_the_workers_under_the_name_the_app_reads():
    assert OPTIONS_ENV == APP_OPTIONS_ENV
