"""Operations: metrics, access log, health, graceful shutdown, overload."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from . import modules as M
from .conftest import free_ports, plain_http_tls
from .polling import eventually
from .test_pipeline import GENERATED_200, VALIDATION_CASES, start

SITE = Path(__file__).resolve().parents[1] / "samples" / "site"


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def settle(expected: dict[tuple[str, tuple[tuple[str, str], ...]], float], timeout: float = 5.0) -> dict:
    """The request path tallies metrics and writes them every FLUSH_INTERVAL: wait (bounded)
    until each named sample reaches its expected value, then return what was read."""
    deadline = time.monotonic() + timeout
    while True:
        seen = {key: sample(key[0], dict(key[1])) for key in expected}
        if seen == expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


OUTCOME_ROUTES = """
[[behaviors]]
path = "/ok"
origin = "api"
viewer_request = "gen"

[[behaviors]]
path = "/trap"
origin = "api"
viewer_request = "trap"

[[behaviors]]
path = "/fuel"
origin = "api"
viewer_request = "fuel"

[[behaviors]]
path = "/timeout"
origin = "api"
viewer_request = "slow"

[[behaviors]]
path = "/memory"
origin = "api"
viewer_request = "bomb"

[[behaviors]]
path = "/invalid"
origin = "api"
viewer_request = "invalid"
"""

LIMITS = """
[functions.fuel.limits]
fuel = 100000
[functions.slow.limits]
timeout_ms = 100
fuel = 1000000000000000
[functions.bomb.limits]
memory_bytes = 8388608
"""


def test_metrics_after_a_known_sequence_of_requests(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, OUTCOME_ROUTES, {
        "gen": GENERATED_200, "trap": M.UNREACHABLE, "fuel": M.INFINITE_LOOP, "slow": M.INFINITE_LOOP,
        "bomb": M.MEMORY_BOMB, "invalid": VALIDATION_CASES["status-range"],
    }, extra=LIMITS)
    expected = {"/ok": ("gen", "generated", 2), "/trap": ("trap", "trap", 1), "/fuel": ("fuel", "out_of_fuel", 1),
                "/timeout": ("slow", "timeout", 1), "/memory": ("bomb", "memory_limit", 1),
                "/invalid": ("invalid", "validation", 1)}
    before = {path: sample("edge_function_invocations_total",
                           {"function": fn, "alias": "latest", "event_type": "viewer-request", "outcome": outcome})
              for path, (fn, outcome, _) in expected.items()}
    req_before = sample("edge_requests_total", {"behavior": "/ok", "status_class": "2xx", "cache": "none"})
    err_before = sample("edge_requests_total", {"behavior": "/trap", "status_class": "5xx", "cache": "none"})
    hist_before = sample("edge_hook_duration_seconds_count", {"event_type": "viewer-request"})
    for path, (_, _, times) in expected.items():
        for _ in range(times):
            edge.get(path)
    want = {("edge_function_invocations_total", tuple({"function": fn, "alias": "latest", "event_type": "viewer-request",
                                                        "outcome": outcome}.items())): before[path] + times
            for path, (fn, outcome, times) in expected.items()}
    want[("edge_requests_total", tuple({"behavior": "/ok", "status_class": "2xx", "cache": "none"}.items()))] = req_before + 2
    want[("edge_requests_total", tuple({"behavior": "/trap", "status_class": "5xx", "cache": "none"}.items()))] = err_before + 1
    want[("edge_hook_duration_seconds_count", (("event_type", "viewer-request"),))] = hist_before + 7
    assert settle(want) == want


def test_limit_exceeded_is_counted(edge_factory, fresh_origin):
    edge = edge_factory(f"""
