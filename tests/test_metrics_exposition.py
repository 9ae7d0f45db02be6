"""What a Prometheus scrape of the admin listener gets: counters named `_total` (the cache's
too), no `_created` series, and invocation series that do not grow with every deploy."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from .conftest import plain_http_tls
from .control_helpers import ControlServer, generated, manifest_text, serving

DEPLOYS = 6


def series(text: str, name: str) -> dict[str, float]:
    """labels text -> value for every sample of `name` (exact name, any labels)."""
    out = {}
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
        if match:
            out[match.group(1) or ""] = float(match.group(2))
    return out


def _exercise(edge: httpx.Client, admin: httpx.Client) -> int:
    """Deploy DEPLOYS versions behind alias `live`, each serving requests until every worker has
    it; cached static pages. Returns how many answers the function generated."""
    behaviors = admin.get("/v1/behaviors").json()["behaviors"]
    generated_answers = 0
    for number in range(1, DEPLOYS + 1):
        r = admin.post("/v1/functions/gen/versions", content=generated(f"v{number}").encode(), params={"alias": "live"})
        assert r.status_code == 201, r.text
        if number == 1:
            behaviors.insert(0, {"path": "/fn", "origin": "site", "cache": "disabled", "viewer_request": "gen:live"})
            assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200
        streak, deadline = 0, time.monotonic() + 10
        while streak < 3:  # other workers follow the store within ~100 ms
            assert time.monotonic() < deadline, "the new version did not reach every worker"
            with httpx.Client(base_url=str(edge.base_url), timeout=10, verify=plain_http_tls()) as fresh:  # a new connection: any worker
                text = fresh.get("/fn").text
            generated_answers += bool(re.fullmatch(r"v\d+", text))
            streak = streak + 1 if text == f"v{number}" else 0
    for _ in range(4):
        assert edge.get("/robots.txt").status_code == 200  # a miss, then hits (per worker)
    return generated_answers


def _gen_series(text: str) -> dict[frozenset, float]:
    invocations = series(text, "edge_function_invocations_total")
    return {frozenset(re.findall(r'(\w+)="([^"]*)"', labels)): value
            for labels, value in invocations.items() if 'function="gen"' in labels}


def _check(text: str, answers: int, baseline: str = "") -> None:
    """`baseline`: a scrape before the exercise (the registry is per process, and other tests in
    this process may have counted a function of the same name)."""
    assert "_created" not in text
    assert re.search(r"^# TYPE edge_cache_hits(_total)? counter$", text, re.M)
    assert re.search(r"^# TYPE edge_cache_lookups(_total)? counter$", text, re.M)
    hits = series(text, "edge_cache_hits_total")[""] - series(baseline, "edge_cache_hits_total").get("", 0.0)
    lookups = series(text, "edge_cache_lookups_total")[""] - series(baseline, "edge_cache_lookups_total").get("", 0.0)
    assert lookups >= 4 and 1 <= hits < lookups
    before = _gen_series(baseline)
    gen = {labels: value - before.get(labels, 0.0) for labels, value in _gen_series(text).items()}
    gen = {labels: value for labels, value in gen.items() if value}
    wanted = {"function": "gen", "alias": "live", "event_type": "viewer-request", "outcome": "generated"}
    assert gen == {frozenset(wanted.items()): answers}
    assert "version=" not in "".join(series(text, "edge_function_invocations_total"))


def test_scrape_in_one_process(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        baseline = server.admin.get("/metrics").text
        answers = _exercise(server.edge, server.admin)
        before = server.admin.get("/metrics").text
        _check(before, answers, baseline)
        server.edge.get("/robots.txt")
        after = server.admin.get("/metrics").text
        assert series(after, "edge_cache_hits_total")[""] == series(before, "edge_cache_hits_total")[""] + 1
    finally:
        server.stop()


@pytest.mark.timeout(180)
def test_scrape_across_worker_processes(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--workers", "2") as server:
        server.wait_ready()
        with server.admin() as admin, httpx.Client(base_url=server.url, timeout=30) as edge:
            answers = _exercise(edge, admin)
            # other workers write their tallies every 0.25 s and gauges every second
            deadline = time.monotonic() + 10
            while True:
                text = admin.get("/metrics").text
                try:
                    _check(text, answers)
                    memory, cpu = series(text, "edge_worker_resident_memory_bytes"), series(text, "edge_worker_cpu_seconds")
                    assert len(memory) == 2 and len(cpu) == 2, (memory, cpu)  # each worker's own, by pid
                    assert all('pid="' in labels for labels in memory) and all(v > 1e6 for v in memory.values())
                    assert all(v > 0 for v in cpu.values())
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
