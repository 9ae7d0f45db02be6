"""Cache invalidation through the admin API: purge by path pattern, in every worker."""

from __future__ import annotations

import time

import httpx

from .conftest import plain_http_tls
from .control_helpers import ControlServer, ServeProcess, manifest_text, serving


def test_invalidation_purges_matching_paths(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        for path in ("/robots.txt", "/images/pixel.gif", "/index.html"):
            server.edge.get(path)
            assert server.edge.get(path).headers["x-cache"] == "Hit from edge"
        r = server.admin.post("/v1/invalidations", json={"paths": ["/images/*", "*.txt"]})
        assert r.status_code == 201, r.text
        assert r.json()["paths"] == ["/images/*", "*.txt"] and r.json()["id"] >= 1
        assert server.edge.get("/robots.txt").headers["x-cache"] == "Miss from edge"
        assert server.edge.get("/images/pixel.gif").headers["x-cache"] == "Miss from edge"
        assert server.edge.get("/index.html").headers["x-cache"] == "Hit from edge"
    finally:
        server.stop()


def test_bad_invalidations_are_400_with_nothing_done(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        server.edge.get("/robots.txt")
        for body in ({}, {"paths": []}, {"paths": "/x"}, {"paths": ["bad pattern with spaces"]},
                     {"paths": ["/ok"] * 3001}):
            r = server.admin.post("/v1/invalidations", json=body)
            assert r.status_code == 400, (body, r.text)
            assert r.json()["error"]["message"]
        assert server.admin.post("/v1/invalidations", content=b"{not json").status_code == 400
        assert server.edge.get("/robots.txt").headers["x-cache"] == "Hit from edge"
        assert httpx.post(f"{server.admin_url}/v1/invalidations", json={"paths": ["/*"]}).status_code == 401
    finally:
        server.stop()


def test_invalidation_reaches_every_worker_process(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--workers", "2") as proc:
        proc.wait_ready()
        url = f"http://127.0.0.1:{proc.port}/robots.txt"

        def warm_everywhere() -> None:
            hits = 0
            deadline = time.monotonic() + 20
            while hits < 10 and time.monotonic() < deadline:  # both workers have it cached
                with httpx.Client(verify=plain_http_tls()) as c:
                    hits = hits + 1 if c.get(url).headers["x-cache"] == "Hit from edge" else 0

        warm_everywhere()
        with proc.admin() as admin:
            assert admin.post("/v1/invalidations", json={"paths": ["/robots.txt"]}).status_code == 201
        time.sleep(1.0)  # the other worker's watcher applies it within its poll interval
        results = []
        for _ in range(40):  # new connections: both workers answer
            with httpx.Client(verify=plain_http_tls()) as c:
                results.append(c.get(url).headers["x-cache"])
        assert results.count("Miss from edge") == 2  # exactly one miss per worker, then hits