[origins.api]
url = "{fresh_origin.server.url}"
[origins.site]
root = "{SITE}"
[functions.busy]
source = "busy.wat"
concurrency = 1
limits = {{ fuel = 100000000000 }}
[[behaviors]]
path = "/busy/*"
origin = "api"
viewer_request = "busy"
cache = "disabled"
[[behaviors]]
path = "*"
origin = "site"
""", {"busy.wat": M.spin(150_000_000)}, queue_wait_ms=5)
    labels = {"function": "busy", "alias": "latest", "event_type": "viewer-request", "outcome": "limit_exceeded"}
    before = sample("edge_function_invocations_total", labels)
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda i: edge.get(f"/busy/{i}"), range(6)))
    limited = [r for r in replies if r.status_code == 503 and "retry-after" in r.headers]
    assert limited
    key = ("edge_function_invocations_total", tuple(labels.items()))
    assert settle({key: before + len(limited)}) == {key: before + len(limited)}
    assert edge.get("/index.html").status_code == 200  # the server is fine after the burst


def test_access_log_lines(edge_factory, fresh_origin, tmp_path):
    log_path = tmp_path / "access.log"
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/api/*"
origin = "api"
viewer_request = "vreq"
""", {"vreq": M.PASS_REQUEST}, access_log=str(log_path))
    r = edge.get("/api/thing?x=1")
    edge.get("/api/thing?x=1")
    deadline = time.monotonic() + 5
    lines: list[dict] = []
    while time.monotonic() < deadline and len(lines) < 2:
        lines = [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []
        time.sleep(0.05)
    first = lines[0]
    assert first["request_id"] == r.headers["x-amz-cf-id"]
    assert first["client_ip"] == "127.0.0.1" and first["method"] == "GET"
    assert first["host"].startswith("127.0.0.1:") and first["uri"] == "/api/thing" and first["querystring"] == "x=1"
    assert first["status"] == 200 and first["bytes"] == len(r.content)
    assert first["behavior"] == "/api/*" and first["cache"] == "miss" and first["result_type"] == "Miss"
    (hook,) = first["hooks"]
    assert hook["event_type"] == "viewer-request" and hook["function"] == "vreq" and hook["version"] == "1"
    assert hook["outcome"] == "ok" and hook["duration_ms"] > 0
    assert first["origin_status"] == 200 and first["origin_ms"] > 0 and first["total_ms"] >= first["origin_ms"]
    assert lines[1]["cache"] == "hit" and lines[1]["origin_status"] is None


# -- a real `edge serve` process ------------------------------------------------------------


def serve(tmp_path: Path, manifest: str, *args: str) -> tuple[subprocess.Popen, int, int]:
    (tmp_path / "m.toml").write_text(manifest)
    port, admin = free_ports(2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli.main", "serve", "-m", "m.toml", "--port", str(port),
         "--admin-port", str(admin), "--state-dir", "state", "--graceful-timeout", "10", *args],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return proc, port, admin


def wait_ready(proc: subprocess.Popen, admin: int) -> list[int]:
    """Poll readiness; returns the statuses seen (connection refused counts as 0)."""
    seen: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
        try:
            status = httpx.get(f"http://127.0.0.1:{admin}/readyz", timeout=1, verify=plain_http_tls()).status_code
        except httpx.HTTPError:
            status = 0
        seen.append(status)
        if status == 200:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"not ready in 30 s: {seen[-5:]}")


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def test_health_readiness_and_metrics_endpoint(tmp_path, origin):
    manifest = f'[origins.site]\nroot = "{SITE}"\n[[behaviors]]\npath = "*"\norigin = "site"\n'
    proc, port, admin = serve(tmp_path, manifest)
    try:
        seen = wait_ready(proc, admin)
        assert seen[-1] == 200 and all(s in (0, 503) for s in seen[:-1])
        assert httpx.get(f"http://127.0.0.1:{admin}/healthz").json()["status"] == "ok"
        for _ in range(3):
            assert httpx.get(f"http://127.0.0.1:{port}/robots.txt").status_code == 200
        text = httpx.get(f"http://127.0.0.1:{admin}/metrics").text
        assert 'edge_requests_total{behavior="*",cache="miss",status_class="2xx"}' in text or \
            'edge_requests_total{behavior="*",cache="hit",status_class="2xx"}' in text
        assert "edge_cache_entries" in text and 'edge_request_duration_seconds_count{behavior="*"}' in text
        assert 'edge_origin_duration_seconds_count{origin="site"}' in text  # which origin is slow, by name
    finally:
        kill(proc)


def test_metrics_need_the_token_probes_do_not(tmp_path):
    manifest = f'[origins.site]\nroot = "{SITE}"\n[[behaviors]]\npath = "*"\norigin = "site"\n'
    proc, port, admin = serve(tmp_path, manifest, "--admin-token", "t0ken")
    try:
        wait_ready(proc, admin)
        assert httpx.get(f"http://127.0.0.1:{admin}/metrics").status_code == 401
        ok = httpx.get(f"http://127.0.0.1:{admin}/metrics", headers={"Authorization": "Bearer t0ken"})
        assert ok.status_code == 200
    finally:
        kill(proc)


def test_sigterm_finishes_requests_in_flight_then_exits_0(tmp_path, fresh_origin):
    origin = fresh_origin
    manifest = f"""
[origins.api]
url = "{origin.server.url}"
[[behaviors]]
path = "*"
origin = "api"
cache = "disabled"
"""
    proc, port, admin = serve(tmp_path, manifest)
    try:
        wait_ready(proc, admin)
        with ThreadPoolExecutor(5) as pool:
            futures = [pool.submit(httpx.get, f"http://127.0.0.1:{port}/slow?s=1.0", timeout=20) for _ in range(5)]
            deadline = time.monotonic() + 15  # all five are waiting on the origin (a loaded machine: later)
            while origin.hits["/slow"] < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert origin.hits["/slow"] == 5
            os.killpg(proc.pid, signal.SIGTERM)
            replies = [f.result() for f in futures]
        assert [r.status_code for r in replies] == [200] * 5
        assert proc.wait(20) == 0
        # and it no longer accepts connections
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            accepted = True
        except httpx.HTTPError:
            accepted = False
        assert not accepted
    finally:
        kill(proc)


