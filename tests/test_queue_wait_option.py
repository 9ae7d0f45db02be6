"""`edge serve --queue-wait`: how long a request waits for its function's capacity (1 s by default)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from . import modules as M
from .conftest import plain_http_tls
from .test_hardening_http import start, stop


def test_no_wait_refuses_a_burst_beyond_the_functions_concurrency_at_once(tmp_path, origin):
    (tmp_path / "busy.wat").write_text(M.spin(30_000_000))  # ~0.1 s, past the inline fuel: on threads, two at a time
    manifest = (f'[origins.o]\nurl = "{origin.server.url}"\n[functions.busy]\nsource = "busy.wat"\n'
                '[[behaviors]]\npath = "*"\norigin = "o"\ncache = "disabled"\nviewer_request = "busy"\n')
    served = start(tmp_path, "granian", "--queue-wait", "0", manifest=manifest)
    try:
        url = f"http://127.0.0.1:{served.port}"
        # one client for all: a client each would make an SSL context each (~30 ms of CPU under the
        # GIL), spreading the requests out until they hardly overlapped on a loaded machine
        with httpx.Client(timeout=30, verify=plain_http_tls(), limits=httpx.Limits(max_connections=12)) as client:
            client.get(f"{url}/warm")
            with ThreadPoolExecutor(12) as pool:
                replies = list(pool.map(lambda i: client.get(f"{url}/{i}"), range(12)))
        throttled = [r for r in replies if r.status_code == 503]
        assert throttled and all(r.headers["x-cache"] == "LambdaLimitExceeded from edge" for r in throttled)
    finally:
        stop(served.proc)


def test_a_queue_wait_out_of_range_is_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "edge.cli.main", "serve", "--queue-wait", "-1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "--queue-wait" in done.stderr, done.stderr
