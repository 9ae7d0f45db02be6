"""Deploy benchmark: how long from uploading a module until a request through an alias is
answered by it. Run: python -m bench.deploy

A real server (Hypercorn, edge + admin listeners on 127.0.0.1, a SQLite store in a temp
dir) runs in a thread of this process; the client is httpx on loopback. Measured:

- deploy-to-serve: POST a new ~100 KB module with ?alias=live, then GET a path whose
  viewer-request association is fn:live, until that response (which names the module's tag)
  arrives. Every iteration uploads bytes never seen before, so the server compiles.
- re-deploy of already-stored bytes, until served through the alias:
  * identical to the latest version (the server answers with that version, created=false),
  * stored bytes published as a new version while their compiled module is still loaded,
  * stored bytes published as a new version after their old version was unloaded (the
    precompiled artifact is read from disk and deserialized),
- propagation (optional, --workers N): `edge serve --workers N` as a child process; after
  the deploy's answer, how long until new connections to every worker get the new version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from edge.runtime.capi import WASMTIME_VERSION
from edge.runtime.module import to_wasm

SITE = Path(__file__).resolve().parents[1] / "samples" / "site"
TOKEN = "bench-token"


def module(tag: str, functions: int = 755) -> bytes:
    """A reactor of about 100 KB of code (`functions` small arithmetic functions, all
    compiled) whose handler answers with a generated response naming `tag`."""
    body = json.dumps({"status": "200", "statusDescription": "OK", "headers": {}, "body": tag}).encode()
    escaped = "".join(f"\\{b:02x}" for b in body)
    chain = " ".join(f"(i32.add (i32.const {k})) (i32.mul (i32.const {k + 3})) (i32.xor (local.get $x))"
                     for k in range(12))
    funcs = "\n".join(
        f"(func $f{i} (param $x i32) (result i32) (local.get $x) {chain} (call $g (i32.const {i})) (i32.add))"
        for i in range(functions)
    )
    wat = f"""
(module
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const 64) "{escaped}")
  (func $g (param i32) (result i32) (local.get 0))
  {funcs}
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param $n i32) (result i32) (global.get $heap))
  (func (export "edge_handle") (param $p i32) (param $n i32) (result i64)
    (drop (call $f0 (local.get $n)))
    (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const {len(body)}))))