def test_metrics_are_one_view_across_worker_processes(tmp_path):
    manifest = f'[origins.site]\nroot = "{SITE}"\n[[behaviors]]\npath = "*"\norigin = "site"\ncache = "disabled"\n'
    proc, port, admin = serve(tmp_path, manifest, "--workers", "2")
    try:
        wait_ready(proc, admin)
        for _ in range(20):
            with httpx.Client(verify=plain_http_tls()) as client:  # a new connection each time: both workers serve
                assert client.get(f"http://127.0.0.1:{port}/robots.txt").status_code == 200
        deadline = time.monotonic() + 5  # each worker writes its tallies every 0.25 s
        while True:
            total = 0.0
            for line in httpx.get(f"http://127.0.0.1:{admin}/metrics", verify=plain_http_tls()).text.splitlines():
                if line.startswith("edge_requests_total{"):
                    total += float(line.rsplit(" ", 1)[1])
            if total == 20 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert total == 20
    finally:
        kill(proc)


def test_metric_tallies_write_what_direct_observation_would():
    """The request path tallies (edge/ops/metrics.py); a flush must equal observing each value."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from edge.ops.metrics import LATENCY_BUCKETS, _Tally

    registry = CollectorRegistry()
    tallied = Histogram("tallied", "t", ["k"], buckets=LATENCY_BUCKETS, registry=registry)
    direct = Histogram("direct", "d", ["k"], buckets=LATENCY_BUCKETS, registry=registry)
    counter = Counter("hits", "h", registry=registry)
    values = [0.0, 0.0005, 0.00051, 0.001, 0.3, 5, 30, 31, 1e9, 0.0005]
    tally = _Tally()
    for v in values:
        tally.observe(tallied.labels("a"), v)
        direct.labels("a").observe(v)
        tally.inc(counter)
    assert registry.get_sample_value("hits_total") == 0  # nothing written before the flush
    tally.flush()
    for bound in [*map(str, LATENCY_BUCKETS), "+Inf"]:
        bound = bound if bound == "+Inf" else repr(float(bound))
        assert registry.get_sample_value("tallied_bucket", {"k": "a", "le": bound}) == registry.get_sample_value(
            "direct_bucket", {"k": "a", "le": bound}
        ), bound
    assert registry.get_sample_value("tallied_sum", {"k": "a"}) == pytest.approx(sum(values))
    assert registry.get_sample_value("tallied_count", {"k": "a"}) == len(values)
    assert registry.get_sample_value("hits_total") == len(values)
    tally.flush()  # a second flush adds nothing
    assert registry.get_sample_value("hits_total") == len(values)


def test_a_server_process_freezes_what_boot_allocated():
    """`edge serve`'s workers move boot's objects out of the collector's way (server/heap.py);
    in its own process, since a frozen object is never collected again."""
    code = ("import gc; from edge.server import app, heap; n = heap.settle(); "
            "assert n > 10_000 and gc.get_freeze_count() == n, n; print(n)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000


def test_a_deleted_functions_pool_gauge_goes_away(tmp_path):
    from .control_helpers import ControlServer, generated, manifest_text

    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        server.deploy("pooled", generated("x"), settings='{"prewarm": 3}')
        server.associate("/fn/*", "pooled")  # a worker loads (and keeps ready) what behaviors route to

        def ready() -> float | None:
            text = server.admin.get("/metrics").text
            line = next((x for x in text.splitlines() if x.startswith('edge_instance_pool_ready{function="pooled"}')), None)
            return None if line is None else float(line.rsplit(" ", 1)[1])

        # (each hook class it may serve keeps its own); loaded as the change applies, just after it is stored
        assert eventually(lambda: (ready() or 0) >= 3, timeout=10), ready()
        unrouted = [b for b in server.admin.get("/v1/behaviors").json()["behaviors"] if b["path"] != "/fn/*"]
        assert server.admin.put("/v1/behaviors", json={"behaviors": unrouted}).status_code == 200  # deletable now
        assert server.admin.delete("/v1/functions/pooled").status_code in (200, 204)
        assert eventually(lambda: ready() in (None, 0.0), timeout=10), ready()
    finally:
        server.stop()