"""
    return to_wasm(wat)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_manifest(directory: Path) -> Path:
    path = directory / "manifest.toml"
    path.write_text(f'[origins.site]\nroot = "{SITE}"\n\n[[behaviors]]\npath = "*"\norigin = "site"\n')
    return path


class InProcessServer:
    def __init__(self, directory: Path, **options) -> None:  # type: ignore[no-untyped-def]
        from edge.server.app import create_app
        from edge.server.state import ServerOptions

        self.port, self.admin_port = free_port(), free_port()
        self.options = ServerOptions(
            manifest=str(write_manifest(directory)), state_dir=str(directory / "state"),
            admin_host="127.0.0.1", admin_port=self.admin_port, admin_token=TOKEN, **options,
        )
        self.app = create_app(self.options)
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        from hypercorn.asyncio import serve

        from edge.server.listeners import hypercorn_config

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        config = hypercorn_config(self.options, "127.0.0.1", self.port)
        config.loglevel = "WARNING"
        await serve(self.app, config, shutdown_trigger=self._stop.wait)

    def __enter__(self) -> "InProcessServer":
        self._thread.start()
        wait_ready(f"http://127.0.0.1:{self.admin_port}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def wait_ready(admin_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(admin_url + "/v1/status", headers=auth(), timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {admin_url} not ready")


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def setup_alias(admin: httpx.Client, first: bytes) -> None:
    r = admin.post("/v1/functions/fn/versions", content=first, params={"alias": "live"})
    r.raise_for_status()
    behaviors = [{"path": "/fn", "origin": "site", "cache": "disabled", "viewer_request": "fn:live"},
                 {"path": "*", "origin": "site"}]
    admin.put("/v1/behaviors", json={"behaviors": behaviors}).raise_for_status()


def deploy_and_serve(admin: httpx.Client, edge: httpx.Client, wasm: bytes, tag: str,
                     settings: str | None = None) -> tuple[float, dict]:
    """Milliseconds from the start of the upload until the alias serves `tag`."""
    headers = {"X-Edge-Settings": settings} if settings else {}
    started = time.perf_counter()
    r = admin.post("/v1/functions/fn/versions", content=wasm, params={"alias": "live"}, headers=headers)
    r.raise_for_status()
    served = edge.get("/fn")
    elapsed = (time.perf_counter() - started) * 1000
    if served.text != tag:
        raise RuntimeError(f"expected {tag!r} through the alias, got {served.status_code} {served.text[:80]!r}")
    return elapsed, r.json()


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def in_process(n: int) -> dict[str, object]:
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp, InProcessServer(Path(tmp), retire_after=0.0) as server:
        admin = httpx.Client(base_url=f"http://127.0.0.1:{server.admin_port}", headers=auth(), timeout=60)
        edge = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60)
        setup_alias(admin, module("warmup"))
        edge.get("/fn")
        size = len(module("x"))
        fresh, compile_ms = [], []
        for i in range(n):
            tag = f"fresh-{i}"
            ms, answer = deploy_and_serve(admin, edge, module(tag), tag)
            fresh.append(ms)
            compile_ms.append(answer["compile_ms"])
        results["module_bytes"] = size
        results["deploy_to_serve"] = summary(fresh)
        results["server_compile"] = summary(compile_ms)

        stored = module("stored")
        deploy_and_serve(admin, edge, stored, "stored")
        identical = [deploy_and_serve(admin, edge, stored, "stored")[0] for _ in range(n)]
        results["redeploy_identical"] = summary(identical)

        # Same bytes, a new version each time (settings differ), compiled module still in memory.
        warm = []
        for i in range(n):
            settings = json.dumps({"env": {"ITERATION": str(i)}})
            ms, answer = deploy_and_serve(admin, edge, stored, "stored", settings)
            assert answer["created"], answer
            warm.append(ms)
        results["redeploy_new_version_in_memory"] = summary(warm)

        # Stored bytes whose versions were all unloaded (retire_after=0): read the artifact from disk.
        cold = []
        other = module("other")
        deploy_and_serve(admin, edge, other, "other")
        for i in range(n):
            tag = "stored" if i % 2 == 0 else "other"
            wasm = stored if tag == "stored" else other
            settings = json.dumps({"env": {"COLD": str(i)}})
            time.sleep(0.25)  # the watcher's next tick unloads the version no longer active
            ms, answer = deploy_and_serve(admin, edge, wasm, tag, settings)
            assert answer["from_artifact"], answer
            cold.append(ms)
        results["redeploy_new_version_from_artifact"] = summary(cold)
        admin.close()
        edge.close()
    return results


def propagation(workers: int, n: int) -> dict[str, object]:
    """Milliseconds from the deploy's answer until new connections to every worker get it."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        port, admin_port = free_port(), free_port()
        cmd = [sys.executable, "-m", "edge.cli.main", "serve", "-m", str(write_manifest(directory)),
               "--state-dir", str(directory / "state"), "--port", str(port), "--admin-port", str(admin_port),
               "--workers", str(workers)]
        proc = subprocess.Popen(cmd, env=dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(f"http://127.0.0.1:{admin_port}")
            admin = httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", headers=auth(), timeout=60)
            setup_alias(admin, module("p-warmup"))
            samples = []
            for i in range(n):
                tag = f"p-{i}"
                admin.post("/v1/functions/fn/versions", content=module(tag), params={"alias": "live"}).raise_for_status()
                answered = time.perf_counter()
                seen: dict[str, str] = {}
                while len(seen) < workers or set(seen.values()) != {tag}:
                    if time.perf_counter() - answered > 10:
                        raise RuntimeError(f"not propagated in 10 s: {seen}")
                    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                        r = client.get("/fn", headers={"Connection": "close"})
                    seen[r.headers["via"]] = r.text
                samples.append((time.perf_counter() - answered) * 1000)
            admin.close()
            return {"workers": workers, "all_workers_serve_after_answer": summary(samples)}
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20, help="iterations per measurement")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for propagation (0: skip)")
    parser.add_argument("--json", type=Path, help="also write results here")
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "python": platform.python_version(),
        "wasmtime": WASMTIME_VERSION,
    }
    results.update(in_process(args.n))
    if args.workers > 1:
        results["propagation"] = propagation(args.workers, max(5, args.n // 2))
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
